# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_device_type run through main() against the in-process emulator (both flavours), and the one
device-type reader of _device_api (item 4 of issue 22: Entgra lists device-type objects)."""

import os
import uuid

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _device_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import access_token
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.modules import iots_device_type

import access_fixtures
from playbook_harness import emulator_fixtures, register_application

emulator, emu = emulator_fixtures(scope='module')

FLAVORS = {'iots': '3.2.0', 'entgra': 'entgra'}


@pytest.fixture(autouse=True)
def no_iots_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)


@pytest.fixture(scope='module')
def keys(emulator):
    return register_application(emulator, 'device_type_tests')


@pytest.fixture(params=sorted(FLAVORS))
def flavor(request, emu):
    emu.configure(version=FLAVORS[request.param])
    return request.param


@pytest.fixture
def run(run_module, emu, keys, flavor):
    def run_type(check_mode=False, diff=False, **args):
        base = access_fixtures.connection(emu, keys, flavor, password='admin')
        return run_module(iots_device_type, dict(base, **args), check_mode=check_mode, diff=diff)

    return run_type


def writes(emu):
    return emu.counts()['api:write']


def sensor(**extra):
    args = dict(
        name='sensor_%s' % uuid.uuid4().hex[:8],
        description='air sensor',
        properties=['building', 'floor'],
        features=[dict(code='calibrate', name='Calibrate', description='recalibrates')],
    )
    args.update(extra)
    return args


def test_device_types_reads_both_list_shapes(emu, keys, flavor):
    """Item 4: IoTS answers {count, deviceTypes: [names]}, Entgra a list of DeviceType objects; one reader for both."""
    client = IotsClient(emu.url, ca_path=emu.ca_path)
    options = dict(url=emu.url, client_id=keys['client_id'], client_secret=keys['client_secret'], username='admin', password='admin', server_flavor=flavor)
    token = access_token(client, options.get, ['device-types:types'])
    assert _device_api.device_types(client, token)[:2] == ['android', 'virtual_firealarm']


def test_create_then_no_change_then_update(run, emu, flavor):
    args = sensor()
    created = run(**args)
    assert created['changed'] is True, created.result
    assert created['device_type']['properties'] == ['building', 'floor']
    assert created['device_type']['features'] == [dict(code='calibrate', name='Calibrate', description='recalibrates')]
    assert isinstance(created['device_type']['id'], int)
    assert emu.counts()['POST /admin/device-types'] == 1

    emu.reset()
    again = run(**args)
    assert again['changed'] is False and writes(emu) == 0

    updated = run(diff=True, **dict(args, properties=['building', 'floor', 'room'], claimable=True))
    assert updated['changed'] is True
    assert updated['diff']['before']['properties'] == ['building', 'floor']
    assert updated['diff']['after']['properties'] == ['building', 'floor', 'room']
    assert updated['device_type']['claimable'] is True
    put = 'PUT /admin/device-types/{type}' if flavor == 'entgra' else 'PUT /admin/device-types'
    assert emu.counts()[put] == 1 and writes(emu) == 1
    # an option left out keeps what the server has
    assert run(name=args['name'])['changed'] is False


def test_check_mode_sends_no_write(run, emu):
    result = run(check_mode=True, diff=True, **sensor())
    assert result['changed'] is True and result['device_type']['id'] is None
    assert result['diff']['before'] == {} and result['diff']['after']['description'] == 'air sensor'
    assert writes(emu) == 0


def test_devices_of_a_new_type_can_be_enrolled(run, emu):
    args = sensor()
    run(**args)
    assert args['name'] in emu.state.device_types
    emu.seed_devices(args['name'], ['d1'])


@pytest.mark.parametrize(
    'args, words',
    [
        (dict(name='air sensor'), 'has a space'),
        (dict(name='air/sensor'), 'contains "/"'),
        (dict(properties=['a', 'a']), "properties[1] names property 'a' again (first in properties[0])"),
        (dict(features=[dict(code='x'), dict(code='x')]), "features[1] names feature code 'x' again"),
        (dict(state='absent'), None),
    ],
)
def test_bad_input_fails_before_any_request(run, emu, flavor, args, words):
    result = run(**sensor(**args))
    assert result.failed
    if words is None:
        words = 'set force: true' if flavor == 'entgra' else 'IoTS 3.2 has no API to delete a device type'
    assert words in result['msg']
    assert sum(value for key, value in emu.counts().items() if key != 'control') == 0


@pytest.mark.parametrize('flavor', ['entgra'], indirect=True)
def test_entgra_absent_with_force_deletes_type_and_devices(run, emu, flavor):
    args = sensor()
    run(**args)
    emu.seed_devices(args['name'], ['d1', 'd2'])
    gone = run(name=args['name'], state='absent', force=True)
    assert gone['changed'] is True and gone['device_type'] == {}
    assert not [d for d in emu.devices() if d['type'] == args['name']]
    assert run(name=args['name'], state='absent', force=True)['changed'] is False


def test_built_in_type_update_says_why(run, emu):
    result = run(name='android', description='x')
    assert result.failed and 'built-in device type' in result['msg']
