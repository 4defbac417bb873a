# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The device modules (iots_device, iots_device_info, iots_group, iots_operation) against the IoTS
emulator over HTTPS, through real ansible-playbook runs.

Each test registers its own application and device type, so request counts and device lists are
its own although tests share the emulator. The playbooks assert what the modules return; these
tests assert what reached the emulator.
"""

import re
import uuid

import pytest
import requests

PLAYBOOK_DIR = 'module_iots_device/'


def assert_passed(result, recap):
    assert result.rc == 0, result.output[-12000:]
    totals = recap(result.output)
    assert totals.get('failed') == 0 and totals.get('unreachable', 0) == 0, result.output[-12000:]


@pytest.fixture
def keys(emu, request):
    """client_id and client_secret of an application registered for this test."""
    name = 'ansible_device_%s' % re.sub(r'[^A-Za-z0-9]+', '_', request.node.name)[:50].strip('_')
    answer = requests.post(
        emu.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': name, 'tags': ['device_management']},
        verify=emu.ca_path,
    )
    answer.raise_for_status()
    return {'client_id': answer.json()['client_id'], 'client_secret': answer.json()['client_secret']}


@pytest.fixture
def dtype(emu):
    """A device type of this test alone: its lists hold only this test's devices."""
    name = 'dt_%s' % uuid.uuid4().hex[:10]
    emu.add_device_type(name)
    return name


def writes(counts):
    return counts['api:write']


def test_one_device_through_its_life(run_playbook, recap, emu, keys, dtype):
    result = run_playbook(PLAYBOOK_DIR + 'single.yml', dict(keys, dtype=dtype))
    assert_passed(result, recap)
    counts = emu.counts()
    # enrol, rename, disenrol, enrol again; the check-mode tasks and the repeats wrote nothing
    assert counts['POST /device/agent/enroll'] == 2
    assert counts['PUT /device/agent/enroll/{type}/{id}'] == 1
    assert counts['DELETE /device/agent/enroll/{type}/{id}'] == 1
    assert writes(counts) == 4
    assert 'Traceback' not in result.output


def fleet(dtype, count, start=0, **fields):
    return [dict(device_type=dtype, device_id='dev-%04d' % n, **fields) for n in range(start, start + count)]


def summary(enrolled=0, modified=0, disenrolled=0, none=0):
    return dict(enrolled=enrolled, modified=modified, disenrolled=disenrolled, none=none)


@pytest.mark.newest_core  # paging and bulk planning: the collection's code
def test_bulk_pages_over_300_devices_and_writes_only_what_differs(run_playbook, recap, emu, keys, dtype):
    # 300 devices: 150 enrolled already (100 as wanted, 50 with another name), 20 of them to disenrol.
    emu.seed_devices(dtype, ['dev-%04d' % n for n in range(100)], name='Sensor')
    emu.seed_devices(dtype, ['dev-%04d' % n for n in range(100, 150)], name='Old name')
    devices = fleet(dtype, 130, name='Sensor') + fleet(dtype, 20, start=130, state='absent')
    devices += fleet(dtype, 150, start=150, name='Sensor')
    wanted = summary(enrolled=150, modified=30, disenrolled=20, none=100)

    checked = run_playbook(PLAYBOOK_DIR + 'bulk.yml', dict(keys, fleet=devices, expected=wanted, bulk_check=True))
    assert_passed(checked, recap)
    counts = emu.counts()
    assert writes(counts) == 0
    assert counts['GET /devices'] == 2 + 2  # the module's 150 rows, then the list task's 150 ACTIVE ones

    emu.reset()
    first = run_playbook(PLAYBOOK_DIR + 'bulk.yml', dict(keys, fleet=devices, expected=wanted))
    assert_passed(first, recap)
    counts = emu.counts()
    assert counts['POST /device/agent/enroll'] == 150
    assert counts['PUT /device/agent/enroll/{type}/{id}'] == 30
    assert counts['DELETE /device/agent/enroll/{type}/{id}'] == 20
    assert writes(counts) == 200
    assert counts['GET /devices'] == 2 + 3  # 150 rows before; 280 ACTIVE after, read in 3 pages
    assert counts['GET /device-types'] == 1 + 1  # the types to enrol; the info task's device_type
    assert counts['token'] == 2  # one per module run
    assert 'active=280' in first.output

    emu.reset()
    second = run_playbook(PLAYBOOK_DIR + 'bulk.yml', dict(keys, fleet=devices, expected=summary(none=300)))
    assert_passed(second, recap)
    counts = emu.counts()
    assert writes(counts) == 0
    assert counts['GET /devices'] == 3 + 3  # 300 rows (280 ACTIVE, 20 REMOVED), then 280 ACTIVE
    assert counts['GET /device-types'] == 0 + 1  # nothing to enrol; the info task's device_type
    assert recap(second.output)['changed'] == 0


@pytest.mark.newest_core  # membership planning; iots_group runs end to end in test_module_iots_policy
def test_group_membership_with_and_without_purge(run_playbook, recap, emu, keys, dtype):
    emu.seed_devices(dtype, ['a', 'b', 'c'])
    emu.seed_devices(dtype, ['gone'], status='REMOVED')
    group = 'grp_%s' % dtype
    result = run_playbook('module_iots_group/group.yml', dict(keys, dtype=dtype, group_name=group))
    assert_passed(result, recap)
    counts = emu.counts()
    assert counts['POST /groups'] == 1
    assert counts['POST /groups/id/{groupId}/devices/add'] == 2  # a+b, then c; never the not enrolled ones
    assert counts['POST /groups/id/{groupId}/devices/remove'] == 1
    assert counts['DELETE /groups/id/{groupId}'] == 1
    assert counts['PUT /groups/id/{groupId}'] == 0
    assert not [g for g in emu.groups() if g['name'] == group]


def test_operations_wait_for_completion_error_and_timeout(run_playbook, recap, emu, keys, dtype):
    emu.configure(operation_pending=0.2, operation_in_progress=0.3)
    emu.seed_devices(dtype, ['a', 'b', 'broken', 'stuck'])
    emu.seed_devices(dtype, ['gone'], status='REMOVED')
    emu.set_operation_result(dtype, 'broken', status='ERROR', response='buzzer broken')
    emu.set_operation_result(dtype, 'stuck', status='IN_PROGRESS')
    try:
        result = run_playbook('module_iots_operation/operation.yml', dict(keys, dtype=dtype))
    finally:
        emu.configure(operation_pending=1.0, operation_in_progress=1.0)
    assert_passed(result, recap)
    counts = emu.counts()
    # sent, waited, ERROR, timeout, INVALID, allowed INVALID; check mode, the unknown type and the zero
    # timeout sent nothing
    assert counts['POST /devices/{type}/operations'] == 6
    assert counts['GET /activities/{id}'] >= 4


@pytest.mark.newest_core  # the collection's input checks
def test_bad_input_fails_before_any_write(run_playbook, recap, emu, keys, dtype):
    result = run_playbook(PLAYBOOK_DIR + 'errors.yml', dict(keys, dtype=dtype))
    assert_passed(result, recap)
    assert writes(emu.counts()) == 0
    assert 'Traceback' not in result.output


def test_one_lookup_token_serves_every_module(run_playbook, recap, emu, keys, dtype):
    lookup_vars = dict(iots_client_id=keys['client_id'], iots_client_secret=keys['client_secret'], dtype=dtype)
    result = run_playbook(PLAYBOOK_DIR + 'token.yml', lookup_vars)
    assert_passed(result, recap)
    counts = emu.counts()
    assert counts['token'] == 1
    assert counts['POST /device/agent/enroll'] == 2


def faults_after(emu, key, count, faults):
    """Arm a case's fault on the API the moment the ``count``-th request counted under ``key``
    arrives: the i-th of ``faults`` for the i-th case, which starts with a reset (zero counts, no
    fault), so a case that stops early cannot hand its fault to the next. Returns a function that
    puts the emulator's own methods back."""
    state = emu.state
    original_count, original_reset = state.count, state.reset
    cases = iter(faults)
    current = {}

    def reset_for_the_next_case(*args, **kwargs):
        original_reset(*args, **kwargs)
        current['fault'] = next(cases, None)

    def count_and_arm(*keys):
        original_count(*keys)
        if key in keys and current.get('fault') and state.count_snapshot()[key] == count:
            state.set_fault('api', **current.pop('fault'))

    def restore():
        state.count, state.reset = original_count, original_reset

    state.count, state.reset = count_and_arm, reset_for_the_next_case
    return restore


# Each fault the API starts to answer with at a fleet's 13th enrolment, and the words of the message.
MID_FLEET_FAULTS = [
    dict(
        id='status',
        fault=dict(kind='status', status=503),
        expected_msg=r'HTTP 503 101503: Runtime Error: Error connecting to the back end\. .* Tried 3 times\.',
    ),
    dict(id='html', fault=dict(kind='html'), expected_msg=r'HTTP 500 HTML page: '),
    dict(id='truncated_json', fault=dict(kind='truncated_json'), expected_msg=r'answered HTTP 200 but its body is not the expected JSON'),
]


@pytest.mark.newest_core  # error answers mid-fleet: the collection's code
def test_a_fault_mid_fleet_leaves_a_record_of_what_was_done(run_playbook, recap, emu, keys, dtype, control_env, failed_cases):
    # One run for every case, each with a device type (and so a device list) of its own.
    cases = []
    for number, spec in enumerate(MID_FLEET_FAULTS):
        case_type = dtype if number == 0 else '%s_%d' % (dtype, number)
        if number:
            emu.add_device_type(case_type)
        cases.append(dict(id=spec['id'], fleet=fleet(case_type, 40), expected_msg=spec['expected_msg'], dtype=case_type))
    restore = faults_after(emu, 'POST /device/agent/enroll', 13, [spec['fault'] for spec in MID_FLEET_FAULTS])
    try:
        result = run_playbook(PLAYBOOK_DIR + 'faults.yml', dict(keys, cases=cases), env=control_env)
    finally:
        restore()
        emu.clear_faults()
    assert result.rc == 0, failed_cases(result.output)
    assert_passed(result, recap)
    devices = emu.devices()
    for case in cases:
        assert 'case %s done=12 pending=27' % case['id'] in result.output, case['id']
        enrolled = [d for d in devices if d['type'] == case['dtype']]
        assert sorted(d['deviceIdentifier'] for d in enrolled) == ['dev-%04d' % n for n in range(12)], case['id']
