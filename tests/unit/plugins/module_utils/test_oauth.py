# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The grant, scope and revocation functions of _oauth, against IoTS answers at the HTTP layer.

Answers are those of wso2-iots-3.2.0.md (sections 1.3, 1.4 and the conformance cases of section 2);
``requests.Session.request`` is replaced so every byte the server would send is under test control.
"""

import json

import pytest
import requests

from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._errors import (
    IotsError,
    IotsOptionError,
    IotsScopeError,
)
from ansible_collections.wso2.iots.plugins.module_utils import _oauth

from http_fakes import answer  # pylint: disable=import-error

URL = 'https://iots.example.com:8243'
CLIENT_ID = 'Ad9iV9VJ9EwyujpmLVzCi59rX8Aa'
CLIENT_SECRET = 'nboXPDTm9S1cK1yPbhAvJenbbzsa'
PASSWORD = 'S3cret-pass-word'
ACCESS = '168c5699-5678-4e61-9534-4a169c5e88e0'
REFRESH = '3a7bf045-64b5-4693-9e56-6fe5356d4ab5'
NEW_ACCESS = '237bfc64-9567-3edf-9ad6-3795d37fa368'
NEW_REFRESH = '62e597b3-0960-39c0-894f-7056fcdf2dc6'
NOW = 1700000000  # 2023-11-14T22:13:20Z


def token_body(access=ACCESS, refresh=REFRESH, scope='perm:device-types:types perm:devices:view', expires_in=3600):
    body = {'access_token': access, 'token_type': 'Bearer', 'expires_in': expires_in}
    if refresh:
        body['refresh_token'] = refresh
    if scope is not None:
        body['scope'] = scope
    return body


INVALID_GRANT = {'error_description': 'Provided Authorization Grant is invalid', 'error': 'invalid_grant'}
EXPIRED_REFRESH = {'error_description': 'Refresh token is expired.', 'error': 'invalid_request'}
BAD_CLIENT = {'error_description': 'Client Authentication failed.', 'error': 'invalid_client'}
BAD_USER = {'error_description': 'Authentication failed for admin@carbon.super', 'error': 'invalid_grant'}


@pytest.fixture
def client():
    return IotsClient(URL, secrets=[CLIENT_SECRET], sleep=lambda seconds: None)


def sent(call):
    """(method, url, form, auth) of one recorded request."""
    args, kwargs = call
    return args[1], args[2], kwargs.get('data'), kwargs.get('auth')


def grant(client, grant_type='password', **kwargs):
    options = dict(username='admin', password=PASSWORD, now=lambda: NOW)
    options.update(kwargs)
    return _oauth.grant(client, grant_type, CLIENT_ID, CLIENT_SECRET, **options)


# ---------------------------------------------------------------------------- password grant


def test_password_grant_sends_sorted_unique_scopes_with_basic_client_auth(server, client):
    server.return_value = answer(200, token_body())
    token = grant(client, scopes=['perm:devices:view', 'perm:device-types:types perm:devices:view'])

    method, url, form, auth = sent(server.call_args)
    assert (method, url, auth) == ('POST', URL + '/token', (CLIENT_ID, CLIENT_SECRET))
    assert form == {'grant_type': 'password', 'username': 'admin', 'password': PASSWORD, 'scope': 'perm:device-types:types perm:devices:view'}
    assert token == {
        'access_token': ACCESS,
        'refresh_token': REFRESH,
        'token_type': 'Bearer',
        'expires_in': 3600,
        'obtained_at': NOW,
        'expires_at': '2023-11-14T23:13:20Z',
        'scopes': ['perm:device-types:types', 'perm:devices:view'],
        'grant_used': 'password',
    }


def test_password_grant_without_scopes_sends_no_scope_and_drops_default(server, client):
    server.return_value = answer(200, token_body(scope='default'))
    token = grant(client)
    assert 'scope' not in sent(server.call_args)[2]
    assert token['scopes'] == []


def test_expires_at_counts_from_before_the_request_and_uses_the_returned_lifetime(server, client):
    # A repeated grant of an active IoTS token reports the remaining lifetime minus the 300 s skew.
    server.return_value = answer(200, token_body(expires_in=3299))
    token = grant(client)
    assert token['expires_in'] == 3299
    assert token['expires_at'] == _oauth.iso_utc(NOW + 3299)


def test_scope_left_out_by_the_server_means_the_requested_scopes(server, client):
    # RFC 6749 section 5.1: scope is optional when it is identical to the request.
    server.return_value = answer(200, token_body(scope=None))
    token = grant(client, scopes='perm:devices:view perm:device-types:types')
    assert token['scopes'] == ['perm:device-types:types', 'perm:devices:view']


def test_token_path_is_used_for_another_rfc6749_server(server, client):
    server.return_value = answer(200, token_body())
    grant(client, token_path='/oauth2/token')
    assert sent(server.call_args)[1] == URL + '/oauth2/token'


@pytest.mark.parametrize('missing', ['username', 'password'])
def test_password_grant_needs_user_credentials_before_any_request(server, client, missing):
    with pytest.raises(IotsOptionError, match='password grant needs %s' % missing):
        grant(client, **{missing: None})
    assert not server.called


@pytest.mark.parametrize('missing', ['client_id', 'client_secret'])
def test_every_grant_needs_client_credentials(server, client, missing):
    credentials = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET}
    credentials[missing] = None
    with pytest.raises(IotsOptionError, match=missing):
        _oauth.grant(client, 'client_credentials', credentials['client_id'], credentials['client_secret'])
    assert not server.called


def test_unknown_grant_type_is_refused_before_any_request(server, client):
    with pytest.raises(IotsOptionError, match="grant_type must be one of password, refresh_token, client_credentials"):
        grant(client, grant_type='authorization_code')
    assert not server.called


# ---------------------------------------------------------------------------- refresh grant


def test_refresh_never_sends_scope_and_keeps_the_refresh_token_the_server_repeats(server, client):
    # IoTS 3.2.0: new access token, same refresh token (RenewRefreshTokenForRefreshGrant=false).
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=REFRESH))
    token = grant(client, 'refresh_token', username=None, password=None, refresh_token=REFRESH, scopes=['perm:devices:view'])
    assert sent(server.call_args)[2] == {'grant_type': 'refresh_token', 'refresh_token': REFRESH}
    assert (token['access_token'], token['refresh_token'], token['grant_used']) == (NEW_ACCESS, REFRESH, 'refresh_token')


def test_refresh_keeps_the_newest_refresh_token_when_the_server_rotates_it(server, client):
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=NEW_REFRESH))
    token = grant(client, 'refresh_token', refresh_token=REFRESH)
    assert token['refresh_token'] == NEW_REFRESH


def test_refresh_keeps_the_old_refresh_token_when_the_server_returns_none(server, client):
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=None))
    token = grant(client, 'refresh_token', refresh_token=REFRESH)
    assert token['refresh_token'] == REFRESH


def test_refresh_needs_a_refresh_token(server, client):
    with pytest.raises(IotsOptionError, match='refresh_token grant needs refresh_token'):
        grant(client, 'refresh_token')
    assert not server.called


# ---------------------------------------------------------------------------- client_credentials


def test_client_credentials_sends_no_user_and_gets_no_refresh_token(server, client):
    server.return_value = answer(200, token_body(refresh=None, scope='perm:devices:view'))
    token = grant(client, 'client_credentials', scopes=['perm:devices:view'])
    assert sent(server.call_args)[2] == {'grant_type': 'client_credentials', 'scope': 'perm:devices:view'}
    assert 'refresh_token' not in token
    assert token['grant_used'] == 'client_credentials'


# ---------------------------------------------------------------------------- grant errors


def assert_one_line_without_secrets(error):
    text = str(error)
    assert '\n' not in text and 'Traceback' not in text
    for secret in (CLIENT_SECRET, PASSWORD, ACCESS, REFRESH):
        assert secret not in text


def test_wrong_client_secret_is_invalid_client_with_a_hint(server, client):
    server.return_value = answer(401, BAD_CLIENT, headers={'WWW-Authenticate': 'Basic realm=localhost'})
    with pytest.raises(IotsError) as caught:
        grant(client)
    error = caught.value
    assert (error.status, error.error, error.description) == (401, 'invalid_client', 'Client Authentication failed.')
    assert str(error).startswith('POST %s/token failed: HTTP 401 invalid_client: Client Authentication failed.' % URL)
    assert 'Check client_id and client_secret' in str(error)
    assert_one_line_without_secrets(error)


def test_wrong_user_password_is_invalid_grant_naming_the_user(server, client):
    server.return_value = answer(400, BAD_USER)
    with pytest.raises(IotsError) as caught:
        grant(client)
    assert caught.value.status == 400
    assert 'Authentication failed for admin@carbon.super' in str(caught.value)
    assert 'Check username and password of admin.' in str(caught.value)
    assert_one_line_without_secrets(caught.value)


@pytest.mark.parametrize('body', [INVALID_GRANT, EXPIRED_REFRESH])
def test_rejected_refresh_token_explains_what_to_do(server, client, body):
    server.return_value = answer(400, body)
    with pytest.raises(IotsError) as caught:
        grant(client, 'refresh_token', refresh_token=REFRESH)
    assert body['error_description'] in str(caught.value)
    assert 'unknown, revoked or expired' in str(caught.value)
    assert_one_line_without_secrets(caught.value)


@pytest.mark.parametrize(
    'body, words',
    [
        (
            {'error': 'invalid_request', 'error_description': 'Invalid grant_type parameter value'},
            'HTTP 400 invalid_request: Invalid grant_type parameter value',
        ),
        ({'error': 'unsupported_grant_type', 'error_description': 'grant type not supported'}, 'HTTP 400 unsupported_grant_type: grant type not supported'),
        (
            {'error': 'unauthorized_client', 'error_description': 'The authenticated client is not authorized to use this authorization grant type'},
            'not allowed the client_credentials grant',
        ),
    ],
)
def test_unsupported_grant_is_reported_in_the_servers_words(server, client, body, words):
    server.return_value = answer(400, body)
    with pytest.raises(IotsError) as caught:
        grant(client, 'client_credentials')
    assert words in str(caught.value)


def test_server_words_that_echo_a_secret_are_redacted(server, client):
    server.return_value = answer(400, {'error': 'invalid_grant', 'error_description': 'bad password %s' % PASSWORD})
    with pytest.raises(IotsError) as caught:
        grant(client)
    assert 'bad password ********' in str(caught.value)
    assert_one_line_without_secrets(caught.value)


@pytest.mark.parametrize(
    'status, body, content_type, words',
    [
        (
            200,
            '<html><head><title>Login - WSO2</title></head><body>x</body></html>',
            'text/html',
            'HTTP 200 but its body is not the expected JSON (HTML page: Login - WSO2)',
        ),
        (200, '{"access_token":"168c5699-56', 'application/json', 'HTTP 200 but its body is not the expected JSON (malformed JSON'),
        (
            500,
            '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>101503</am:code><am:type>Status report</am:type>'
            '<am:message>Runtime Error</am:message><am:description>Error connecting to the back end</am:description>'
            '</am:fault>',
            'application/xml',
            'HTTP 500 101503: Runtime Error: Error connecting to the back end',
        ),
        (200, '', 'application/json', 'HTTP 200 but its body is not the expected JSON (empty body)'),
    ],
)
def test_malformed_answers_become_one_line_errors(server, client, status, body, content_type, words):
    server.return_value = answer(status, body, content_type)
    with pytest.raises(IotsError) as caught:
        grant(client)
    assert words in str(caught.value)
    assert caught.value.url == URL + '/token'
    assert_one_line_without_secrets(caught.value)


def test_json_without_access_token_is_an_error(server, client):
    server.return_value = answer(200, {'token_type': 'Bearer'})
    with pytest.raises(IotsError, match='answered HTTP 200 without an access_token'):
        grant(client)


def test_expires_in_that_is_not_a_number_is_an_error(server, client):
    server.return_value = answer(200, token_body(expires_in='soon'))
    with pytest.raises(IotsError, match='expires_in that is not a number'):
        grant(client)


def test_tls_failure_names_the_url_and_says_what_to_do(server, client):
    server.side_effect = requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1000)')
    with pytest.raises(IotsError) as caught:
        grant(client)
    assert str(caught.value).startswith('POST %s/token failed: TLS verification failed' % URL)
    assert 'ca_path' in str(caught.value)
    assert server.call_count == 1  # a TLS failure would only repeat itself


# ---------------------------------------------------------------------------- fallback


@pytest.mark.parametrize('rejection', [INVALID_GRANT, EXPIRED_REFRESH])
def test_rejected_refresh_falls_back_to_the_password_grant(server, client, rejection):
    server.side_effect = [answer(400, rejection), answer(200, token_body(access=NEW_ACCESS, refresh=NEW_REFRESH))]
    token = _oauth.obtain_token(
        client, 'refresh_token', CLIENT_ID, CLIENT_SECRET, username='admin', password=PASSWORD, refresh_token=REFRESH, scopes=['perm:devices:view']
    )
    first, second = [sent(call)[2] for call in server.call_args_list]
    assert first == {'grant_type': 'refresh_token', 'refresh_token': REFRESH}
    assert second == {'grant_type': 'password', 'username': 'admin', 'password': PASSWORD, 'scope': 'perm:devices:view'}
    assert (token['grant_used'], token['access_token'], token['refresh_token']) == ('password', NEW_ACCESS, NEW_REFRESH)
    assert token['fallback_reason'] == 'POST %s/token failed: HTTP 400 %s: %s.' % (URL, rejection['error'], rejection['error_description'].rstrip('.'))


def test_rejected_refresh_without_user_credentials_fails(server, client):
    server.return_value = answer(400, INVALID_GRANT)
    with pytest.raises(IotsError, match='invalid_grant'):
        _oauth.obtain_token(client, 'refresh_token', CLIENT_ID, CLIENT_SECRET, refresh_token=REFRESH)
    assert server.call_count == 1


def test_wrong_client_secret_on_refresh_does_not_fall_back(server, client):
    server.return_value = answer(401, BAD_CLIENT)
    with pytest.raises(IotsError, match='invalid_client'):
        _oauth.obtain_token(client, 'refresh_token', CLIENT_ID, CLIENT_SECRET, username='admin', password=PASSWORD, refresh_token=REFRESH)
    assert server.call_count == 1


def test_failed_fallback_reports_the_password_grant_error(server, client):
    server.side_effect = [answer(400, INVALID_GRANT), answer(400, BAD_USER)]
    with pytest.raises(IotsError, match='Authentication failed for admin@carbon.super'):
        _oauth.obtain_token(client, 'refresh_token', CLIENT_ID, CLIENT_SECRET, username='admin', password=PASSWORD, refresh_token=REFRESH)


def test_successful_grant_has_no_fallback_reason(server, client):
    server.return_value = answer(200, token_body())
    token = _oauth.obtain_token(client, 'password', CLIENT_ID, CLIENT_SECRET, username='admin', password=PASSWORD)
    assert 'fallback_reason' not in token


# ---------------------------------------------------------------------------- scope check


def granted(*scopes):
    return {'scopes': sorted(scopes)}


def test_all_requested_scopes_granted():
    token = granted('perm:devices:view', 'perm:devices:details', 'perm:extra')
    assert _oauth.check_scopes(token, 'perm:devices:details perm:devices:view', username='operator') == []
    assert token['missing_scopes'] == []


def test_missing_scopes_fail_naming_every_scope_and_the_user():
    token = granted('perm:devices:view')
    with pytest.raises(IotsScopeError) as caught:
        _oauth.check_scopes(token, ['perm:devices:view', 'perm:admin', 'perm:users:add'], username='operator')
    error = caught.value
    assert error.missing_scopes == ['perm:admin', 'perm:users:add']
    assert error.granted_scopes == ['perm:devices:view']
    assert error.message == ('IoTS did not grant 2 of the 3 requested scopes to user operator: perm:admin, perm:users:add. Granted: perm:devices:view.')
    assert 'allow_partial_scopes' in str(error)
    assert token['missing_scopes'] == ['perm:admin', 'perm:users:add']


def test_only_default_granted_means_none():
    with pytest.raises(IotsScopeError, match=r'Granted: none \("default" only\)'):
        _oauth.check_scopes(granted(), ['perm:admin'], username='guest')


def test_missing_scopes_of_an_application_token_name_the_application():
    with pytest.raises(IotsScopeError, match='to the application: perm:admin'):
        _oauth.check_scopes(granted(), ['perm:admin'])


def test_allow_partial_returns_the_missing_scopes():
    token = granted('perm:devices:view')
    assert _oauth.check_scopes(token, ['perm:admin', 'perm:devices:view'], allow_partial=True) == ['perm:admin']
    assert token['missing_scopes'] == ['perm:admin']


def test_no_requested_scopes_checks_nothing():
    assert _oauth.check_scopes(granted(), None) == []


@pytest.mark.parametrize(
    'scopes, expected',
    [
        (None, []),
        ('', []),
        ('perm:b  perm:a\tperm:b', ['perm:a', 'perm:b']),
        (['perm:b', 'perm:a perm:c', 'perm:a'], ['perm:a', 'perm:b', 'perm:c']),
        (('perm:a',), ['perm:a']),
    ],
)
def test_normalize_scopes(scopes, expected):
    assert _oauth.normalize_scopes(scopes) == expected


@pytest.mark.parametrize(
    'scopes, words',
    [
        (['perm:a', 3], 'scopes must be strings; 3 is a int'),
        ({'perm:a': True}, 'not a dict'),
        (['perm:"a"'], 'is not a valid scope'),
    ],
)
def test_normalize_scopes_rejects_what_is_not_a_scope(scopes, words):
    with pytest.raises(IotsOptionError, match=words):
        _oauth.normalize_scopes(scopes)


# ---------------------------------------------------------------------------- revocation


def test_revoke_posts_the_token_with_client_auth_and_accepts_the_empty_html_answer(server, client):
    server.return_value = answer(200, '', 'text/html')
    assert _oauth.revoke(client, CLIENT_ID, CLIENT_SECRET, ACCESS) is None
    method, url, form, auth = sent(server.call_args)
    assert (method, url, form, auth) == ('POST', URL + '/revoke', {'token': ACCESS}, (CLIENT_ID, CLIENT_SECRET))


@pytest.mark.parametrize(
    'token_path, revoke_at',
    [('/token', '/revoke'), ('/oauth2/token', '/oauth2/revoke'), ('/o/token/', '/o/revoke/'), ('/connect/access', '/revoke')],
)
def test_revoke_posts_to_the_endpoint_beside_the_token_path(server, client, token_path, revoke_at):
    server.return_value = answer(200, '', 'text/html')
    _oauth.revoke(client, CLIENT_ID, CLIENT_SECRET, ACCESS, token_path=token_path)
    assert sent(server.call_args)[1] == URL + revoke_at


def test_revoke_with_the_wrong_secret_explains_the_json_under_text_html(server, client):
    server.return_value = answer(401, json.dumps({'error_description': 'Client Authentication failed.', 'error': 'unauthorized_client'}), 'text/html')
    with pytest.raises(IotsError) as caught:
        _oauth.revoke(client, CLIENT_ID, CLIENT_SECRET, ACCESS)
    assert str(caught.value).startswith('POST %s/revoke failed: HTTP 401 unauthorized_client: Client Authentication failed.' % URL)
    assert 'belongs to another application' in str(caught.value)
    assert_one_line_without_secrets(caught.value)


def test_revoke_answered_invalid_request_is_reported(server, client):
    server.return_value = answer(400, json.dumps({'error_description': 'Invalid revocation request', 'error': 'invalid_request'}), 'text/html')
    with pytest.raises(IotsError, match='HTTP 400 invalid_request: Invalid revocation request'):
        _oauth.revoke(client, CLIENT_ID, CLIENT_SECRET, ACCESS)


@pytest.mark.parametrize('missing', ['client_id', 'client_secret', 'token'])
def test_revoke_needs_client_credentials_and_token(server, client, missing):
    values = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token': ACCESS}
    values[missing] = None
    with pytest.raises(IotsOptionError, match=missing):
        _oauth.revoke(client, **values)
    assert not server.called
