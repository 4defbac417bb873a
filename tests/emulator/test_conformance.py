# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The 40 conformance cases of wso2-iots-3.2.0.md section 2, one test each, over HTTPS."""

import json
import re
import uuid

import pytest

from gateway_client import DEVICES, REGISTER, basic, unique_name

KEY = re.compile(r'^[A-Za-z0-9]{28}$')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
SCOPES = 'perm:devices:view perm:device-types:types'


def not_json(text):
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


# ---------------------------------------------------------------------------- registration


def test_case_01_register_returns_keys(gw):
    response = gw.register(unique_name())
    assert response.status_code == 201
    assert response.headers['Content-Type'] == 'application/json'
    assert 'Location' not in response.headers
    data = response.json()
    assert set(data) == {'client_id', 'client_secret'}
    assert KEY.match(data['client_id']) and KEY.match(data['client_secret'])
    assert data['client_id'] != data['client_secret']
    # json-simple prints the secret first, as in the IoTS documentation
    assert response.text.startswith('{"client_secret":')


def test_case_02_register_again_same_keys(gw):
    name = unique_name()
    first = gw.register(name).json()
    second = gw.register(name)
    assert second.status_code == 201
    assert second.json() == first
    assert gw.register(unique_name()).json()['client_id'] != first['client_id']


def test_case_03_other_subscriber_gets_same_keys(gw):
    name = unique_name()
    first = gw.register(name).json()
    response = gw.register(name, user=('operator', 'operator'))
    assert response.status_code == 201
    assert response.json() == first


def test_case_04_more_tags_same_keys(gw, emu):
    name = unique_name()
    first = gw.register(name).json()
    response = gw.register(name, tags=['device_management', 'android'])
    assert response.status_code == 201
    assert response.json() == first
    app = [a for a in emu.apps() if a['application_name'] == name][0]
    assert app['tags'] == ['android', 'device_management']  # subscriptions only grow


def test_case_05_extra_fields_ignored(gw):
    response = gw.register(
        unique_name(),
        isAllowedToAllDomains=False,
        validityPeriod='3600',
        callbackUrl='https://example.com/cb',
        isMappingAnExistingOAuthApp=False,
        consumerKey='ignored',
        grantType='password',
    )
    assert response.status_code == 201
    assert set(response.json()) == {'client_id', 'client_secret'}


def test_case_06_carbon_super_suffix_is_admin(gw):
    name = unique_name()
    first = gw.register(name).json()
    response = gw.register(name, user=('admin@carbon.super', 'admin'))
    assert response.status_code == 201
    assert response.json() == first


def test_case_07_wrong_password_401_text(gw):
    body = {'applicationName': unique_name(), 'tags': ['device_management']}
    response = gw.request('POST', REGISTER, auth=('admin', 'wrong'), json=body, headers={'Accept': 'application/json'})
    assert response.status_code == 401
    assert response.text == 'Failed to authorize incoming request.'
    assert response.headers['WWW-Authenticate'] == 'Basic'
    assert response.headers['Content-Type'].startswith('application/json')  # the Accept, though not JSON
    for accept in ('*/*', None):
        response = gw.request('POST', REGISTER, auth=('nobody', 'x'), json=body, headers={'Accept': accept})
        assert response.status_code == 401
        assert response.headers['Content-Type'].startswith('application/xml')
        assert response.text == 'Failed to authorize incoming request.'


def test_case_08_no_authorization_401_no_challenge(gw):
    body = {'applicationName': unique_name(), 'tags': ['device_management']}
    for headers in ({}, {'Authorization': 'Bearer abc'}, {'Authorization': 'Basic'}):
        response = gw.request('POST', REGISTER, json=body, headers=headers)
        assert response.status_code == 401
        assert response.text == 'Failed to load an appropriate authenticator to authenticate the request'
        assert 'WWW-Authenticate' not in response.headers
        assert response.headers['Content-Type'].startswith('application/xml')


def test_case_09_user_without_subscribe_permission_403(gw, emu):
    name = unique_name()
    response = gw.register(name, user=('guest', 'guest'))
    assert response.status_code == 403
    assert response.content == b''
    assert name not in [app['application_name'] for app in emu.apps()]


@pytest.mark.parametrize('body', [{'tags': []}, {}], ids=['empty', 'missing'])
def test_case_10_empty_tags_406(gw, body):
    body = dict(body, applicationName=unique_name())
    response = gw.request('POST', REGISTER, auth=('admin', 'admin'), json=body)
    assert response.status_code == 406
    assert response.text == 'Tags should not be empty'
    assert response.headers['Content-Type'] == 'application/json'
    assert not_json(response.text)


def test_case_11_unknown_tag_406(gw):
    response = gw.register(unique_name(), tags=['device_management', 'nope'])
    assert response.status_code == 406
    assert response.text == 'APIs(Tags) are not allowed to this user.'
    assert response.headers['Content-Type'] == 'application/json'


def test_case_12_store_failure_500_false(gw, emu):
    emu.set_fault('register', 'status', status=500, times=1)
    response = gw.register(unique_name())
    assert response.status_code == 500
    assert response.text == 'false'
    assert response.json() is False
    assert gw.register(unique_name()).status_code == 201  # times=1: the next one works


def test_case_13_unregister_is_forbidden(gw):
    name = unique_name()
    gw.register(name)
    response = gw.request('DELETE', '/api-application-registration/unregister', params={'applicationName': name}, auth=('admin', 'admin'))
    assert response.status_code == 403
    assert response.content == b''
    assert gw.register(name).status_code == 201  # still there


def test_case_14_backend_down_gateway_fault(gw, emu):
    emu.set_fault('register', 'xml_fault')
    response = gw.register(unique_name())
    assert response.status_code == 500
    assert response.headers['Content-Type'] == 'application/json'
    fault = response.json()['fault']
    assert fault['type'] == 'Status report'
    assert fault['message'] == 'Runtime Error'
    assert fault['description'] == 'Error occurred while invoking api application registration endpoint'
    # not JSON in, XML out
    response = gw.request('POST', REGISTER, auth=('admin', 'admin'), data='applicationName=x', headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 500
    assert response.headers['Content-Type'] == 'application/xml'
    assert response.text.startswith('<am:fault xmlns:am="http://wso2.org/apimanager">')
    assert '<am:message>Runtime Error</am:message>' in response.text


# ---------------------------------------------------------------------------- token


def test_case_15_password_grant(gw, client):
    response = gw.password(client, scope=SCOPES)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json'
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['Pragma'] == 'no-cache'
    data = response.json()
    assert UUID.match(data['access_token']) and UUID.match(data['refresh_token'])
    assert data['access_token'] != data['refresh_token']
    assert data['token_type'] == 'Bearer'
    assert data['expires_in'] == 3600 and isinstance(data['expires_in'], int)
    assert data['scope'] == 'perm:device-types:types perm:devices:view'


def test_case_16_repeat_returns_same_token(gw, client):
    first = gw.password(client, scope=SCOPES).json()
    second = gw.password(client, scope=SCOPES).json()
    assert second['access_token'] == first['access_token']
    assert second['refresh_token'] == first['refresh_token']
    assert 3290 <= second['expires_in'] <= 3300  # remaining lifetime minus the 300 s skew


def test_case_17_scope_order_does_not_matter(gw, client):
    first = gw.password(client, scope=SCOPES).json()
    reversed_order = gw.password(client, scope=' '.join(reversed(SCOPES.split()))).json()
    duplicated = gw.password(client, scope=SCOPES + ' perm:devices:view').json()
    assert reversed_order['access_token'] == first['access_token']
    assert duplicated['access_token'] == first['access_token']
    other = gw.password(client, scope='perm:devices:view').json()
    assert other['access_token'] != first['access_token']  # another scope set, another token


def test_case_18_unauthorized_scopes_dropped(gw, client):
    response = gw.password(client, 'operator', 'operator', scope='perm:devices:view perm:admin:devices:view')
    assert response.status_code == 200
    assert response.json()['scope'] == 'perm:devices:view'
    response = gw.password(client, 'operator', 'operator', scope='perm:admin:devices:view perm:nonexistent')
    assert response.status_code == 200
    assert response.json()['scope'] == 'default'
    response = gw.password(client, 'guest', 'guest', scope='perm:devices:view device_abc')
    assert response.json()['scope'] == 'device_abc'  # the ^device_.* whitelist


def test_case_19_no_scope_is_default(gw, client):
    response = gw.password(client)
    assert response.status_code == 200
    assert response.json()['scope'] == 'default'


def test_case_20_wrong_client_secret(gw, client):
    response = gw.password((client[0], 'wrong'), scope=SCOPES)
    assert response.status_code == 401
    assert response.json() == {'error': 'invalid_client', 'error_description': 'Client Authentication failed.'}
    assert response.headers['WWW-Authenticate'] == 'Basic realm=localhost'


def test_case_21_unknown_client_id(gw):
    response = gw.password(('unknownclientid', 'secret'), scope=SCOPES)
    assert response.status_code == 401
    assert response.json() == {'error': 'invalid_client', 'error_description': 'Oauth application is not in active state.'}
    assert 'WWW-Authenticate' not in response.headers


def test_case_22_wrong_user_password(gw, client):
    response = gw.password(client, 'admin', 'wrong', scope=SCOPES)
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_grant', 'error_description': 'Authentication failed for admin@carbon.super'}
    response = gw.password(client, 'nobody', 'x')
    assert response.json()['error_description'] == 'Authentication failed for nobody@carbon.super'


def test_case_23_unknown_grant_type(gw, client):
    response = gw.token(client, grant_type='foo')
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_request', 'error_description': 'Invalid grant_type parameter value'}


def test_case_24_missing_grant_type(gw, client):
    response = gw.token(client, username='admin', password='admin')
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_request', 'error_description': 'Missing grant_type parameter value'}


def test_case_25_missing_password(gw, client):
    response = gw.token(client, grant_type='password', username='admin')
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_request', 'error_description': 'Missing parameters: password'}
    response = gw.token(client, grant_type='password')
    # Oltu joins a java.util.HashSet: this is its iteration order
    assert response.json()['error_description'] == 'Missing parameters: password username'


def test_case_26_malformed_authorization_header_404(gw):
    for value in ('Basic', 'Basic  abc', 'Basic a b'):
        response = gw.request('POST', '/token', data={'grant_type': 'client_credentials'}, headers={'Authorization': value})
        assert response.status_code == 404, value
        assert response.json() == {
            'error': 'server_error',
            'error_description': 'Error decoding authorization header. Space delimited "<authMethod> <base64Hash>" format violated.',
        }


def test_case_27_basic_and_form_credentials_401(gw, client):
    response = gw.request(
        'POST',
        '/token',
        headers={'Authorization': basic(*client)},
        data={'grant_type': 'client_credentials', 'client_id': client[0], 'client_secret': client[1]},
    )
    assert response.status_code == 401
    assert response.json()['error'] == 'invalid_client'
    assert response.json()['error_description'] == 'Client Authentication failed.'
    # one method at a time is fine, including form parameters alone
    response = gw.request('POST', '/token', data={'grant_type': 'client_credentials', 'client_id': client[0], 'client_secret': client[1]})
    assert response.status_code == 200


def test_case_28_json_body_415(gw, client):
    response = gw.request('POST', '/token', auth=client, json={'grant_type': 'client_credentials'})
    assert response.status_code == 415
    response = gw.request('POST', '/token', auth=client, data='grant_type=client_credentials', headers={'Content-Type': 'text/plain'})
    assert response.status_code == 415


def test_case_29_refresh_grant(gw, client):
    first = gw.access(client, scope=SCOPES)
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
    assert response.status_code == 200
    data = response.json()
    assert data['access_token'] != first['access_token']
    assert data['refresh_token'] == first['refresh_token']
    assert data['scope'] == first['scope']
    assert data['expires_in'] == 3600
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['DeactivatedAccessToken'] == first['access_token']
    old = gw.api('GET', '/devices', token=first['access_token'])
    assert old.status_code == 401 and old.json()['fault']['code'] == 900901
    assert gw.api('GET', '/devices', token=data['access_token']).status_code == 200


def test_case_30_refresh_again_with_same_token(gw, client):
    first = gw.access(client, scope=SCOPES)
    tokens = set()
    for _attempt in range(2):
        response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
        assert response.status_code == 200
        assert response.json()['refresh_token'] == first['refresh_token']
        tokens.add(response.json()['access_token'])
    assert len(tokens) == 2


def test_case_31_refresh_with_scope_production(gw, emu, client):
    first = gw.access(client, scope=SCOPES)
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'], scope='PRODUCTION')
    assert response.status_code == 200
    assert response.json()['scope'] == first['scope']  # the parameter is ignored in 3.2.0
    emu.configure(version='3.3')
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'], scope='PRODUCTION')
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_scope', 'error_description': 'Invalid Scope!'}
    # without scope 3.3 refreshes as before
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
    assert response.status_code == 200


def test_case_32_invalid_refresh_tokens(gw, client):
    invalid = {'error': 'invalid_grant', 'error_description': 'Provided Authorization Grant is invalid'}
    response = gw.token(client, grant_type='refresh_token', refresh_token=str(uuid.uuid4()))
    assert response.status_code == 400 and response.json() == invalid
    # issued to another client
    other = gw.keys()
    foreign = gw.access(other)['refresh_token']
    response = gw.token(client, grant_type='refresh_token', refresh_token=foreign)
    assert response.status_code == 400 and response.json() == invalid
    # revoked
    mine = gw.access(client)['refresh_token']
    assert gw.revoke(client, token=mine).status_code == 200
    response = gw.token(client, grant_type='refresh_token', refresh_token=mine)
    assert response.status_code == 400 and response.json() == invalid


def test_case_33_client_credentials(gw, client):
    response = gw.token(client, grant_type='client_credentials', scope='perm:devices:view')
    assert response.status_code == 200
    data = response.json()
    assert 'refresh_token' not in data
    assert data['expires_in'] == 3600
    assert data['token_type'] == 'Bearer'
    assert data['scope'] == 'perm:devices:view'  # the app owner (tenant admin) holds it
    assert gw.api('GET', '/devices', token=data['access_token']).status_code == 200


# ---------------------------------------------------------------------------- revoke


def test_case_34_revoke_access_token(gw, client):
    first = gw.access(client)
    response = gw.revoke(client, token=first['access_token'])
    assert response.status_code == 200
    assert response.content == b''
    assert response.headers['Content-Type'] == 'text/html'
    assert response.headers['Content-Length'] == '0'
    api = gw.api('GET', '/devices', token=first['access_token'])
    assert api.status_code == 401 and api.json()['fault']['code'] == 900901
    second = gw.access(client)
    assert second['access_token'] != first['access_token']
    assert second['refresh_token'] != first['refresh_token']


def test_case_35_revoke_unknown_token(gw, client):
    response = gw.revoke(client, token=str(uuid.uuid4()))
    assert response.status_code == 200
    assert response.content == b''
    # no client authentication happens for an unknown token
    assert gw.revoke((client[0], 'wrong'), token='nothing-like-a-token').status_code == 200


def test_case_36_revoke_with_wrong_secret(gw, client):
    first = gw.access(client)
    response = gw.revoke((client[0], 'wrong'), token=first['access_token'])
    assert response.status_code == 401
    assert response.headers['Content-Type'] == 'text/html'
    assert json.loads(response.text) == {'error': 'unauthorized_client', 'error_description': 'Client Authentication failed.'}
    assert gw.api('GET', '/devices', token=first['access_token']).status_code == 200  # still alive


def test_case_37_revoke_without_token(gw, client):
    response = gw.revoke(client)
    assert response.status_code == 400
    assert response.headers['Content-Type'] == 'text/html'
    assert json.loads(response.text) == {'error': 'invalid_request', 'error_description': 'Invalid revocation request'}


# ---------------------------------------------------------------------------- API use


def listed_devices(gw, token):
    """GET /devices: (its status, its Content-Type, its body)."""
    response = gw.api('GET', '/devices', token=token)
    return response.status_code, response.headers['Content-Type'], response.json()


def test_case_38_api_with_bearer(gw, emu, client):
    token = gw.access(client)['access_token']
    status, content_type, body = listed_devices(gw, token)
    assert (status, content_type) == (200, 'application/json')
    # The list is the device store's, whatever earlier tests enrolled; count agrees with it.
    assert sorted(body) == ['count', 'devices']
    assert body['count'] == len(body['devices'])
    assert sorted(d['deviceIdentifier'] for d in body['devices']) == sorted(d['deviceIdentifier'] for d in emu.devices() if d['tenant'] == 'carbon.super')


def test_case_38_lists_an_enrolled_device(gw, client):
    """Fails if GET /devices answered an empty list whatever the store holds."""
    token = gw.access(client, scope='perm:devices:view perm:device:enroll perm:device:disenroll')['access_token']
    identifier = 'conformance-38-%d' % id(token)
    enrolled = gw.api(
        'POST',
        '/device/agent/enroll',
        token=token,
        json={'name': 'case 38', 'type': 'android', 'deviceIdentifier': identifier, 'enrolmentInfo': {'ownership': 'BYOD', 'status': 'ACTIVE'}},
    )
    assert enrolled.status_code == 200, enrolled.text
    status, _content_type, body = listed_devices(gw, token)
    assert status == 200
    assert identifier in [d['deviceIdentifier'] for d in body['devices']]
    assert gw.api('DELETE', '/device/agent/enroll/android/%s' % identifier, token=token).status_code == 200


def test_case_39_api_without_credentials(gw):
    response = gw.api('GET', '/devices')
    assert response.status_code == 401
    assert response.headers['Content-Type'] == 'application/json'
    fault = response.json()['fault']
    assert fault['code'] == 900902
    assert fault['message'] == 'Missing Credentials'
    assert 'Authorization: Bearer ACCESS_TOKEN' in fault['description']
    response = gw.api('GET', '/devices', accept=None)
    assert response.status_code == 401
    assert response.headers['Content-Type'] == 'application/xml'
    assert response.text.startswith('<ams:fault xmlns:ams="http://wso2.org/apimanager/security">')
    assert '<ams:code>900902</ams:code>' in response.text


def test_case_40_invalid_tokens_and_missing_scope(gw, emu, client):
    expired = gw.access(client, scope='perm:devices:view')['access_token']
    revoked = gw.access(client, scope='perm:devices:view perm:devices:details')['access_token']
    assert gw.revoke(client, token=revoked).status_code == 200
    emu.expire_tokens()
    for token in (expired, revoked, str(uuid.uuid4()), 'garbage'):
        response = gw.api('GET', '/devices', token=token)
        assert response.status_code == 401, token
        fault = response.json()['fault']
        assert fault['code'] == 900901
        assert fault['message'] == 'Invalid Credentials'
        assert fault['description'].startswith('Access failure for API: /api/device-mgt/v1.0, version: 1.0.0')
    no_scope = gw.access(client, scope='perm:device-types:types')['access_token']
    response = gw.api('GET', '/devices', token=no_scope)
    assert response.status_code == 403
    assert response.json()['fault']['code'] == 900910
    response = gw.api('GET', '/devices', token=no_scope, accept=None)
    assert response.status_code == 403
    assert '<ams:code>900910</ams:code>' in response.text
    assert gw.request('GET', DEVICES).status_code == 401
