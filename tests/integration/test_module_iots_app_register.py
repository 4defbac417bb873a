# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_app_register in real ansible-playbook runs against the emulator over HTTPS.

The playbooks in playbooks/module_iots_app_register/ assert what the module returns; this file
checks what only the outside can see: how many registrations reached the emulator, the play
recap, and that ``-vvv`` output holds no password and no client secret except in the module's
own return value.
"""

import re
import socket
import uuid

import pytest
import requests

from iots_emulator import DEFAULT_USERS
from playbook_harness import emulator_fixtures

pytestmark = pytest.mark.integration

TARGET = 'module_iots_app_register/'
REGISTER_PATH = '/api-application-registration/register'
PERMISSION = '/permission/admin/device-mgt/device/api/subscribe'

# Users with passwords that appear nowhere else, so a leak cannot hide behind a user name.
DEPLOYER_PASSWORD = 'D3pl0y-Pa55-7f3a91'
TENANT_PASSWORD = 'T3nant-Pa55-c41e02'
WRONG_PASSWORD = 'Wr0ng-Pa55-5be8d7'
USERS = dict(DEFAULT_USERS)
USERS.update(
    {
        'deployer': {'password': DEPLOYER_PASSWORD, 'subscribe': True, 'scopes': ['perm:devices:view']},
        'deployer@tenant.com': {'password': TENANT_PASSWORD, 'subscribe': True, 'scopes': ['perm:devices:view']},
    }
)
PASSWORDS = (DEPLOYER_PASSWORD, TENANT_PASSWORD, WRONG_PASSWORD)


# This file's own emulator (it overrides the session one): the default users plus two more.
emulator, emu = emulator_fixtures(scope='module', users=USERS)


@pytest.fixture
def app_name():
    # Distinct, and never part of another test's name: IoTS finds applications with a LIKE search.
    return 'it_%s_app' % uuid.uuid4().hex[:12]


def register_directly(emu, name, username='deployer', password=DEPLOYER_PASSWORD, tags=('device_management',)):
    """The keys of ``name`` as IoTS hands them out, to know what must not leak."""
    response = requests.post(
        emu.url + REGISTER_PATH, json={'applicationName': name, 'tags': list(tags)}, auth=(username, password), verify=emu.ca_path, timeout=10
    )
    assert response.status_code == 201, response.text
    return response.json()


def register_count(emu):
    return emu.counts().get('register', 0)


def assert_no_leak(output, secrets=()):
    """No password anywhere; a client secret only as the value of the module's client_secret."""
    for password in PASSWORDS:
        assert password not in output
    for secret in secrets:
        outside_return_values = re.sub(r'"client_secret": "%s"' % re.escape(secret), '', output)
        assert secret not in outside_return_values


def closed_port():
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


# ---------------------------------------------------------------------------- registration


def test_register_again_is_not_changed_and_check_mode_sends_nothing(emu, run_playbook, recap, app_name):
    before = emu.counts()
    result = run_playbook(
        TARGET + 'register.yml',
        verbosity=3,
        extra_vars={
            'iots_app_name': app_name,
            'iots_username': 'deployer',
            'iots_password': DEPLOYER_PASSWORD,
            'iots_tenant_username': 'deployer@tenant.com',
            'iots_tenant_password': TENANT_PASSWORD,
        },
    )
    assert result.rc == 0, result
    totals = recap(result.output)
    assert totals['failed'] == 0
    # first, stale client_id, the check-mode prediction without client_id, first in the tenant
    assert totals['changed'] == 4, result
    after = emu.counts()
    # 7 registrations; the 2 check-mode tasks sent nothing
    assert after['register'] - before['register'] == 7
    assert after['token'] - before['token'] == 1  # the returned keys were proven at /token

    apps = dict(((app['tenant'], app['application_name']), app) for app in emu.apps())
    assert apps[('carbon.super', app_name)]['tags'] == ['android', 'device_management']
    assert apps[('carbon.super', app_name)]['owner'] == 'admin@carbon.super'
    assert apps[('tenant.com', app_name)]['owner'] == 'admin@tenant.com'

    keys = register_directly(emu, app_name)
    tenant_keys = register_directly(emu, app_name, 'deployer@tenant.com', TENANT_PASSWORD)
    assert_no_leak(result.output, [keys['client_secret'], tenant_keys['client_secret']])
    # -vvv shows the module's return value: the secret is there, unmasked, and nowhere else
    assert '"client_secret": "%s"' % keys['client_secret'] in result.output


@pytest.mark.parametrize('known', [False, True], ids=['without-client-id', 'with-client-id'])
def test_check_mode_sends_nothing_and_diff_hides_the_secret(emu, run_playbook, recap, app_name, known):
    keys = register_directly(emu, app_name)
    extra = {'iots_app_name': app_name, 'iots_username': 'deployer', 'iots_password': DEPLOYER_PASSWORD}
    if known:
        extra['iots_known_client_id'] = keys['client_id']
    before = register_count(emu)
    result = run_playbook(TARGET + 'check.yml', extra_vars=extra, check=True, diff=True, verbosity=3)
    assert result.rc == 0, result
    assert register_count(emu) == before
    totals = recap(result.output)
    assert totals['failed'] == 0
    assert totals['changed'] == (0 if known else 1)
    if not known:
        # the diff names the application and its tags
        assert re.search(r'\+\s+"application_name": "%s"' % app_name, result.output), result
        assert re.search(r'\+\s+"android"', result.output), result
    assert_no_leak(result.output, [keys['client_secret']])
    assert keys['client_secret'] not in result.output


def test_diff_of_a_real_run_shows_the_new_client_id_but_not_the_secret(emu, run_playbook, app_name):
    keys = register_directly(emu, app_name)
    result = run_playbook(
        TARGET + 'check.yml',
        diff=True,
        extra_vars={
            'iots_app_name': app_name,
            'iots_username': 'deployer',
            'iots_password': DEPLOYER_PASSWORD,
            'iots_known_client_id': 'stale0client0id0that0is0not0it',
        },
    )
    assert result.rc == 0, result
    assert re.search(r'-\s+"client_id": "stale0client0id0that0is0not0it"', result.output), result
    assert re.search(r'\+\s+"client_id": "%s"' % re.escape(keys['client_id']), result.output), result
    assert keys['client_secret'] not in result.output


# ---------------------------------------------------------------------------- failures

# Each failure: what differs from a deployer's registration with the CA bundle, the words of the
# one-line message, the status it carries (None: a transport failure) and the requests that reach
# the registration endpoint. The refused connection comes first, while the port found closed is
# least likely to have been taken by another process; the hanging server comes last.
FAILURES = [
    dict(
        id='connection-refused',
        closed=True,
        requests=0,
        message=r'failed: connection failed \(connection refused\)\. Check that url points at the IoTS gateway',
    ),
    dict(
        id='wrong-password',
        password=WRONG_PASSWORD,
        status=401,
        message=r'failed: HTTP 401 Failed to authorize incoming request\. Check username and password',
    ),
    dict(
        id='no-permission',
        username='guest',
        password='guest',
        status=403,
        message=r'failed: HTTP 403 empty body\. .* needs the permission %s' % re.escape(PERMISSION),
    ),
    dict(id='rejected-tags', tags=['nope'], status=406, message=r'failed: HTTP 406 APIs\(Tags\) are not allowed to this user\.'),
    dict(
        id='server-failure',
        fault=dict(kind='status', status=500),
        status=500,
        message=r'failed: HTTP 500 false \(the server reported an internal failure',
    ),
    dict(
        id='tls-without-ca-path',
        use_ca_path=False,
        requests=0,
        message=r'failed: TLS verification failed \(certificate verify failed.*\)\. .*ca_path.*validate_certs: false',
    ),
    dict(id='timeout', fault=dict(kind='hang'), timeout=2, message=r'failed: no answer within 2 s \(timeout\)\.'),
]


# Every release: the run is at -vvv, where ansible-core shows (and masks) the failed module's arguments.
def test_failure_is_one_clear_line_without_secrets(emu, run_playbook, recap, app_name, control_env, failed_cases):
    keys = register_directly(emu, app_name)  # the secret exists; it must not show up anywhere
    closed = 'https://127.0.0.1:%d' % closed_port()
    cases = []
    for spec in FAILURES:
        case = dict(
            fault=None,
            requests=1,
            url=emu.url,
            use_ca_path=True,
            username='deployer',
            password=DEPLOYER_PASSWORD,
            tags=['device_management'],
            timeout=30,
            status=None,
        )
        case.update(spec)
        if case.pop('closed', False):
            case['url'] = closed
        cases.append(case)
    # One run for every case (each a failed registration, then its checks; an assert names its case).
    result = run_playbook(TARGET + 'failures.yml', extra_vars={'iots_app_name': app_name, 'cases': cases}, verbosity=3, env=control_env)
    assert result.rc == 0, failed_cases(result.output)  # every module failed as expected and every assert passed
    totals = recap(result.output)
    assert totals['failed'] == 0 and totals['ignored'] == len(cases), result
    assert_no_leak(result.output, [keys['client_secret']])
    assert keys['client_secret'] not in result.output
    assert 'Traceback' not in result.output  # nowhere in the -vvv output either, not only in each msg
