# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token cache: key, expiry rule, negative cache, atomic files, permissions, vault, single-flight."""

import errno
import json
import multiprocessing
import os
import signal
import stat
import threading
import time

import pytest

from ansible.parsing.vault import VaultSecret

from ansible_collections.wso2.iots.plugins.plugin_utils import _private_files as files
from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache as tc
from ansible_collections.wso2.iots.plugins.plugin_utils import _vault_secrets

URL = 'https://iots.example.com:8243/token'
IS_ROOT = os.geteuid() == 0


def token(access='tok-1', expires_in=3600, obtained_at=1000.0, scopes=('perm:a',), refresh='refresh-secret'):
    return {
        'access_token': access,
        'token_type': 'Bearer',
        'expires_in': expires_in,
        'obtained_at': obtained_at,
        'scopes': list(scopes),
        'grant_used': 'password',
        'refresh_token': refresh,
    }


class Clock(object):
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class Fetcher(object):
    """A fetch function that counts calls and returns tokens obtained at the clock's time."""

    def __init__(self, clock, expires_in=3600, fail=None):
        self.clock = clock
        self.calls = 0
        self.expires_in = expires_in
        self.fail = fail

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise self.fail
        return token('tok-%d' % self.calls, self.expires_in, obtained_at=self.clock())


def fork_context():
    """multiprocessing's fork context, as Ansible starts its workers; the test process must have no other thread.

    Forking a process with threads may deadlock the child, and Python 3.12+ warns about it. A thread left by an
    earlier test fails here, with its name, instead.
    """
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(2)  # a stopped server's connection threads end within moments
    others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    assert not others, 'threads left running by an earlier test: %s' % ', '.join(others)
    return multiprocessing.get_context('fork')


def per_run_cache(run_tmp, clock=None, memory=False, warnings=None):
    """A cache with the per-run tier only; memory off so every read goes to disk."""
    tier = tc.DiskTier(files.ensure_private_directory(tc.per_run_directory(run_tmp)), 'per-run', remembers_failures=True)
    return tc.TokenCache([tier], memory=memory, clock=clock or Clock(), warn=(warnings.append if warnings is not None else None))


def get(cache, key, fetch, refresh_before=300, not_before=None, lock_timeout=5):
    entry = cache.read(key, refresh_before, not_before)
    if entry is None:
        entry = cache.fetch(key, fetch, refresh_before, not_before, lock_timeout)
    return entry


# ---------------------------------------------------------------------------- key


def test_key_ignores_url_spelling_scope_order_and_duplicates():
    base = tc.cache_key(URL, 'password', 'admin', 'cid', ['perm:b', 'perm:a'])
    assert base == tc.cache_key('HTTPS://IOTS.example.com:8243/token/', 'password', 'admin', 'cid', ['perm:a', 'perm:b', 'perm:a'])
    assert tc.cache_key('https://iots.example.com/token', 'password', 'admin', 'cid', []) == tc.cache_key(
        'https://iots.example.com:443/token', 'password', 'admin', 'cid', []
    )
    assert len(base) == 64 and int(base, 16) >= 0


def test_super_tenant_user_names_share_a_key():
    assert tc.cache_key(URL, 'password', 'admin', 'cid', []) == tc.cache_key(URL, 'password', 'admin@carbon.super', 'cid', [])
    assert tc.cache_key(URL, 'password', 'admin', 'cid', []) != tc.cache_key(URL, 'password', 'admin@tenant.com', 'cid', [])


@pytest.mark.parametrize(
    'change',
    [
        dict(token_url='https://other.example.com:8243/token'),
        dict(token_url='https://iots.example.com:9443/token'),
        dict(token_url='https://iots.example.com:8243/oauth2/token'),
        dict(grant_type='client_credentials'),
        dict(username='operator'),
        dict(client_id='other-client'),
        dict(scopes=['perm:a', 'perm:c']),
        dict(scopes=[]),
    ],
)
def test_every_part_of_the_key_matters(change):
    parts = dict(token_url=URL, grant_type='password', username='admin', client_id='cid', scopes=['perm:a'])
    before = tc.cache_key(**parts)
    parts.update(change)
    assert tc.cache_key(**parts) != before


def test_file_names_reveal_neither_user_nor_scopes(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'alice', 'cid', ['perm:devices:view'])
    get(cache, key, Fetcher(Clock()))
    names = ' '.join(os.listdir(tc.per_run_directory(run_tmp)))
    assert 'alice' not in names and 'perm' not in names and key in names


# ---------------------------------------------------------------------------- expiry rule


def test_token_is_reused_until_refresh_before_its_expiry():
    assert tc.usable_until(1000, 3600, 300) == 1000 + 3600 - 300
    entry = tc.token_entry('k', token(obtained_at=1000, expires_in=3600))
    assert tc.is_usable(entry, 1000 + 3299, 300)
    assert not tc.is_usable(entry, 1000 + 3300, 300)
    # the reader's refresh_before applies, not the writer's
    assert tc.is_usable(entry, 1000 + 3500, 60)


def test_short_lifetimes_are_clamped_to_half():
    # A reused IoTS token reports remaining-300 s, e.g. 40 s: without the clamp never usable.
    assert tc.usable_until(1000, 40, 300) == 1020
    entry = tc.token_entry('k', token(obtained_at=1000, expires_in=40))
    assert tc.is_usable(entry, 1019.9, 300)
    assert not tc.is_usable(entry, 1020, 300)


def test_expired_entry_is_fetched_again_exactly_at_the_boundary(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    fetch = Fetcher(clock, expires_in=20)
    assert get(cache, key, fetch)['access_token'] == 'tok-1'
    for now in (1001, 1005, 1009.9):
        clock.now = now
        assert get(cache, key, fetch)['access_token'] == 'tok-1'
    assert fetch.calls == 1
    clock.now = 1010
    assert get(cache, key, fetch)['access_token'] == 'tok-2'
    assert fetch.calls == 2


def test_not_before_ignores_older_tokens(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    fetch = Fetcher(clock)
    get(cache, key, fetch)
    clock.now = 1100
    assert get(cache, key, fetch, not_before=1050)['access_token'] == 'tok-2'
    # a token fetched after the call started is shared, not fetched again
    assert get(cache, key, fetch, not_before=1050)['access_token'] == 'tok-2'
    assert fetch.calls == 2


def test_refresh_token_is_never_stored(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    entry = get(cache, key, Fetcher(Clock()))
    assert 'refresh_token' not in entry
    with open(os.path.join(tc.per_run_directory(run_tmp), key + '.json')) as handle:
        text = handle.read()
    assert 'refresh-secret' not in text and 'refresh_token' not in text


# ---------------------------------------------------------------------------- negative cache


def test_failed_fetch_is_remembered_for_30_seconds(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    failing = Fetcher(clock, fail=tc.FetchError('POST https://iots/token failed: no answer within 5 s (timeout).'))
    with pytest.raises(tc.FetchError):
        get(cache, key, failing)
    clock.now = 1029
    with pytest.raises(tc.RememberedFetchError) as caught:
        get(cache, key, failing)
    assert failing.calls == 1
    assert 'no answer within 5 s' in str(caught.value) and 'next attempt is made in 1 s' in str(caught.value)
    clock.now = 1030
    working = Fetcher(clock)
    assert get(cache, key, working)['access_token'] == 'tok-1'
    assert working.calls == 1


def test_other_exceptions_are_not_remembered(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    with pytest.raises(ValueError):
        get(cache, key, Fetcher(Clock(), fail=ValueError('bug')))
    assert get(cache, key, Fetcher(Clock()))['access_token'] == 'tok-1'


def test_force_refresh_ignores_an_older_failure(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    with pytest.raises(tc.FetchError):
        get(cache, key, Fetcher(clock, fail=tc.FetchError('HTTP 400 invalid_grant')))
    clock.now = 1005
    assert get(cache, key, Fetcher(clock), not_before=1004)['access_token'] == 'tok-1'


def test_failures_are_not_kept_in_the_persistent_tier(tmp_path):
    persistent = tc.DiskTier(files.ensure_private_directory(str(tmp_path / 'p')), 'persistent', vault=_vault_secrets.VaultCodec([]))
    cache = tc.TokenCache([persistent], memory=False, clock=Clock())
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    with pytest.raises(tc.FetchError):
        get(cache, key, Fetcher(Clock(), fail=tc.FetchError('HTTP 500')))
    assert not os.path.exists(os.path.join(str(tmp_path / 'p'), key + '.json'))


# ---------------------------------------------------------------------------- files


def test_entries_are_private_files_in_a_private_directory(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(Clock()))
    directory = tc.per_run_directory(run_tmp)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(directory, key + '.json')).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.join(directory, key + '.lock')).st_mode) == 0o600
    assert sorted(os.listdir(directory)) == [key + '.json', key + '.lock']


def test_a_failed_write_keeps_the_old_entry_and_leaves_no_temp_file(run_tmp, monkeypatch):
    clock = Clock()
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(clock))
    tier = cache.tiers[0]

    def broken_fsync(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(tc.os, 'fsync', broken_fsync)
    with pytest.raises(OSError):
        tier.write(key, tc.token_entry(key, token('tok-new')))
    monkeypatch.undo()
    assert tier.read(key)['access_token'] == 'tok-1'
    assert not [n for n in os.listdir(tier.path) if n.endswith('.tmp')]


def _write_then_hang(path, key, ready):
    tier = tc.DiskTier(path, 'per-run', remembers_failures=True)
    real_fsync = os.fsync

    def hang(fd):
        real_fsync(fd)
        os.write(ready, b'x')
        time.sleep(60)

    os.fsync = hang
    tier.write(key, tc.token_entry(key, token('tok-half-written')))


def test_a_writer_killed_mid_write_leaves_the_old_entry_readable(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(Clock()))
    read_end, write_end = os.pipe()
    worker = fork_context().Process(target=_write_then_hang, args=(cache.tiers[0].path, key, write_end))
    worker.start()
    assert os.read(read_end, 1) == b'x'  # the new content is written and synced, not yet renamed
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    assert cache.tiers[0].read(key)['access_token'] == 'tok-1'
    assert [n for n in os.listdir(cache.tiers[0].path) if n.endswith('.tmp')]  # debris, never read


def test_the_next_write_removes_what_killed_writers_left_once_it_is_old(run_tmp):
    cache = per_run_cache(run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(Clock()))
    tier = cache.tiers[0]
    name = key + tc.ENTRY_SUFFIX
    dead, fresh, other = ('.%s.dead1234.tmp' % name, '.%s.live5678.tmp' % name, '.%s.json.old00000.tmp' % ('0' * 64))
    for debris in (dead, fresh, other):
        with open(os.path.join(tier.path, debris), 'w') as handle:
            handle.write('{"access_token": "tok-half-written"')
    old = time.time() - files.DEAD_TEMP_FILE_AGE - 5
    for debris in (dead, other):
        os.utime(os.path.join(tier.path, debris), (old, old))
    tier.write(key, tc.token_entry(key, token('tok-2')))
    left = sorted(n for n in os.listdir(tier.path) if n.endswith('.tmp'))
    # this name's dead file is gone; a fresh one may be a writer at work; other names wait for their own write
    assert left == sorted([fresh, other])
    assert tier.read(key)['access_token'] == 'tok-2'


@pytest.mark.parametrize(
    'content',
    [
        b'',
        b'{',
        b'\x00\xff garbage',
        b'[]',
        b'null',
        json.dumps({'v': 1, 'key': 'another-key', 'access_token': 'x', 'obtained_at': 1e12, 'expires_in': 10}).encode(),
        json.dumps({'v': 99, 'key': '@KEY@', 'access_token': 'x', 'obtained_at': 1e12, 'expires_in': 10}).encode(),
        json.dumps({'v': 1, 'key': '@KEY@', 'access_token': 'x', 'obtained_at': '1', 'expires_in': 10}).encode(),
        b'$ANSIBLE_VAULT;1.1;AES256\nnot-really',
        b' ' * (files.MAX_FILE_BYTES + 1),
    ],
    ids=['empty', 'truncated', 'binary', 'list', 'null', 'other-key', 'other-schema', 'bad-types', 'bad-vault', 'oversized'],
)
def test_corrupt_entries_are_misses_and_get_replaced(run_tmp, content):
    clock = Clock()
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    path = os.path.join(tc.per_run_directory(run_tmp), key + '.json')
    with open(path, 'wb') as handle:
        handle.write(content.replace(b'@KEY@', key.encode()))
    os.chmod(path, 0o600)
    fetch = Fetcher(clock)
    assert get(cache, key, fetch)['access_token'] == 'tok-1'
    assert fetch.calls == 1
    assert cache.tiers[0].read(key)['access_token'] == 'tok-1'


def _plant_entry(directory, key, mode=0o600):
    path = os.path.join(directory, key + '.json')
    with open(path, 'w') as handle:
        json.dump(tc.token_entry(key, token('planted')), handle)
    os.chmod(path, mode)
    return path


def test_an_entry_others_may_write_is_a_miss(run_tmp):
    cache = per_run_cache(run_tmp, Clock())
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    _plant_entry(cache.tiers[0].path, key, mode=0o666)
    assert cache.read(key) is None


def test_a_symlinked_entry_is_a_miss(run_tmp, tmp_path):
    cache = per_run_cache(run_tmp, Clock())
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    elsewhere = _plant_entry(str(tmp_path), key)
    os.symlink(elsewhere, os.path.join(cache.tiers[0].path, key + '.json'))
    assert cache.read(key) is None


@pytest.mark.skipif(not IS_ROOT, reason='chown to another user needs root')
def test_an_entry_owned_by_another_user_is_a_miss(run_tmp):
    cache = per_run_cache(run_tmp, Clock())
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    os.chown(_plant_entry(cache.tiers[0].path, key), 65534, 65534)
    assert cache.read(key) is None


# ---------------------------------------------------------------------------- directories


def test_private_directory_is_created_0700(tmp_path):
    path = str(tmp_path / 'a' / 'b' / 'cache')
    files.ensure_private_directory(path, create_parents=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


@pytest.mark.parametrize('mode', [0o755, 0o770, 0o707, 0o750])
def test_directory_open_to_group_or_others_is_refused(tmp_path, mode):
    path = tmp_path / 'shared'
    path.mkdir()
    os.chmod(str(path), mode)
    with pytest.raises(files.UnusableDirectory, match='open to group or others'):
        files.ensure_private_directory(str(path))


@pytest.mark.skipif(not IS_ROOT, reason='chown to another user needs root')
def test_directory_of_another_user_is_refused(tmp_path):
    path = tmp_path / 'theirs'
    path.mkdir(mode=0o700)
    os.chown(str(path), 65534, 65534)
    with pytest.raises(files.UnusableDirectory, match='owned by uid 65534'):
        files.ensure_private_directory(str(path))


def test_directory_that_cannot_exist_is_refused(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(files.UnusableDirectory, match='cannot be created'):
        files.ensure_private_directory(str(blocker / 'cache'), create_parents=True)
    with pytest.raises(files.UnusableDirectory, match='not a directory'):
        files.ensure_private_directory(str(blocker))


def test_unusable_persistent_directory_warns_and_falls_back_to_per_run(run_tmp, tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    warnings = []
    cache = tc.open_cache('persistent', run_tmp, cache_dir=str(shared), warn=warnings.append)
    assert [t.name for t in cache.all_tiers()] == ['per-run']
    assert len(warnings) == 1
    assert 'cache=persistent is not used' in warnings[0] and 'mode 0777' in warnings[0]
    assert 'for this run only' in warnings[0]


def test_write_failure_in_persistent_tier_warns_once_and_keeps_per_run(run_tmp, tmp_path, monkeypatch):
    warnings = []
    cache = tc.open_cache('persistent', run_tmp, cache_dir=str(tmp_path / 'p'), warn=warnings.append)
    persistent = cache.all_tiers()[1]
    real_mkstemp = files.tempfile.mkstemp

    def read_only(*args, **kwargs):
        if kwargs.get('dir') == persistent.path:
            raise OSError(30, 'Read-only file system')
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(files.tempfile, 'mkstemp', read_only)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    assert get(cache, key, Fetcher(Clock()))['access_token'] == 'tok-1'
    assert [t.name for t in cache.tiers] == ['per-run']
    assert len(warnings) == 1 and 'Read-only file system' in warnings[0]


def test_cache_none_fetches_every_time(run_tmp):
    cache = tc.open_cache('none', run_tmp)
    fetch = Fetcher(Clock())
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    for _call in range(3):
        get(cache, key, fetch)
    assert fetch.calls == 3
    assert not os.path.exists(tc.per_run_directory(run_tmp))


def test_unusable_per_run_directory_warns_and_still_works(tmp_path):
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('x')
    warnings = []
    cache = tc.open_cache('per_run', str(blocker), warn=warnings.append)
    assert cache.tiers == [] and len(warnings) == 1 and 'per-run token cache is not usable' in warnings[0]
    assert get(cache, tc.cache_key(URL, 'password', 'admin', 'cid', []), Fetcher(Clock()))['access_token'] == 'tok-1'


def test_memory_tier_serves_repeated_calls_in_one_process(run_tmp):
    cache = tc.open_cache('per_run', run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    fetch = Fetcher(Clock(time.time()))
    get(cache, key, fetch)
    os.unlink(os.path.join(tc.per_run_directory(run_tmp), key + '.json'))
    assert get(tc.open_cache('per_run', run_tmp), key, fetch)['access_token'] == 'tok-1'
    assert fetch.calls == 1


# ---------------------------------------------------------------------------- persistent + vault


def secret(password):
    return VaultSecret(password.encode())


def persistent_cache(run_tmp, directory, secrets=(), vault_id=None, encrypt='auto', warnings=None, clock=None):
    cache = tc.open_cache(
        'persistent',
        run_tmp,
        cache_dir=directory,
        vault_secrets=list(secrets),
        cache_vault_id=vault_id,
        encrypt=encrypt,
        warn=(warnings.append if warnings is not None else None),
    )
    cache.memory = False
    cache._clock = clock or Clock(time.time())
    return cache


def entry_file(directory, key):
    with open(os.path.join(directory, key + '.json'), 'rb') as handle:
        return handle.read()


def test_persistent_entries_are_vault_encrypted_with_the_run_secret(run_tmp, tmp_path):
    directory = str(tmp_path / 'persist')
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    cache = persistent_cache(run_tmp, directory, [('iots', secret('s3cret'))])
    fetch = Fetcher(Clock(time.time()))
    get(cache, key, fetch)
    data = entry_file(directory, key)
    assert data.startswith(b'$ANSIBLE_VAULT;1.2;AES256;iots\n')
    assert b'tok-1' not in data
    assert stat.S_IMODE(os.stat(os.path.join(directory, key + '.json')).st_mode) == 0o600
    # a later run with the same secret: zero fetches
    os.makedirs(str(tmp_path / 'run2'), mode=0o700)
    later = persistent_cache(str(tmp_path / 'run2'), directory, [('iots', secret('s3cret'))])
    assert get(later, key, fetch)['access_token'] == 'tok-1'
    assert fetch.calls == 1
    # and the hit was copied into that run's per-run tier, in plaintext
    assert later.tiers[0].read(key)['access_token'] == 'tok-1'


@pytest.mark.parametrize('secrets', [[], [('iots', 'wrong')]], ids=['no-secret', 'wrong-secret'])
def test_encrypted_entry_is_never_downgraded(run_tmp, tmp_path, secrets):
    directory = str(tmp_path / 'persist')
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(persistent_cache(run_tmp, directory, [('iots', secret('s3cret'))]), key, Fetcher(Clock(time.time())))
    before = entry_file(directory, key)

    run2 = str(tmp_path / 'run2')
    os.makedirs(run2, mode=0o700)
    if secrets:
        cache = persistent_cache(run2, directory, [(i, secret(p)) for i, p in secrets])
        fetch = Fetcher(Clock(time.time()))
        assert get(cache, key, fetch)['access_token'] == 'tok-1'  # undecryptable: a miss, fetched
        assert fetch.calls == 1
        # a run that can encrypt may replace it: still encrypted, with its own secret
        assert entry_file(directory, key).startswith(b'$ANSIBLE_VAULT;1.2;AES256;iots\n')
        assert entry_file(directory, key) != before
    else:
        cache = persistent_cache(run2, directory, [])
        fetch = Fetcher(Clock(time.time()))
        assert get(cache, key, fetch)['access_token'] == 'tok-1'
        assert fetch.calls == 1
        assert entry_file(directory, key) == before  # never replaced by plaintext
        assert cache.tiers[0].read(key)['access_token'] == 'tok-1'  # the run still shares its token


def test_without_any_vault_secret_persistent_entries_are_plain_private_files(run_tmp, tmp_path):
    directory = str(tmp_path / 'persist')
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(persistent_cache(run_tmp, directory, []), key, Fetcher(Clock(time.time())))
    assert json.loads(entry_file(directory, key).decode())['access_token'] == 'tok-1'
    assert stat.S_IMODE(os.stat(os.path.join(directory, key + '.json')).st_mode) == 0o600


def test_plaintext_entry_is_upgraded_to_encrypted_by_a_run_with_a_secret(run_tmp, tmp_path):
    directory = str(tmp_path / 'persist')
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    clock = Clock(time.time())
    get(persistent_cache(run_tmp, directory, [], clock=clock), key, Fetcher(clock))
    clock.now += 4000  # expired
    get(persistent_cache(run_tmp, directory, [('iots', secret('s3cret'))], clock=clock), key, Fetcher(clock))
    assert entry_file(directory, key).startswith(b'$ANSIBLE_VAULT')


def test_several_vault_ids_and_no_choice_persist_nothing(run_tmp, tmp_path):
    warnings = []
    cache = persistent_cache(run_tmp, str(tmp_path / 'p'), [('dev', secret('a')), ('prod', secret('b'))], warnings=warnings)
    assert [t.name for t in cache.all_tiers()] == ['per-run']
    assert '2 vault ids are loaded (dev, prod) and none is chosen' in warnings[0]
    chosen = persistent_cache(run_tmp, str(tmp_path / 'p'), [('dev', secret('a')), ('prod', secret('b'))], vault_id='prod')
    assert chosen.all_tiers()[1].vault.encrypt_with[0] == 'prod'


def test_encrypt_required_without_a_secret_persists_nothing(run_tmp, tmp_path):
    warnings = []
    cache = persistent_cache(run_tmp, str(tmp_path / 'p'), [], encrypt='required', warnings=warnings)
    assert [t.name for t in cache.all_tiers()] == ['per-run']
    assert 'must be encrypted but no vault secret is loaded' in warnings[0]


def test_choose_vault_secret_order():
    a, b = secret('a'), secret('b')
    choose = _vault_secrets.choose_vault_secret
    assert choose([('x', a)]) == ('x', a)
    assert choose([('x', a), ('y', b)], configured_id='y') == ('y', b)
    assert choose([('x', a), ('y', b)], wanted_id='x', configured_id='y') == ('x', a)
    with pytest.raises(_vault_secrets.NoVaultSecret, match="cache_vault_id is 'z', but the loaded vault ids are: x"):
        choose([('x', a)], wanted_id='z', option='cache_vault_id')
    with pytest.raises(_vault_secrets.NoVaultSecret, match='^no vault secret is loaded$'):
        choose([])


# ---------------------------------------------------------------------------- single-flight


def _racer(run_tmp, key, log_path, result_path, start_at):
    """One fork as Ansible would run it: a fresh cache object, then read or fetch."""
    tc.forget_memory()

    def fetch():
        with open(log_path, 'a') as log:
            log.write('%d\n' % os.getpid())
        time.sleep(0.3)
        return token('tok-%d' % os.getpid(), obtained_at=time.time())

    while time.time() < start_at:
        time.sleep(0.001)
    cache = tc.open_cache('per_run', run_tmp)
    entry = get(cache, key, fetch, lock_timeout=20)
    with open(result_path, 'a') as results:
        results.write(entry['access_token'] + '\n')


def test_one_fetch_for_many_forked_processes(run_tmp, tmp_path):
    key = tc.cache_key(URL, 'password', 'admin', 'cid', ['perm:a'])
    log_path, result_path = str(tmp_path / 'fetches'), str(tmp_path / 'results')
    context = fork_context()
    start_at = time.time() + 0.5
    workers = [context.Process(target=_racer, args=(run_tmp, key, log_path, result_path, start_at)) for _worker in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    with open(log_path) as log:
        fetchers = log.read().split()
    with open(result_path) as results:
        tokens = results.read().split()
    assert len(fetchers) == 1
    assert tokens == ['tok-%s' % fetchers[0]] * 12


class RecordedWaits(object):
    """A monotonic clock that only the recorded sleeps move: lock waits without wall time."""

    def __init__(self):
        self.slept = []

    def now(self):
        return self.total()

    def sleep(self, seconds):
        self.slept.append(seconds)

    def total(self):
        return sum(self.slept)


def _hold_lock(directory, key, ready, seconds):
    tier = tc.DiskTier(directory, 'per-run')
    with tier.lock(key, 5):
        os.write(ready, b'x')
        time.sleep(seconds)


def start_lock_holder(holder, directory, key, seconds):
    """A forked process that runs ``holder`` (it takes the lock on ``key``); returns once it holds it."""
    read_end, write_end = os.pipe()
    process = fork_context().Process(target=holder, args=(directory, key, write_end, seconds))
    process.start()
    os.read(read_end, 1)
    return process


def test_lock_timeout_names_the_wait(run_tmp):
    directory = files.ensure_private_directory(tc.per_run_directory(run_tmp))
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    holder = start_lock_holder(_hold_lock, directory, key, 3)
    waits = RecordedWaits()
    cache = tc.TokenCache([tc.DiskTier(directory, 'per-run')], memory=False, monotonic=waits.now, sleep=waits.sleep)
    fetch = Fetcher(Clock())
    with pytest.raises(tc.TokenLockTimeout, match='waited 0.3 s for another Ansible process'):
        cache.fetch(key, fetch, lock_timeout=0.3)
    # It polled the lock until the deadline (the waits add up to it), and never fetched.
    assert len(waits.slept) > 1 and waits.total() >= 0.3
    assert fetch.calls == 0
    holder.terminate()
    holder.join()


def test_a_lock_file_that_cannot_be_made_drops_the_tier_and_still_fetches(run_tmp, monkeypatch):
    warnings = []
    cache = per_run_cache(run_tmp, warnings=warnings)
    tier = cache.tiers[0]

    def no_lock(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(tier, 'lock', no_lock)
    fetch = Fetcher(Clock())
    entry = cache.fetch(tc.cache_key(URL, 'password', 'admin', 'cid', []), fetch)
    assert entry['access_token'] == 'tok-1' and fetch.calls == 1
    assert cache.tiers == [] and len(warnings) == 1 and 'No space left on device' in warnings[0]


def test_a_dead_lock_holder_leaves_no_stale_lock(run_tmp):
    directory = files.ensure_private_directory(tc.per_run_directory(run_tmp))
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    holder = start_lock_holder(_hold_lock, directory, key, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    waits = RecordedWaits()
    cache = tc.TokenCache([tc.DiskTier(directory, 'per-run')], memory=False, clock=Clock(), monotonic=waits.now, sleep=waits.sleep)
    assert cache.fetch(key, Fetcher(Clock()), lock_timeout=5)['access_token'] == 'tok-1'
    assert waits.slept == []  # the lock was free at the first try: the kernel dropped the dead holder's


def _write_and_hold_lock(directory, key, ready, seconds):
    tier = tc.DiskTier(directory, 'per-run')
    with tier.lock(key, 5):
        tier.write(key, tc.token_entry(key, token('from-the-slow-holder', obtained_at=time.time())))
        os.write(ready, b'x')
        time.sleep(seconds)


def test_a_token_written_by_the_lock_holder_is_used_after_a_lock_timeout(run_tmp):
    directory = files.ensure_private_directory(tc.per_run_directory(run_tmp))
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    holder = start_lock_holder(_write_and_hold_lock, directory, key, 3)
    cache = tc.TokenCache([tc.DiskTier(directory, 'per-run')], memory=False)
    fetch = Fetcher(Clock())
    # fetch() follows a miss; the holder wrote its token meanwhile and never lets go of the lock
    assert cache.fetch(key, fetch, lock_timeout=0.2)['access_token'] == 'from-the-slow-holder'
    assert fetch.calls == 0
    holder.terminate()
    holder.join()


# ---------------------------------------------------------------------------- a failure never hides a usable token


def test_a_failed_forced_refresh_keeps_the_usable_token_for_everyone_else(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(clock))  # usable until 4300 (refresh_before 300), or 3100 (1500)
    clock.now = 3200
    failing = Fetcher(clock, fail=tc.FetchError('POST https://iots/token: HTTP 503 busy'))
    with pytest.raises(tc.FetchError):
        get(cache, key, failing, not_before=3200)
    # the other hosts of the run still get the token fetched at 1000, without a request
    assert get(cache, key, failing)['access_token'] == 'tok-1'
    assert failing.calls == 1
    # a reader for whom that token is no longer good enough gets the failure, without a request
    with pytest.raises(tc.RememberedFetchError, match='HTTP 503 busy'):
        get(cache, key, failing, refresh_before=1500)
    assert failing.calls == 1
    # a forced refresh that starts after the failure tries again (after a password rotation, say)
    clock.now = 3201
    assert get(cache, key, Fetcher(clock), not_before=3201)['access_token'] == 'tok-1'


def test_a_failed_fetch_for_a_larger_refresh_before_keeps_the_token(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(clock))
    clock.now = 3200
    with pytest.raises(tc.FetchError):
        get(cache, key, Fetcher(clock, fail=tc.FetchError('HTTP 500')), refresh_before=1500)
    assert get(cache, key, Fetcher(clock, fail=AssertionError('no request expected')))['access_token'] == 'tok-1'


def test_the_failure_beside_a_token_ends_with_the_token(run_tmp):
    clock = Clock(1000)
    cache = per_run_cache(run_tmp, clock)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(cache, key, Fetcher(clock, expires_in=100))
    clock.now = 1040
    with pytest.raises(tc.FetchError):
        get(cache, key, Fetcher(clock, fail=tc.FetchError('HTTP 500')), not_before=1040)
    clock.now = 1060  # the token is past its refresh time, the failure still remembered
    with pytest.raises(tc.RememberedFetchError):
        get(cache, key, Fetcher(clock))
    clock.now = 1070  # and after 30 s the next reader fetches
    assert get(cache, key, Fetcher(clock))['access_token'] == 'tok-1'


# ---------------------------------------------------------------------------- the persistent tier only on a per-run miss


def test_a_per_run_hit_never_touches_the_persistent_tier(run_tmp, tmp_path):
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    get(tc.open_cache('per_run', run_tmp), key, Fetcher(Clock(time.time())))
    tc.forget_memory()
    directory = tmp_path / 'never' / 'made'
    asked = []

    def secrets():
        asked.append(True)
        return [('iots', secret('s3cret'))]

    cache = tc.open_cache('persistent', run_tmp, cache_dir=str(directory), vault_secrets=secrets)
    assert cache.read(key)['access_token'] == 'tok-1'
    assert not (tmp_path / 'never').exists() and asked == []
    # a miss opens it, secrets and all
    other = tc.cache_key(URL, 'password', 'other', 'cid', [])
    assert cache.read(other) is None
    assert directory.is_dir() and asked == [True]
    cache.fetch(other, Fetcher(Clock(time.time())))
    assert is_vault_file(entry_file(str(directory), other))


def is_vault_file(data):
    return data.startswith(b'$ANSIBLE_VAULT;')


def test_entries_keep_only_what_a_reader_reads(run_tmp):
    entry = get(per_run_cache(run_tmp), tc.cache_key(URL, 'password', 'admin', 'cid', []), Fetcher(Clock()))
    assert sorted(entry) == ['access_token', 'expires_in', 'key', 'obtained_at', 'scopes', 'v']


def test_a_failure_record_in_the_persistent_tier_is_a_miss(run_tmp, tmp_path):
    # The persistent tier never keeps failures; one found there (an older version, a copied
    # directory) must not fail this run's lookups for 30 s.
    directory = tmp_path / 'p'
    directory.mkdir(mode=0o700)
    key = tc.cache_key(URL, 'password', 'admin', 'cid', [])
    now = time.time()
    files.write_private_file(str(directory), key + '.json', json.dumps(tc.failure_entry(key, 'HTTP 500 from another day', now)).encode('utf-8'))
    cache = persistent_cache(run_tmp, str(directory), clock=Clock(now + 1))
    assert cache.read(key) is None
    assert get(cache, key, Fetcher(Clock(now + 1)))['access_token'] == 'tok-1'
