# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
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
    same keys, so this is safe to repeat.
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
      - Defaults to the configured vault encrypt identity (E(ANSIBLE_VAULT_ENCRYPT_IDENTITY)), else to the only
        vault id loaded. With several ids loaded and none chosen, nothing is persisted.
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
      - Defaults to the time the fetch may take with all its retries (three attempts of O(timeout) for each
        request) plus 10 seconds.
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
      - Calls running at the same time still share one request.
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
  - The cache key is the token URL, the grant, the user, the client id (or the application name) and the sorted
    scopes. Passwords and secrets are not part of it; after changing them use O(force_refresh) once.
  - Each AWX or Automation Controller job runs in a fresh container, so the default cache costs one token request
    per job; IoTS hands all of them the same token while it is valid.
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

import hashlib
import importlib.util
import json
import os
import sys
import time

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

display = Display()

TOKEN_CACHE_MODULE = 'ansible_collections.wso2.iots.plugins.plugin_utils._token_cache'


def _import_token_cache():
    """The cache module, loaded the way Ansible loads plugin files, so Python keeps its bytecode.

    Ansible forks a fresh worker for every (host, task), and its collection loader compiles each
    module_utils and plugin_utils module from source there, without a .pyc: for this module that
    cost more than the whole rest of a cache hit. It is registered under its usual name, so
    ordinary imports of it elsewhere get this same module.
    """
    module = sys.modules.get(TOKEN_CACHE_MODULE)
    if module is not None:
        return module
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'plugin_utils', '_token_cache.py')
    spec = importlib.util.spec_from_file_location(TOKEN_CACHE_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[TOKEN_CACHE_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[TOKEN_CACHE_MODULE]
        raise
    return module


_token_cache = _import_token_cache()


def _option_definitions_file():
    """Where the parsed option definitions of this exact code are kept, or None.

    The name is a hash of everything the parse depends on: this file's DOCUMENTATION, the doc
    fragment it extends, and the ansible-core version. A file for other inputs is never read.
    """
    fragment = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'doc_fragments', 'connection.py')
    try:
        with open(fragment, 'rb') as handle:
            fragment_source = handle.read()
    except OSError:
        return None
    digest = hashlib.sha256()
    for part in (ansible_version.encode('utf-8'), __name__.encode('utf-8'), DOCUMENTATION.encode('utf-8'), fragment_source):
        digest.update(hashlib.sha256(part).digest())
    return os.path.join(C.ANSIBLE_HOME, 'wso2.iots', 'plugin_options', 'iots_bearer-%s.json' % digest.hexdigest()[:32])


def _register_shared_option_definitions():
    """Register this plugin's option definitions from a copy saved by an earlier worker.

    Ansible reads a plugin's options by parsing DOCUMENTATION and its doc fragments as YAML, in
    every worker process that loads the plugin: 15 to 40 ms for each (host, task), several times
    a cache hit. With the definitions already registered, its loader skips that parse. The copy
    is a private file under ANSIBLE_HOME, named after a hash of what the parse depends on.
    """
    # Ansible files a plugin's definitions under the name of its Python module.
    if C.config.has_configuration_definition('lookup', __name__):
        return True
    path = _option_definitions_file()
    data = _token_cache.read_private_file(path) if path else None
    try:
        definitions = json.loads(data.decode('utf-8')) if data else None
    except ValueError:
        definitions = None
    if not isinstance(definitions, dict) or not {'url', 'cache', 'scopes'} <= set(definitions):
        return False
    C.config.initialize_plugin_configuration_definitions('lookup', __name__, definitions)
    return True


try:
    _option_definitions_shared = _register_shared_option_definitions()
except AttributeError:
    # An ansible-core without these configuration calls: it parses the docs itself, as for any
    # plugin, and nothing is saved for other workers.
    _option_definitions_shared = True

GRANT_PASSWORD = 'password'
GRANT_REFRESH_TOKEN = 'refresh_token'
GRANT_CLIENT_CREDENTIALS = 'client_credentials'
# Waiting for the lock also covers the fetcher's retries; this is what is left for the rest.
LOCK_TIMEOUT_MARGIN = 10


class TokenRequest(object):
    """What one call asks for, worked out from the options alone (no import of the HTTP stack)."""

    def __init__(self, get_option, terms):
        self.url = get_option('url')
        self.token_path = get_option('token_path') or '/token'
        self.username = get_option('username')
        self.password = get_option('password')
        self.client_id = get_option('client_id')
        self.client_secret = get_option('client_secret')
        self.refresh_token = get_option('refresh_token')
        self.application_name = get_option('application_name')
        self.tags = get_option('tags')
        self.scopes = requested_scopes(terms, get_option('scopes'))
        if bool(self.username) != bool(self.password):
            raise AnsibleLookupError(
                'iots_bearer needs both username and password, or neither; only %s is set.'
                % ('username' if self.username else 'password'))
        if self.username and self.password:
            self.grant_type = GRANT_PASSWORD
        elif self.refresh_token:
            self.grant_type = GRANT_REFRESH_TOKEN
        else:
            self.grant_type = GRANT_CLIENT_CREDENTIALS
        self.registers = not (self.client_id and self.client_secret)
        if self.registers and self.grant_type != GRANT_PASSWORD:
            raise AnsibleLookupError(
                'iots_bearer needs username and password (to register the application %s), or client_id and '
                'client_secret for the %s grant.' % (self.application_name, self.grant_type))

    @property
    def token_url(self):
        return self.url.rstrip('/') + '/' + self.token_path.strip('/')

    @property
    def cache_key(self):
        # Before registering, the client id is not known yet; the application name stands for it.
        client = self.client_id if not self.registers else 'application:%s' % self.application_name
        username = self.username if self.grant_type == GRANT_PASSWORD else None
        return _token_cache.cache_key(self.token_url, self.grant_type, username, client, self.scopes)


def requested_scopes(terms, scopes_option):
    """Terms and the scopes option as one sorted list without duplicates (validated on a fetch)."""
    found = set()
    for value in list(terms or []) + list(scopes_option or []):
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if not isinstance(item, str):
                raise AnsibleLookupError('iots_bearer: scopes must be strings; %r is a %s.'
                                         % (item, plain_type_name(item)))
            found.update(item.split())
    return sorted(found)


def plain_type_name(value):
    """``dict`` rather than ``_AnsibleLazyTemplateDict``: ansible-core 2.19+ passes its own subclasses."""
    for plain in (bool, int, float, str, dict, list, tuple):
        if isinstance(value, plain):
            return plain.__name__
    return type(value).__name__


def _may_hold_template(value):
    """Cheap pre-check: only strings with Jinja markers (or containers) can need templating."""
    if isinstance(value, str):
        return '{{' in value or '{%' in value
    return isinstance(value, (list, tuple, dict))


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=self._own_variables(variables), direct=kwargs)
        if not _option_definitions_shared:
            self._share_option_definitions()
        try:
            return [self._access_token(terms)]
        except _token_cache.TokenCacheError as exc:
            raise AnsibleLookupError(str(exc))

    def _share_option_definitions(self):
        """Save the parsed option definitions for the workers that load this plugin later (see above)."""
        global _option_definitions_shared  # pylint: disable=global-statement
        _option_definitions_shared = True
        if self._load_name != __name__:
            return
        path = _option_definitions_file()
        if path is None:
            return
        try:
            data = json.dumps(self.option_definitions, sort_keys=True).encode('utf-8')
            directory = _token_cache.ensure_private_directory(os.path.dirname(path), create_parents=True)
            _token_cache.write_private_file(directory, os.path.basename(path), data)
        except (TypeError, ValueError, OSError, _token_cache.TokenCacheError) as exc:
            display.vvvv('iots_bearer: option definitions not shared with other workers: %s' % exc)

    def _own_variables(self, variables):
        """The variables this lookup reads, each templated.

        ansible-core 2.19 and later pass lookups lazily templated variables. 2.16 to 2.18 pass
        them raw, so ``iots_password: "{{ vault_iots_password }}"`` would arrive as that text.
        Templating again changes nothing on 2.19+, where rendered values are not templates.
        """
        if not variables:
            return {}
        names = set()
        for definition in self.option_definitions.values():
            names.update(entry['name'] for entry in definition.get('vars') or ())
        own = {}
        for name in names:
            if name in variables:
                value = variables[name]
                if self._templar is not None and _may_hold_template(value):
                    value = self._templar.template(value)
                own[name] = value
        return own

    def _access_token(self, terms):
        request = TokenRequest(self.get_option, terms)
        key = request.cache_key
        cache = _token_cache.open_cache(
            self.get_option('cache'), C.DEFAULT_LOCAL_TMP,
            cache_dir=self.get_option('cache_dir'),
            vault_secrets=self._vault_secrets(),
            cache_vault_id=self.get_option('cache_vault_id'),
            default_vault_id=C.DEFAULT_VAULT_ENCRYPT_IDENTITY,
            encrypt=self.get_option('cache_encrypt'),
            warn=display.warning)
        refresh_before = self.get_option('refresh_before')
        if refresh_before is None or refresh_before < 0:
            raise AnsibleLookupError('iots_bearer: refresh_before must be 0 or more seconds, got %r.' % (refresh_before,))
        not_before = time.time() if self.get_option('force_refresh') else None
        entry = cache.read(key, refresh_before, not_before)
        if entry is None:
            entry = self._fetch(cache, key, request, refresh_before, not_before)
        self._check_scopes(entry, request)
        return entry['access_token']

    def _vault_secrets(self):
        vault = getattr(self._loader, '_vault', None)
        return list(getattr(vault, 'secrets', None) or [])

    def _fetch(self, cache, key, request, refresh_before, not_before):
        # Imported here, on a miss only: a worker that finds the token in the cache never loads
        # requests and the HTTP stack (about 35 ms for every fresh worker otherwise).
        from ansible_collections.wso2.iots.plugins.module_utils import _client, _errors, _oauth, _options

        try:
            client = _options.client_from_options(self.get_option)
            _oauth.normalize_scopes(request.scopes)
            if request.registers:
                _oauth.validate_application_name(request.application_name)
                _oauth.validate_tags(request.tags)
        except _errors.IotsError as exc:
            raise AnsibleLookupError(str(exc))
        if client.warning:
            display.warning(client.warning)

        def fetch():
            try:
                return self._grant(_oauth, client, request)
            except _errors.IotsOptionError as exc:
                raise AnsibleLookupError(str(exc))
            except _errors.IotsError as exc:
                raise _token_cache.FetchError(str(exc))

        lock_timeout = self.get_option('lock_timeout')
        if lock_timeout is None:
            requests_per_fetch = 2 if request.registers else 1
            attempts = _client.DEFAULT_RETRIES + 1
            lock_timeout = (client.timeout * attempts + _client.DEFAULT_BACKOFF * 2 ** attempts) * requests_per_fetch
            lock_timeout += LOCK_TIMEOUT_MARGIN
        elif lock_timeout <= 0:
            raise AnsibleLookupError('iots_bearer: lock_timeout must be a positive number of seconds, got %r.' % lock_timeout)
        return cache.fetch(key, fetch, refresh_before, not_before, lock_timeout)

    @staticmethod
    def _grant(oauth, client, request):
        client_id, client_secret = request.client_id, request.client_secret
        if request.registers:
            application = oauth.register(client, request.username, request.password, request.application_name,
                                         tags=request.tags)
            client_id, client_secret = application['client_id'], application['client_secret']
        return oauth.grant(client, request.grant_type, client_id, client_secret,
                           username=request.username, password=request.password,
                           refresh_token=request.refresh_token, scopes=request.scopes,
                           token_path=request.token_path)

    def _check_scopes(self, entry, request):
        if not set(request.scopes) - set(entry.get('scopes') or ()):
            return
        # The shared check words the failure exactly as the iots_token module does.
        from ansible_collections.wso2.iots.plugins.module_utils import _errors, _oauth

        token = {'scopes': list(entry.get('scopes') or ())}
        try:
            missing = _oauth.check_scopes(token, request.scopes, username=request.username,
                                          allow_partial=self.get_option('allow_partial_scopes'))
        except _errors.IotsScopeError as exc:
            raise AnsibleLookupError(str(exc))
        display.vvv('iots_bearer: IoTS did not grant %s (allow_partial_scopes is set).' % ', '.join(missing))
