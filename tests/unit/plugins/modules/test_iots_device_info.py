# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_device_info run through main() against the in-process IoTS emulator (the ``iots`` fixture)."""

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_device_info

FIREALARM = 'virtual_firealarm'
LOBBY_GROUP = object()  # stands for the id IoTS gave the group "lobby"


@pytest.fixture
def devices(iots):
    """Two fire alarms (one disenrolled), alice's phone, and the group "lobby" of the active alarm."""
    iots.seed(FIREALARM, 'lobby-01', name='Lobby alarm')
    iots.seed(FIREALARM, 'lab-02', name='Lab alarm', status='REMOVED')
    iots.seed('android', 'phone-1', name='Phone', ownership='BYOD', owner='alice')
    iots.lobby_group = iots.emu.seed_group('lobby', members=[(FIREALARM, 'lobby-01')])
    return iots


@pytest.fixture
def run(run_module, iots):
    def run_info(check_mode=False, **args):
        return run_module(iots_device_info, dict(iots.args, **args), check_mode=check_mode)

    return run_info


def ids(result):
    return [device['deviceIdentifier'] for device in result['devices']]


@pytest.mark.parametrize('check_mode', [False, True])
def test_one_device_by_type_and_id(run, devices, check_mode):
    iots = devices
    result = run(check_mode=check_mode, device_type=FIREALARM, device_id='lobby-01')
    assert result['changed'] is False and ids(result) == ['lobby-01'] and result['count'] == 1
    assert result['devices'][0]['name'] == 'Lobby alarm'
    assert iots.token_requests == [['devices:details']]
    assert iots.count('GET /devices/{type}/{id}') == 1 and iots.writes == 0


def test_an_unknown_device_is_an_empty_list(run, devices):
    result = run(device_type=FIREALARM, device_id='nowhere')
    assert result['devices'] == [] and result['count'] == 0


@pytest.mark.parametrize(
    'filters, expected',
    [
        ({}, ['lobby-01', 'lab-02', 'phone-1']),
        ({'device_type': FIREALARM, 'status': 'ACTIVE'}, ['lobby-01']),
        ({'ownership': 'BYOD'}, ['phone-1']),
        ({'owner': 'alice'}, ['phone-1']),
        ({'name': 'Lab'}, ['lab-02']),
        ({'group_id': LOBBY_GROUP}, ['lobby-01']),
    ],
)
def test_filters_go_to_the_list(run, devices, filters, expected):
    iots = devices
    filters = dict((key, iots.lobby_group if value is LOBBY_GROUP else value) for key, value in filters.items())
    result = run(**filters)
    assert ids(result) == expected and result['count'] == len(expected)
    # A device type is checked against the known ones first (an unknown one is an error, not an empty list).
    assert iots.token_requests == [(['device-types:types'] if 'device_type' in filters else []) + ['devices:view']]
    assert iots.count('GET /device-types') == (1 if 'device_type' in filters else 0)
    assert iots.count('GET /devices') == 1 and iots.writes == 0


def test_a_device_enrolled_twice_is_one_entry_at_its_latest_enrolment(run, devices):
    iots = devices
    iots.emu.state.enrol_device('carbon.super', FIREALARM, 'lab-02', 'bob', 'BYOD')
    result = run(device_type=FIREALARM)
    assert ids(result) == ['lobby-01', 'lab-02'] and result['count'] == 2
    assert result['devices'][1]['enrolmentInfo']['status'] == 'ACTIVE'
    assert result['devices'][1]['enrolmentInfo']['owner'] == 'bob'


def test_group_by_name(run, devices):
    iots = devices
    result = run(group='lobby')
    assert ids(result) == ['lobby-01']
    assert iots.token_requests == [['devices:view', 'groups:groups']]


def test_unknown_group_is_an_error(run, devices):
    iots = devices
    result = run(group='nowhere')
    assert result.failed and result['msg'] == "IoTS has no device group named 'nowhere' (visible to this user)."
    assert iots.count('GET /devices') == 0


def test_unknown_device_type_is_an_error_naming_the_known_ones(run, devices):
    iots = devices
    result = run(device_type='firealarm')
    assert result.failed and "IoTS has no device type 'firealarm'" in result['msg']
    assert 'The types it knows: android, virtual_firealarm.' in result['msg']
    assert iots.count('GET /devices') == 0


@pytest.mark.parametrize(
    'args, words',
    [
        ({'device_id': 'lobby-01'}, 'device_type'),
        ({'device_type': FIREALARM, 'device_id': 'a/b'}, 'contains "/"'),
        ({'device_type': FIREALARM, 'device_id': 'lobby-01', 'status': 'ACTIVE'}, 'mutually exclusive'),
        ({'group': 'lobby', 'group_id': 1}, 'mutually exclusive'),
        ({'group_id': 0}, 'group_id must be a positive group id'),
        ({'status': 'GONE'}, 'status'),
    ],
)
def test_bad_options_fail_before_any_request(run, iots, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result['msg']
    assert iots.requests == 0 and not iots.sent


@pytest.mark.parametrize('where', ['given', 'option', 'environment'])
def test_an_empty_ca_path_reaches_the_client_as_unset(run_module, iots, monkeypatch, where):
    """ca_path "" (the credentials role's default, AWX's empty field) is no CA file: the system CAs."""
    from ansible_collections.wso2.iots.plugins.module_utils import _client

    seen, real = [], _client.IotsClient

    def recording(*args, **kwargs):
        seen.append(kwargs.get('ca_path'))
        return real(*args, **kwargs)

    monkeypatch.setattr(_client, 'IotsClient', recording)
    args = dict(iots.args, validate_certs=False)  # the emulator's certificate is no system CA's
    if where == 'option':
        args['ca_path'] = ''
    elif where == 'environment':
        del args['ca_path']
        monkeypatch.setenv('IOTS_CA_PATH', '')
    result = run_module(iots_device_info, args)
    assert not result.failed, result['msg']
    assert seen == [iots.args['ca_path'] if where == 'given' else None]
