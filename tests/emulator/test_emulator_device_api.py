# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The device-mgt API slice: gateway scope and subscription checks, and the backend's answers."""

import uuid

import pytest

from gateway_client import Gateway, unique_name
from iots_emulator import Emulator

ALL = 'perm:devices:view perm:devices:details perm:device-types:types perm:device:enroll perm:device:disenroll'


def device(identifier=None, device_type='android', name='sensor-1'):
    return {
        'name': name,
        'type': device_type,
        'deviceIdentifier': identifier or uuid.uuid4().hex,
        'description': 'provisioned by Ansible',
        'enrolmentInfo': {'ownership': 'BYOD', 'status': 'ACTIVE'},
        'properties': [{'name': 'site', 'value': 'lab'}],
    }


@pytest.fixture
def admin_token(gw, client):
    return gw.access(client, scope=ALL)['access_token']


def test_scope_per_resource(gw, client):
    operator = gw.access(client, username='operator', password='operator', scope=ALL)
    assert operator['scope'] == 'perm:device-types:types perm:devices:details perm:devices:view'
    token = operator['access_token']
    assert gw.api('GET', '/devices', token=token).status_code == 200
    assert gw.api('GET', '/device-types', token=token).status_code == 200
    response = gw.api('POST', '/device/agent/enroll', token=token, json=device())
    assert response.status_code == 403
    fault = response.json()['fault']
    assert fault['code'] == 900910
    assert fault['description'].startswith('Access failure for API: /api/device-mgt/v1.0/device/agent, version: 1.0.0')
    response = gw.api('DELETE', '/device/agent/enroll/android/x', token=token)
    assert response.status_code == 403


def test_enrol_list_get_disenrol(gw, emu, admin_token):
    spec = device()
    identifier = spec['deviceIdentifier']
    response = gw.api('POST', '/device/agent/enroll', token=admin_token, json=spec)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json'
    assert response.json() is True
    listed = gw.api('GET', '/devices', token=admin_token, params={'type': 'android', 'limit': 100}).json()
    mine = [d for d in listed['devices'] if d['deviceIdentifier'] == identifier]
    assert len(mine) == 1 and listed['count'] == len(listed['devices'])
    detail = gw.api('GET', '/devices/android/%s' % identifier, token=admin_token).json()
    assert detail == mine[0]
    assert detail['name'] == 'sensor-1' and detail['type'] == 'android'
    assert detail['enrolmentInfo']['owner'] == 'admin'
    assert detail['enrolmentInfo']['status'] == 'ACTIVE'
    assert detail['enrolmentInfo']['ownership'] == 'BYOD'
    assert detail['properties'] == [{'name': 'site', 'value': 'lab'}]
    # carbon-device-mgt 3.0.240 refuses a second enrolment of an active device
    again = gw.api('POST', '/device/agent/enroll', token=admin_token, json=spec)
    assert again.status_code == 400
    assert again.json() == 'An active enrolment exists'
    response = gw.api('DELETE', '/device/agent/enroll/android/%s' % identifier, token=admin_token)
    assert response.status_code == 200 and response.content == b''
    assert gw.api('GET', '/devices/android/%s' % identifier, token=admin_token).json()['enrolmentInfo']['status'] == 'REMOVED'
    assert gw.api('DELETE', '/device/agent/enroll/android/%s' % identifier, token=admin_token).status_code == 200
    # a removed device enrols again
    spec['name'] = 'sensor-1b'
    assert gw.api('POST', '/device/agent/enroll', token=admin_token, json=spec).json() is True
    detail = gw.api('GET', '/devices/android/%s' % identifier, token=admin_token).json()
    assert detail['enrolmentInfo']['status'] == 'ACTIVE' and detail['name'] == 'sensor-1b'
    assert [d['deviceIdentifier'] for d in emu.devices()].count(identifier) == 1


def test_disenrol_unknown_device_is_204(gw, admin_token):
    assert gw.api('DELETE', '/device/agent/enroll/android/nothing', token=admin_token).status_code == 204
    assert gw.api('DELETE', '/device/agent/enroll/fridge/nothing', token=admin_token).status_code == 204


def test_enrol_bad_payloads(gw, admin_token):
    assert gw.api('POST', '/device/agent/enroll', token=admin_token, json=device(device_type='fridge')).json() is False
    spec = device()
    del spec['deviceIdentifier']
    response = gw.api('POST', '/device/agent/enroll', token=admin_token, json=spec)
    assert response.status_code == 400
    assert response.json() == 'The payload of the device enrollment is incorrect.'
    response = gw.api('POST', '/device/agent/enroll', token=admin_token, data='{"name":', headers={'Content-Type': 'application/json'})
    assert response.status_code == 400
    assert response.json()['description'] == 'Malformed request body.'
    spec = device()
    del spec['enrolmentInfo']
    response = gw.api('POST', '/device/agent/enroll', token=admin_token, json=spec)
    assert response.status_code == 500
    assert response.json()['message'] == 'Internal server error.'


def test_get_unknown_device_404(gw, admin_token):
    response = gw.api('GET', '/devices/android/unknown-id', token=admin_token)
    assert response.status_code == 404
    assert response.json() == {'code': 404, 'message': "Requested device of type 'android', which carries id 'unknown-id' does not exist", 'errorItems': []}


def test_device_types(gw, admin_token):
    response = gw.api('GET', '/device-types', token=admin_token)
    assert response.status_code == 200
    assert response.json() == {'count': 2, 'deviceTypes': ['android', 'virtual_firealarm']}


def test_pagination(gw, admin_token):
    prefix = unique_name('pg')
    for index in range(3):
        gw.api('POST', '/device/agent/enroll', token=admin_token, json=device(device_type='virtual_firealarm', name='%s-%d' % (prefix, index)))
    page = gw.api('GET', '/devices', token=admin_token, params={'name': prefix, 'offset': 1, 'limit': 1}).json()
    assert page['count'] == 3
    assert [d['name'] for d in page['devices']] == ['%s-1' % prefix]
    assert gw.api('GET', '/devices', token=admin_token, params={'limit': 101}).status_code == 400
    response = gw.api('GET', '/devices', token=admin_token, params={'offset': -1})
    assert response.status_code == 400
    assert response.json()['message'] == 'Request parameter offset is s negative value.'
    assert gw.api('GET', '/devices', token=admin_token, params={'limit': 'ten'}).status_code == 404


def test_application_not_subscribed(gw, client):
    android_only = gw.keys(tags=['android'])
    token = gw.access(android_only, scope=ALL)['access_token']
    response = gw.api('GET', '/devices', token=token)
    assert response.status_code == 403
    assert response.json()['fault']['code'] == 900908
    agent_only = gw.keys(tags=['device_agent'])
    token = gw.access(agent_only, scope=ALL)['access_token']
    assert gw.api('POST', '/device/agent/enroll', token=token, json=device()).status_code == 200
    assert gw.api('GET', '/devices', token=token).json()['fault']['code'] == 900908


def test_unknown_resource_and_wrong_method(gw, admin_token):
    response = gw.api('GET', '/certificates', token=admin_token, accept=None)
    assert response.status_code == 404
    assert '<am:description>The requested resource (/api/device-mgt/v1.0/certificates) is not available.' in response.text
    response = gw.api('POST', '/devices', token=admin_token, json={})
    assert response.status_code == 405 and response.content == b''
    assert gw.api('GET', '/devices/', token=admin_token).status_code == 200  # a trailing slash matches


def test_owners_and_tenants(tmp_path):
    users = {
        'admin': {'password': 'admin', 'admin': True, 'scopes': '*'},
        'alice': {'password': 'a', 'subscribe': True, 'scopes': ALL.split()},
        'bob': {'password': 'b', 'subscribe': True, 'scopes': ALL.split()},
        'admin@tenant.com': {'password': 'admin', 'admin': True, 'scopes': '*'},
    }
    with Emulator(state_dir=str(tmp_path), users=users) as emu:
        gw = Gateway(emu)
        keys = gw.keys('owners')
        tokens = {user: gw.access(keys, username=user, password=users[user]['password'], scope=ALL)['access_token'] for user in ('admin', 'alice', 'bob')}
        gw.api('POST', '/device/agent/enroll', token=tokens['alice'], json=device('a1'))
        gw.api('POST', '/device/agent/enroll', token=tokens['bob'], json=device('b1'))
        ids = {user: [d['deviceIdentifier'] for d in gw.api('GET', '/devices', token=token).json()['devices']] for user, token in tokens.items()}
        assert ids == {'admin': ['a1', 'b1'], 'alice': ['a1'], 'bob': ['b1']}
        response = gw.api('GET', '/devices/android/b1', token=tokens['alice'])
        assert response.status_code == 401
        assert gw.api('GET', '/devices', token=tokens['alice'], params={'user': 'bob'}).status_code == 401
        assert gw.api('GET', '/devices', token=tokens['admin'], params={'user': 'bob'}).json()['count'] == 1
        tenant_keys = gw.keys('owners', user=('admin@tenant.com', 'admin'))
        assert tenant_keys != keys  # another tenant, another namespace
        tenant_token = gw.access(tenant_keys, username='admin@tenant.com', scope=ALL)['access_token']
        assert gw.api('GET', '/devices', token=tenant_token).json() == {'devices': [], 'count': 0}
        assert gw.api('GET', '/devices/android/a1', token=tenant_token).status_code == 404
