# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/token and /revoke beyond the 40 cases: expiry, reuse, revocation details, client authentication."""

import base64
import json

from gateway_client import basic, unique_name

SCOPE = 'perm:devices:view'


def test_expired_access_token_gets_a_new_one_with_the_same_refresh_token(gw, emu, client):
    first = gw.access(client)
    emu.expire_tokens()
    second = gw.access(client)
    assert second['access_token'] != first['access_token']
    assert second['refresh_token'] == first['refresh_token']
    assert second['expires_in'] == 3600
    assert gw.api('GET', '/devices', token=first['access_token']).status_code == 401
    assert gw.api('GET', '/devices', token=second['access_token']).status_code == 200


def test_short_validity_never_reuses_inside_the_skew(gw, emu, client):
    emu.configure(token_validity=200)  # less than the 300 s skew: every grant is a new token
    first = gw.access(client)
    second = gw.access(client)
    assert first['expires_in'] == 200
    assert second['access_token'] != first['access_token']
    assert second['refresh_token'] == first['refresh_token']
    assert gw.api('GET', '/devices', token=first['access_token']).status_code == 401  # marked EXPIRED
    assert gw.api('GET', '/devices', token=second['access_token']).status_code == 200


def test_expired_refresh_token(gw, emu, client):
    first = gw.access(client)
    emu.expire_tokens(refresh=True)
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_request', 'error_description': 'Refresh token is expired.'}
    emu.configure(version='3.3')
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
    assert response.json()['error'] == 'invalid_grant'
    renewed = gw.access(client)
    assert renewed['refresh_token'] != first['refresh_token']


def test_refresh_in_33_mode_narrows_to_a_granted_subset(gw, emu, client):
    emu.configure(version='3.3')
    first = gw.access(client, scope='perm:devices:view perm:device-types:types')
    response = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'], scope='perm:devices:view')
    assert response.status_code == 200
    assert response.json()['scope'] == 'perm:devices:view'


def test_revoke_by_refresh_token_kills_the_pair(gw, client):
    first = gw.access(client)
    response = gw.revoke(client, token=first['refresh_token'], token_type_hint='refresh_token')
    assert response.status_code == 200
    assert response.headers['RevokedAccessToken'] == first['access_token']
    assert response.headers['AuthorizedUser'] == 'admin@carbon.super'
    assert gw.api('GET', '/devices', token=first['access_token']).status_code == 401
    refreshed = gw.token(client, grant_type='refresh_token', refresh_token=first['refresh_token'])
    assert refreshed.status_code == 400
    # revoking again is harmless
    assert gw.revoke(client, token=first['access_token']).status_code == 200


def test_revoke_another_clients_token(gw, client):
    other = gw.keys()
    foreign = gw.access(other)
    response = gw.revoke(client, token=foreign['access_token'])
    assert response.status_code == 401
    assert json.loads(response.text)['error'] == 'unauthorized_client'
    # another client's refresh token is simply not found (the lookup is by consumer key)
    assert gw.revoke(client, token=foreign['refresh_token']).status_code == 200
    assert gw.api('GET', '/devices', token=foreign['access_token']).status_code == 200


def test_revoke_client_authentication_errors(gw, client):
    token = gw.access(client)['access_token']
    both = gw.request('POST', '/revoke', headers={'Authorization': basic(*client)}, data={'token': token, 'client_id': client[0], 'client_secret': client[1]})
    assert both.status_code == 401
    assert both.headers['Content-Type'] == 'text/html'
    assert json.loads(both.text)['error'] == 'invalid_client'
    assert both.headers['WWW-Authenticate'] == 'Basic realm=localhost'
    malformed = gw.request('POST', '/revoke', headers={'Authorization': 'Basic'}, data={'token': token})
    assert malformed.status_code == 401
    form_only = gw.request('POST', '/revoke', data={'token': token, 'client_id': client[0], 'client_secret': client[1]})
    assert form_only.status_code == 200
    assert gw.request('GET', '/revoke').status_code == 405
    assert gw.revoke(client, token='x', callback='done').text == 'done();'


def test_client_credentials_token_is_the_admin_token(gw, client):
    """Both grants act as admin@carbon.super with the same scopes, so IoTS hands out one token."""
    password = gw.access(client)
    credentials = gw.token(client, grant_type='client_credentials', scope=SCOPE).json()
    assert credentials['access_token'] == password['access_token']
    assert 'refresh_token' not in credentials


def test_missing_and_partial_client_credentials(gw, client):
    response = gw.request('POST', '/token', data={'grant_type': 'client_credentials'})
    assert response.status_code == 400
    assert response.json()['error_description'] == 'Missing parameters: client_secret client_id'
    response = gw.request('POST', '/token', data={'grant_type': 'client_credentials', 'client_id': client[0]})
    assert response.json()['error_description'] == 'Missing parameters: client_secret'


def test_basic_header_without_colon(gw, client):
    header = 'Basic ' + base64.b64encode(client[0].encode()).decode()
    response = gw.request('POST', '/token', data={'grant_type': 'client_credentials'}, headers={'Authorization': header})
    assert response.status_code == 401
    assert response.json()['error_description'] == 'Client Authentication failed.'


def test_unknown_client_is_checked_before_the_grant_type(gw):
    response = gw.request('POST', '/token', auth=('nobody', 'x'), data={'grant_type': 'foo'})
    assert response.status_code == 401
    assert response.json()['error_description'] == 'Oauth application is not in active state.'


def test_other_enabled_grant_types_are_invalid_grants(gw, client):
    response = gw.token(client, grant_type='authorization_code', code='abc')
    assert response.status_code == 400
    assert response.json()['error'] == 'invalid_grant'
    assert gw.emu.counts()['token:other'] == 1


def test_wrong_method_and_unknown_paths(gw):
    response = gw.request('GET', '/token')
    assert response.status_code == 405 and response.content == b''
    response = gw.request('GET', '/foo')
    assert response.status_code == 404
    assert response.headers['Content-Type'] == 'application/xml'
    assert '<am:description>The requested resource (/foo) is not available.</am:description>' in response.text
    response = gw.request('POST', '/foo', json={'a': 1})
    assert response.json() == {
        'fault': {'code': 404, 'type': 'Status report', 'message': 'Not Found', 'description': 'The requested resource (/foo) is not available.'}
    }
    assert gw.emu.counts()['not_found'] == 2


def test_tenant_users_and_applications(gw):
    name = unique_name()
    super_keys = gw.keys(name)
    tenant_keys = gw.keys(name, user=('admin@tenant.com', 'admin'))
    assert tenant_keys != super_keys
    response = gw.password(tenant_keys, 'admin@tenant.com', 'admin', scope=SCOPE)
    assert response.status_code == 200
    # a tenant user on a super-tenant application that is not shared with all domains
    response = gw.password(super_keys, 'admin@tenant.com', 'admin', scope=SCOPE)
    assert response.status_code == 400
    assert response.json() == {'error': 'invalid_grant', 'error_description': 'Provided Authorization Grant is invalid'}
    response = gw.password(tenant_keys, 'admin@tenant.com', 'wrong')
    assert response.json()['error_description'] == 'Authentication failed for admin@tenant.com'
    shared = gw.register(unique_name(), isAllowedToAllDomains=True).json()
    response = gw.password((shared['client_id'], shared['client_secret']), 'admin@tenant.com', 'admin', scope=SCOPE)
    assert response.status_code == 200
