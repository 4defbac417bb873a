# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_operation run through main() against an in-memory IoTS (device_fakes.FakeIots)."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError
from ansible_collections.wso2.iots.plugins.modules import iots_operation

from device_fakes import API, FakeIots, no_iots_environment  # noqa: F401  pylint: disable=unused-import

URL = 'https://iots.example.com:8243'
FIREALARM = 'virtual_firealarm'


class Clock(object):
    """Time that moves only when the module sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(iots_operation, 'clock', fake)
    monkeypatch.setattr(iots_operation, 'sleep', fake.sleep)
    return fake


@pytest.fixture
def iots(monkeypatch):
    fake = FakeIots().install(monkeypatch)
    fake.add(FIREALARM, 'a')
    fake.add(FIREALARM, 'b')
    fake.add(FIREALARM, 'gone', status='REMOVED')
    return fake


@pytest.fixture
def run(run_module, clock):
    def run_operation(check_mode=False, **args):
        options = dict(url=URL, device_type=FIREALARM, device_ids=['a', 'b'], code='BUZZ')
        options.update(args)
        return run_module(iots_operation, options, check_mode=check_mode)
    return run_operation


def test_sent_without_waiting(run, iots):
    result = run(payload={'duration': 10}, operation_type='CONFIG')
    assert result['changed'] is True and result['invalid_devices'] == []
    assert result['activity']['id'] == 'ACTIVITY_1' and result['activity']['type'] == 'CONFIG'
    assert [d['status'] for d in result['activity']['devices']] == ['PENDING', 'PENDING']
    assert iots.writes == [('send_operation', (FIREALARM, ['a', 'b'], 'BUZZ'),
                            {'operation_type': 'CONFIG', 'payload': {'duration': 10}})]
    assert iots.token_requests == [['device-types:types', 'devices:operations']]


def test_check_mode_sends_nothing_and_reports_a_change(run, iots):
    result = run(check_mode=True, wait=True)
    assert result['changed'] is True and result['activity'] == {} and not iots.writes
    assert iots.token_requests == [['device-types:types']]


def test_wait_until_every_device_completed(run, iots, clock, monkeypatch):
    original = iots.send_operation

    def send_and_plan(*args, **kwargs):
        activity = original(*args, **kwargs)
        iots.progress(activity['activityId'], {'a': 'IN_PROGRESS'}, {'a': 'COMPLETED', 'b': 'IN_PROGRESS'},
                      {'a': 'COMPLETED', 'b': 'COMPLETED'})
        return activity
    iots.send_operation = send_and_plan
    iots.install(monkeypatch)
    result = run(wait=True, poll_interval=2)
    assert result['changed'] is True
    assert [d['status'] for d in result['activity']['devices']] == ['COMPLETED', 'COMPLETED']
    assert clock.sleeps == [2, 2, 2] and iots.count('get_activity') == 3
    assert iots.token_requests == [['device-types:types', 'devices:operations', 'get-activity']]


def test_wait_timeout_names_the_devices_not_completed(run, iots, clock, monkeypatch):
    original = iots.send_operation

    def send_and_stall(*args, **kwargs):
        activity = original(*args, **kwargs)
        iots.progress(activity['activityId'], {'a': 'COMPLETED', 'b': 'IN_PROGRESS'})
        return activity
    iots.send_operation = send_and_stall
    iots.install(monkeypatch)
    result = run(wait=True, wait_timeout=10, poll_interval=4)
    assert result.failed and result['changed'] is True
    assert result['msg'] == ('Operation BUZZ (activity ACTIVITY_1) did not complete within 10 s on 1 of 2 '
                             'device(s): b (IN_PROGRESS).')
    assert result['pending_devices'] == ['b']
    assert clock.sleeps == [4, 4, 2]


def test_error_status_fails_with_the_devices_words(run, iots, monkeypatch):
    original = iots.send_operation

    def send_and_fail(*args, **kwargs):
        activity = original(*args, **kwargs)
        iots.progress(activity['activityId'], {'a': 'COMPLETED', 'b': ('ERROR', 'buzzer broken')})
        return activity
    iots.send_operation = send_and_fail
    iots.install(monkeypatch)
    result = run(wait=True, poll_interval=1)
    assert result.failed
    assert result['msg'] == 'Operation BUZZ (activity ACTIVITY_1) failed on b: b answered buzzer broken.'
    assert result['failed_devices'] == ['b']


def test_invalid_devices_fail_naming_them(run, iots):
    result = run(device_ids=['a', 'gone', 'never'])
    assert result.failed and result['changed'] is True
    assert 'IoTS marked 2 of 3 device(s) INVALID (unknown or disenrolled) for operation BUZZ: gone, never.' \
        in result['msg']
    assert result['invalid_devices'] == ['gone', 'never']


def test_invalid_devices_allowed_warn(run, iots):
    result = run(device_ids=['a', 'gone'], allow_invalid=True)
    assert not result.failed, result.result
    assert result['invalid_devices'] == ['gone']
    assert any('INVALID' in warning and 'gone' in warning for warning in result.warnings)


def test_no_valid_device_at_all(run, iots):
    iots.fail_on['send_operation'] = (0, IotsError(
        'POST %s/devices/virtual_firealarm/operations failed: HTTP 500 Invalid Device Identifiers found.' % API,
        status=500, description='Invalid Device Identifiers found.'))
    result = run(device_ids=['never'])
    assert result.failed and result['status'] == 500 and 'Invalid Device Identifiers found.' in result['msg']


@pytest.mark.parametrize('args, words', [
    (dict(wait_timeout=0), 'wait_timeout must be a positive number of seconds, got 0'),
    (dict(wait_timeout=-5, wait=True), 'wait_timeout must be a positive'),
    (dict(poll_interval=0), 'poll_interval must be a positive'),
    (dict(device_ids=[]), 'device_ids must name at least one device'),
    (dict(device_ids=['a', 'a']), 'device_ids[1] names device virtual_firealarm/a again'),
    (dict(device_ids=['a/b']), "device_ids[0] 'a/b' contains \"/\""),
    (dict(code=' '), 'code must be a non-empty operation code'),
    (dict(operation_type='POLICY'), 'operation_type'),
])
def test_bad_input_fails_before_any_request(run, iots, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result['msg']
    assert not iots.calls and not iots.token_requests


def test_unknown_device_type_fails_before_sending(run, iots):
    result = run(device_type='firealarm')
    assert result.failed and "IoTS has no device type 'firealarm'" in result['msg']
    assert 'android, virtual_firealarm' in result['msg'] and not iots.writes
