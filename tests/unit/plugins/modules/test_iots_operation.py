# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_operation run through main() against the in-process IoTS emulator (the ``iots`` fixture).

The module and the emulator share one clock (``clock``) that moves only when the module sleeps: a
device's status in an activity moves PENDING -> IN_PROGRESS -> COMPLETED as that clock passes the
emulator's ``operation_pending`` and ``operation_in_progress`` seconds.
"""

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_operation

FIREALARM = 'virtual_firealarm'
SEND = 'POST /devices/{type}/operations'
POLL = 'GET /activities/{id}'


@pytest.fixture
def devices(iots, clock, monkeypatch):
    """IoTS with fire alarms a and b enrolled and 'gone' disenrolled; operations complete at once."""
    monkeypatch.setattr(iots_operation, 'clock', clock)
    monkeypatch.setattr(iots_operation, 'sleep', clock.sleep)
    iots.emu.configure(operation_pending=0, operation_in_progress=0)
    iots.emu.seed_devices(FIREALARM, ['a', 'b'])
    iots.seed(FIREALARM, 'gone', status='REMOVED')
    return iots


@pytest.fixture
def run(run_module, iots):
    def run_operation(check_mode=False, **args):
        options = dict(iots.args, device_type=FIREALARM, device_ids=['a', 'b'], code='BUZZ')
        options.update(args)
        return run_module(iots_operation, options, check_mode=check_mode)

    return run_operation


def test_sent_without_waiting(run, devices):
    iots = devices
    result = run(payload={'duration': 10}, operation_type='CONFIG')
    assert result['changed'] is True and result['invalid_devices'] == []
    assert result['activity']['id'].startswith('ACTIVITY_') and result['activity']['type'] == 'CONFIG'
    assert result['activity']['code'] == 'BUZZ'
    assert [d['status'] for d in result['activity']['devices']] == ['PENDING', 'PENDING']
    assert iots.writes == 1 and iots.count(SEND) == 1 and iots.count(POLL) == 0
    sent = [s for s in iots.sent if s.method == 'POST' and s.path == '/devices/virtual_firealarm/operations'][0]
    assert sent.json['deviceIdentifiers'] == ['a', 'b'] and sent.json['operation']['payLoad'] == {'duration': 10}
    assert iots.token_requests == [['device-types:types', 'devices:operations']]


def test_check_mode_sends_nothing_and_reports_a_change(run, devices):
    iots = devices
    result = run(check_mode=True, wait=True)
    assert result['changed'] is True and result['activity'] == {} and iots.writes == 0
    assert iots.token_requests == [['device-types:types']]


def test_wait_until_every_device_completed(run, devices, clock):
    iots = devices
    iots.emu.configure(operation_pending=1, operation_in_progress=4)  # completed 5 s after it was sent
    result = run(wait=True, poll_interval=2)
    assert result['changed'] is True
    assert [d['status'] for d in result['activity']['devices']] == ['COMPLETED', 'COMPLETED']
    assert clock.sleeps == [2, 2, 2] and iots.count(POLL) == 3
    assert iots.token_requests == [['device-types:types', 'devices:operations', 'get-activity']]


def test_wait_timeout_names_the_devices_not_completed(run, devices, clock):
    iots = devices
    iots.emu.set_operation_result(FIREALARM, 'b', status='IN_PROGRESS')  # b never answers
    result = run(wait=True, wait_timeout=10, poll_interval=4)
    assert result.failed and result['changed'] is True
    activity = result['activity']['id']
    assert result['msg'] == ('Operation BUZZ (activity %s) did not complete within 10 s on 1 of 2 device(s): b (IN_PROGRESS).' % activity)
    assert result['pending_devices'] == ['b']
    assert clock.sleeps == [4, 4, 2] and iots.count(POLL) == 3


def test_error_status_fails_with_the_devices_words(run, devices):
    iots = devices
    iots.emu.set_operation_result(FIREALARM, 'b', status='ERROR', response='buzzer broken')
    result = run(wait=True, poll_interval=1)
    assert result.failed
    assert result['msg'] == 'Operation BUZZ (activity %s) failed on b: b answered buzzer broken.' % result['activity']['id']
    assert result['failed_devices'] == ['b']


def test_invalid_devices_fail_naming_them(run, devices):
    result = run(device_ids=['a', 'gone', 'never'])
    assert result.failed and result['changed'] is True
    assert 'IoTS marked 2 of 3 device(s) INVALID (unknown or disenrolled) for operation BUZZ: gone, never.' in result['msg']
    assert result['invalid_devices'] == ['gone', 'never']


def test_invalid_devices_allowed_warn(run, devices):
    result = run(device_ids=['a', 'gone'], allow_invalid=True)
    assert not result.failed, result.result
    assert result['invalid_devices'] == ['gone']
    assert any('INVALID' in warning and 'gone' in warning for warning in result.warnings)


def test_no_valid_device_at_all(run, devices):
    iots = devices
    result = run(device_ids=['never'])
    assert result.failed and result['status'] == 500 and 'Invalid Device Identifiers found.' in result['msg']
    assert iots.count(SEND) == 1  # an operation is never sent twice


@pytest.mark.parametrize(
    'args, words',
    [
        (dict(wait_timeout=0), 'wait_timeout must be a positive number of seconds, got 0'),
        (dict(wait_timeout=-5, wait=True), 'wait_timeout must be a positive'),
        (dict(poll_interval=0), 'poll_interval must be a positive'),
        (dict(device_ids=[]), 'device_ids must name at least one device'),
        (dict(device_ids=['a', 'a']), 'device_ids[1] names device virtual_firealarm/a again'),
        (dict(device_ids=['a/b']), "device_ids[0] 'a/b' contains \"/\""),
        (dict(code=' '), 'code must be a non-empty operation code'),
        (dict(operation_type='POLICY'), 'operation_type'),
    ],
)
def test_bad_input_fails_before_any_request(run, iots, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result['msg']
    assert iots.requests == 0 and not iots.sent


def test_unknown_device_type_fails_before_sending(run, devices):
    iots = devices
    result = run(device_type='firealarm')
    assert result.failed and "IoTS has no device type 'firealarm'" in result['msg']
    assert 'android, virtual_firealarm' in result['msg'] and iots.writes == 0
