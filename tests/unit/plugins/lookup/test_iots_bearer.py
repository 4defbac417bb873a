# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_bearer lookup: options, grant choice, registration, scopes, cache use, lazy imports.

IoTS is played at requests.Session.request; the lookup runs as Ansible's templar runs it.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from urllib.parse import parse_qs

import pytest
import requests

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.wso2.iots.plugins.lookup import iots_bearer
from ansible_collections.wso2.iots.plugins.plugin_utils import _core_internals, _private_files, _token_cache

from http_fakes import answer  # pylint: disable=import-error

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every variable value is a template source

    def trust_as_template(value):
        return value


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
URL = 'https://iots.example.com:8243'
# Probes run without the fake server: a refused loopback port, so a miss never leaves the machine.
PROBE_URL = 'https://127.0.0.1:9'
CLIENT = {'iots_client_id': 'cid-123', 'iots_client_secret': 'csecret-456'}
USER = {'iots_username': 'operator', 'iots_password': 'op-pass-789'}
SECRETS = ('csecret-456', 'op-pass-789', 'reg-secret-000', 'refresh-abc')


class FakeIots(object):
    """Registration and token endpoints with IoTS's answers; records every request."""

    def __init__(self, granted=None, token_status=200, token_body=None):
        self.calls = []
        self.granted = granted  # None: grant what was asked for
        self.token_status = token_status
        self.token_body = token_body
        self.issued = 0

    def count(self, path):
        return len([c for c in self.calls if c['url'].endswith(path)])

    def form(self, index=-1):
        tokens = [c for c in self.calls if c['url'].endswith('/token')]
        return dict(
            (k, v[0])
            for k, v in parse_qs(
                tokens[index]['data'] if isinstance(tokens[index]['data'], str) else '&'.join('%s=%s' % kv for kv in tokens[index]['data'].items())
            ).items()
        )

    def request(self, session, method, url, **kwargs):
        self.calls.append(dict(kwargs, method=method, url=url))
        if url.endswith('/api-application-registration/register'):
            return answer(201, {'client_id': 'reg-cid', 'client_secret': 'reg-secret-000'})
        if url.endswith('/token'):
            if self.token_status != 200:
                return answer(self.token_status, self.token_body)
            self.issued += 1
            asked = (kwargs.get('data') or {}).get('scope', '')
            scope = asked if self.granted is None else self.granted
            body = {'access_token': 'access-%d' % self.issued, 'token_type': 'Bearer', 'expires_in': 3600, 'scope': scope or 'default'}
            if kwargs['data'].get('grant_type') != 'client_credentials':
                body['refresh_token'] = 'refresh-abc'
            return answer(200, body)
        return answer(404, '')


@pytest.fixture
def iots(monkeypatch):
    server = FakeIots()

    def request(session, method, url, **kwargs):
        return server.request(session, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, 'request', request)
    return server


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """A per-run temp dir of our own, no IOTS_* from the outside, an empty memory tier."""
    run_tmp = tmp_path / 'ansible-local'
    run_tmp.mkdir(mode=0o700)
    monkeypatch.setattr(C, 'DEFAULT_LOCAL_TMP', str(run_tmp))
    monkeypatch.setattr(C, 'ANSIBLE_HOME', str(tmp_path / 'ansible-home'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)
    _token_cache.forget_memory()
    yield str(run_tmp)
    _token_cache.forget_memory()


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(iots_bearer.display, 'warning', lambda msg, *a, **k: seen.append(msg))
    return seen


def lookup(terms=(), variables=None, loader=None, **kwargs):
    """One lookup call in a fresh plugin instance, as a new Ansible worker makes it."""
    variables = dict({'iots_url': URL}, **(variables or {}))
    loader = loader or DataLoader()
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=loader, templar=Templar(loader=loader, variables=variables))
    return plugin.run(list(terms), variables=variables, **kwargs)


def new_worker():
    """What a fresh fork sees: the memory tier of the previous task is gone."""
    _token_cache.forget_memory()


# ---------------------------------------------------------------------------- grants


def test_password_grant_with_client_credentials(iots):
    assert lookup(['perm:b', 'perm:a'], dict(USER, **CLIENT)) == ['access-1']
    assert iots.count('/register') == 0 and iots.count('/token') == 1
    sent = iots.calls[0]
    assert sent['url'] == URL + '/token'
    assert sent['auth'] == ('cid-123', 'csecret-456')
    assert sent['data'] == {'grant_type': 'password', 'username': 'operator', 'password': 'op-pass-789', 'scope': 'perm:a perm:b'}


def test_refresh_grant_when_only_a_refresh_token_is_known(iots):
    assert lookup([], dict(CLIENT, iots_refresh_token='refresh-abc')) == ['access-1']
    assert iots.calls[0]['data'] == {'grant_type': 'refresh_token', 'refresh_token': 'refresh-abc'}


def test_password_beats_refresh_token(iots):
    lookup([], dict(CLIENT, iots_refresh_token='refresh-abc', **USER))
    assert iots.calls[0]['data']['grant_type'] == 'password'


def test_client_credentials_grant_without_a_user(iots):
    assert lookup(['perm:a'], CLIENT) == ['access-1']
    assert iots.calls[0]['data'] == {'grant_type': 'client_credentials', 'scope': 'perm:a'}


def test_registers_the_application_when_no_client_credentials_are_given(iots):
    assert lookup(['perm:a'], USER) == ['access-1']
    register, grant = iots.calls
    assert register['url'] == URL + '/api-application-registration/register'
    assert register['auth'] == ('operator', 'op-pass-789')
    assert register['json'] == {
        'applicationName': 'ansible_iots_bearer',
        'tags': ['device_management'],
        'supportedGrantTypes': ['password', 'refresh_token', 'client_credentials'],
        'tokenType': 'JWT',
        'username': 'operator',
    }
    assert grant['auth'] == ('reg-cid', 'reg-secret-000')


def test_registration_uses_application_name_and_tags(iots):
    lookup([], dict(USER, iots_application_name='ansible_lab_devices'), tags=['device_management', 'android'])
    body = iots.calls[0]['json']
    assert (body['applicationName'], body['tags']) == ('ansible_lab_devices', ['device_management', 'android'])


def test_registration_sends_grant_types_and_token_type(iots):
    lookup([], dict(USER, iots_grant_types=['refresh_token', 'password'], iots_token_type='DEFAULT'))
    body = iots.calls[0]['json']
    assert (body['supportedGrantTypes'], body['tokenType']) == (['refresh_token', 'password'], 'DEFAULT')


@pytest.mark.parametrize(
    'variables, words',
    [
        ({'iots_grant_types': []}, 'grant_types must not be empty'),
        ({'iots_grant_types': ['password', 'magic']}, "'magic' is not a grant type"),
        ({'iots_grant_types': ['authorization_code']}, 'needs a callback URL'),
        ({'iots_token_type': 'OPAQUE'}, 'token_type'),
    ],
)
def test_bad_registration_fields_fail_before_any_request(iots, variables, words):
    with pytest.raises(AnsibleError, match=words):
        lookup([], dict(USER, **variables))
    assert iots.calls == []


@pytest.mark.parametrize(
    'variables, words',
    [
        ({'iots_username': 'operator'}, 'needs both username and password, or neither; only username is set'),
        ({'iots_password': 'x'}, 'only password is set'),
        ({}, 'needs username and password (to register the application ansible_iots_bearer), or client_id and client_secret for the client_credentials grant'),
        ({'iots_client_id': 'cid-123'}, 'or client_id and client_secret'),
    ],
)
def test_missing_credentials_fail_before_any_request(iots, variables, words):
    with pytest.raises(AnsibleError) as caught:
        lookup([], variables)
    assert words in str(caught.value)
    assert iots.calls == []


def test_a_token_path_with_a_trailing_slash_is_used_as_written(iots):
    """django-oauth-toolkit answers /o/token/ only; /o/token is a 404 there."""
    with pytest.raises(AnsibleError):
        lookup([], dict(USER, **CLIENT), token_path='/o/token/')  # the fake IoTS has no such endpoint
    assert [call['url'] for call in iots.calls] == [URL + '/o/token/']


@pytest.fixture
def client_ca_paths(monkeypatch):
    """The ca_path each IotsClient is made with."""
    from ansible_collections.wso2.iots.plugins.module_utils import _client

    seen, real = [], _client.IotsClient

    def recording(*args, **kwargs):
        seen.append(kwargs.get('ca_path'))
        return real(*args, **kwargs)

    monkeypatch.setattr(_client, 'IotsClient', recording)
    return seen


@pytest.mark.parametrize('where', ['variable', 'keyword', 'environment'])
def test_an_empty_ca_path_means_the_system_cas(iots, monkeypatch, client_ca_paths, where):
    """Ansible's path type would turn "" into the current directory, and TLS would fail confusingly."""
    variables, keywords = dict(USER, **CLIENT), {}
    if where == 'variable':
        variables['iots_ca_path'] = ''
    elif where == 'keyword':
        keywords['ca_path'] = ''
    else:
        monkeypatch.setenv('IOTS_CA_PATH', '')
    assert lookup([], variables, **keywords) == ['access-1']
    assert iots.calls[0]['verify'] is True
    assert client_ca_paths == [None]  # the client gets it as unset (OptionAdapter's rule)


def test_a_ca_path_is_used_for_verification(iots, tmp_path, client_ca_paths):
    (tmp_path / 'ca.pem').write_text('a CA certificate')
    lookup([], dict(USER, iots_ca_path=str(tmp_path / 'ca.pem'), **CLIENT))
    assert iots.calls[0]['verify'] == str(tmp_path / 'ca.pem')
    assert client_ca_paths == [str(tmp_path / 'ca.pem')]


def test_a_keyword_that_is_no_option_fails_naming_the_one_meant(iots):
    with pytest.raises(AnsibleError, match=r'has no option scope \(did you mean scopes\?\)'):
        lookup([], dict(USER, **CLIENT), scope=['perm:devices:view'])
    assert iots.calls == []


def test_invalid_scope_fails_before_any_request(iots):
    with pytest.raises(AnsibleError, match='is not a valid scope'):
        lookup(['perm:"a'], dict(USER, **CLIENT))
    assert iots.calls == []


def test_non_string_scope_is_refused(iots):
    with pytest.raises(AnsibleError, match='scopes must be strings; 3 is a int'):
        lookup([3], dict(USER, **CLIENT))


def test_terms_and_scopes_option_make_one_scope_set(iots):
    lookup([['perm:b', 'perm:a']], dict(USER, **CLIENT), scopes=['perm:c', 'perm:a'])
    assert iots.calls[0]['data']['scope'] == 'perm:a perm:b perm:c'


# ---------------------------------------------------------------------------- options


def test_option_precedence_kwargs_then_vars_then_env(iots, monkeypatch):
    monkeypatch.setenv('IOTS_URL', 'https://from-env.example.com')
    variables = dict(USER, **CLIENT)
    lookup([], dict(variables, iots_url='https://from-vars.example.com'), url='https://from-kwargs.example.com')
    new_worker()
    lookup([], dict(variables, iots_url='https://from-vars.example.com'))
    new_worker()
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=DataLoader(), templar=Templar(loader=DataLoader()))
    plugin.run([], variables=variables)
    assert [c['url'] for c in iots.calls] == [
        'https://from-kwargs.example.com/token',
        'https://from-vars.example.com/token',
        'https://from-env.example.com/token',
    ]


def test_every_connection_option_comes_from_the_environment(iots, monkeypatch):
    for name, value in (
        ('URL', URL),
        ('USERNAME', 'operator'),
        ('PASSWORD', 'op-pass-789'),
        ('CLIENT_ID', 'cid-123'),
        ('CLIENT_SECRET', 'csecret-456'),
        ('TOKEN_PATH', '/oauth2/token'),
        ('VALIDATE_CERTS', 'false'),
        ('TIMEOUT', '7'),
        ('SCOPES', 'perm:a,perm:b'),
    ):
        monkeypatch.setenv('IOTS_' + name, value)
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=DataLoader(), templar=Templar(loader=DataLoader()))
    plugin.run([], variables={})
    sent = iots.calls[0]
    assert sent['url'] == URL + '/oauth2/token'
    assert sent['verify'] is False and sent['timeout'] == 7
    assert sent['data']['scope'] == 'perm:a perm:b'


INI_PROBE = textwrap.dedent('''
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import lookup_loader
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=DataLoader())
    plugin.set_options(var_options=json.loads(sys.argv[2]), direct=json.loads(sys.argv[3]))
    print(json.dumps({n: plugin.get_option(n) for n in ('url', 'cache', 'refresh_before', 'application_name')}))
''')


@pytest.mark.parametrize(
    'env, variables, direct, expected_url',
    [
        ({}, {}, {}, 'https://from-ini.example.com'),
        ({'IOTS_URL': 'https://from-env.example.com'}, {}, {}, 'https://from-env.example.com'),
        ({'IOTS_URL': 'https://from-env.example.com'}, {'iots_url': 'https://from-vars.example.com'}, {}, 'https://from-vars.example.com'),
        (
            {'IOTS_URL': 'https://from-env.example.com'},
            {'iots_url': 'https://from-vars.example.com'},
            {'url': 'https://from-kwargs.example.com'},
            'https://from-kwargs.example.com',
        ),
    ],
)
def test_ini_section_is_the_last_source(tmp_path, env, variables, direct, expected_url):
    config = tmp_path / 'ansible.cfg'
    config.write_text('[wso2_iots]\nurl = https://from-ini.example.com\ncache = persistent\nrefresh_before = 120\napplication_name = from_ini\n')
    run_env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('IOTS_', 'ANSIBLE_CONFIG')))
    run_env.update(env, ANSIBLE_CONFIG=str(config))
    probe = subprocess.run(
        [sys.executable, '-c', INI_PROBE, os.path.join(REPO, 'tests'), json.dumps(variables), json.dumps(direct)],
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
    )
    options = json.loads(probe.stdout)
    assert options == {'url': expected_url, 'cache': 'persistent', 'refresh_before': 120, 'application_name': 'from_ini'}


def test_variables_that_are_templates_are_rendered(iots):
    # ansible-core 2.16-2.18 hand lookups raw variables; 2.19+ trusted templates rendered lazily.
    variables = {
        'iots_username': trust_as_template('{{ vault_iots_user }}'),
        'iots_password': trust_as_template('{{ vault_iots_password }}'),
        'iots_client_id': trust_as_template('{{ app.id }}'),
        'iots_client_secret': 'csecret-456',
        'iots_validate_certs': trust_as_template('{{ 1 == 2 }}'),
        'iots_timeout': trust_as_template('{{ 4 + 5 }}'),
        'iots_scopes': [trust_as_template('{{ "perm:" ~ "devices:view" }}')],
        'vault_iots_user': 'operator',
        'vault_iots_password': 'op-pass-789',
        'app': {'id': 'cid-123'},
    }
    assert lookup([], variables) == ['access-1']
    sent = iots.calls[0]
    assert sent['data']['username'] == 'operator' and sent['data']['password'] == 'op-pass-789'
    assert sent['data']['scope'] == 'perm:devices:view'
    assert sent['auth'] == ('cid-123', 'csecret-456')
    assert sent['verify'] is False and sent['timeout'] == 9


def test_plain_http_warns(iots, warnings):
    lookup([], dict(USER, iots_url='http://iots.example.com:8280', **CLIENT))
    assert any('plain http' in w for w in warnings)


# ---------------------------------------------------------------------------- scopes


def test_missing_scopes_fail_like_iots_token(iots):
    iots.granted = 'perm:devices:view'
    with pytest.raises(AnsibleError) as caught:
        lookup(['perm:devices:view', 'perm:admin'], dict(USER, **CLIENT))
    message = str(caught.value)
    assert 'IoTS did not grant 1 of the 2 requested scopes to user operator: perm:admin.' in message
    assert 'Granted: perm:devices:view.' in message
    # the token is cached: the next task fails the same way without asking IoTS again
    new_worker()
    with pytest.raises(AnsibleError, match='did not grant 1 of the 2'):
        lookup(['perm:devices:view', 'perm:admin'], dict(USER, **CLIENT))
    assert iots.count('/token') == 1


def test_allow_partial_scopes_returns_the_token(iots):
    iots.granted = ''
    assert lookup(['perm:admin'], dict(USER, iots_allow_partial_scopes=True, **CLIENT)) == ['access-1']


# ---------------------------------------------------------------------------- cache use


def test_one_token_request_for_many_tasks(iots, isolated):
    variables = dict(USER, **CLIENT)
    for _task in range(5):
        new_worker()
        assert lookup(['perm:a'], variables) == ['access-1']
    assert iots.count('/token') == 1
    # a different scope set is a different token
    new_worker()
    assert lookup(['perm:b'], variables) == ['access-2']
    assert len(os.listdir(os.path.join(isolated, _token_cache.PER_RUN_DIR_NAME))) == 4  # 2 entries, 2 locks


def test_registration_happens_once_per_run(iots):
    for _task in range(3):
        new_worker()
        lookup(['perm:a'], USER)
    assert iots.count('/register') == 1 and iots.count('/token') == 1


def test_cache_none_asks_every_time(iots):
    for _task in range(3):
        lookup([], dict(USER, **CLIENT), cache='none')
    assert iots.count('/token') == 3


def test_force_refresh_fetches_again(iots):
    variables = dict(USER, **CLIENT)
    lookup([], variables)
    new_worker()
    lookup([], variables, force_refresh=True)
    assert iots.count('/token') == 2


def test_a_failing_server_is_asked_once_and_the_message_names_url_status_and_words(iots):
    iots.token_status, iots.token_body = 400, {'error': 'invalid_grant', 'error_description': 'Authentication failed for operator@carbon.super'}
    variables = dict(USER, **CLIENT)
    with pytest.raises(AnsibleError) as first:
        lookup([], variables)
    message = str(first.value)
    assert 'POST %s/token failed: HTTP 400 invalid_grant: Authentication failed for operator@carbon.super' % URL in message
    for secret in SECRETS:
        assert secret not in message
    new_worker()
    with pytest.raises(AnsibleError) as second:
        lookup([], variables)
    assert 'remembered from an attempt' in str(second.value) and 'HTTP 400 invalid_grant' in str(second.value)
    assert iots.count('/token') == 1


def test_persistent_cache_is_encrypted_with_the_loaded_vault_secret(iots, tmp_path):
    loader = DataLoader()
    loader.set_vault_secrets([('iots', VaultSecret(b'vault-pass'))])
    cache_dir = tmp_path / 'persist'
    lookup([], dict(USER, **CLIENT), loader=loader, cache='persistent', cache_dir=str(cache_dir))
    (entry,) = [name for name in os.listdir(str(cache_dir)) if name.endswith('.json')]
    with open(str(cache_dir / entry), 'rb') as handle:
        data = handle.read()
    assert data.startswith(b'$ANSIBLE_VAULT;1.2;AES256;iots') and b'access-1' not in data


def test_persistent_cache_default_dir_is_under_xdg_cache_home(iots, tmp_path):
    lookup([], dict(USER, **CLIENT), cache='persistent')
    directory = tmp_path / 'xdg' / 'wso2.iots' / 'iots_bearer'
    assert [n for n in os.listdir(str(directory)) if n.endswith('.json')]
    assert oct(os.stat(str(directory)).st_mode & 0o777) == '0o700'


def test_shared_persistent_dir_is_refused_with_a_warning(iots, tmp_path, warnings):
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    assert lookup([], dict(USER, **CLIENT), cache='persistent', cache_dir=str(shared)) == ['access-1']
    assert os.listdir(str(shared)) == []
    assert len(warnings) == 1 and 'open to group or others (mode 0777)' in warnings[0]


@pytest.mark.parametrize(
    'option, value, words',
    [
        ('refresh_before', -1, 'refresh_before must be 0 or more'),
        ('lock_timeout', 0, 'lock_timeout must be a positive number'),
        ('timeout', 0, 'timeout must be a positive number'),  # the client's check, made by the fetching process
    ],
)
def test_bad_numbers_are_refused(iots, option, value, words):
    with pytest.raises(AnsibleError, match=words):
        lookup([], dict(USER, **CLIENT), **{option: value})


# ---------------------------------------------------------------------------- imports on a hit

IMPORT_PROBE = textwrap.dedent('''
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    from ansible import constants as C
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import lookup_loader
    from ansible.template import Templar
    C.DEFAULT_LOCAL_TMP = sys.argv[2]
    C.ANSIBLE_HOME = sys.argv[2] + '-home'
    variables = {'iots_url': 'https://127.0.0.1:9', 'iots_username': 'operator',
                 'iots_password': 'op-pass-789', 'iots_client_id': 'cid-123', 'iots_client_secret': 'csecret-456'}
    loader = DataLoader()
    before_load = set(sys.modules)
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=loader, templar=Templar(loader=loader))
    before_run = set(sys.modules)
    try:
        result = plugin.run(['perm:devices:view'], variables=variables)
    except Exception as exc:
        result = 'failed: %s' % exc
    print(json.dumps({'result': result, 'loaded': sorted(before_run - before_load),
                      'run': sorted(set(sys.modules) - before_run), 'all': sorted(sys.modules)}))
''')


def run_import_probe(run_tmp):
    probe = subprocess.run([sys.executable, '-c', IMPORT_PROBE, os.path.join(REPO, 'tests'), run_tmp], capture_output=True, text=True, check=True)
    return json.loads(probe.stdout)


def test_a_cache_hit_imports_nothing(isolated):
    key = _token_cache.cache_key(PROBE_URL + '/token', 'password', 'operator', 'cid-123', ['perm:devices:view'])
    directory = _private_files.ensure_private_directory(_token_cache.per_run_directory(isolated))
    entry = _token_cache.token_entry(key, {'access_token': 'cached-token', 'expires_in': 3600, 'obtained_at': time.time(), 'scopes': ['perm:devices:view']})
    _token_cache.DiskTier(directory, 'per-run').write(key, entry)

    hit = run_import_probe(isolated)
    assert hit['result'] == ['cached-token']
    assert hit['run'] == []
    # loading the plugin brings its own code and the docs Ansible reads, nothing of the HTTP stack
    ours = set(m for m in hit['loaded'] if m.startswith('ansible_collections.') and not m.startswith('ansible_collections.wso2.iots.plugins.doc_fragments'))
    code = set(
        'ansible_collections.wso2.iots.plugins.%s' % name
        for name in (
            'lookup.iots_bearer',
            'plugin_utils._core_internals',
            'plugin_utils._lookup_base',
            'plugin_utils._token_cache',
            'plugin_utils._private_files',
            'plugin_utils._vault_secrets',
            'module_utils._errors',
            'module_utils._urls',
            'module_utils._oauth',
            'module_utils._registration',
            'plugin_utils._core_internals._bytecode',
            'plugin_utils._core_internals._option_definitions',
            'module_utils._option_adapter',
        )
    )
    assert code <= ours
    assert ours <= code | {
        'ansible_collections.wso2',
        'ansible_collections.wso2.iots',
        'ansible_collections.wso2.iots.plugins',
        'ansible_collections.wso2.iots.plugins.lookup',
        'ansible_collections.wso2.iots.plugins.plugin_utils',
        'ansible_collections.wso2.iots.plugins.module_utils',
    }
    for heavy in (
        'requests',
        'urllib3',
        'http.client',
        'ansible_collections.wso2.iots.plugins.module_utils._client',
        'ansible_collections.wso2.iots.plugins.module_utils._scopes',
    ):
        assert heavy not in hit['all']

    # the same probe on a miss does load them: the check above can fail
    os.unlink(os.path.join(directory, key + '.json'))
    miss = run_import_probe(isolated)
    assert miss['result'] != ['cached-token']
    assert 'requests' in miss['run'] and 'ansible_collections.wso2.iots.plugins.module_utils._client' in miss['run']


def test_the_default_lock_timeout_is_the_clients_longest_wait_plus_the_margin():
    from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient

    for timeout, requests_sent in ((30, 1), (7, 2), (0.5, 1)):
        client = IotsClient('https://iots.example.com:8243', timeout=timeout)
        assert iots_bearer._default_lock_timeout(timeout, requests_sent) == client.longest_wait(requests_sent) + iots_bearer.LOCK_TIMEOUT_MARGIN
    assert iots_bearer._default_lock_timeout(30, 2) == 2 * (3 * 30 + 2 * 5.0) + 10
    # a timeout the client refuses (it says so before sending anything) waits only the margin
    for timeout in (None, 0, -1, True, 'x'):
        assert iots_bearer._default_lock_timeout(timeout, 1) == iots_bearer.LOCK_TIMEOUT_MARGIN


def test_a_miss_that_waits_for_another_fetch_imports_no_http_stack(isolated):
    # Many forks miss at the same moment (the first task of a run); the one that gets the lock fetches,
    # the others wait for it and read its token. Only the fetcher may load requests (3 MiB per worker).
    key = _token_cache.cache_key(PROBE_URL + '/token', 'password', 'operator', 'cid-123', ['perm:devices:view'])
    directory = _private_files.ensure_private_directory(_token_cache.per_run_directory(isolated))
    tier = _token_cache.DiskTier(directory, 'per-run')
    lock_path = os.path.join(directory, key + '.lock')
    with tier.lock(key, 1):
        probe = subprocess.Popen(  # pylint: disable=consider-using-with  # waited for below
            [sys.executable, '-c', IMPORT_PROBE, os.path.join(REPO, 'tests'), isolated], stdout=subprocess.PIPE, text=True
        )
        try:
            # the probe has missed and waits for the lock once it holds the lock file open
            deadline = time.monotonic() + 120
            while not _holds_open(probe.pid, lock_path):
                assert probe.poll() is None and time.monotonic() < deadline, 'the probe never waited for the lock'
                time.sleep(0.05)
            entry = {'access_token': 'fetched-by-another', 'expires_in': 3600, 'obtained_at': time.time(), 'scopes': ['perm:devices:view']}
            tier.write(key, _token_cache.token_entry(key, entry))
        except BaseException:
            probe.kill()
            raise
    waited = json.loads(probe.communicate()[0])
    assert waited['result'] == ['fetched-by-another']
    for heavy in ('requests', 'urllib3', 'http.client', 'ansible_collections.wso2.iots.plugins.module_utils._client'):
        assert heavy not in waited['all']


def _holds_open(pid, path):
    fds = '/proc/%d/fd' % pid
    try:
        names = os.listdir(fds)
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(os.path.join(fds, name)) == path:
                return True
        except OSError:
            pass
    return False


# ---------------------------------------------------------------------------- worker start-up cost

WORKER_PROBE = textwrap.dedent('''
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    from ansible import constants as C
    import ansible.plugins.loader as plugin_loader
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    C.DEFAULT_LOCAL_TMP = sys.argv[2]
    C.ANSIBLE_HOME = sys.argv[2] + '-home'
    if sys.argv[3] == 'forbid-doc-parsing':
        def refuse(*args, **kwargs):
            raise AssertionError('DOCUMENTATION was parsed')
        plugin_loader.add_fragments = refuse
    variables = {'iots_url': 'https://127.0.0.1:9/', 'iots_username': 'operator',
                 'iots_password': 'op-pass-789', 'iots_client_id': 'cid-123', 'iots_client_secret': 'csecret-456',
                 'iots_bearer_refresh_before': 120}
    loader = DataLoader()
    plugin = plugin_loader.lookup_loader.get('wso2.iots.iots_bearer', loader=loader, templar=Templar(loader=loader))
    shared_at_import = not sys.modules[type(plugin).__module__].OPTION_DEFINITIONS.needs_saving
    result = plugin.run(['perm:devices:view'], variables=variables, cache_encrypt='required')
    options = plugin.get_options()
    print(json.dumps({'result': result, 'shared_at_import': shared_at_import,
                      'options': dict((k, v) for k, v in options.items() if k != 'password')}, default=str))
''')


def run_worker_probe(run_tmp, mode):
    probe = subprocess.run([sys.executable, '-c', WORKER_PROBE, os.path.join(REPO, 'tests'), run_tmp, mode], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    return json.loads(probe.stdout)


def shared_definitions(run_tmp):
    directory = os.path.join(run_tmp + '-home', 'wso2.iots', 'plugin_options')
    return [os.path.join(directory, name) for name in os.listdir(directory)] if os.path.isdir(directory) else []


def cache_probe_token(run_tmp):
    """Put the token the worker probe asks for into the per-run cache, so the probe never calls IoTS."""
    key = _token_cache.cache_key(PROBE_URL + '/token', 'password', 'operator', 'cid-123', ['perm:devices:view'])
    directory = _private_files.ensure_private_directory(_token_cache.per_run_directory(run_tmp))
    entry = _token_cache.token_entry(key, {'access_token': 'cached-token', 'expires_in': 3600, 'obtained_at': time.time(), 'scopes': ['perm:devices:view']})
    _token_cache.DiskTier(directory, 'per-run').write(key, entry)


def test_later_workers_skip_parsing_the_documentation(isolated):
    cache_probe_token(isolated)

    first = run_worker_probe(isolated, 'parse-as-usual')
    assert first['result'] == ['cached-token'] and first['shared_at_import'] is False
    (shared,) = shared_definitions(isolated)
    assert oct(os.stat(shared).st_mode & 0o777) == '0o600'
    assert oct(os.stat(os.path.dirname(shared)).st_mode & 0o777) == '0o700'

    later = run_worker_probe(isolated, 'forbid-doc-parsing')
    assert later['result'] == ['cached-token'] and later['shared_at_import'] is True
    # the same options, from every source, with the same types and defaults
    assert later['options'] == first['options']
    assert later['options']['refresh_before'] == 120 and later['options']['cache_encrypt'] == 'required'
    assert later['options']['tags'] == ['device_management'] and later['options']['validate_certs'] is True


def test_definitions_of_other_code_are_never_used(isolated, monkeypatch):
    cache_probe_token(isolated)
    run_worker_probe(isolated, 'parse-as-usual')
    (shared,) = shared_definitions(isolated)
    monkeypatch.setattr(C, 'ANSIBLE_HOME', isolated + '-home')
    assert iots_bearer.OPTION_DEFINITIONS.path() == shared
    # another DOCUMENTATION (an upgrade of the collection) is another file
    monkeypatch.setattr(iots_bearer.OPTION_DEFINITIONS, 'documentation', iots_bearer.DOCUMENTATION + '\n# changed\n')
    assert iots_bearer.OPTION_DEFINITIONS.path() != shared
    monkeypatch.undo()
    monkeypatch.setattr(C, 'ANSIBLE_HOME', isolated + '-home')
    monkeypatch.setattr(sys.modules[_core_internals.__name__ + '._option_definitions'], 'ansible_version', '0.0.1')
    assert iots_bearer.OPTION_DEFINITIONS.path() != shared


def test_a_damaged_shared_definitions_file_is_ignored(isolated):
    cache_probe_token(isolated)
    run_worker_probe(isolated, 'parse-as-usual')
    (shared,) = shared_definitions(isolated)
    with open(shared, 'w') as handle:
        handle.write('{"url": ')
    again = run_worker_probe(isolated, 'parse-as-usual')
    assert again['shared_at_import'] is False and again['result'] == ['cached-token']


def test_the_cache_module_is_one_module_however_it_is_imported():
    from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache as imported  # pylint: disable=reimported

    assert iots_bearer.cache_key.__module__ == imported.__name__
    assert iots_bearer.cache_key is imported.cache_key
    assert imported is sys.modules['ansible_collections.wso2.iots.plugins.plugin_utils._token_cache']
