# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The real ansible-rulebook (drools on Java 17) runs the example rulebook extensions/eda/rulebooks/device_events.yml
against the emulator over HTTPS, finds the source through ansible-galaxy, and each rule fires once for its
event kind: checked from the messages the rules' debug actions print, and from the file a playbook run by
one more rule writes, not from the exit code alone."""

import json
import os
import re
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from conftest import PASSWORD, REPO
from gateway_client import Gateway

RULEBOOK = os.path.join(REPO, 'extensions', 'eda', 'rulebooks', 'device_events.yml')
COLLECTIONS = os.path.join(REPO, '.build', 'collections')  # made by tests/conftest.py
JAVA_17 = '/usr/lib/jvm/java-17-openjdk-amd64'
ANSIBLE_RULEBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-rulebook')
TIMEOUT = 150


def _rulebook_missing():
    if os.path.exists(ANSIBLE_RULEBOOK):
        return False
    if os.environ.get('IOTS_EDA_REQUIRE_RULEBOOK') == '1':  # the eda session: never skip
        pytest.fail('ansible-rulebook is not installed next to %s' % sys.executable)
    return True


def test_example_rulebook_fires_each_rule_once(emu, keys, tmp_path):
    if _rulebook_missing():
        pytest.skip('ansible-rulebook is not installed here (the eda nox session installs it)')
    ids = ['rb-%s-%d' % (uuid.uuid4().hex[:6], n) for n in range(4)]
    emu.seed_devices('android', ids[:3])
    (tmp_path / 'inventory.yml').write_text(
        yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}})
    )
    variables = tmp_path / 'vars.yml'  # secrets go in a file, never on the command line
    variables.write_text(
        yaml.safe_dump(
            {
                'iots_url': emu.url,
                'iots_ca_path': emu.ca_path,
                'iots_client_id': keys[0],
                'iots_client_secret': keys[1],
                'iots_username': 'admin',
                'iots_password': PASSWORD,
                'iots_interval': 1,
                'iots_max_polls': 20,
            }
        )
    )
    os.chmod(str(variables), 0o600)
    env = dict(
        os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', '')
    )
    if os.path.isdir(JAVA_17):
        env['JAVA_HOME'] = JAVA_17
    rulebook = with_onboarding_playbook(tmp_path)
    # The source ends after max_polls. If actions are still queued or running then (the onboarding
    # playbook and the debug actions behind it), ansible-rulebook waits its whole shutdown delay,
    # cancels what is still queued, and gives the running ones up to one delay more
    # (rule_set_runner.py: _handle_shutdown, _cleanup); with nothing left it ends at once. With 5 s a
    # loaded machine lost events; 30 s leaves them time and keeps the worst case (about 95 s) within TIMEOUT.
    command = [ANSIBLE_RULEBOOK, '-i', str(tmp_path / 'inventory.yml'), '--rulebook', rulebook, '--vars', str(variables), '--shutdown-delay', '30']
    operations = Operations(emu)
    with open(str(tmp_path / 'out'), 'w') as out, open(str(tmp_path / 'err'), 'w') as err:
        process = subprocess.Popen(command, cwd=str(tmp_path), env=env, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while emu.counts()['GET /activities'] < 1:  # the baseline poll is over
                assert process.poll() is None, (tmp_path / 'err').read_text()
                assert time.monotonic() < deadline, 'the source never polled'
                time.sleep(0.1)
            emu.seed_devices('android', ids[3:])
            emu.set_device_status('android', ids[0], 'UNREACHABLE')
            emu.set_device_status('android', ids[1], 'REMOVED')
            emu.set_operation_result('android', ids[2], status='ERROR', response='battery low')
            emu.set_operation_result('android', ids[3], status='COMPLETED')
            failed = operations.send(ids[2], 'DEVICE_RING')
            completed = operations.send(ids[3], 'DEVICE_LOCK')
            returncode = process.wait(TIMEOUT)
        finally:
            operations.close()
            if process.poll() is None:
                process.terminate()
                process.wait(30)
    stdout, stderr = (tmp_path / 'out').read_text(), (tmp_path / 'err').read_text()
    assert returncode == 0, stderr[-3000:]
    fired = sorted(' '.join(line.split()) for line in re.findall(r'IOTS [^\n]*(?:\n[^\n*]+)?', stdout))
    assert fired == sorted(
        [
            'IOTS enrolled android/%s owner=admin' % ids[3],
            'IOTS status_changed android/%s ACTIVE->UNREACHABLE' % ids[0],
            'IOTS disenrolled android/%s' % ids[1],
            'IOTS operation_completed DEVICE_LOCK %s on %s' % (completed, ids[3]),
            'IOTS operation_failed DEVICE_RING %s on %s: battery low' % (failed, ids[2]),
        ]
    ), stdout[-3000:]
    # The extra rule ran a playbook that got the event as ansible_eda.event.
    with open(str(tmp_path / 'onboarded.json')) as stream:
        onboarded = json.load(stream)
    assert onboarded['iots']['device'] == {'type': 'android', 'id': ids[3], 'name': None, 'status': 'ACTIVE', 'owner': 'admin', 'ownership': 'COPE'}
    assert onboarded['rule'] == 'Onboard the new device' and onboarded['uuid']
    for secret in (PASSWORD, keys[1]):
        assert secret not in stdout and secret not in stderr


def with_onboarding_playbook(tmp_path):
    """The example rulebook, its rules unchanged, plus one rule (every matching rule fires) whose run_playbook
    writes the event it got to onboarded.json: an Ansible action, not only a message."""
    with open(RULEBOOK) as stream:
        rulesets = yaml.safe_load(stream)
    rulesets[0]['match_multiple_rules'] = True
    rulesets[0]['rules'].append(
        {'name': 'Onboard the new device', 'condition': 'event.iots.event == "enrolled"', 'action': {'run_playbook': {'name': str(tmp_path / 'onboard.yml')}}}
    )
    (tmp_path / 'onboard.yml').write_text(
        yaml.safe_dump(
            [
                {
                    'name': 'Onboard',
                    'hosts': 'all',
                    'gather_facts': False,
                    'tasks': [
                        {
                            'name': 'Record the event',
                            'ansible.builtin.copy': {
                                'dest': str(tmp_path / 'onboarded.json'),
                                'content': "{{ {'iots': ansible_eda.event.iots, 'rule': ansible_eda.rule, 'uuid': ansible_eda.event.meta.uuid} | to_json }}",
                            },
                        }
                    ],
                }
            ]
        )
    )
    path = tmp_path / 'rulebook.yml'
    path.write_text(yaml.safe_dump(rulesets, sort_keys=False))
    return str(path)


class Operations(object):
    """Sends operations as an admin would. The token is fetched when made, so that after the
    baseline poll the test only sends the operations themselves: on a loaded machine the source's
    polls ran out while the test was still registering a client and getting its tokens."""

    def __init__(self, emu):
        self.gateway = Gateway(emu)
        client = self.gateway.keys(user=('admin', PASSWORD))
        self.token = self.gateway.access(client, username='admin', password=PASSWORD, scope='perm:devices:operations')['access_token']

    def send(self, device_id, code):
        response = self.gateway.api(
            'POST', '/devices/android/operations', token=self.token, json={'deviceIdentifiers': [device_id], 'operation': {'code': code, 'type': 'COMMAND'}}
        )
        assert response.status_code == 201, response.text
        return response.json()['activityId']

    def close(self):
        self.gateway.session.close()
