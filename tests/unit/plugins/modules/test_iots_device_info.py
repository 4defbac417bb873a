# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_device_info run through main() against an in-memory IoTS (device_fakes.FakeIots)."""

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_device_info

from device_fakes import FakeIots, no_iots_environment  # noqa: F401  pylint: disable=unused-import

URL = 'https://iots.example.com:8243'
FIREALARM = 'virtual_firealarm'


@pytest.fixture
def iots(monkeypatch):
    fake = FakeIots().install(monkeypatch)
    fake.add(FIREALARM, 'lobby-01', name='Lobby alarm')
    fake.add(FIREALARM, 'lab-02', name='Lab alarm', status='REMOVED')
    fake.add('android', 'phone-1', name='Phone', ownership='BYOD', owner='alice')
    fake.add_group('lobby', members=[(FIREALARM, 'lobby-01')])
    return fake


@pytest.fixture
def run(run_module):
    def run_info(check_mode=False, **args):
        return run_module(iots_device_info, dict(url=URL, **args), check_mode=check_mode)
    return run_info


def ids(result):
    return [device['deviceIdentifier'] for device in result['devices']]


@pytest.mark.parametrize('check_mode', [False, True])
def test_one_device_by_type_and_id(run, iots, check_mode):
    result = run(check_mode=check_mode, device_type=FIREALARM, device_id='lobby-01')
    assert result['changed'] is False and ids(result) == ['lobby-01'] and result['count'] == 1
    assert iots.token_requests == [['devices:details']]


def test_an_unknown_device_is_an_empty_list(run, iots):
    result = run(device_type=FIREALARM, device_id='nowhere')
    assert result['devices'] == [] and result['count'] == 0


@pytest.mark.parametrize('filters, expected', [
    ({}, ['lobby-01', 'lab-02', 'phone-1']),
    ({'device_type': FIREALARM, 'status': 'ACTIVE'}, ['lobby-01']),
    ({'ownership': 'BYOD'}, ['phone-1']),
    ({'owner': 'alice'}, ['phone-1']),
    ({'name': 'Lab'}, ['lab-02']),
    ({'group_id': 1}, ['lobby-01']),
])
def test_filters_go_to_the_list(run, iots, filters, expected):
    result = run(**filters)
    assert ids(result) == expected and result['count'] == len(expected)
    # A device type is checked against the known ones first (an unknown one is an error, not an empty list).
    assert iots.token_requests == [(['device-types:types'] if 'device_type' in filters else []) + ['devices:view']]
    assert not iots.writes


def test_group_by_name(run, iots):
    result = run(group='lobby')
    assert ids(result) == ['lobby-01']
    assert iots.token_requests == [['devices:view', 'groups:groups']]


def test_unknown_group_is_an_error(run, iots):
    result = run(group='nowhere')
    assert result.failed and result['msg'] == "IoTS has no device group named 'nowhere' (visible to this user)."
    assert iots.count('list_devices') == 0


@pytest.mark.parametrize('args, words', [
    ({'device_id': 'lobby-01'}, 'device_type'),
    ({'device_type': FIREALARM, 'device_id': 'a/b'}, 'contains "/"'),
    ({'device_type': FIREALARM, 'device_id': 'lobby-01', 'status': 'ACTIVE'}, 'mutually exclusive'),
    ({'group': 'lobby', 'group_id': 1}, 'mutually exclusive'),
    ({'group_id': 0}, 'group_id must be a positive group id'),
    ({'status': 'GONE'}, 'status'),
])
def test_bad_options_fail_before_any_request(run, iots, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result['msg']
    assert not iots.calls and not iots.token_requests
