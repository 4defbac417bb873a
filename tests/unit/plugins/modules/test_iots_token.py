# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_token run through main(), with IoTS answers injected at requests.Session.request.

Each test reads the module's JSON result exactly as Ansible would receive it (after Ansible's own
no_log masking), so the assertions cover what a user sees.
"""

import contextlib
import json
from unittest import mock

import pytest
import requests

from ansible_collections.wso2.iots.plugins.modules import iots_token

from http_fakes import answer  # pylint: disable=import-error


URL = 'https://iots.example.com:8243'
CLIENT_ID = 'Ad9iV9VJ9EwyujpmLVzCi59rX8Aa'
CLIENT_SECRET = 'nboXPDTm9S1cK1yPbhAvJenbbzsa'
PASSWORD = 'Op3rator-Pa55word'
ACCESS = '168c5699-5678-4e61-9534-4a169c5e88e0'
REFRESH = '3a7bf045-64b5-4693-9e56-6fe5356d4ab5'
NEW_ACCESS = '237bfc64-9567-3edf-9ad6-3795d37fa368'
NEW_REFRESH = '62e597b3-0960-39c0-894f-7056fcdf2dc6'
SECRETS = (CLIENT_SECRET, PASSWORD)
SCOPES = ['perm:devices:view', 'perm:devices:details', 'perm:device-types:types']
GRANTED = 'perm:device-types:types perm:devices:details perm:devices:view'

INVALID_GRANT = {'error_description': 'Provided Authorization Grant is invalid', 'error': 'invalid_grant'}
BAD_CLIENT = {'error_description': 'Client Authentication failed.', 'error': 'invalid_client'}


def token_body(access=ACCESS, refresh=REFRESH, scope=GRANTED, expires_in=3600):
    body = {'access_token': access, 'token_type': 'Bearer', 'expires_in': expires_in, 'scope': scope}
    if refresh:
        body['refresh_token'] = refresh
    return body


def forms(server):
    return [call[1].get('data') for call in server.call_args_list]


def urls(server):
    return [call[0][2] for call in server.call_args_list]


def warning_texts(run):
    """The warnings as text: plain strings before ansible-core 2.19, summaries with an event after."""
    texts = []
    for warning in run.get('warnings', []):
        if isinstance(warning, dict):
            warning = (warning.get('event') or {}).get('msg') or warning.get('msg')
        texts.append(warning)
    return texts


class Run(object):
    """One module run: the parsed result and the raw JSON the controller would receive."""

    def __init__(self, raw):
        self.raw = raw
        self.result = json.loads(raw)

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)


def clean_warnings():
    """Warnings are module-global in ansible-core; start every run without the previous run's."""
    from ansible.module_utils.common import warnings

    patches = [
        mock.patch.object(warnings, name, type(getattr(warnings, name))()) for name in ('_global_warnings', '_global_deprecations') if hasattr(warnings, name)
    ]
    stack = contextlib.ExitStack()
    for patch in patches:
        stack.enter_context(patch)
    return stack


@pytest.fixture
def run_module(capsys, module_args):
    def run(check_mode=False, **args):
        arguments = dict(
            url=URL,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            username='operator',
            password=PASSWORD,
            _ansible_check_mode=check_mode,
            _ansible_inject_invocation=True,
        )
        arguments.update(args)
        arguments = dict((k, v) for k, v in arguments.items() if v is not None)
        with module_args(arguments), clean_warnings():
            with pytest.raises(SystemExit):
                iots_token.main()
        return Run(capsys.readouterr().out)

    return run


def assert_no_secret(run, allowed=()):
    """No password or client secret anywhere; tokens only as the returned values."""
    for secret in SECRETS:
        assert secret not in run.raw
    for token in (ACCESS, REFRESH, NEW_ACCESS, NEW_REFRESH):
        if token not in allowed:
            assert token not in run.raw


# ---------------------------------------------------------------------------- password grant


def test_password_grant_returns_the_token_and_changes_nothing(server, run_module):
    server.return_value = answer(200, token_body())
    run = run_module(scopes=SCOPES)

    assert not run.get('failed')
    assert run['changed'] is False
    assert run['access_token'] == ACCESS
    assert run['refresh_token'] == REFRESH
    assert run['token_type'] == 'Bearer'
    assert run['expires_in'] == 3600
    assert run['scopes'] == ['perm:device-types:types', 'perm:devices:details', 'perm:devices:view']
    assert run['missing_scopes'] == []
    assert run['grant_used'] == 'password'
    assert len(run['expires_at']) == 20 and run['expires_at'].endswith('Z')
    assert urls(server) == [URL + '/token']
    assert forms(server) == [{'grant_type': 'password', 'username': 'operator', 'password': PASSWORD, 'scope': GRANTED}]
    assert_no_secret(run, allowed=(ACCESS, REFRESH))


def test_scopes_as_one_space_separated_string_like_the_iots_guide(server, run_module):
    server.return_value = answer(200, token_body())
    run = run_module(scopes='perm:devices:view perm:devices:details  perm:device-types:types perm:devices:view')
    assert forms(server)[0]['scope'] == GRANTED
    assert run['missing_scopes'] == []


def test_echoed_arguments_mask_every_secret_option(server, run_module):
    server.return_value = answer(200, token_body())
    run = run_module(scopes=SCOPES)
    args = run['invocation']['module_args']
    assert args['password'] == args['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert args['username'] == 'operator' and args['client_id'] == CLIENT_ID
    assert args['scopes'] == SCOPES


def test_token_path_reaches_another_token_endpoint(server, run_module):
    server.return_value = answer(200, token_body())
    run_module(token_path='/oauth2/token')
    assert urls(server) == [URL + '/oauth2/token']


def test_a_token_path_with_a_trailing_slash_is_used_as_written(server, run_module):
    """django-oauth-toolkit answers /o/token/ only; /o/token is a 404 there."""
    server.return_value = answer(200, token_body())
    run_module(token_path='/o/token/')
    assert urls(server) == [URL + '/o/token/']


@pytest.mark.parametrize('ca_path, verify', [('', True), (None, True), ('iots.pem', 'iots.pem')])
def test_an_empty_ca_path_means_the_system_cas(server, run_module, tmp_path, ca_path, verify):
    (tmp_path / 'iots.pem').write_text('a CA certificate')
    server.return_value = answer(200, token_body())
    run_module(ca_path=ca_path and str(tmp_path / ca_path))
    assert server.call_args.kwargs['verify'] == (str(tmp_path / verify) if verify == 'iots.pem' else verify)


def test_check_mode_still_gets_a_token_for_later_tasks(server, run_module):
    server.return_value = answer(200, token_body())
    run = run_module(check_mode=True, scopes=SCOPES)
    assert run['changed'] is False
    assert run['access_token'] == ACCESS
    assert server.call_count == 1


def test_password_grant_needs_username_and_password_before_any_request(server, run_module):
    run = run_module(username=None, password=None)
    assert run['failed'] is True
    assert run['msg'] == 'The password grant needs username, password.'
    assert not server.called


def test_missing_client_credentials_fail_before_any_request(server, run_module):
    run = run_module(client_secret=None)
    assert run['msg'] == 'The password grant needs client_secret.'
    assert not server.called


def test_plain_http_warns_that_secrets_travel_in_clear(server, run_module):
    server.return_value = answer(200, token_body())
    run = run_module(url='http://iots.example.com:8280')
    assert any('plain http' in warning for warning in warning_texts(run))


def test_malformed_scope_fails_before_any_request(server, run_module):
    run = run_module(scopes=['perm:devices:view', 'perm:"x"'])
    assert run['failed'] is True and 'is not a valid scope' in run['msg']
    assert not server.called


# ---------------------------------------------------------------------------- scope verification

PARTIAL = 'perm:device-types:types perm:devices:details perm:devices:view'


def test_missing_scopes_fail_naming_them_and_the_user(server, run_module):
    server.return_value = answer(200, token_body(scope=PARTIAL))
    run = run_module(scopes=SCOPES + ['perm:admin', 'perm:users:add'])
    assert run['failed'] is True
    assert run['msg'].startswith(
        'IoTS did not grant 2 of the 5 requested scopes to user operator: perm:admin, '
        'perm:users:add. Granted: perm:device-types:types, perm:devices:details, '
        'perm:devices:view.'
    )
    assert run['missing_scopes'] == ['perm:admin', 'perm:users:add']
    assert run['scopes'] == ['perm:device-types:types', 'perm:devices:details', 'perm:devices:view']
    assert 'access_token' not in run.result
    assert_no_secret(run)


def test_only_default_granted_fails_saying_none_was_granted(server, run_module):
    server.return_value = answer(200, token_body(scope='default'))
    run = run_module(scopes=['perm:admin'])
    assert 'Granted: none ("default" only)' in run['msg']


def test_allow_partial_scopes_warns_and_returns_the_missing_ones(server, run_module):
    server.return_value = answer(200, token_body(scope=PARTIAL))
    run = run_module(scopes=SCOPES + ['perm:admin'], allow_partial_scopes=True)
    assert not run.get('failed')
    assert run['missing_scopes'] == ['perm:admin']
    assert run['access_token'] == ACCESS
    warnings = warning_texts(run)
    assert len(warnings) == 1
    assert warnings[0].startswith('IoTS did not grant 1 of the 4 requested scopes to user operator: perm:admin.')
    assert 'allow_partial_scopes is true' in warnings[0]


def test_client_credentials_scope_failure_names_the_application(server, run_module):
    server.return_value = answer(200, token_body(refresh=None, scope='default'))
    run = run_module(grant_type='client_credentials', scopes=['perm:admin'])
    assert 'to the application: perm:admin' in run['msg']


# ---------------------------------------------------------------------------- refresh grant


def test_refresh_returns_the_unchanged_refresh_token_unmasked(server, run_module):
    # IoTS 3.2.0 returns the refresh token it was given; Ansible would mask it as equal to a no_log input.
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=REFRESH))
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH, username=None, password=None, scopes=SCOPES)
    assert run['refresh_token'] == REFRESH
    assert run['access_token'] == NEW_ACCESS
    assert run['grant_used'] == 'refresh_token'
    assert forms(server) == [{'grant_type': 'refresh_token', 'refresh_token': REFRESH}]
    assert run['invocation']['module_args']['refresh_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    # the token appears once, as the returned value, and nowhere else
    assert run.raw.count(REFRESH) == 1
    assert_no_secret(run, allowed=(NEW_ACCESS, REFRESH))


def test_refresh_keeps_the_given_refresh_token_when_none_is_returned(server, run_module):
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=None))
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH)
    assert run['refresh_token'] == REFRESH


def test_refresh_returns_a_rotated_refresh_token(server, run_module):
    server.return_value = answer(200, token_body(access=NEW_ACCESS, refresh=NEW_REFRESH))
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH)
    assert run['refresh_token'] == NEW_REFRESH
    assert REFRESH not in run.raw


def test_other_secrets_stay_masked_wherever_the_server_echoes_them(server, run_module):
    # Only the returned tokens are exempt from masking; the password is not, even inside server words.
    body = token_body(access=NEW_ACCESS, refresh=REFRESH)
    body['token_type'] = 'Bearer %s' % PASSWORD
    server.return_value = answer(200, body)
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH)
    assert run['token_type'] == 'Bearer ********'
    assert PASSWORD not in run.raw


def test_rejected_refresh_falls_back_to_the_password_grant_and_says_so(server, run_module):
    server.side_effect = [answer(400, INVALID_GRANT), answer(200, token_body(access=NEW_ACCESS, refresh=NEW_REFRESH))]
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH, scopes=SCOPES)
    assert run['grant_used'] == 'password'
    assert run['access_token'] == NEW_ACCESS and run['refresh_token'] == NEW_REFRESH
    assert run['msg'] == (
        'The refresh token was rejected, so the password grant was used instead: POST %s/token '
        'failed: HTTP 400 invalid_grant: Provided Authorization Grant is invalid.' % URL
    )
    assert [form['grant_type'] for form in forms(server)] == ['refresh_token', 'password']
    assert forms(server)[1]['scope'] == GRANTED
    assert_no_secret(run, allowed=(NEW_ACCESS, NEW_REFRESH))


def test_rejected_refresh_without_user_credentials_fails(server, run_module):
    server.return_value = answer(400, INVALID_GRANT)
    run = run_module(grant_type='refresh_token', refresh_token=REFRESH, username=None, password=None)
    assert run['failed'] is True
    assert run['msg'].startswith(
        'POST %s/token failed: HTTP 400 invalid_grant: Provided Authorization Grant is invalid. The refresh token is unknown, revoked or expired' % URL
    )
    assert (run['status'], run['error'], run['url']) == (400, 'invalid_grant', URL + '/token')
    assert server.call_count == 1
    assert_no_secret(run)


def test_refresh_grant_needs_a_refresh_token(server, run_module):
    run = run_module(grant_type='refresh_token')
    assert run['msg'] == 'The refresh_token grant needs refresh_token.'
    assert not server.called


# ---------------------------------------------------------------------------- client_credentials


def test_client_credentials_returns_no_refresh_token(server, run_module):
    server.return_value = answer(200, token_body(refresh=None, scope='perm:devices:view'))
    run = run_module(grant_type='client_credentials', scopes=['perm:devices:view'])
    assert 'refresh_token' not in run.result
    assert run['grant_used'] == 'client_credentials'
    assert forms(server) == [{'grant_type': 'client_credentials', 'scope': 'perm:devices:view'}]


# ---------------------------------------------------------------------------- errors

XML_FAULT = (
    '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>101503</am:code><am:type>Status report'
    '</am:type><am:message>Runtime Error</am:message><am:description>Error connecting to the back end'
    '</am:description></am:fault>'
)


@pytest.mark.parametrize(
    'status, body, content_type, start, status_field',
    [
        (401, BAD_CLIENT, 'application/json', 'POST %s/token failed: HTTP 401 invalid_client: Client Authentication failed. Check client_id' % URL, 401),
        (
            401,
            {'error_description': 'Oauth application is not in active state.', 'error': 'invalid_client'},
            'application/json',
            'POST %s/token failed: HTTP 401 invalid_client: Oauth application is not in active state.' % URL,
            401,
        ),
        (
            400,
            {'error_description': 'Authentication failed for operator@carbon.super', 'error': 'invalid_grant'},
            'application/json',
            'POST %s/token failed: HTTP 400 invalid_grant: Authentication failed for operator@carbon.super. Check username and password of operator.' % URL,
            400,
        ),
        (
            400,
            {'error_description': 'Invalid grant_type parameter value', 'error': 'invalid_request'},
            'application/json',
            'POST %s/token failed: HTTP 400 invalid_request: Invalid grant_type parameter value.' % URL,
            400,
        ),
        (500, XML_FAULT, 'application/xml', 'POST %s/token failed: HTTP 500 101503: Runtime Error: Error connecting to the back end.' % URL, 500),
        (
            200,
            '<html><head><title>Error 404 - Not Found</title></head></html>',
            'text/html',
            'POST %s/token answered HTTP 200 but its body is not the expected JSON (HTML page: Error 404 - Not Found).' % URL,
            200,
        ),
        (
            200,
            '{"access_token":"168c56',
            'application/json',
            'POST %s/token answered HTTP 200 but its body is not the expected JSON (malformed JSON' % URL,
            200,
        ),
    ],
)
def test_server_errors_fail_with_one_line_naming_url_status_and_words(server, run_module, status, body, content_type, start, status_field):
    server.return_value = answer(status, body, content_type)
    run = run_module(scopes=SCOPES)
    assert run['failed'] is True
    assert run['msg'].startswith(start)
    assert '\n' not in run['msg'] and 'Traceback' not in run['msg']
    assert run['status'] == status_field
    assert run['url'] == URL + '/token'
    assert 'access_token' not in run.result
    assert_no_secret(run)


def test_unsupported_grant_for_the_application(server, run_module):
    server.return_value = answer(
        400, {'error': 'unauthorized_client', 'error_description': 'The authenticated client is not authorized to use this authorization grant type'}
    )
    run = run_module(grant_type='client_credentials')
    assert run['msg'] == (
        'POST %s/token failed: HTTP 400 unauthorized_client: The authenticated client is not '
        'authorized to use this authorization grant type. The application is not allowed the '
        'client_credentials grant. An Entgra server allows only the grant types an application '
        'was registered with: add it to grant_types and register again (Entgra then recreates '
        'the application with new keys).' % URL
    )
    assert run['error'] == 'unauthorized_client'


def test_tls_failure_fails_with_a_hint(server, run_module):
    server.side_effect = requests.exceptions.SSLError(
        "HTTPSConnectionPool(host='iots.example.com', port=8243): Max retries exceeded (Caused by "
        "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate (_ssl.c:1000)')))"
    )
    run = run_module()
    assert run['msg'].startswith('POST %s/token failed: TLS verification failed (certificate verify failed' % URL)
    assert 'ca_path' in run['msg']
    assert 'status' not in run.result


def test_connection_refused_fails_after_retries(server, run_module, retry_sleeps):
    # The client binds time.sleep as a default argument, so patching time.sleep would not stop a
    # real wait: retry_sleeps hands the module's client a recorder instead, and the backoff shows.
    server.side_effect = requests.exceptions.ConnectionError('[Errno 111] Connection refused')
    run = run_module()
    assert run['msg'].startswith('POST %s/token failed: connection failed (connection refused).' % URL)
    assert server.call_count == 3
    assert retry_sleeps == [0.5, 1.0]


# ---------------------------------------------------------------------------- revocation


def test_absent_revokes_the_token_and_reports_a_change(server, run_module):
    server.return_value = answer(200, '', 'text/html')
    run = run_module(state='absent', token=ACCESS)
    assert run['changed'] is True and run['revoked'] is True
    assert urls(server) == [URL + '/revoke']
    assert forms(server) == [{'token': ACCESS}]
    assert server.call_args[1]['auth'] == (CLIENT_ID, CLIENT_SECRET)
    assert_no_secret(run)


def test_absent_revokes_beside_a_custom_token_path(server, run_module):
    server.return_value = answer(200, '', 'text/html')
    run = run_module(state='absent', token=ACCESS, token_path='/oauth2/token')
    assert run['changed'] is True and urls(server) == [URL + '/oauth2/revoke']


def test_absent_in_check_mode_sends_nothing(server, run_module):
    run = run_module(state='absent', token=ACCESS, check_mode=True)
    assert run['changed'] is True and run['revoked'] is False
    assert not server.called


def test_absent_needs_a_token(server, run_module):
    run = run_module(state='absent')
    assert run['failed'] is True
    assert 'state is absent but all of the following are missing: token' in run['msg']
    assert not server.called


def test_revoke_with_the_wrong_secret_fails(server, run_module):
    server.return_value = answer(401, json.dumps({'error_description': 'Client Authentication failed.', 'error': 'unauthorized_client'}), 'text/html')
    run = run_module(state='absent', token=ACCESS)
    assert run['failed'] is True
    assert run['msg'].startswith('POST %s/revoke failed: HTTP 401 unauthorized_client: Client Authentication failed.' % URL)
    assert_no_secret(run)


# ---------------------------------------------------------------------------- documentation


def test_documented_options_match_the_argument_spec():
    import yaml
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import add_fragments

    doc = yaml.safe_load(iots_token.DOCUMENTATION)
    add_fragments(doc, iots_token.__file__, fragment_loader=fragment_loader)
    spec = iots_token.argument_spec()
    assert sorted(doc['options']) == sorted(spec)
    for name, option in spec.items():
        documented = doc['options'][name]
        assert documented.get('type', 'str') == option.get('type', 'str'), name
        assert documented.get('default') == option.get('default'), name
        assert documented.get('choices') == option.get('choices'), name
        assert documented.get('elements') == option.get('elements'), name
    for section in (iots_token.EXAMPLES, iots_token.RETURN):
        assert yaml.safe_load(section)
