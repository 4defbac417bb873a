# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wso2.iots.credentials role's least-privilege account (iots_service_user), both flavours, over HTTPS.

The role makes a role with exactly the permissions of iots_scopes and the user in it, and proves the keys
with a password grant as that user; a second run changes nothing and writes nothing.
"""

import uuid

import pytest
import requests

pytestmark = pytest.mark.integration

ROLE = 'role_credentials/credentials.yml'
VAULT_PASSWORD = 'vault-password-for-service-user'
SERVICE_PASSWORD = 'Svc-passw0rd'
VERSIONS = {'iots': '3.2.0', 'entgra': 'entgra'}
SCOPES = {'iots': ['perm:device:enroll', 'perm:devices:view'], 'entgra': ['dm:device:enroll', 'dm:devices:view']}
# A scope the account must not get: the permission behind it is not in its role.
OTHER_SCOPE = {'iots': 'perm:groups:add', 'entgra': 'gm:groups:add'}


@pytest.fixture
def vault_args(tmp_path):
    path = tmp_path / 'vault-password'
    path.write_text(VAULT_PASSWORD + '\n')
    path.chmod(0o600)
    return ['--vault-id', 'iots@%s' % path]


def password_grant(emu, keys, username, password, scopes):
    answer = requests.post(
        emu.url + '/token',
        auth=(keys['client_id'], keys['client_secret']),
        timeout=10,
        data={'grant_type': 'password', 'username': username, 'password': password, 'scope': ' '.join(scopes)},
        verify=emu.ca_path,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()['scope'].split()


@pytest.mark.parametrize('flavor', ['iots', pytest.param('entgra', marks=pytest.mark.newest_core)])
def test_service_account_token_has_exactly_the_scopes(emu, run_playbook, recap, vault_args, tmp_path, flavor):
    emu.configure(version=VERSIONS[flavor])
    suffix = uuid.uuid4().hex[:8]
    setup = {
        'iots_application_name': 'ansible_svc_%s' % suffix,
        'iots_scopes': SCOPES[flavor],
        'iots_server_flavor': flavor,
        'iots_credentials_file': str(tmp_path / 'iots_credentials.yml'),
        'iots_service_user': 'svc-%s' % suffix,
        'iots_service_password': SERVICE_PASSWORD,
        'iots_service_role': 'auto_%s' % suffix,
    }
    first = run_playbook(ROLE, extra_vars=setup, args=vault_args)
    assert first.rc == 0, first.output[-8000:]
    assert SERVICE_PASSWORD not in first.output
    counts = emu.counts()
    assert counts['POST /roles'] == 1 and counts['POST /users'] == 1
    assert counts['token:client_credentials'] == 0 and counts['token:password'] >= 2  # admin, then the account

    access = emu.state.access.tenant('carbon.super')
    assert access.roles_of(setup['iots_service_user']) == [setup['iots_service_role']] + (['Internal/devicemgt-user'] if flavor == 'iots' else [])
    apps = [app for app in emu.apps() if app['application_name'] == setup['iots_application_name']]
    keys = {'client_id': apps[0]['client_id'], 'client_secret': emu.state.apps_by_client[apps[0]['client_id']].client_secret}
    granted = password_grant(emu, keys, setup['iots_service_user'], SERVICE_PASSWORD, SCOPES[flavor] + [OTHER_SCOPE[flavor]])
    assert granted == sorted(SCOPES[flavor])

    emu.reset()
    second = run_playbook(ROLE, extra_vars=setup, args=vault_args)
    assert second.rc == 0, second.output[-8000:]
    assert recap(second.output)['changed'] == 0
    assert emu.counts()['api:write'] == 0


def test_missing_service_password_fails_before_any_user_write(emu, run_playbook, vault_args, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    setup = {
        'iots_application_name': 'ansible_svc_%s' % suffix,
        'iots_scopes': SCOPES['iots'],
        'iots_credentials_file': str(tmp_path / 'iots_credentials.yml'),
        'iots_service_user': 'svc-%s' % suffix,
    }
    result = run_playbook(ROLE, extra_vars=setup, args=vault_args)
    assert result.rc != 0 and 'iots_service_password is required' in result.output
    assert emu.counts()['api:write'] == 0
