# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The device modules (iots_device single and bulk, iots_group, iots_operation, iots_device_info)
under faults, bad input and a secret-leak scan, in real ansible-playbook runs against the emulator.

playbooks/devices/cases.yml runs a list of cases in one ansible-playbook run, each in one run_case
task. A fault case first runs the module in check mode to count the reads it makes, then lets
exactly that many API requests through (plus ``pass_writes`` writes) and faults every request after
them: so a fault hits a read, the first write, or the fourth device of a fleet, whatever the module
reads first.
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

from playbook_harness import control_environment, play_recap
from reliability_harness import (
    ADMIN_PASSWORD,
    PLAYBOOKS,
    KnownSecrets,
    files_under,
    password_grant,
    register_app,
    run_case_outcomes,
    total,
)

pytestmark = pytest.mark.reliability

CASES = os.path.join(PLAYBOOKS, 'devices', 'cases.yml')
# The test-only actions (emulator_control) live beside the token-side playbooks.
ACTIONS = control_environment()
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
    """Run the cases in order (each a run_case task; the one whose token expires mid-run, at most one,
    in tasks/expiry_case.yml between those before and after it); {case id: {id, result, counts}}."""
    extra = {'app': app, 'admin_password': ADMIN_PASSWORD, 'capture_name': name}
    expiring = [index for index, case in enumerate(cases) if case.get('expire')]
    assert len(expiring) <= 1, 'cases.yml runs one expiry case'
    if expiring:
        extra.update(cases=cases[: expiring[0]], expiry_case=cases[expiring[0]], cases_after_expiry=cases[expiring[0] + 1 :])
    else:
        extra['cases'] = cases
    # An absolute async dir: async_status would otherwise look for the background job under the real HOME.
    env = dict(ACTIONS, ANSIBLE_ASYNC_DIR=os.path.join(playbooks.home, '.ansible_async'))
    result = playbooks.run(CASES, extra, env=env, **options)
    path = os.path.join(playbooks.captures, name)
    captured = playbooks.outcomes(name) if os.path.exists(path) else {'run_case': [], 'others': []}
    outcomes = dict((outcome['id'], outcome) for outcome in captured['others'])
    outcomes.update(run_case_outcomes(captured['run_case']))
    return result, outcomes


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
    return ['%s: %s requests, expected %s' % (key, outcome['counts'].get(key), value) for key, value in expected.items() if outcome['counts'].get(key) != value]


# ---------------------------------------------------------------------------- faults


def fault_cases(expired):
    """(case, judge) pairs; a judge returns the problems of the case's outcome."""
    cases = []

    def case(case_id, component, args, fault=None, says=None, path=None, method='GET', counts=None, check=None, **extra):
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
    case('iots_device read 503', 'iots_device', one, STATUS_503, '503', device_path, counts={'GET /devices/{type}/{id}': 3, 'api:write': 0}, pass_api=0)
    case('iots_device read 401 expired token', 'iots_device', dict(one, token=expired), None, '401', device_path, counts={'token': 0, 'api': 1, 'api:write': 0})
    case('iots_device enrol 500', 'iots_device', one, STATUS_500, '500', r'/device/agent/enroll', 'POST', counts={'POST /device/agent/enroll': 1})
    case(
        'iots_device enrol drop', 'iots_device', one, DROP, 'drop', r'/device/agent/enroll', 'POST', counts={'POST /device/agent/enroll': 1}
    )  # not idempotent: never sent twice after a drop
    case(
        'iots_device enrol after the faults',
        'iots_device',
        one,
        counts={'POST /device/agent/enroll': 1},
        check=lambda o: [] if o['result'].get('changed') and not o['result'].get('failed') else ['not enrolled'],
    )
    case(
        'iots_device modify 503',
        'iots_device',
        dict(one, name='renamed'),
        STATUS_503,
        '503',
        r'/device/agent/enroll/%s/rf-single' % TYPE,
        'PUT',
        counts={'PUT /device/agent/enroll/{type}/{id}': 3},
    )
    # iots_group: the read, the creation
    group = {'name': 'rf-group', 'description': 'reliability'}
    case('iots_group read 500', 'iots_group', group, STATUS_500, '500', r'/groups\S*', counts={'api:write': 0}, pass_api=0)
    case('iots_group create drop', 'iots_group', group, DROP, 'drop', r'/groups', 'POST', counts={'POST /groups': 1})
    case(
        'iots_group create after the fault',
        'iots_group',
        group,
        counts={'POST /groups': 1},
        check=lambda o: [] if o['result'].get('changed') and not o['result'].get('failed') else ['not created'],
    )
    # iots_operation: the read, the operation (sent once: a second one would reach the device twice)
    operation = {'device_type': TYPE, 'device_ids': ['rf-single'], 'code': 'DEVICE_RING'}
    case('iots_operation read 503', 'iots_operation', operation, STATUS_503, '503', r'/\S+', counts={'api:write': 0}, pass_api=0)
    case(
        'iots_operation send 503',
        'iots_operation',
        operation,
        STATUS_503,
        '503',
        r'/devices/%s/operations' % TYPE,
        'POST',
        counts={'POST /devices/{type}/operations': 1},
    )
    case('iots_operation read 401 expired token', 'iots_operation', dict(operation, token=expired), None, '401', r'/\S+', counts={'api:write': 0})
    # iots_device_info: a read, the second page of a list
    case(
        'iots_device_info read drop',
        'iots_device_info',
        {'device_type': TYPE, 'device_id': 'rf-single'},
        DROP,
        'drop',
        device_path,
        counts={'GET /devices/{type}/{id}': 3},
        pass_api=0,
    )
    case(
        'iots_device_info page 2 of 2 503',
        'iots_device_info',
        {'device_type': 'rf_paged'},
        STATUS_503,
        '503',
        r'/devices\?\S*offset=100\S*',
        pass_writes=-1,
        counts={'GET /devices': 4},
    )
    return cases


def key(record):
    return '%s/%s' % (record.get('device_type'), record.get('device_id'))


def failed_mid_fleet(names, done, says):
    """The judge of a fleet whose write ``done + 1`` failed: ``done`` listed done, the next failed, the rest pending."""

    def judge(outcome):
        result = outcome['result']
        problems = one_clear_line(result, r'^POST %s/device/agent/enroll %s' % (API, SAYS[says]))
        problems += counted(outcome, {'POST /device/agent/enroll': done + 1})
        records = result.get('devices') or []
        if [(key(r), r.get('action'), bool(r.get('failed'))) for r in records] != [(n, 'enrolled', False) for n in names[:done]] + [
            (names[done], 'enrolled', True)
        ]:
            problems.append('devices does not list the %d done and the failed one: %r' % (done, records))
        if [key(r) for r in result.get('pending') or []] != names[done + 1 :]:
            problems.append('pending does not list the devices not attempted: %r' % result.get('pending'))
        if not result.get('changed'):
            problems.append('devices were enrolled but changed is false')
        if not re.search(
            r'%d of %d device\(s\) changed before this failure .*%d not attempted' % (done, len(names), len(names) - done - 1), result.get('msg', '')
        ):
            problems.append('the message does not say what was done and what is pending: %r' % result.get('msg'))
        return problems

    return judge


def completed(left):
    def judge(outcome):
        result = outcome['result']
        problems = counted(outcome, {'POST /device/agent/enroll': left, 'api:write': left})
        if result.get('failed') or (result.get('summary') or {}).get('enrolled') != left:
            problems.append('the next run did not enrol the %d left: %r' % (left, result.get('summary')))
        return problems

    return judge


def renewed(left):
    """The judge of a fleet whose token expired during it: the gateway refused one enrolment (401), the module
    got one more token and sent it again, and every device is enrolled."""

    def judge(outcome):
        result = outcome['result']
        problems = counted(outcome, {'token': 2, 'POST /device/agent/enroll': left + 1})
        if result.get('failed') or (result.get('summary') or {}).get('enrolled') != left:
            problems.append('the run did not enrol all %d: %r' % (left, result.get('msg') or result.get('summary')))
        return problems

    return judge


def unchanged(outcome):
    problems = counted(outcome, {'api:write': 0})
    if outcome['result'].get('changed') or outcome['result'].get('failed'):
        problems.append('the third run is not an unchanged success: %r' % outcome['result'].get('summary'))
    return problems


def fleet_cases():
    """A fleet of six new devices that fails at the fourth enrolment, then runs again twice; a fleet of
    four whose token expires while its second enrolment is under way, then runs again."""
    fleet = [{'device_type': TYPE, 'device_id': 'rf-fleet-%d' % n} for n in range(6)]
    names = ['%s/%s' % (TYPE, device['device_id']) for device in fleet]
    expiring = [{'device_type': TYPE, 'device_id': 'rf-expiring-%d' % n} for n in range(4)]
    return [
        (
            dict(id='iots_device fleet fails at device 4', component='iots_device', args={'devices': fleet}, fault=STATUS_500, pass_writes=3),
            failed_mid_fleet(names, 3, '500'),
        ),
        (dict(id='iots_device fleet run again', component='iots_device', args={'devices': fleet}), completed(3)),
        (dict(id='iots_device fleet third run', component='iots_device', args={'devices': fleet}), unchanged),
        # The module got its token itself: it gets a new one when IoTS refuses the expired one, and goes on.
        (
            dict(id='iots_device fleet token expires at device 2', component='iots_device', args={'devices': expiring}, expire=True, pass_writes=1),
            renewed(4),
        ),
        (dict(id='iots_device fleet after the expiry', component='iots_device', args={'devices': expiring}), unchanged),
    ]


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


# ---------------------------------------------------------------------------- bad input

# What no request at all may reach before the failure, and what no write may reach.
NOTHING = ('token', 'api')
NO_WRITE = ('api:write',)


def input_cases():
    """(component, case, arguments, what the message must say, counts that must stay 0)."""
    one = {'device_type': TYPE, 'device_id': 'rb-one'}
    good = [{'device_type': TYPE, 'device_id': 'rb-fleet-%d' % n} for n in range(3)]
    operation = {'device_type': TYPE, 'device_ids': ['rb-one'], 'code': 'DEVICE_RING'}
    return [
        ('iots_device', 'device_id with a slash', dict(one, device_id='rb/one'), r'device_id .*"/"', NOTHING),
        ('iots_device', 'properties as a list', dict(one, properties=['floor', 2]), r'properties must be a mapping', NOTHING),
        (
            'iots_device',
            'a property value that is a mapping',
            dict(one, properties={'floor': {'n': 2}}),
            r'properties\.floor must be a string, number or boolean',
            NOTHING,
        ),
        ('iots_device', 'devices: a device given twice', {'devices': good + [good[1]]}, r'devices\[3\] names device android/rb-fleet-1 again', NOTHING),
        (
            'iots_device',
            'devices: the fourth with a bad ownership',
            {'devices': good + [dict(good[0], device_id='x', ownership='corporate')]},
            r'ownership must be one of: BYOD, COPE, got: corporate',
            NOTHING,
        ),
        (
            'iots_device',
            'devices: the fourth of an unknown type',
            {'devices': good + [{'device_type': 'rb_nosuchtype', 'device_id': 'x'}]},
            r"no device type 'rb_nosuchtype' .* The types it knows: android",
            NO_WRITE,
        ),
        ('iots_group', 'name empty', {'name': ''}, r'name must be a non-empty group name', NOTHING),
        ('iots_group', 'a member given twice', {'name': 'rb-group', 'devices': [one, one]}, r'devices\[1\] names device android/rb-one again', NOTHING),
        (
            'iots_group',
            'a member IoTS does not know',
            {'name': 'rb-group', 'devices': [dict(one, device_id='rb-none')]},
            r'no enrolled device android/rb-none',
            NO_WRITE,
        ),
        ('iots_operation', 'device_ids empty', dict(operation, device_ids=[]), r'device_ids must name at least one', NOTHING),
        ('iots_operation', 'a device id given twice', dict(operation, device_ids=['a', 'b', 'a']), r'device_ids', NOTHING),
        ('iots_operation', 'wait_timeout zero', dict(operation, wait=True, wait_timeout=0), r'wait_timeout must be a positive number', NOTHING),
        (
            'iots_operation',
            'an unknown device type',
            dict(operation, device_type='rb_nosuchtype'),
            r"no device type 'rb_nosuchtype' .* The types it knows: android",
            NO_WRITE,
        ),
        ('iots_device_info', 'group and group_id', {'group': 'g', 'group_id': 3}, r'mutually exclusive', NOTHING),
        (
            'iots_device_info',
            'an unknown device type',
            {'device_type': 'rb_nosuchtype'},
            r"no device type 'rb_nosuchtype' .* The types it knows: android",
            NO_WRITE,
        ),
        ('iots_device_info', 'group_id zero', {'group_id': 0}, r'group_id must be a positive group id', NOTHING),
        ('iots_device_info', 'an unknown group', {'group': 'rb-no-such-group'}, r"no device group named 'rb-no-such-group'", NO_WRITE),
    ]


def judge_input(outcome, said, silent):
    problems = one_clear_line(outcome['result'], said)
    msg = str(outcome['result'].get('msg') or '')
    if '_Ansible' in msg:
        problems.append('message names an internal Ansible type: %r' % msg)
    sent = dict((key, outcome['counts'].get(key)) for key in silent if outcome['counts'].get(key))
    if sent:
        problems.append('requests were sent before the failure: %r' % sent)
    return problems


def test_bad_input_to_a_device_module_fails_before_any_write(playbooks, emu, tally):
    app = register_app(emu, 'rel_device_input')
    cases = input_cases()
    specs = [{'id': '%s: %s' % (component, name), 'component': component, 'args': args} for component, name, args, said, silent in cases]
    emu.reset()
    result, outcomes = run_cases(playbooks, app, specs, 'device_input.json')
    found = {}
    for spec, (dummy, dummy, dummy, said, silent) in zip(specs, cases):
        outcome = outcomes.get(spec['id'])
        found[spec['id']] = judge_input(outcome, said, silent) if outcome else ['not run']
    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs)
    tally(
        'bad input',
        len(found),
        sum(1 for p in found.values() if not p),
        total(secrets),
        note='%d malformed options of the device modules: none wrote anything' % len(found),
    )
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert result.rc == 0, result
    assert not secrets, secrets


# ---------------------------------------------------------------------------- secrets


def test_no_secret_of_a_device_module_in_any_output_result_or_file(playbooks, emu, known_secrets, tally):
    app = register_app(emu, 'rel_device_secrets')
    given = password_grant(
        emu,
        app,
        scopes=('perm:devices:view', 'perm:devices:details', 'perm:device:enroll', 'perm:device:modify', 'perm:device:disenroll', 'perm:device-types:types'),
    )
    fleet = [{'device_type': TYPE, 'device_id': 'rs-fleet-%d' % n} for n in range(3)]
    extra = {'app': app, 'admin_password': ADMIN_PASSWORD, 'given_token': given['access_token'], 'prefix': 'rs', 'fleet': fleet}
    echo = dict(ACTIONS, ANSIBLE_INJECT_INVOCATION='true')
    flows = os.path.join(PLAYBOOKS, 'devices', 'secret_flows.yml')
    verbose = playbooks.run(flows, extra, diff=True, verbosity=4, env=echo)
    check = playbooks.run(flows, extra, check=True, diff=True, verbosity=4, env=echo)

    results = {}
    for name in ('device_secrets.json', 'device_secrets_check.json'):
        path = os.path.join(playbooks.captures, name)
        results[name] = playbooks.outcomes(name) if os.path.exists(path) else {}
    cases = {}
    for label, run in (('--diff -vvvv output', verbose), ('--check --diff -vvvv output', check)):
        cases[label] = known_secrets.count(texts=[run.output])
    for name, registered in results.items():
        for task, result in registered.items():
            cases['registered %s: %s' % (name, task)] = known_secrets.count(texts=[json.dumps(result)])
    cases['files under HOME, ANSIBLE_HOME and the temp dirs'] = known_secrets.count(paths=playbooks.scanned_dirs)
    hits = dict((case, found) for case, found in cases.items() if found)
    tally(
        'secrets',
        len(cases),
        len(cases) - len(hits),
        sum(total(found) for found in hits.values()),
        note='device modules: %d secret values searched in 2 runs at -vvvv, %d registered results and every file'
        % (len(known_secrets.values()), sum(len(r) for r in results.values())),
    )

    # The flows really ran: every write happened, and the failures failed for their reasons.
    assert verbose.rc == 0 and play_recap(verbose.output).get('failed') == 0, verbose
    assert check.rc == 0 and play_recap(check.output).get('failed') == 0, check
    first = results['device_secrets.json']
    assert first['single']['changed'] and first['bulk']['summary']['enrolled'] == 3, first
    assert first['group']['changed'] and first['operation']['changed'], first
    assert len(first['listed']['devices']) == 4, first['listed']
    for name, words in (
        ('wrong_password', 'HTTP 400 invalid_grant: Authentication failed for admin'),
        ('wrong_secret', 'HTTP 401'),
        ('server_failure', 'HTTP 500 HTML page'),
    ):
        assert first[name]['failed'] and words in first[name]['msg'], (name, first[name])
    # In check mode nothing changes any more, and the failures fail the same way.
    second = results['device_secrets_check.json']
    assert not any(second[name]['changed'] for name in ('single', 'bulk', 'group')), second
    assert all(second[name]['failed'] for name in ('wrong_password', 'wrong_secret', 'server_failure')), second
    assert '"module_args"' in verbose.output, 'the module arguments were not echoed'
    # Positive control: the scan finds each kind of secret where the test put it on purpose.
    control = known_secrets.count(paths=[os.path.join(playbooks.workdir, 'extra-vars-0.json')])
    for label in ('admin password', 'client secret', 'access token'):
        assert any(found.startswith(label) for found in control), (label, control)
    assert not hits, hits
