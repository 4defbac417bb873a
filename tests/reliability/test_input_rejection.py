# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input rejected before any request; plain http works but warns.

playbooks/bad_input.yml runs every case (module, lookup and role) and reads the emulator's
counts after each one (a module case's counts come with its result, from the run_case action):
a rejected case must have sent nothing and failed with one line that names the option. A
trailing slash on url and a few forgiving spellings must still work.

The emulator speaks HTTPS only; the plain-http cases go through a small reverse proxy on
127.0.0.1 that takes plain HTTP and forwards it over TLS to the emulator.
"""

import re
import select
import socket
import ssl
import threading
from urllib.parse import quote

import pytest

from reliability_harness import (
    ADMIN_PASSWORD,
    KnownSecrets,
    register_app,
    run_case_outcomes,
    total,
)

pytestmark = pytest.mark.reliability

NO_REQUESTS = ('register', 'token', 'revoke', 'api')
ROLE_SPEC_FAILURE = 'Validation of arguments failed:'


def module_cases(emu, app):
    register = {'url': emu.url, 'ca_path': emu.ca_path, 'username': 'admin', 'password': ADMIN_PASSWORD, 'application_name': app['application_name']}
    token = {
        'url': emu.url,
        'ca_path': emu.ca_path,
        'username': 'admin',
        'password': ADMIN_PASSWORD,
        'client_id': app['client_id'],
        'client_secret': app['client_secret'],
    }

    def without(args, *names):
        return dict((k, v) for k, v in args.items() if k not in names)

    # component, case, arguments, what the message must say (None: must succeed)
    return [
        ('iots_token', 'url missing', without(token, 'url'), r'missing required arguments: url'),
        ('iots_app_register', 'url without a scheme', dict(register, url='iots.example.com:8243'), r"url 'iots\.example\.com:8243' must start with https://"),
        ('iots_token', 'url without a host', dict(token, url='https://'), r"url 'https://' has no host name"),
        ('iots_token', 'url with a path but no host', dict(token, url='https:///token'), r'has no host name'),
        (
            'iots_app_register',
            'url with user:password@',
            dict(register, url='https://admin:%s@127.0.0.1:8243' % quote(ADMIN_PASSWORD, safe='')),
            r'^url must not contain user:password@; give the credentials with username and password$',
        ),
        ('iots_token', 'url with a query', dict(token, url=emu.url + '/?tenantDomain=x'), r'must not contain a query'),
        ('iots_token', 'url with an invalid port', dict(token, url='https://127.0.0.1:99999'), r'has an invalid port'),
        ('iots_token', 'scopes as a mapping', dict(token, scopes={'perm:devices:view': True}), r'scopes.*(type|list)'),
        ('iots_token', 'a scope with a quote', dict(token, scopes=['perm:"devices']), r'is not a valid scope'),
        ('iots_app_register', 'tags as a mapping', dict(register, tags={'device_management': True}), r'tags.*(type|list)'),
        ('iots_app_register', 'tags empty', dict(register, tags=[]), r'tags must not be empty'),
        ('iots_app_register', 'a tag that is empty', dict(register, tags=['device_management', ' ']), r'tags must be a list of non-empty strings'),
        ('iots_app_register', 'application_name with SQL', dict(register, application_name="apps' OR '1'='1"), r'application_name .* is not allowed'),
        ('iots_app_register', 'application_name with a LIKE wildcard', dict(register, application_name='ansible_%'), r'application_name .* is not allowed'),
        ('iots_app_register', 'application_name of 71 characters', dict(register, application_name='a' * 71), r'application_name .* is not allowed'),
        ('iots_app_register', 'application_name empty', dict(register, application_name=''), r'application_name .* is not allowed'),
        ('iots_app_register', 'username empty', dict(register, username=''), r'username must not be empty'),
        ('iots_app_register', 'validity_period negative', dict(register, validity_period=-5), r'validity_period must be a positive number'),
        ('iots_token', 'timeout negative', dict(token, timeout=-1), r'timeout must be a positive number of seconds'),
        ('iots_token', 'timeout zero', dict(token, timeout=0), r'timeout must be a positive number of seconds'),
        (
            'iots_token',
            'unknown grant_type',
            dict(token, grant_type='implicit'),
            r'grant_type must be one of: password, refresh_token, client_credentials, got: implicit',
        ),
        ('iots_token', 'refresh_token grant without a token', dict(token, grant_type='refresh_token'), r'The refresh_token grant needs refresh_token\.'),
        ('iots_token', 'password grant without a password', without(token, 'password'), r'The password grant needs password\.'),
        ('iots_token', 'no client credentials', without(token, 'client_id', 'client_secret'), r'needs client_id, client_secret'),
        ('iots_token', 'state absent without token', dict(token, state='absent'), r'state is absent but all of the following are missing: token'),
        # configuration as code (issue 22): each refused before any request
        ('iots_device_type', 'a type name with a space', dict(token, name='air sensor'), r"name 'air sensor' has a space"),
        ('iots_device_type', 'a type name with a slash', dict(token, name='air/sensor'), r"name 'air/sensor' contains \"/\""),
        (
            'iots_device_type',
            'a property twice',
            dict(token, name='airsensor', properties=['floor', 'floor']),
            r"properties\[1\] names property 'floor' again \(first in properties\[0\]\)",
        ),
        (
            'iots_device_type',
            'a feature code twice',
            dict(token, name='airsensor', features=[{'code': 'x'}, {'code': 'x'}]),
            r"features\[1\] names feature code 'x' again",
        ),
        ('iots_device_type', 'absent on IoTS 3.2', dict(token, name='airsensor', state='absent', force=True), r'IoTS 3\.2 has no API to delete a device type'),
        ('iots_device_type', 'absent on Entgra without force', dict(token, name='airsensor', state='absent', server_flavor='entgra'), r'set force: true'),
        (
            'iots_policy',
            'a feature content that is no mapping',
            dict(token, name='p', device_type='android', features=[{'code': 'CAMERA', 'content': 'off'}]),
            r"the content of 'CAMERA' must be a mapping",
        ),
        (
            'iots_policy',
            'a feature code twice',
            dict(token, name='p', device_type='android', features=[{'code': 'CAMERA', 'content': {}}, {'code': 'CAMERA', 'content': {}}]),
            r"features\[1\] names feature code 'CAMERA' again",
        ),
        ('iots_policy', 'priority 0', dict(token, name='p', device_type='android', priority=0), r'priority must be 1 \(the highest precedence\) or more'),
        # access as code: refused in the module's own checks, before the token request
        ('iots_role', 'an unknown scope', dict(token, name='rel_role', scopes=['perm:devices:veiw']), r'perm:devices:veiw \(nearest: perm:devices:view'),
        ('iots_role', 'a permission outside /permission', dict(token, name='rel_role', permissions=['/admin/x']), r"'/admin/x' is not a permission path"),
        ('iots_role', 'a role name with a blank', dict(token, name='rel role'), r"name 'rel role' is not a valid role name"),
        ('iots_role', 'deleting admin', dict(token, name='admin', state='absent'), r'Role admin cannot be deleted'),
        ('iots_user', 'a user name with "/"', dict(token, name='rel/user'), r"name 'rel/user' is not a valid user name"),
        ('iots_user', 'a user name of 31 characters', dict(token, name='u' * 31), r'is not a valid user name'),
        ('iots_user', 'a password of 4 characters', dict(token, name='rel_user', user_password='abcd'), r'^user_password must be 5 to 30 characters'),
        (
            'iots_user',
            'a user named twice',
            dict(token, users=[{'name': 'rel_user'}, {'name': 'REL_USER'}]),
            r"users\[1\] names user 'REL_USER' again \(first in users\[0\]; IoTS compares user names without case\)",
        ),
        # tolerated: they must work
        ('iots_app_register', 'url with a trailing slash', dict(register, url=emu.url + '/'), None),
        ('iots_app_register', 'tags as one string', dict(register, tags='device_management'), None),
        ('iots_token', 'scopes as one space-separated string', dict(token, url=emu.url + '/', scopes='perm:devices:view perm:devices:details'), None),
    ]


def lookup_cases(emu, app):
    keys = {
        'url': emu.url,
        'ca_path': emu.ca_path,
        'username': 'admin',
        'password': ADMIN_PASSWORD,
        'client_id': app['client_id'],
        'client_secret': app['client_secret'],
        'cache': 'none',
    }
    registers = dict((k, v) for k, v in keys.items() if k not in ('client_id', 'client_secret'))
    return [
        ('lookup', 'url missing', dict((k, v) for k, v in keys.items() if k != 'url'), r'url'),
        ('lookup', 'url without a scheme', dict(keys, url='iots.example.com'), r'must start with https://'),
        (
            'lookup',
            'url with user:password@',
            dict(keys, url='https://admin:%s@127.0.0.1:8243' % quote(ADMIN_PASSWORD, safe='')),
            r'url must not contain user:password@',
        ),
        ('lookup', 'timeout negative', dict(keys, timeout=-1), r'timeout must be a positive number of seconds'),
        (
            'lookup',
            'a scope that is not a string',
            dict(keys, scopes=[{'perm:devices:view': True}]),
            r"scopes must be strings; \{'perm:devices:view': True\} is a dict\.",
        ),
        ('lookup', 'a scope with a quote', dict(keys, scopes=['perm:"devices']), r'is not a valid scope'),
        ('lookup', 'tags empty', dict(registers, tags=[]), r'tags must not be empty'),
        ('lookup', 'application_name with SQL', dict(registers, application_name="apps' OR '1'='1"), r'application_name .* is not allowed'),
        (
            'lookup',
            'username without password',
            dict((k, v) for k, v in keys.items() if k != 'password'),
            r'needs both username and password, or neither; only username is set',
        ),
        ('lookup', 'refresh_before negative', dict(keys, refresh_before=-1), r'refresh_before must be 0 or more'),
        ('lookup', 'lock_timeout zero', dict(keys, cache='per_run', lock_timeout=0), r'lock_timeout must be a positive number'),
        ('lookup', 'unknown cache mode', dict(keys, cache='forever'), r'cache'),
        ('lookup', 'url with a trailing slash', dict(keys, url=emu.url + '/'), None),
    ]


ROLE_CASES = [
    ('role', 'role without iots_url', r'iots_url'),
    ('role', 'role with iots_tags as a mapping', r'iots_tags'),
    ('role', 'role with an unsafe iots_application_name', r'application_name .* is not allowed'),
    ('role', 'role with iots_url without a scheme', r"url 'iots\.example\.com:8243' must start with https://"),
]


def judge(outcome, said):
    problems = []
    result, counts = outcome['result'], outcome['counts']
    msg = str(result.get('msg') or '')
    sent = dict((k, counts[k]) for k in NO_REQUESTS if counts[k])
    if said is None:
        if result.get('failed'):
            problems.append('a tolerated input failed: %s' % msg)
        if not sent:
            problems.append('nothing reached the server')
        return problems
    if not result.get('failed'):
        problems.append('was accepted')
    if sent:
        problems.append('requests were sent: %r' % sent)
    # ansible-core words the role's argument spec failures itself, over several lines.
    if not msg.startswith(ROLE_SPEC_FAILURE):
        if '\n' in msg.strip():
            problems.append('message has more than one line: %r' % msg)
        if '_Ansible' in msg:
            problems.append('message names an internal Ansible type: %r' % msg)
    if re.search(r'Traceback|File "/', repr(result)):
        problems.append('a traceback in the result')
    if not re.search(said, msg):
        problems.append('message %r does not say %r' % (msg, said))
    return problems


# Two groups, so that pytest-xdist can run them side by side (each worker has its own emulator).
# ansible-core validates a role's arguments and a lookup's options itself, and words those failures
# differently by release; the modules' own checks give the same answer on every release.
@pytest.mark.parametrize('group', ['modules', pytest.param('lookup and role', marks=pytest.mark.every_core)])
def test_bad_input_is_refused_before_any_request(playbooks, emu, tally, tmp_path, group):
    app = register_app(emu, 'rel_input_app')
    cases = module_cases(emu, app) if group == 'modules' else lookup_cases(emu, app)
    role_cases = ROLE_CASES if group == 'lookup and role' else []
    emu.reset()
    result = playbooks.run(
        'bad_input.yml',
        {
            'cases': [
                {'id': '%s: %s' % (component, case), 'component': component, 'args': args, 'succeeds': said is None} for component, case, args, said in cases
            ],
            'role_cases': bool(role_cases),
            'admin_password': ADMIN_PASSWORD,
            'role_credentials_file': str(tmp_path / 'role' / 'iots_credentials.yml'),
        },
    )
    captured = playbooks.outcomes('bad_input.json')
    outcomes = dict((o['id'], o) for o in captured['others'])
    outcomes.update(run_case_outcomes(captured['modules']))
    found = {}
    for component, case, _args, said in cases + [(c, n, None, s) for c, n, s in role_cases]:
        case_id = case if component == 'role' else '%s: %s' % (component, case)
        found[case_id] = judge(outcomes[case_id], said) if case_id in outcomes else ['not run']
    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs)
    survived = sum(1 for problems in found.values() if not problems)
    tally('bad input', len(found), survived, total(secrets))
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert result.rc == 0, result
    assert not secrets, secrets
    assert not (tmp_path / 'role').exists()  # the role wrote nothing


# ---------------------------------------------------------------------------- plain http


class PlainHttpProxy(object):
    """Plain HTTP on 127.0.0.1, forwarded byte for byte over TLS to the HTTPS emulator."""

    def __init__(self, emulator):
        self.target = ('127.0.0.1', emulator.port)
        self.context = ssl.create_default_context(cafile=emulator.ca_path)
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.url = 'http://127.0.0.1:%d' % self.listener.getsockname()[1]
        self.connections = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping.is_set():
            readable, dummy, dummy = select.select([self.listener], [], [], 0.1)
            if not readable:
                continue
            client, dummy = self.listener.accept()
            self.connections += 1
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client):
        upstream = self.context.wrap_socket(socket.create_connection(self.target), server_hostname='127.0.0.1')
        try:
            while not self.stopping.is_set():
                readable, dummy, dummy = select.select([client, upstream], [], [], 0.1)
                if client in readable:
                    data = client.recv(65536)
                    if not data:
                        return
                    upstream.sendall(data)
                if upstream in readable and not self._drain(upstream, client):
                    return
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    @staticmethod
    def _drain(upstream, client):
        """Pass on every TLS record already received: OpenSSL may hold more than one, unseen by select."""
        upstream.setblocking(False)
        try:
            while True:
                try:
                    data = upstream.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    return True
                if not data:
                    return False
                client.sendall(data)
        finally:
            upstream.setblocking(True)

    def stop(self):
        self.stopping.set()
        self.thread.join(2)
        self.listener.close()


@pytest.fixture
def plain_http(emu):
    """Three proxies: one per component, so that each warning is distinct (Ansible folds repeated ones)."""
    proxies = [PlainHttpProxy(emu) for dummy in range(3)]
    yield proxies
    for proxy in proxies:
        proxy.stop()


@pytest.mark.every_core  # ansible-core shows (and folds, and wraps) the modules' and the lookup's warnings
def test_plain_http_works_but_warns_that_credentials_travel_in_clear(playbooks, emu, plain_http, tally):
    urls = [proxy.url for proxy in plain_http]
    result = playbooks.run('plain_http.yml', {'plain_urls': urls, 'admin_password': ADMIN_PASSWORD, 'application_name': 'rel_plain_http'})
    warned = [url for url in urls if result.shows('url %s uses plain http: passwords, client secrets and tokens travel unencrypted' % url)]
    counts = emu.counts()
    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs)
    worked = result.rc == 0 and counts['register'] == 1 and counts['token'] == 2
    # the two modules and the lookup: each worked through its proxy and warned
    tally('bad input', 3, len(warned) if worked else 0, total(secrets), note='plain http through a reverse proxy: %d of 3 components warned' % len(warned))
    assert result.rc == 0, result
    assert counts['register'] == 1 and counts['token'] == 2, counts
    assert warned == urls, result
    assert all(proxy.connections for proxy in plain_http)
    assert not secrets, secrets
