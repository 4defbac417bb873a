# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The seeding API for tests and benchmarks: in process and through the control endpoint."""

import uuid

import pytest

from iots_emulator import EmulatorControl


@pytest.fixture
def control(emu):
    return EmulatorControl(emu.url, emu.ca_path)


@pytest.fixture
def ids():
    prefix = uuid.uuid4().hex[:10]
    return ['%s-%d' % (prefix, n) for n in range(4)]


def mine(snapshot, ids):
    return sorted((d for d in snapshot if d['deviceIdentifier'] in ids), key=lambda d: d['deviceIdentifier'])


def test_seed_devices_like_enrolled_ones(emu, ids):
    numbers = emu.seed_devices(
        'android', ids[:2], owner='operator', ownership='BYOD', name='pump-{id}', properties={'site': 'lab', 'floor': 3}, description='hall'
    )
    assert len(numbers) == 2 and numbers[1] == numbers[0] + 1
    devices = mine(emu.devices(), ids)
    assert [d['name'] for d in devices] == ['pump-' + ids[0], 'pump-' + ids[1]]
    assert devices[0]['properties'] == [{'name': 'site', 'value': 'lab'}, {'name': 'floor', 'value': '3'}]
    info = devices[0]['enrolmentInfo']
    assert (info['owner'], info['ownership'], info['status']) == ('operator', 'BYOD', 'ACTIVE')
    byod = [g for g in emu.groups() if g['name'] == 'BYOD' and g['tenant'] == 'carbon.super'][0]
    assert {'id': ids[0], 'type': 'android'} in byod['devices']
    assert emu.counts()['api'] == 0  # no HTTP


@pytest.mark.parametrize(
    'kwargs, words',
    [
        ({'device_type': 'fridge'}, "unknown device type 'fridge'"),
        ({'ownership': 'CORPORATE'}, 'ownership must be one of BYOD, COPE'),
        ({'status': 'GONE'}, 'status must be one of'),
    ],
)
def test_seed_devices_refuses_bad_input(emu, ids, kwargs, words):
    arguments = dict(device_type='android', ids=ids[:1])
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=words):
        emu.seed_devices(**arguments)
    assert mine(emu.devices(), ids) == []


def test_seed_devices_refuses_known_and_repeated_ids(emu, ids):
    emu.seed_devices('android', ids[:1])
    with pytest.raises(ValueError, match='exists already'):
        emu.seed_devices('android', ids[:1])
    with pytest.raises(ValueError, match='must not repeat'):
        emu.seed_devices('android', [ids[1], ids[1]])


def test_seed_group(emu, ids):
    emu.seed_devices('android', ids[:2])
    group_id = emu.seed_group('g-' + ids[0], description='d', members=[('android', ids[0]), ('android', ids[1])])
    group = [g for g in emu.groups() if g['id'] == group_id][0]
    assert (group['name'], group['description'], group['owner']) == ('g-' + ids[0], 'd', 'admin')
    assert group['devices'] == [{'id': ids[0], 'type': 'android'}, {'id': ids[1], 'type': 'android'}]
    with pytest.raises(ValueError, match='exists already'):
        emu.seed_group('g-' + ids[0])
    with pytest.raises(ValueError, match='no device android/'):
        emu.seed_group('g-' + ids[1], members=[('android', ids[3])])


def test_seed_thousands_of_devices(emu):
    prefix = uuid.uuid4().hex[:8]
    numbers = emu.seed_devices('virtual_firealarm', ['%s-%05d' % (prefix, n) for n in range(5000)])
    assert len(set(numbers)) == 5000
    assert sum(1 for d in emu.devices() if d['deviceIdentifier'].startswith(prefix)) == 5000


def test_seeding_through_the_control_endpoint(control, emu, ids):
    numbers = control.seed_devices('android', ids[:2], name='c-{id}', properties={'a': 1})
    group_id = control.seed_group('g-' + ids[0], members=[('android', ids[0])])
    control.set_operation_result('android', ids[0], response='boom')
    control.configure(operation_pending=0, operation_in_progress=0)
    assert [d['id'] for d in mine(control.devices(), ids)] == numbers
    assert [g for g in control.groups() if g['id'] == group_id][0]['devices'] == [{'id': ids[0], 'type': 'android'}]
    assert emu.state.operations.result_for('carbon.super', 'android', ids[0]) == ('ERROR', 'boom')
    with pytest.raises(ValueError, match='unknown options: colour'):
        control._call('POST', 'devices', {'device_type': 'android', 'ids': ['z'], 'colour': 'red'})
    with pytest.raises(ValueError, match='status must be one of'):
        control.set_operation_result('android', ids[0], status='DONE')


def test_reset_with_state_forgets_devices_groups_and_activities(emu, tmp_path):
    from iots_emulator import Emulator

    with Emulator(state_dir=str(tmp_path)) as other:
        other.seed_devices('android', ['a1'])
        other.seed_group('g', members=[('android', 'a1')])
        other.reset(state=True)
        assert other.devices() == []
        assert sorted(g['name'] for g in other.groups()) == ['BYOD', 'COPE']
