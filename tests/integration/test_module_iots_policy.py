# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""iots_device_type, iots_policy and iots_policy_info through real ansible-playbook runs over HTTPS against the
emulator, as IoTS 3.2.0 and as Entgra 7: a custom type and a device of it, a group, a policy for it; check mode
and diff predict the first run, which writes; the second run sends no write request and no apply-changes."""

import os
import uuid

import pytest
import requests

PLAYBOOK = 'module_iots_policy/config.yml'
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'playbooks')
VERSIONS = {'iots': '3.2.0', 'entgra': 'entgra'}


@pytest.fixture(params=[pytest.param('entgra', marks=pytest.mark.newest_core), 'iots'])
def flavor(request, emu):
    emu.configure(version=VERSIONS[request.param])
    emu.state.policies.apply_delay = 0.2
    yield request.param
    emu.configure(version='3.2.0')


def register(emu, name):
    """Keys of an application; Entgra needs supportedGrantTypes, IoTS 3.2.0 ignores them."""
    answer = requests.post(
        emu.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': name, 'tags': ['device_management'], 'supportedGrantTypes': ['password', 'refresh_token', 'client_credentials']},
        verify=emu.ca_path,
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()


def test_configuration_as_code_twice(run_playbook, recap, emu, flavor):
    keys = register(emu, 'it_config_%s' % flavor)
    suffix = uuid.uuid4().hex[:8]
    variables = dict(keys, flavor=flavor, dtype='sensor_%s' % suffix, policy_name='baseline_%s' % suffix, group_name='lobby_%s' % suffix)
    others = len(emu.state.policies.by_id)  # policies of earlier tests in this emulator
    first = run_playbook(PLAYBOOK, dict(variables, first=True))
    assert first.rc == 0, first
    counts = emu.counts()
    assert counts['POST /admin/device-types'] == 1 and counts['POST /policies'] == 1
    assert counts['POST /device/agent/enroll'] == 1
    # a new policy comes last: priority 1 renumbers only when other policies were there before it
    assert counts['PUT /policies/priorities'] == (1 if others else 0)
    assert counts['PUT /policies/apply-changes'] >= 1 and counts['PUT /policies/{id}'] == 0
    assert 'Traceback' not in first.output

    emu.reset()
    second = run_playbook(PLAYBOOK, dict(variables, first=False))
    assert second.rc == 0, second
    counts = emu.counts()
    assert counts['api:write'] == 0 and counts['PUT /policies/apply-changes'] == 0
    assert recap(second.output)['changed'] == 0


def test_example_configure_playbook_twice(run_playbook, recap, emu, tmp_path):
    """playbooks/configure.yml (the demo runs it after provision.yml): the second run reports changed=0."""
    keys = register(emu, 'it_config_example')
    emu.state.policies.apply_delay = 0.2
    credentials = tmp_path / 'credentials.yml'
    credentials.write_text('iots_url: %s\niots_client_id: %s\niots_client_secret: %s\n' % (emu.url, keys['client_id'], keys['client_secret']))
    extra = {'iots_credentials_file': str(credentials)}
    first = run_playbook(os.path.join(EXAMPLES, 'configure.yml'), extra_vars=extra)
    assert first.rc == 0, first
    assert recap(first.output)['changed'] == 4
    assert emu.counts()['token'] == 1
    emu.reset()
    again = run_playbook(os.path.join(EXAMPLES, 'configure.yml'), extra_vars=extra)
    assert again.rc == 0, again
    assert recap(again.output)['changed'] == 0 and emu.counts()['api:write'] == 0
