# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iots_role and iots_user against the IoTS emulator over HTTPS, through real ansible-playbook runs, both flavours.

One playbook (module_iots_role/access.yml) makes a role from scopes, three users in one bulk task and one
more on its own, sets the role's members and logs in as a member; run a second time it must change nothing
and send no write request. The emulator's admin has a password other than ``admin``: Ansible masks every no_log value
wherever it appears, and ``admin`` is also in every permission path.
"""

import uuid

import pytest
import requests

from playbook_harness import emulator_fixtures

ADMIN_PASSWORD = 'Adm1n-pass'
PLAYBOOK = 'module_iots_role/access.yml'
VERSIONS = {'iots': '3.2.0', 'entgra': 'entgra'}
SCOPES = {'iots': ['perm:devices:view', 'perm:groups:groups'], 'entgra': ['dm:devices:view', 'gm:groups:view']}
# role POST, 4 user POSTs, role PUT; IoTS also sets each new user's password (4 calls).
FIRST_RUN_WRITES = {'iots': 10, 'entgra': 6}

emulator, emu = emulator_fixtures(scope='module', users={'admin': {'password': ADMIN_PASSWORD, 'admin': True, 'scopes': '*'}})


def register(emu, flavor):
    body = {'applicationName': 'it_access_%s' % uuid.uuid4().hex[:8], 'tags': ['device_management']}
    if flavor == 'entgra':
        body['supportedGrantTypes'] = ['password', 'refresh_token']
    answer = requests.post(emu.url + '/api-application-registration/register', auth=('admin', ADMIN_PASSWORD), json=body, verify=emu.ca_path, timeout=30)
    answer.raise_for_status()
    return answer.json()


def assert_passed(result, recap):
    assert result.rc == 0, result.output[-12000:]
    totals = recap(result.output)
    assert totals.get('failed') == 0, result.output[-12000:]
    return totals


@pytest.mark.parametrize('flavor', ['iots', pytest.param('entgra', marks=pytest.mark.newest_core)])
def test_access_as_code_twice(run_playbook, recap, emu, flavor):
    emu.configure(version=VERSIONS[flavor])
    keys = register(emu, flavor)
    prefix = 'it%s' % uuid.uuid4().hex[:6]
    people = ['%s_u%d' % (prefix, n) for n in range(3)]
    onboarding = [
        dict(name=name, first_name='Ada', last_name='King', email='ops@example.com', roles=[prefix + '_ops'], user_password='Op3rator-pw') for name in people
    ]
    del onboarding[2]['roles']  # its roles are not managed here: the role's users option adds it
    variables = dict(
        client_id=keys['client_id'],
        client_secret=keys['client_secret'],
        admin_password=ADMIN_PASSWORD,
        flavor=flavor,
        prefix=prefix,
        people=people,
        onboarding=onboarding,
        role_scopes=SCOPES[flavor],
    )
    emu.reset()
    first = run_playbook(PLAYBOOK, dict(variables, first_run=True))
    assert_passed(first, recap)
    counts = emu.counts()
    assert counts['api:write'] == FIRST_RUN_WRITES[flavor]
    assert counts['POST /roles'] == 1 and counts['POST /users'] == 4
    assert 'Op3rator-pw' not in first.output and 'Traceback' not in first.output

    emu.reset()
    second = run_playbook(PLAYBOOK, dict(variables, first_run=False))
    totals = assert_passed(second, recap)
    assert totals.get('changed') == 0
    assert emu.counts()['api:write'] == 0
