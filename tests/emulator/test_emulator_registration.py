# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/api-application-registration beyond the 40 cases: body binding, exact URIs, tenants."""

import base64

import pytest

from gateway_client import REGISTER, Gateway, unique_name
from iots_emulator import Emulator

ADMIN = ('admin', 'admin')


def test_body_binding_errors(gw):
    response = gw.request('POST', REGISTER, auth=ADMIN, data='{"applicationName": "x", "tags": [', headers={'Content-Type': 'application/json'})
    assert response.status_code == 400 and response.content == b''
    response = gw.request(
        'POST', REGISTER, auth=ADMIN, data='applicationName=x&tags=device_management', headers={'Content-Type': 'application/x-www-form-urlencoded'}
    )
    assert response.status_code == 415
    response = gw.request('POST', REGISTER, auth=ADMIN, json={'applicationName': 'x', 'tags': 'device_management'})
    assert response.status_code == 400
    response = gw.request('POST', REGISTER, auth=ADMIN, json=['device_management'])
    assert response.status_code == 400


def test_exact_uri_and_methods(gw):
    body = {'applicationName': unique_name(), 'tags': ['device_management']}
    response = gw.request('POST', REGISTER + '/', auth=ADMIN, json=body)
    assert response.status_code == 403 and response.content == b''
    response = gw.request('GET', REGISTER, auth=ADMIN)
    assert response.status_code == 405 and response.content == b''
    response = gw.request('POST', '/api-application-registration/other', auth=ADMIN, json=body)
    assert response.status_code == 404


def test_authorization_header_variants(gw):
    body = {'applicationName': unique_name(), 'tags': ['device_management']}
    lower = 'basic ' + base64.b64encode(b'admin:admin').decode()
    assert gw.request('POST', REGISTER, json=body, headers={'Authorization': lower}).status_code == 201
    unpadded = 'Basic ' + base64.b64encode(b'admin:admin1').decode().rstrip('=')
    response = gw.request('POST', REGISTER, json=body, headers={'Authorization': unpadded})
    assert response.status_code == 401  # decoded fine, wrong password
    response = gw.request('POST', REGISTER, json=body, headers={'Authorization': 'Basic !!!notbase64'})
    assert response.status_code == 500
    assert response.headers['Content-Type'].startswith('text/html')
    assert 'Apache Tomcat' in response.text
    no_colon = 'Basic ' + base64.b64encode(b'admin').decode()
    assert gw.request('POST', REGISTER, json=body, headers={'Authorization': no_colon}).status_code == 401


def test_unregister_needs_authentication_first(gw):
    response = gw.request('DELETE', '/api-application-registration/unregister')
    assert response.status_code == 401
    response = gw.request('DELETE', '/api-application-registration/unregister', auth=('guest', 'guest'))
    assert response.status_code == 403


def test_tag_values(gw):
    for tags in (['virtual_firealarm'], ['ios', 'windows', 'scep_management', 'device_agent']):
        assert gw.register(unique_name(), tags=tags).status_code == 201
    assert gw.register(unique_name(), tags=['DEVICE_MANAGEMENT']).status_code == 406


def test_register_for_tenant(gw, emu):
    name = unique_name()
    response = gw.request('POST', REGISTER + '/tenants', auth=ADMIN, params={'tenantDomain': 'tenant.com', 'applicationName': name})
    assert response.status_code == 201
    # the same application as the tenant admin's own registration of that name
    assert gw.register(name, user=('admin@tenant.com', 'admin')).json() == response.json()
    response = gw.request('POST', REGISTER + '/tenants', auth=ADMIN, params={'tenantDomain': 'nowhere.org', 'applicationName': name})
    assert response.status_code == 406 and response.text == 'Invalid tenant domain : nowhere.org'
    response = gw.request('POST', REGISTER + '/tenants', auth=('admin@tenant.com', 'admin'), params={'tenantDomain': 'tenant.com', 'applicationName': name})
    assert response.status_code == 406 and response.content == b''
    assert gw.request('POST', REGISTER + '/tenants', auth=('operator', 'operator'), params={'tenantDomain': 'tenant.com'}).status_code == 403


@pytest.fixture
def fresh(tmp_path):
    with Emulator(state_dir=str(tmp_path)) as emu:
        yield Gateway(emu)


def test_missing_application_name(fresh):
    """Inferred: the Store search with a null name finds the tenant's first application."""
    response = fresh.request('POST', REGISTER, auth=ADMIN, json={'tags': ['device_management']})
    assert response.status_code == 500 and response.text == 'false'
    first = fresh.register('first_app').json()
    fresh.register('second_app')
    response = fresh.request('POST', REGISTER, auth=ADMIN, json={'tags': ['device_management']})
    assert response.status_code == 201 and response.json() == first


def test_keys_are_unique_and_random(fresh):
    keys = [tuple(fresh.register('app_%d' % i).json().values()) for i in range(30)]
    flat = [value for pair in keys for value in pair]
    assert len(set(flat)) == len(flat)
