# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The device modules (iots_device single and bulk, iots_group, iots_operation, iots_device_info)
under faults, bad input and a secret-leak scan, in real ansible-playbook runs against the emulator.

playbooks/devices/cases.yml runs a list of cases in one ansible-playbook run. A fault case first
runs the same task in check mode to count the reads it makes, then lets exactly that many API
requests through (plus ``pass_writes`` writes) and faults every request after them: so a fault
hits a read, the first write, or the fourth device of a fleet, whatever the module reads first.
This file judges the outcomes:

* a fault fails the task with one line naming the method, the URL, the HTTP status and the
  server's words (or what the connection did), with no traceback;
* only what is safe is sent again: a 503 and a dropped read three times, a 500, a 401, a dropped
  enrolment or group creation and an operation once;
* a fleet that fails at its fourth device lists the three done, the failed one and the two pending;
  the next run enrols exactly the three left and a third run writes nothing;
* bad input fails with one line naming the option before any write reaches the server;
* no password, client secret or token appears in any output, registered result or file a run
  leaves, at -vvvv with the module arguments echoed, in check and diff mode and when failing.
"""

import json
import os
import re

import pytest

from playbook_harness import play_recap
from reliability_harness import (
    ADMIN_PASSWORD,
    PLAYBOOKS,
    KnownSecrets,
    files_under,
    password_grant,
    register_app,
    total,
)

pytestmark = pytest.mark.reliability

CASES = os.path.join(PLAYBOOKS, 'devices', 'cases.yml')
# The test-only actions (emulator_control) live beside the token-side playbooks.
ACTIONS = {'ANSIBLE_ACTION_PLUGINS': os.path.join(PLAYBOOKS, 'action_plugins')}
API = r'https://127\.0\.0\.1:\d+/api/device-mgt/v1\.0'
TYPE = 'android'

STATUS_500 = {'kind': 'status', 'status': 500}
STATUS_503 = {'kind': 'status', 'status': 503}
DROP = {'kind': 'drop'}
# What the message says after the URL, per fault.
SAYS = {
    '500': r'failed: HTTP 500 101500: Runtime Error',
    '503': r'failed: HTTP 503 101503: Runtime Error',
    'drop': r'failed: the connection was closed in the middle of the answer',
    '401': r'failed: HTTP 401 900901: Invalid Credentials',
}


def run_cases(playbooks, app, cases, name, **options):
    extra = {'cases': cases, 'app': app, 'admin_password': ADMIN_PASSWORD, 'capture_name': name}
    result = playbooks.run(CASES, extra, env=ACTIONS, **options)
    path = os.path.join(playbooks.captures, name)
    outcomes = playbooks.outcomes(name) if os.path.exists(path) else []
    return result, dict((outcome['id'], outcome) for outcome in outcomes)


def one_clear_line(result, pattern):
    """What is wrong with a failed task's message (empty: one line that matches ``pattern``, no traceback)."""
    problems = []
    msg = str(result.get('msg') or '')
    if not result.get('failed'):
        problems.append('did not fail: %r' % result)
    if '\n' in msg.strip():
        problems.append('message has more than one line: %r' % msg)
    if re.search(r'Traceback|File "/', json.dumps(result)):
        problems.append('a traceback in the result')
    if not re.search(pattern, msg):
        problems.append('message %r does not say %r' % (msg, pattern))
    return problems


def counted(outcome, expected):
    return ['%s: %s requests, expected %s' % (key, outcome['counts'].get(key), value)
            for key, value in expected.items() if outcome['counts'].get(key) != value]


# ---------------------------------------------------------------------------- faults

def fault_cases(expired):
    """(case, judge) pairs; a judge returns the problems of the case's outcome."""
    cases = []

    def case(case_id, component, args, fault=None, says=None, path=None, method='GET', counts=None, check=None,
             **extra):
        spec = dict(extra, id=case_id, component=component, args=args)
        if fault is not None:
            spec['fault'] = fault

        def judge(outcome):
            problems = []
            if says is not None:
                problems += one_clear_line(outcome['result'], r'^%s %s%s %s' % (method, API, path, SAYS[says]))
            problems += counted(outcome, counts or {})
            if check is not None:
                problems += check(outcome)
            return problems
        cases.append((spec, judge))

    one = {'device_type': TYPE, 'device_id': 'rf-single'}
    device_path = r'/devices/%s/rf-single' % TYPE
    # iots_device, one device: a read, the enrolment, a modification
    case('iots_device read 503', 'iots_device', one, STATUS_503, '503', device_path,
         counts={'GET /devices/{type}/{id}': 3, 'api:write': 0}, pass_api=0)
    case('iots_device read 401 expired token', 'iots_device', dict(one, token=expired), None, '401', device_path,
         counts={'token': 0, 'api': 1, 'api:write': 0})
    case('iots_device enrol 500', 'iots_device', one, STATUS_500, '500', r'/device/agent/enroll', 'POST',
         counts={'POST /device/agent/enroll': 1})
    case('iots_device enrol drop', 'iots_device', one, DROP, 'drop', r'/device/agent/enroll', 'POST',
         counts={'POST /device/agent/enroll': 1})  # not idempotent: never sent twice after a drop
    case('iots_device enrol after the faults', 'iots_device', one, counts={'POST /device/agent/enroll': 1},
         check=lambda o: [] if o['result'].get('changed') and not o['result'].get('failed') else ['not enrolled'])
    case('iots_device modify 503', 'iots_device', dict(one, name='renamed'), STATUS_503, '503',
         r'/device/agent/enroll/%s/rf-single' % TYPE, 'PUT', counts={'PUT /device/agent/enroll/{type}/{id}': 3})
    # iots_group: the read, the creation
    group = {'name': 'rf-group', 'description': 'reliability'}
    case('iots_group read 500', 'iots_group', group, STATUS_500, '500', r'/groups\S*', counts={'api:write': 0},
         pass_api=0)
    case('iots_group create drop', 'iots_group', group, DROP, 'drop', r'/groups', 'POST',
         counts={'POST /groups': 1})
    case('iots_group create after the fault', 'iots_group', group, counts={'POST /groups': 1},
         check=lambda o: [] if o['result'].get('changed') and not o['result'].get('failed') else ['not created'])
    # iots_operation: the read, the operation (sent once: a second one would reach the device twice)
    operation = {'device_type': TYPE, 'device_ids': ['rf-single'], 'code': 'DEVICE_RING'}
    case('iots_operation read 503', 'iots_operation', operation, STATUS_503, '503', r'/\S+', counts={'api:write': 0},
         pass_api=0)
    case('iots_operation send 503', 'iots_operation', operation, STATUS_503, '503', r'/devices/%s/operations' % TYPE,
         'POST', counts={'POST /devices/{type}/operations': 1})
    case('iots_operation read 401 expired token', 'iots_operation', dict(operation, token=expired), None, '401',
         r'/\S+', counts={'api:write': 0})
    # iots_device_info: a read, the second page of a list
    case('iots_device_info read drop', 'iots_device_info', {'device_type': TYPE, 'device_id': 'rf-single'},
         DROP, 'drop', device_path, counts={'GET /devices/{type}/{id}': 3}, pass_api=0)
    case('iots_device_info page 2 of 2 503', 'iots_device_info', {'device_type': 'rf_paged'},
         STATUS_503, '503', r'/devices\?\S*offset=100\S*', pass_writes=-1, counts={'GET /devices': 4})
    return cases


def fleet_cases():
    """A fleet of six new devices that fails at the fourth enrolment, then runs again twice."""
    fleet = [{'device_type': TYPE, 'device_id': 'rf-fleet-%d' % n} for n in range(6)]
    names = ['%s/%s' % (TYPE, device['device_id']) for device in fleet]

    def key(record):
        return '%s/%s' % (record.get('device_type'), record.get('device_id'))
    cases = []

    def failed_mid_fleet(outcome):
        result = outcome['result']
        problems = one_clear_line(result, r'^POST %s/device/agent/enroll %s' % (API, SAYS['500']))
        problems += counted(outcome, {'POST /device/agent/enroll': 4})
        records = result.get('devices') or []
        if [(key(r), r.get('action'), bool(r.get('failed'))) for r in records] != \
                [(n, 'enrolled', False) for n in names[:3]] + [(names[3], 'enrolled', True)]:
            problems.append('devices does not list the three done and the failed one: %r' % records)
        if [key(r) for r in result.get('pending') or []] != names[4:]:
            problems.append('pending does not list the two not attempted: %r' % result.get('pending'))
        if not result.get('changed'):
            problems.append('three devices were enrolled but changed is false')
        if not re.search(r'3 of 6 device\(s\) changed before this failure .*2 not attempted', result.get('msg', '')):
            problems.append('the message does not say what was done and what is pending: %r' % result.get('msg'))
        return problems

    def completed(outcome):
        result = outcome['result']
        problems = counted(outcome, {'POST /device/agent/enroll': 3, 'api:write': 3})
        if result.get('failed') or (result.get('summary') or {}).get('enrolled') != 3:
            problems.append('the second run did not enrol the three left: %r' % result.get('summary'))
        return problems

    def unchanged(outcome):
        problems = counted(outcome, {'api:write': 0})
        if outcome['result'].get('changed') or outcome['result'].get('failed'):
            problems.append('the third run is not an unchanged success: %r' % outcome['result'].get('summary'))
        return problems

    args = {'devices': fleet}
    cases.append((dict(id='iots_device fleet fails at device 4', component='iots_device', args=args,
                       fault=STATUS_500, pass_writes=3), failed_mid_fleet))
    cases.append((dict(id='iots_device fleet run again', component='iots_device', args=args), completed))
    cases.append((dict(id='iots_device fleet third run', component='iots_device', args=args), unchanged))
    return cases


@pytest.mark.parametrize('group', ['single objects', 'fleet and lists'])
def test_a_fault_mid_run_fails_in_one_line_and_a_fleet_completes_on_the_next_run(playbooks, emu, tally, group):
    app = register_app(emu, 'rel_device_faults')
    if group == 'single objects':
        expired = password_grant(emu, app)['access_token']
        emu.expire_tokens()
        cases = [c for c in fault_cases(expired) if 'device_info' not in c[0]['id']]
    else:
        emu.add_device_type('rf_paged')
        emu.seed_devices('rf_paged', ['rf-paged-%03d' % n for n in range(150)])
        cases = [c for c in fault_cases(None) if 'device_info' in c[0]['id']] + fleet_cases()
    emu.reset()
    result, outcomes = run_cases(playbooks, app, [spec for spec, judge in cases], 'device_faults.json')
    found = {}
    for spec, judge in cases:
        found[spec['id']] = judge(outcomes[spec['id']]) if spec['id'] in outcomes else ['not run']
    texts = playbooks.outputs + [open(p).read() for p in files_under([playbooks.captures])]
    secrets = KnownSecrets(emu).count(texts=texts, paths=playbooks.scanned_dirs)
    tally('faults: devices', len(found), sum(1 for p in found.values() if not p), total(secrets))
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert result.rc == 0 and play_recap(result.output).get('failed') == 0, result
    assert not secrets, secrets
