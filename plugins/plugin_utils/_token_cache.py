# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The controller-side token cache behind the iots_bearer lookup.

Ansible forks a fresh worker for every (host, task) and runs the lookup there, so a token can
only be shared through the file system. Three tiers, read in this order:

* memory: this process; serves every item of one (host, task) loop;
* per-run: files under Ansible's local temp dir, which the main process creates (0700) and
  deletes at the end of the run; every fork of the run sees the same directory;
* persistent (opt-in): files in a private directory that outlive the run, vault-encrypted
  when the run has a vault secret.

A miss takes a per-key ``flock`` and reads again before it fetches, so one fork fetches while
the others wait and then read its result (single-flight). A failed fetch is remembered for
``NEGATIVE_TTL`` seconds in the per-run tier, so many hosts do not each wait out a timeout; it is
kept beside the entry's token, never instead of it, so a reader for whom that token is still
usable gets the token, and only the readers that would fetch get the failure. The persistent
tier (directory, vault secret) is opened only when the per-run tier misses.

Files are written and read through ``_private_files`` and encrypted through ``_vault_secrets``;
only the standard library is imported: the cache-hit path must stay cheap.
"""

import contextlib
import hashlib
import json
import os
import time
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.wso2.iots.plugins.plugin_utils._private_files import (
    LockTimeout,
    UnusableDirectory,
    ensure_private_directory,
    exclusive_lock,
    read_private_file,
    seconds,
    write_private_file,
)
from ansible_collections.wso2.iots.plugins.plugin_utils._vault_secrets import (
    NoVaultSecret,
    VaultCodec,
    choose_vault_secret,
    is_vault_data,
)

SCHEMA_VERSION = 1
DEFAULT_REFRESH_BEFORE = 300
# How long a failed fetch is answered from the cache (azure-identity waits 30 s too).
NEGATIVE_TTL = 30
PER_RUN_DIR_NAME = 'wso2_iots_bearer'
ENTRY_SUFFIX = '.json'
LOCK_SUFFIX = '.lock'
CACHE_MODES = ('per_run', 'persistent', 'none')
ENCRYPT_MODES = ('auto', 'required')
_DEFAULT_PORTS = {'http': 80, 'https': 443}
_SUPER_TENANT_SUFFIX = '@carbon.super'

# Tier 0: what this process already read or fetched, by cache key.
_MEMORY = {}


class TokenCacheError(Exception):
    """Something the cache itself could not do; the message is meant for the user."""


class FetchError(TokenCacheError):
    """The fetch failed; the per-run tier remembers the message for NEGATIVE_TTL seconds."""


class RememberedFetchError(FetchError):
    """A recent fetch for the same key failed; answered from the cache without a request."""


class TokenLockTimeout(TokenCacheError):
    """Another process held the key's lock for longer than lock_timeout."""


# ---------------------------------------------------------------------------- keys and expiry


def normalize_token_url(url):
    """The token URL in one spelling for the key: lower-case scheme and host, no default port, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or '').lower()
    if ':' in host:
        host = '[%s]' % host
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else '%s:%d' % (host, port)
    return urlunsplit((scheme, netloc, parts.path.rstrip('/'), '', ''))


def normalize_username(username):
    """``admin`` and ``admin@carbon.super`` are the same IoTS user, so they share one key."""
    if username and username.lower().endswith(_SUPER_TENANT_SUFFIX):
        return username[: -len(_SUPER_TENANT_SUFFIX)]
    return username or ''


def cache_key(token_url, grant_type, username, client_id, scopes):
    """sha256 of what identifies a token: where, how, who, for which client and which scopes.

    Secrets are not part of the key: after a rotation use force_refresh or delete the cache.
    File names are this hash, so user names and scopes never appear in a directory listing.
    """
    material = json.dumps(
        ['v%d' % SCHEMA_VERSION, normalize_token_url(token_url), grant_type, normalize_username(username), client_id or '', sorted(set(scopes or ()))],
        separators=(',', ':'),
    )
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


def usable_until(obtained_at, expires_in, refresh_before=DEFAULT_REFRESH_BEFORE):
    """The moment a token stops being handed out: ``refresh_before`` seconds before it expires.

    Clamped to half the lifetime: IoTS reports a reused token's ``expires_in`` as its remaining
    lifetime minus 300 s, which can be shorter than ``refresh_before``; without the clamp such a
    token would never be usable and every call would fetch again.
    """
    return obtained_at + expires_in - min(refresh_before, expires_in / 2.0)


def token_entry(key, token):
    """The cache entry for a token dict from ``_oauth.grant``. The refresh token is left out on purpose.

    A refresh grant deactivates the previous access token, which other runs may still hold;
    a password or client_credentials grant returns the active token instead, so it is the safe
    way to renew, and not storing the refresh token keeps less secret material at rest.
    """
    # Only what a reader reads: is_usable (obtained_at, expires_in), the lookup (access_token,
    # scopes) and _valid_entry (v, key). Each reader applies its own refresh_before.
    entry = {
        'v': SCHEMA_VERSION,
        'key': key,
        'access_token': token['access_token'],
        'scopes': list(token.get('scopes') or []),
        'obtained_at': float(token['obtained_at']),
        'expires_in': int(token['expires_in']),
    }
    # Which registered application and client the token came from, when the lookup registered it:
    # public identifiers that let forget_other_clients find tokens of replaced keys.
    for name in ('application', 'client_id'):
        if token.get(name):
            entry[name] = token[name]
    return entry


def failure_entry(key, message, now, current=None):
    """The entry that remembers a failed fetch: ``current``'s token, if it has one, stays in it."""
    entry = dict(current) if current and 'access_token' in current else {'v': SCHEMA_VERSION, 'key': key}
    entry.update(error=message, failed_at=now, retry_after=now + NEGATIVE_TTL)
    return entry


def is_usable(entry, now, refresh_before=DEFAULT_REFRESH_BEFORE, not_before=None):
    """True for a token entry that may still be handed out (the reader's ``refresh_before`` applies)."""
    if not entry or 'access_token' not in entry:
        return False
    if not_before is not None and entry['obtained_at'] < not_before:
        return False
    return usable_until(entry['obtained_at'], entry['expires_in'], refresh_before) > now


def is_remembered_failure(entry, now, not_before=None):
    if not entry or 'error' not in entry:
        return False
    if not_before is not None and entry['failed_at'] < not_before:
        return False
    return entry['retry_after'] > now


def _valid_entry(data, key):
    """The entry if ``data`` is a well-formed entry for ``key`` of this schema, else None (a miss).

    An entry holds a token, a remembered failure, or both (a failure beside a token it did not replace).
    """
    if not isinstance(data, dict) or data.get('v') != SCHEMA_VERSION or data.get('key') != key:
        return None
    if 'error' not in data and 'access_token' not in data:
        return None
    numbers = (int, float)
    if 'error' in data and not (isinstance(data['error'], str) and isinstance(data.get('failed_at'), numbers) and isinstance(data.get('retry_after'), numbers)):
        return None
    if 'access_token' in data and not (
        isinstance(data['access_token'], str)
        and data['access_token']
        and isinstance(data.get('obtained_at'), numbers)
        and not isinstance(data.get('obtained_at'), bool)
        and isinstance(data.get('expires_in'), int)
        and not isinstance(data.get('expires_in'), bool)
        and data['expires_in'] > 0
        and isinstance(data.get('scopes', []), list)
    ):
        return None
    return data


# ---------------------------------------------------------------------------- one tier on disk


def per_run_directory(local_tmp):
    """The per-run tier's directory inside Ansible's per-run local temp dir (C.DEFAULT_LOCAL_TMP)."""
    return os.path.join(local_tmp, PER_RUN_DIR_NAME)


def default_persistent_directory(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'wso2.iots', 'iots_bearer')


class DiskTier(object):
    """One cache tier: a private directory with ``<key>.json`` entries and ``<key>.lock`` files.

    ``vault`` (a VaultCodec) decrypts encrypted entries and, when it has a chosen secret,
    encrypts what is written; such a tier never replaces an encrypted entry by plaintext.
    ``remembers_failures`` marks the tier that keeps failed fetches (the per-run one only: a
    failure must not outlive the run).
    """

    def __init__(self, path, name, vault=None, remembers_failures=False):
        self.path = path
        self.name = name
        self.vault = vault
        self.remembers_failures = remembers_failures

    def _file(self, key, suffix):
        return os.path.join(self.path, key + suffix)

    def _read_bytes(self, key):
        return read_private_file(self._file(key, ENTRY_SUFFIX))

    def read(self, key):
        """The entry for ``key``, or None: missing, corrupt, foreign and undecryptable are all misses."""
        data = self._read_bytes(key)
        if not data:
            return None
        if is_vault_data(data):
            if self.vault is None:
                return None
            try:
                data = self.vault.decrypt(data)
            except Exception:  # pylint: disable=broad-exception-caught  # wrong or missing secret, damaged envelope: a miss, never a crash
                return None
        try:
            entry = json.loads(data.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None
        entry = _valid_entry(entry, key)
        if entry is not None and 'error' in entry and not self.remembers_failures:
            return None
        return entry

    @property
    def encrypts(self):
        return self.vault is not None and self.vault.can_encrypt

    def can_write(self, key):
        """False where writing plaintext would replace an encrypted entry (never downgrade)."""
        if self.vault is None or self.encrypts:
            return True
        data = self._read_bytes(key)
        return not (data and is_vault_data(data))

    def write(self, key, entry):
        data = json.dumps(entry, sort_keys=True, separators=(',', ':')).encode('utf-8')
        if self.encrypts:
            data = self.vault.encrypt(data)
        write_private_file(self.path, key + ENTRY_SUFFIX, data)

    def lock(self, key, timeout, clock=time.monotonic, sleep=time.sleep):
        """The key's exclusive lock (a context manager); see _private_files.exclusive_lock."""
        return exclusive_lock(self._file(key, LOCK_SUFFIX), timeout, clock=clock, sleep=sleep)

    def keys(self):
        """The keys of the entries in the directory (none when it cannot be listed)."""
        try:
            names = os.listdir(self.path)
        except OSError:
            return []
        return [name[: -len(ENTRY_SUFFIX)] for name in names if name.endswith(ENTRY_SUFFIX)]

    def remove(self, key):
        try:
            os.remove(self._file(key, ENTRY_SUFFIX))
        except OSError:
            pass  # gone already, or not ours to remove: a later read decides


# ---------------------------------------------------------------------------- the cache


class TokenCache(object):
    """Memory, then the given tiers in order; fetch under the first tier's lock.

    ``tiers`` is a list of DiskTier, fastest first (per-run, then persistent). ``open_later``,
    when given, returns one more tier (or None) and is called once, when the given tiers miss:
    the persistent tier's directory check and vault secrets cost nothing on a per-run hit.
    With no tiers and ``memory=False`` nothing is cached: every call fetches.
    """

    def __init__(self, tiers, memory=True, warn=None, clock=time.time, sleep=time.sleep, monotonic=time.monotonic, open_later=None):
        self.tiers = list(tiers)
        self._open_later = open_later
        self.memory = memory
        self._warn = warn or (lambda message: None)
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic

    def read(self, key, refresh_before=DEFAULT_REFRESH_BEFORE, not_before=None):
        """A usable entry without locking, or None. A remembered failure raises RememberedFetchError."""
        now = self._clock()
        if self.memory:
            entry = _MEMORY.get(key)
            if is_usable(entry, now, refresh_before, not_before):
                return entry
        failure = None
        index = 0
        while index < len(self.tiers) or self._open_deferred():
            tier = self.tiers[index]
            index += 1
            entry = tier.read(key)
            if is_usable(entry, now, refresh_before, not_before):
                self._remember(key, entry, self.tiers[: index - 1])
                return entry
            if failure is None and is_remembered_failure(entry, now, not_before):
                failure = entry  # a usable token in a later tier still wins
        if failure is not None:
            raise _remembered(failure, now)
        return None

    def all_tiers(self):
        """The tiers, the deferred one opened."""
        self._open_deferred()
        return self.tiers

    def _open_deferred(self):
        """Open the tier ``open_later`` gives, once; True when that added a tier."""
        open_later, self._open_later = self._open_later, None
        tier = open_later() if open_later is not None else None
        if tier is not None:
            self.tiers.append(tier)
        return tier is not None

    def fetch(self, key, fetch, refresh_before=DEFAULT_REFRESH_BEFORE, not_before=None, lock_timeout=60):
        """Read again under the key's lock, else call ``fetch()`` (a token dict) and store the result.

        ``fetch`` raises FetchError for a failure worth remembering; anything else propagates
        untouched and is not remembered.
        """
        if not self.all_tiers():
            return self._fetch_and_store(key, fetch)
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(self.tiers[0].lock(key, lock_timeout, clock=self._monotonic, sleep=self._sleep))
            except LockTimeout as exc:
                # The fetcher may have finished just now; its result is as good as ours would be.
                entry = self.read(key, refresh_before, not_before)
                if entry is None:
                    raise TokenLockTimeout(
                        'waited %s s for another Ansible process fetching the same IoTS token (lock %s); raise '
                        'lock_timeout if the server is that slow' % (seconds(exc.timeout), exc.path)
                    )
                return entry
            except OSError as exc:
                # No lock file (a full disk, too many open files): that tier is no good for this task.
                self._drop_tier(self.tiers[0], exc)
                return self.fetch(key, fetch, refresh_before, not_before, lock_timeout)
            entry = self.read(key, refresh_before, not_before)
            if entry is not None:
                return entry
            return self._fetch_and_store(key, fetch)

    def forget_other_clients(self, application, client_id):
        """Drop the tokens of ``application`` that another client id fetched: that client is gone.

        Entgra 7.x deletes and recreates an application, with new keys, when it is registered with
        another set of grant types; the tokens of the old keys stop working at once.
        """

        def replaced(entry):
            return bool(entry) and entry.get('application') == application and entry.get('client_id') != client_id

        for key in [key for key, entry in _MEMORY.items() if replaced(entry)]:
            del _MEMORY[key]
        for tier in self.all_tiers():
            for key in tier.keys():
                if replaced(tier.read(key)):
                    tier.remove(key)

    def _fetch_and_store(self, key, fetch):
        try:
            token = fetch()
        except FetchError as exc:
            self._remember_failure(key, str(exc))
            raise
        entry = token_entry(key, token)
        self._remember(key, entry, self.tiers)
        return entry

    def _remember(self, key, entry, tiers):
        if self.memory:
            _MEMORY[key] = entry
        for tier in list(tiers):
            if not tier.can_write(key):
                continue
            try:
                tier.write(key, entry)
            except Exception as exc:  # pylint: disable=broad-exception-caught  # OSError, or an AnsibleError from vault encryption
                self._drop_tier(tier, exc)

    def _remember_failure(self, key, message):
        """Remember the failure in the tiers that keep failures, beside the token each may hold.

        The caller holds the key's lock, so no other writer runs between this read and write.
        """
        now = self._clock()
        for tier in list(self.tiers):
            if tier.remembers_failures:
                try:
                    tier.write(key, failure_entry(key, message, now, tier.read(key)))
                except OSError as exc:
                    self._drop_tier(tier, exc)

    def _drop_tier(self, tier, exc):
        reason = getattr(exc, 'strerror', None) or str(exc)
        self._warn(
            'iots_bearer: could not write the %s token cache in %s (%s); tokens are not cached there '
            'for the rest of this task.' % (tier.name, tier.path, reason)
        )
        if tier in self.tiers:
            self.tiers.remove(tier)


# ---------------------------------------------------------------------------- assembly


def open_cache(mode, local_tmp, cache_dir=None, vault_secrets=(), cache_vault_id=None, default_vault_id=None, encrypt='auto', warn=None):
    """The cache for one lookup call, with every fallback applied and explained once.

    ``vault_secrets`` may be a callable that returns them: it is called when the persistent tier
    is opened, which happens only when the per-run tier misses.

    An unusable persistent directory falls back to the per-run tier; an unusable per-run tier
    leaves the memory tier only (every worker then fetches its own token).
    """
    warn = warn or (lambda message: None)
    if mode not in CACHE_MODES:
        raise TokenCacheError('cache must be one of %s, not %r' % (', '.join(CACHE_MODES), mode))
    if mode == 'none':
        return TokenCache([], memory=False, warn=warn)
    tiers = []
    try:
        path = ensure_private_directory(per_run_directory(local_tmp))
    except UnusableDirectory as exc:
        warn('iots_bearer: the per-run token cache is not usable: %s. Every task and host fetches its own token.' % exc)
    else:
        tiers.append(DiskTier(path, 'per-run', remembers_failures=True))

    def open_persistent():
        secrets = vault_secrets() if callable(vault_secrets) else vault_secrets
        tier, problem = persistent_tier(cache_dir or default_persistent_directory(), secrets, cache_vault_id, default_vault_id, encrypt)
        if tier is None:
            warn('iots_bearer: cache=persistent is not used: %s. Tokens are cached for this run only.' % problem)
        return tier

    return TokenCache(tiers, memory=True, warn=warn, open_later=open_persistent if mode == 'persistent' else None)


def persistent_tier(path, vault_secrets=(), cache_vault_id=None, default_vault_id=None, encrypt='auto'):
    """(DiskTier, None) for the persistent tier, or (None, why it cannot be used)."""
    if encrypt not in ENCRYPT_MODES:
        return None, 'cache_encrypt must be one of %s, not %r' % (', '.join(ENCRYPT_MODES), encrypt)
    try:
        ensure_private_directory(path, create_parents=True)
    except UnusableDirectory as exc:
        return None, str(exc)
    secrets = list(vault_secrets or [])
    try:
        chosen = choose_vault_secret(secrets, cache_vault_id, default_vault_id, option='cache_vault_id')
    except NoVaultSecret as exc:
        if secrets or cache_vault_id or encrypt == 'required':
            # A run with vault secrets (or a demand for encryption) never writes plaintext to disk.
            return None, 'its entries must be encrypted but %s' % exc
        chosen = None
    return DiskTier(path, 'persistent', vault=VaultCodec(secrets, chosen)), None


def _remembered(entry, now):
    return RememberedFetchError(
        '%s (remembered from an attempt %s s ago, so that other hosts do not repeat it; '
        'the next attempt is made in %s s)' % (entry['error'], seconds(max(0, now - entry['failed_at'])), seconds(max(0, entry['retry_after'] - now)))
    )


def forget_memory():
    """Empty tier 0, as a new worker process starts (tests use it)."""
    _MEMORY.clear()
