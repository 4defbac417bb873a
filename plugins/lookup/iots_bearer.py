# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: iots_bearer
short_description: An OAuth bearer token for the WSO2 IoT Server API, fetched once and shared by all hosts and tasks
version_added: 1.0.0
author:
  - wso2.iots contributors (@wso2-iots)
description:
  - Returns an OAuth 2.0 access token for the IoTS API gateway, to send as C(Bearer <token>) in the C(Authorization) header.
  - >-
    Grant: the password grant when O(username) and O(password) are known, else the refresh_token grant
    when O(refresh_token) is given, else the client_credentials grant.
  - >-
    With O(username) and O(password) but without O(client_id) and O(client_secret), the lookup first
    registers the application O(application_name). IoTS answers every registration of a name with the
    same keys, so this is safe to repeat. An Entgra 7.x server does so only while the grant types
    (O(grant_types)) stay the same; when the registration returns other keys, the lookup drops the
    cached tokens of the old ones.
  - >-
    IoTS silently drops the scopes a user may not have. The lookup fails when a requested scope is
    missing from the token, naming each one, unless O(allow_partial_scopes=true).
  - >-
    Tokens are cached on the controller (O(cache)). By default one token request serves the whole
    C(ansible-playbook) run: every fork, host and task shares the token until it is about to expire,
    and only one process fetches while the others wait for its result. A failed request is remembered
    for 30 seconds, so many hosts do not each wait out the same timeout.
  - >-
    Use the fully qualified name C(wso2.iots.iots_bearer). Ansible resolves the short name of a lookup
    neither through a play's C(collections) keyword nor inside this collection's roles.
  - The C(requests) library is imported only when a token has to be fetched.
options:
  _terms:
    description:
      - Scopes to request, for example C(perm:devices:view). Combined with O(scopes).
    type: list
    elements: str
  scopes:
    description:
      - Scopes to request, in addition to the terms. Order and duplicates do not matter.
      - Keep one scope list per playbook (for example a role default) so that all tasks share one token.
    type: list
    elements: str
    default: []
    env:
      - name: IOTS_SCOPES
    ini:
      - section: wso2_iots
        key: scopes
    vars:
      - name: iots_scopes
  application_name:
    description:
      - Application to register when O(client_id) and O(client_secret) are not given.
      - IoTS finds applications by an SQL C(LIKE) on the name, so it must not be part of another application's name.
    type: str
    default: ansible_iots_bearer
    env:
      - name: IOTS_APPLICATION_NAME
    ini:
      - section: wso2_iots
        key: application_name
    vars:
      - name: iots_application_name
  tags:
    description:
      - API tags the registered application subscribes to; only used when the lookup registers the application.
    type: list
    elements: str
    default: [device_management]
    env:
      - name: IOTS_APPLICATION_TAGS
    ini:
      - section: wso2_iots
        key: application_tags
    vars:
      - name: iots_application_tags
  grant_types:
    description:
      - Grant types the application is registered with, when the lookup registers it (C(supportedGrantTypes),
        see M(wso2.iots.iots_app_register)). IoTS 3.2.0 ignores them; Entgra allows the application only these.
      - Use the same list wherever the name is registered. Entgra 7.x deletes and recreates an application with
        new keys when the set of grant types differs from the one it was registered with.
      - One of C(password), C(refresh_token), C(client_credentials), C(authorization_code), C(implicit),
        C(urn:ietf:params:oauth:grant-type:saml2-bearer), C(urn:ietf:params:oauth:grant-type:jwt-bearer),
        C(urn:ietf:params:oauth:grant-type:device_code), C(urn:ietf:params:oauth:grant-type:token-exchange),
        C(iwa:ntlm), C(access_token); the lookup cannot send a callback URL, so not C(authorization_code) or
        C(implicit).
    type: list
    elements: str
    default: [password, refresh_token, client_credentials]
    env:
      - name: IOTS_GRANT_TYPES
    ini:
      - section: wso2_iots
        key: grant_types
    vars:
      - name: iots_grant_types
  token_type:
    description:
      - V(JWT) (signed JWTs of about 1 KB) or V(DEFAULT) (opaque) access tokens, for an application Entgra creates
        when the lookup registers it. IoTS 3.2.0 ignores it.
    type: str
    choices: [JWT, DEFAULT]
    default: JWT
    env:
      - name: IOTS_TOKEN_TYPE
    ini:
      - section: wso2_iots
        key: token_type
    vars:
      - name: iots_token_type
  refresh_token:
    description:
      - Refresh token for the refresh_token grant, used only when O(username) and O(password) are not both given.
      - A refresh grant deactivates the access token it replaces, including in other runs that still use it.
        The lookup never caches or reuses refresh tokens itself.
    type: str
    env:
      - name: IOTS_REFRESH_TOKEN
    vars:
      - name: iots_refresh_token
  allow_partial_scopes:
    description:
      - Return a token even when IoTS did not grant every requested scope.
    type: bool
    default: false
    env:
      - name: IOTS_ALLOW_PARTIAL_SCOPES
    ini:
      - section: wso2_iots
        key: allow_partial_scopes
    vars:
      - name: iots_allow_partial_scopes
  cache:
    description:
      - C(per_run) shares tokens between all processes of one C(ansible-playbook) run, in files (mode 0600)
        under Ansible's local temp directory, which Ansible deletes at the end of the run.
      - C(persistent) also keeps tokens across runs in O(cache_dir) until they are about to expire. Entries are
        encrypted with the run's vault secret when one is loaded (see O(cache_vault_id)). An encrypted entry is
        never replaced by plaintext. An unusable directory gives a warning and the lookup uses C(per_run).
      - C(none) fetches a token on every call.
    type: str
    choices: [per_run, persistent, none]
    default: per_run
    env:
      - name: IOTS_BEARER_CACHE
    ini:
      - section: wso2_iots
        key: cache
    vars:
      - name: iots_bearer_cache
  cache_dir:
    description:
      - Directory of the C(persistent) cache. It is created with mode 0700.
      - A directory owned by another user, or open to group or others, is refused with a warning.
      - Defaults to C(wso2.iots/iots_bearer) under E(XDG_CACHE_HOME), or under C(~/.cache) when that is not set.
    type: path
    env:
      - name: IOTS_BEARER_CACHE_DIR
    ini:
      - section: wso2_iots
        key: cache_dir
    vars:
      - name: iots_bearer_cache_dir
  cache_vault_id:
    description:
      - Vault id whose secret encrypts C(persistent) cache entries.
      - Defaults to the configured vault encrypt identity (E(ANSIBLE_VAULT_ENCRYPT_IDENTITY)), which must then be
        loaded, else to the only vault id loaded. With several ids loaded and none chosen, nothing is persisted.
    type: str
    env:
      - name: IOTS_BEARER_CACHE_VAULT_ID
    ini:
      - section: wso2_iots
        key: cache_vault_id
    vars:
      - name: iots_bearer_cache_vault_id
  cache_encrypt:
    description:
      - C(auto) encrypts C(persistent) entries when the run has a vault secret and writes them in plaintext
        (mode 0600) when it has none.
      - C(required) persists nothing unless an entry can be encrypted.
    type: str
    choices: [auto, required]
    default: auto
    env:
      - name: IOTS_BEARER_CACHE_ENCRYPT
    ini:
      - section: wso2_iots
        key: cache_encrypt
    vars:
      - name: iots_bearer_cache_encrypt
  refresh_before:
    description:
      - Seconds before its expiry at which a cached token is no longer handed out and a new one is fetched.
      - At most half of the token's lifetime is used, because IoTS reports a reused token's lifetime
        300 seconds short.
    type: int
    default: 300
    env:
      - name: IOTS_BEARER_REFRESH_BEFORE
    ini:
      - section: wso2_iots
        key: refresh_before
    vars:
      - name: iots_bearer_refresh_before
  lock_timeout:
    description:
      - Seconds to wait for another process that is fetching the same token.
      - Defaults to the time the fetch may take with all its retries (three attempts of O(timeout) and the
        pauses between them, for each request) plus 10 seconds.
    type: int
    env:
      - name: IOTS_BEARER_LOCK_TIMEOUT
    ini:
      - section: wso2_iots
        key: lock_timeout
    vars:
      - name: iots_bearer_lock_timeout
  force_refresh:
    description:
      - Ignore tokens and failures cached before this call started, for example after a password rotation.
      - Calls running at the same time still share one request, or its failure. A failed forced refresh does not
        replace the cached token; the other calls keep using it while it is valid.
    type: bool
    default: false
    env:
      - name: IOTS_BEARER_FORCE_REFRESH
    vars:
      - name: iots_bearer_force_refresh
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.connection.plugins
notes:
  - Lookups run on the controller, so the cache and the C(requests) library are needed there only.
  - The cache key is the token URL, the grant, the user, the client id (or the application name and its grant
    types) and the sorted scopes. Passwords and secrets are not part of it; after changing them use
    O(force_refresh) once.
  - Tokens may be UUIDs (IoTS) or JWTs of about 1 KB (Entgra); both are cached, sent and hidden alike.
  - Each AWX or Automation Controller job runs in a fresh container, so the default cache costs one token request
    per job; IoTS hands all of them the same token while it is valid.
  - >-
    To load faster in each worker, the lookup keeps its parsed option definitions under C(ANSIBLE_HOME) and loads
    its Python code with bytecode, both through ansible-core internals. Set the environment variable
    E(IOTS_BEARER_CORE_SHIMS=false) to turn these shortcuts off; the lookup then loads like any other plugin.
seealso:
  - module: wso2.iots.iots_token
  - module: wso2.iots.iots_app_register
  - ref: ansible_collections.wso2.iots.docsite.token_caching_guide
    description: When tokens are fetched, shared and renewed, with measurements.
'''

EXAMPLES = r'''
- name: List devices with a token for two scopes (fetched once for the whole run)
  ansible.builtin.uri:
    url: "{{ iots_url }}/api/device-mgt/v1.0/devices"
    headers:
      Authorization: "Bearer {{ lookup('wso2.iots.iots_bearer', 'perm:devices:view', 'perm:devices:details') }}"
  vars:
    iots_url: https://iots.example.com:8243
    iots_username: automation
    iots_password: "{{ vault_iots_password }}"

- name: The same with a scope list and explicit client credentials
  ansible.builtin.uri:
    url: "{{ iots_url }}/api/device-mgt/v1.0/device-types"
    headers:
      Authorization: "Bearer {{ lookup('wso2.iots.iots_bearer', scopes=iots_scopes) }}"
  vars:
    iots_scopes: [perm:device-types:types]
    iots_client_id: "{{ vault_iots_client_id }}"
    iots_client_secret: "{{ vault_iots_client_secret }}"

- name: Keep tokens across runs, vault-encrypted (run with --vault-id iots@prompt)
  ansible.builtin.uri:
    url: "{{ iots_url }}/api/device-mgt/v1.0/devices"
    headers:
      Authorization: "Bearer {{ lookup('wso2.iots.iots_bearer', 'perm:devices:view', cache='persistent', cache_vault_id='iots') }}"
'''

RETURN = r'''
_raw:
  description:
    - The access token, as one string.
    - With C(wantlist=true) or C(query), a list with that one string.
  type: list
  elements: str
  sample:
    - 0f4a2bd2-8f8e-3c4d-9d7e-6c7a1f3e2b10
'''

import time

from ansible.utils.display import Display

from ansible_collections.wso2.iots.plugins.plugin_utils import _core_internals

# Our controller-side code, dependencies first, with bytecode; the imports below get these modules.
# (A plain name on the left: Ansible's doc reader warns about a tuple assignment in a plugin file.)
_option_definitions = _core_internals.load_modules(
    (
        'plugin_utils._core_internals._option_definitions',
        'module_utils._errors',
        'module_utils._urls',
        'module_utils._registration',
        'module_utils._oauth',
        'plugin_utils._private_files',
        'plugin_utils._vault_secrets',
        'plugin_utils._token_cache',
        'module_utils._option_adapter',
        'plugin_utils._lookup_base',
    )
)[0]
OPTION_DEFINITIONS = _option_definitions.SavedOptionDefinitions(
    'lookup', __name__, DOCUMENTATION, fragments=('connection',), required=('url', 'cache', 'scopes')
)
OPTION_DEFINITIONS.register()

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._oauth import (
    DEFAULT_TOKEN_PATH,
    GRANT_PASSWORD,
    check_scopes,
    choose_grant,
    grant,
    normalize_scopes,
    register,
)
from ansible_collections.wso2.iots.plugins.module_utils._registration import validate_grant_types, validate_token_type
from ansible_collections.wso2.iots.plugins.module_utils._urls import join_url
from ansible_collections.wso2.iots.plugins.plugin_utils._lookup_base import IotsLookupBase, lookup_errors
from ansible_collections.wso2.iots.plugins.plugin_utils._token_cache import FetchError, cache_key, normalize_token_url

display = Display()

# Waiting for the lock also covers the fetcher's retries; this is what is left for the rest.
LOCK_TIMEOUT_MARGIN = 10


class TokenRequest(object):
    """What one call asks for, worked out from the options alone (no import of the HTTP stack)."""

    def __init__(self, get_option, terms):
        self.url = get_option('url')
        self.token_path = get_option('token_path') or DEFAULT_TOKEN_PATH
        self.username = get_option('username')
        self.password = get_option('password')
        self.client_id = get_option('client_id')
        self.client_secret = get_option('client_secret')
        self.refresh_token = get_option('refresh_token')
        self.application_name = get_option('application_name')
        self.tags = get_option('tags')
        self.scopes = normalize_scopes(list(terms or []) + list(get_option('scopes') or []))
        self.grant_type, self.registers_application = choose_grant(
            self.username, self.password, self.refresh_token, self.client_id, self.client_secret, self.application_name
        )
        self.grant_types = self.token_type = None
        if self.registers_application:
            self.grant_types = validate_grant_types(get_option('grant_types'))
            self.token_type = validate_token_type(get_option('token_type'))

    @property
    def token_url(self):
        return join_url(self.url or '', self.token_path)

    @property
    def application(self):
        """The application the lookup registers, as the server knows it: where, which tenant, which name."""
        tenant = (self.username or '').rpartition('@')[2].lower() if '@' in (self.username or '') else 'carbon.super'
        return ' '.join((normalize_token_url(self.token_url), tenant, self.application_name or ''))

    @property
    def cache_key(self):
        # Before registering, the client id is not known yet; the application name stands for it,
        # with its grant types: Entgra gives the name other keys for another set.
        if self.registers_application:
            client = 'application:%s:%s' % (self.application_name, ' '.join(sorted(self.grant_types or ())))
        else:
            client = self.client_id
        username = self.username if self.grant_type == GRANT_PASSWORD else None
        return cache_key(self.token_url, self.grant_type, username, client, self.scopes)


def _number(value, name, minimum, words):
    if value is not None and value < minimum:
        raise IotsOptionError('iots_bearer: %s must be %s, got %r.' % (name, words, value))
    return value


def _default_lock_timeout(timeout, requests):
    """How long the fetch may take with all its retries (see the client), plus LOCK_TIMEOUT_MARGIN."""
    from ansible_collections.wso2.iots.plugins.module_utils._retry_timing import longest_wait

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        return LOCK_TIMEOUT_MARGIN  # the client refuses such a timeout before it sends anything
    return longest_wait(timeout, requests=requests) + LOCK_TIMEOUT_MARGIN


class LookupModule(IotsLookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_own_options(variables, kwargs)
        OPTION_DEFINITIONS.save(self)
        with lookup_errors():
            request = TokenRequest(self.options, terms)
            refresh_before = _number(self.get_option('refresh_before'), 'refresh_before', 0, '0 or more seconds')
            not_before = time.time() if self.get_option('force_refresh') else None
            cache = self.open_token_cache()
            key = request.cache_key
            entry = cache.read(key, refresh_before, not_before)
            if entry is None:
                lock_timeout = _number(self.get_option('lock_timeout'), 'lock_timeout', 1e-9, 'a positive number of seconds')
                if lock_timeout is None:
                    lock_timeout = _default_lock_timeout(self.get_option('timeout'), 2 if request.registers_application else 1)
                # The client (and with it requests) only in the process that sends the request: the
                # others, which find the token once they have the lock, never load the HTTP stack.
                entry = cache.fetch(key, lambda: self._grant(self._client(), request, cache), refresh_before, not_before, lock_timeout)
            self._check_scopes(entry, request)
        return [entry['access_token']]

    def _client(self):
        # Imported by the fetching process only: a worker that finds the token in the cache, or
        # waits for another one's request, never loads requests and the HTTP stack (about 35 ms
        # and 3 MiB of memory for every fresh worker otherwise).
        from ansible_collections.wso2.iots.plugins.module_utils._client import client_from_options

        client = client_from_options(self.options)
        if client.warning:
            display.warning(client.warning)
        return client

    @staticmethod
    def _grant(client, request, cache):
        """The token dict; a failure of the server (not of our options) is remembered by the cache."""
        client_id, client_secret = request.client_id, request.client_secret
        try:
            if request.registers_application:
                application = register(
                    client,
                    request.username,
                    request.password,
                    request.application_name,
                    tags=request.tags,
                    grant_types=request.grant_types,
                    token_type=request.token_type,
                )
                client_id, client_secret = application['client_id'], application['client_secret']
                # Tokens cached for this application under other keys (Entgra recreated it) no longer work.
                cache.forget_other_clients(request.application, client_id)
            token = grant(
                client,
                request.grant_type,
                client_id,
                client_secret,
                username=request.username,
                password=request.password,
                refresh_token=request.refresh_token,
                scopes=request.scopes,
                token_path=request.token_path,
            )
        except IotsOptionError:
            raise
        except IotsError as exc:
            raise FetchError(str(exc))
        if request.registers_application:
            token.update(application=request.application, client_id=client_id)
        return token

    def _check_scopes(self, entry, request):
        granted = list(entry.get('scopes') or ())
        if not set(request.scopes) - set(granted):
            return
        # The shared check words the failure exactly as the iots_token module does.
        missing = check_scopes({'scopes': granted}, request.scopes, username=request.username, allow_partial=self.get_option('allow_partial_scopes'))
        display.vvv('iots_bearer: IoTS did not grant %s (allow_partial_scopes is set).' % ', '.join(missing))
