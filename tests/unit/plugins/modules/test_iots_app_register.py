# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_app_register run through main(): options, changed, check and diff mode, every error.

IoTS answers are injected at requests.Session.request (see conftest.py); each test reads the
module's JSON result as Ansible receives it, after Ansible's own no_log masking.
"""

import json
import os
import subprocess
import sys

import pytest
import requests
import yaml

from ansible_collections.wso2.iots.plugins.module_utils import _module
from ansible_collections.wso2.iots.plugins.modules import iots_app_register

URL = 'https://iots.example.com:8243'
REGISTER_URL = URL + '/api-application-registration/register'
PASSWORD = 'Adm1n-Pa55word'
CLIENT_ID = 'Ad9iV9VJ9EwyujpmLVzCi59rX8Aa'
CLIENT_SECRET = 'nboXPDTm9S1cK1yPbhAvJenbbzsa'
OLD_CLIENT_ID = 'f8fc0aI14DPrQ_DwkpSau1LGdwAa'
NAME = 'ansible_unit_provisioning'
PERMISSION = '/permission/admin/device-mgt/device/api/subscribe'

KEYS = {'client_secret': CLIENT_SECRET, 'client_id': CLIENT_ID}
# What every registration adds for Entgra 6.x/7.x (IoTS 3.2.0 ignores unknown keys).
ENTGRA_FIELDS = {'supportedGrantTypes': ['password', 'refresh_token', 'client_credentials'], 'tokenType': 'JWT', 'username': 'admin'}


@pytest.fixture(autouse=True)
def no_iots_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)


@pytest.fixture
def run(run_module):
    def run_register(check_mode=False, diff=False, **args):
        options = dict(url=URL, username='admin', password=PASSWORD, application_name=NAME)
        options.update(args)
        options = dict((k, v) for k, v in options.items() if v is not None)
        return run_module(iots_app_register, options, check_mode=check_mode, diff=diff)

    return run_register


def sent_body(call):
    return call['json']


def assert_one_line_failure(result, *words):
    assert result.exit_code == 1 and result.failed
    message = result['msg']
    assert '\n' not in message and 'Traceback' not in message
    for word in words:
        assert word in message, message
    assert PASSWORD not in result.stdout
    assert CLIENT_SECRET not in result.stdout


# ---------------------------------------------------------------------------- registration and changed


class TestRegistration(object):
    def test_first_registration_is_a_change_and_returns_the_keys(self, run, iots_http):
        http = iots_http((201, KEYS))
        result = run()
        assert result.exit_code == 0
        assert result['changed'] is True
        assert (result['client_id'], result['client_secret'], result['application_name']) == (CLIENT_ID, CLIENT_SECRET, NAME)
        assert len(http.calls) == 1
        call = http.calls[0]
        assert (call['method'], call['url']) == ('POST', REGISTER_URL)
        assert call['auth'] == ('admin', PASSWORD)
        assert sent_body(call) == dict(ENTGRA_FIELDS, applicationName=NAME, tags=['device_management'])
        assert call['verify'] is True

    def test_same_client_id_returned_is_no_change(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=CLIENT_ID)
        assert result['changed'] is False
        assert (result['client_id'], result['client_secret']) == (CLIENT_ID, CLIENT_SECRET)

    def test_other_client_id_returned_is_a_change(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=OLD_CLIENT_ID)
        assert result['changed'] is True
        assert result['client_id'] == CLIENT_ID
        assert result['client_id_changed'] is True
        warning = ' '.join(result.warnings)
        assert 'new client_id for application %s (%s, was %s)' % (NAME, CLIENT_ID, OLD_CLIENT_ID) in warning
        assert 'no longer work' in warning and CLIENT_SECRET not in warning

    def test_same_or_unknown_client_id_gives_no_warning(self, run, iots_http):
        iots_http((201, KEYS), (201, KEYS))
        # Module warnings pile up in one process: a name of its own tells this test's apart.
        for held in (CLIENT_ID, None):
            result = run(client_id=held, application_name='ansible_unit_unchanged')
            assert result['client_id_changed'] is False
            assert not any('ansible_unit_unchanged' in warning for warning in result.warnings), result.warnings

    def test_grant_types_and_token_type_are_sent_as_given(self, run, iots_http):
        http = iots_http((201, KEYS))
        run(grant_types=['refresh_token', 'password', 'refresh_token'], token_type='DEFAULT')
        body = sent_body(http.calls[0])
        assert body['supportedGrantTypes'] == ['refresh_token', 'password']
        assert body['tokenType'] == 'DEFAULT'
        assert 'callbackUrl' not in body and 'password' not in body

    def test_authorization_code_with_callback_url(self, run, iots_http):
        http = iots_http((201, KEYS))
        run(grant_types=['authorization_code', 'refresh_token'], callback_url='https://app.example.com/cb')
        assert sent_body(http.calls[0])['callbackUrl'] == 'https://app.example.com/cb'

    def test_empty_client_id_counts_as_unknown(self, run, iots_http):
        iots_http((201, KEYS))
        assert run(client_id='')['changed'] is True

    def test_optional_fields_are_sent_only_when_set(self, run, iots_http):
        http = iots_http((201, KEYS))
        run(allowed_to_all_domains=False, validity_period=7200, tags=[' android', 'device_management', 'android'])
        assert sent_body(http.calls[0]) == dict(
            ENTGRA_FIELDS, applicationName=NAME, tags=['android', 'device_management'], isAllowedToAllDomains=False, validityPeriod='7200'
        )

    def test_tenant_user_logs_in_with_its_domain(self, run, iots_http):
        http = iots_http((201, KEYS))
        result = run(username='devops@tenant.com')
        assert result['changed'] is True
        assert http.calls[0]['auth'] == ('devops@tenant.com', PASSWORD)

    def test_tls_options_reach_the_request(self, run, iots_http, tmp_path):
        (tmp_path / 'ca.pem').write_text('a CA certificate')
        http = iots_http((201, KEYS))
        run(url=URL + '/', ca_path=str(tmp_path / 'ca.pem'), timeout=9)
        call = http.calls[0]
        assert call['url'] == REGISTER_URL  # trailing slash removed: IoTS answers /register/ with 403
        assert (call['verify'], call['timeout']) == (str(tmp_path / 'ca.pem'), 9)

    def test_validate_certs_false(self, run, iots_http):
        http = iots_http((201, KEYS))
        run(validate_certs=False)
        assert http.calls[0]['verify'] is False

    def test_plain_http_warns(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(url='http://iots.example.com:8280')
        assert result['changed'] is True
        assert any('plain http' in warning for warning in result.warnings)

    def test_options_from_the_environment(self, run_module, iots_http, monkeypatch):
        http = iots_http((201, KEYS))
        monkeypatch.setenv('IOTS_URL', URL)
        monkeypatch.setenv('IOTS_USERNAME', 'operator')
        monkeypatch.setenv('IOTS_PASSWORD', PASSWORD)
        monkeypatch.setenv('IOTS_CLIENT_ID', CLIENT_ID)
        result = run_module(iots_app_register, {'application_name': NAME})
        assert result['changed'] is False
        assert http.calls[0]['auth'] == ('operator', PASSWORD)
        assert PASSWORD not in result.stdout

    def test_group_defaults_with_client_secret_and_token_path_are_accepted(self, run, iots_http):
        # module_defaults for group/wso2.iots.iots carry these for the token module.
        iots_http((201, KEYS))
        result = run(client_id=CLIENT_ID, client_secret='0ther-Secret-Value', token_path='/oauth2/token')
        assert result['changed'] is False
        assert result['client_secret'] == CLIENT_SECRET


# ---------------------------------------------------------------------------- secrets in the output


class TestSecrets(object):
    def test_password_never_appears_and_echoed_arguments_are_masked(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=CLIENT_ID)
        assert PASSWORD not in result.stdout
        args = result['invocation']['module_args']
        assert args['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
        assert args['client_id'] == CLIENT_ID  # not a secret: shown, and not masked elsewhere

    def test_returned_secret_equal_to_a_no_log_input_is_not_masked(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        assert result['client_secret'] == CLIENT_SECRET
        assert result['invocation']['module_args']['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
        assert result.stdout.count(CLIENT_SECRET) == 1  # only the return value itself

    def test_diff_never_shows_the_secret(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=OLD_CLIENT_ID, diff=True)
        assert CLIENT_SECRET not in json.dumps(result['diff'])
        assert result['diff'] == {
            'before': {'application_name': NAME, 'tags': ['device_management'], 'client_id': OLD_CLIENT_ID},
            'after': {'application_name': NAME, 'tags': ['device_management'], 'client_id': CLIENT_ID},
        }

    def test_diff_without_known_client_id_starts_empty(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(diff=True)
        assert result['diff']['before'] == {}
        assert result['diff']['after']['client_id'] == CLIENT_ID

    def test_diff_of_an_unchanged_registration_shows_no_difference(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(client_id=CLIENT_ID, diff=True)
        assert result['changed'] is False
        assert result['diff']['before'] == result['diff']['after']

    def test_no_diff_unless_asked(self, run, iots_http):
        iots_http((201, KEYS))
        assert 'diff' not in run()


# ---------------------------------------------------------------------------- check mode


class TestCheckMode(object):
    def test_sends_nothing_and_predicts_a_change_without_client_id(self, run, iots_http):
        http = iots_http((201, KEYS))
        result = run(check_mode=True, diff=True)
        assert http.calls == []
        assert result['changed'] is True
        assert result['client_id'] is None
        assert 'client_secret' not in result
        assert result['diff']['before'] == {}
        assert result['diff']['after'] == {'application_name': NAME, 'tags': ['device_management'], 'client_id': iots_app_register.UNKNOWN_CLIENT_ID}

    def test_predicts_no_change_with_client_id(self, run, iots_http):
        http = iots_http((201, KEYS))
        result = run(check_mode=True, diff=True, client_id=CLIENT_ID)
        assert http.calls == []
        assert result['changed'] is False
        assert result['client_id'] == CLIENT_ID
        assert result['diff']['before'] == result['diff']['after']

    def test_still_validates_the_input(self, run, iots_http):
        http = iots_http((201, KEYS))
        result = run(check_mode=True, tags=[])
        assert_one_line_failure(result, 'tags must not be empty')
        assert http.calls == []


# ---------------------------------------------------------------------------- input validation


class TestValidation(object):
    @pytest.mark.parametrize(
        'name',
        [
            '',
            ' ',
            'two words',
            "app'; DROP TABLE AM_APPLICATION;--",
            'app%',
            '_leading',
            '-leading',
            'x' * 71,
            'caf\u00e9',
        ],
    )
    def test_unsafe_application_names_fail_before_any_request(self, run, iots_http, name):
        http = iots_http((201, KEYS))
        result = run(application_name=name)
        assert_one_line_failure(result, 'application_name', 'LIKE')
        assert http.calls == []

    @pytest.mark.parametrize('name', ['a', 'App-1.2_x', 'x' * 70, '9lives'])
    def test_safe_application_names_pass(self, run, iots_http, name):
        iots_http((201, KEYS))
        assert run(application_name=name)['application_name'] == name

    @pytest.mark.parametrize(
        'tags, words',
        [
            ([], 'tags must not be empty'),
            ([''], 'non-empty strings'),
            (['device_management', '  '], 'non-empty strings'),
        ],
    )
    def test_bad_tags_fail_before_any_request(self, run, iots_http, tags, words):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(tags=tags), words)
        assert http.calls == []

    @pytest.mark.parametrize(
        'args, words',
        [
            ({'grant_types': []}, 'grant_types must not be empty'),
            ({'grant_types': ['password', 'magic']}, 'grant_types'),
            ({'grant_types': ['authorization_code']}, 'authorization_code needs a callback URL'),
            ({'token_type': 'OPAQUE'}, 'token_type'),
            ({'token_type': 'jwt'}, 'token_type'),
            ({'server_flavor': 'entgra7'}, 'server_flavor'),
        ],
    )
    def test_bad_entgra_fields_fail_before_any_request(self, run, iots_http, args, words):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(**args), words)
        assert http.calls == []

    @pytest.mark.parametrize('period', [0, -1])
    def test_validity_period_must_be_positive(self, run, iots_http, period):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(validity_period=period), 'validity_period')
        assert http.calls == []

    @pytest.mark.parametrize('option', ['username', 'password'])
    def test_empty_credentials_fail_before_any_request(self, run, iots_http, option):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(**{option: ''}), '%s must not be empty' % option)
        assert http.calls == []

    @pytest.mark.parametrize('option', ['url', 'username', 'password', 'application_name'])
    def test_required_options(self, run_module, iots_http, option):
        http = iots_http((201, KEYS))
        args = dict(url=URL, username='admin', password=PASSWORD, application_name=NAME)
        del args[option]
        result = run_module(iots_app_register, args)
        assert result.failed
        assert 'missing required arguments: %s' % option in result['msg']
        assert http.calls == []

    @pytest.mark.parametrize(
        'url, words',
        [
            ('iots.example.com:8243', 'must start with https://'),
            ('https://', 'no host name'),
            ('https://admin:%s@iots.example.com:8243' % PASSWORD, 'must not contain user:password@'),
        ],
    )
    def test_bad_url_fails_before_any_request(self, run, iots_http, url, words):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(url=url), words)
        assert http.calls == []

    def test_bad_timeout_fails_before_any_request(self, run, iots_http):
        http = iots_http((201, KEYS))
        assert_one_line_failure(run(timeout=0), 'timeout')
        assert http.calls == []

    def test_missing_requests_library_fails_clearly(self, run, iots_http, monkeypatch):
        http = iots_http((201, KEYS))
        monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
        result = run()
        assert result.failed
        assert 'requests' in result['msg']
        assert http.calls == []

    def test_unknown_option_is_refused(self, run, iots_http):
        iots_http((201, KEYS))
        result = run(state='absent')
        assert result.failed
        assert 'state' in result['msg']


# ---------------------------------------------------------------------------- every error branch


class TestErrors(object):
    def test_wrong_password(self, run, iots_http):
        # The authenticator answers plain text under application/xml (or the Accept sent).
        iots_http((401, 'Failed to authorize incoming request.', 'application/xml', {'WWW-Authenticate': 'Basic'}))
        result = run()
        assert_one_line_failure(
            result, 'POST %s failed: HTTP 401 Failed to authorize incoming request.' % REGISTER_URL, 'Check username and password', 'user@tenant.com'
        )
        assert (result['status'], result['url'], result['method']) == (401, REGISTER_URL, 'POST')
        assert result['description'] == 'Failed to authorize incoming request.'

    def test_missing_permission_names_it(self, run, iots_http):
        iots_http((403, ''))
        result = run(username='guest')
        assert_one_line_failure(result, 'POST %s failed: HTTP 403 empty body.' % REGISTER_URL, 'User guest', PERMISSION, 'admin role')
        assert result['status'] == 403

    def test_rejected_tags_quote_the_server(self, run, iots_http):
        iots_http((406, 'APIs(Tags) are not allowed to this user.'))
        result = run(tags=['nope'])
        assert_one_line_failure(result, 'HTTP 406 APIs(Tags) are not allowed to this user.', 'device_management')
        assert result['description'] == 'APIs(Tags) are not allowed to this user.'

    def test_entgra_refusing_the_token_type_quotes_the_server(self, run, iots_http):
        message = 'Can not find a token type associated with provided token type JWT'
        iots_http((400, message))
        result = run()
        assert_one_line_failure(result, 'HTTP 400 %s' % message, 'token_type (JWT or DEFAULT)')

    def test_server_failure_false(self, run, iots_http):
        iots_http((500, 'false'))
        result = run()
        assert_one_line_failure(result, 'POST %s failed: HTTP 500 false' % REGISTER_URL, 'server logs')
        assert result['status'] == 500

    def test_gateway_fault_when_the_backend_is_down(self, run, iots_http):
        fault = {
            'fault': {
                'code': 101503,
                'type': 'Status report',
                'message': 'Runtime Error',
                'description': 'Error occurred while invoking api application registration endpoint',
            }
        }
        iots_http((500, fault))
        result = run()
        assert_one_line_failure(result, 'HTTP 500 101503: Runtime Error: Error occurred while invoking api')
        assert result['error'] == '101503'

    def test_gateway_unavailable_is_retried_then_reported(self, run, iots_http, retry_sleeps):
        fault = '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>503</am:code><am:message>Service Unavailable</am:message></am:fault>'
        http = iots_http((503, fault, 'application/xml'))
        result = run()
        assert_one_line_failure(result, 'HTTP 503 Service Unavailable')
        assert len(http.calls) == 3
        assert retry_sleeps == [0.5, 1.0]

    def test_gateway_unavailable_once_is_absorbed(self, run, iots_http):
        http = iots_http((502, ''), (201, KEYS))
        result = run(client_id=CLIENT_ID)
        assert result['changed'] is False
        assert len(http.calls) == 2

    def test_tls_verification_failure_suggests_ca_path(self, run, iots_http):
        iots_http(
            requests.exceptions.SSLError(
                "HTTPSConnectionPool(host='iots.example.com', port=8243): Max retries exceeded (Caused by "
                "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                "self-signed certificate (_ssl.c:1000)')))"
            )
        )
        result = run()
        assert_one_line_failure(
            result, 'POST %s failed: TLS verification failed' % REGISTER_URL, 'certificate verify failed', 'ca_path', 'validate_certs: false'
        )
        assert 'status' not in result

    def test_connection_refused(self, run, iots_http, retry_sleeps):
        http = iots_http(
            requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded (Caused by NewConnectionError("
                "'Failed to establish a new connection: [Errno 111] Connection refused'))"
            )
        )
        result = run()
        assert_one_line_failure(result, 'POST %s failed: connection failed (connection refused).' % REGISTER_URL, 'Check that url points at the IoTS gateway')
        assert len(http.calls) == 3

    def test_timeout(self, run, iots_http):
        http = iots_http(requests.exceptions.ReadTimeout('Read timed out. (read timeout=5)'))
        result = run(timeout=5)
        assert_one_line_failure(result, 'POST %s failed: no answer within 5 s (timeout).' % REGISTER_URL)
        assert len(http.calls) == 1

    @pytest.mark.parametrize('body', [{'client_id': CLIENT_ID}, {'client_secret': CLIENT_SECRET}, {}, [], 'null'])
    def test_answer_without_both_keys(self, run, iots_http, body):
        iots_http((201, body))
        result = run()
        assert result.failed
        assert 'answered without client_id and client_secret' in result['msg']
        assert CLIENT_SECRET not in result.stdout

    def test_cut_off_answer_quotes_no_key(self, run, iots_http):
        iots_http((201, '{"client_secret":"%s","client_id":"Ad9i' % CLIENT_SECRET))
        result = run()
        assert_one_line_failure(result, 'answered HTTP 201 but its body is not the expected JSON', 'malformed JSON')

    def test_html_error_page(self, run, iots_http):
        iots_http((500, '<html><head><title>Apache Tomcat - Error report</title></head></html>', 'text/html'))
        assert_one_line_failure(run(), 'HTTP 500 HTML page: Apache Tomcat - Error report')

    def test_server_echoing_the_password_is_redacted(self, run, iots_http):
        iots_http((400, 'Bad credentials admin:%s' % PASSWORD, 'text/plain'))
        result = run()
        assert_one_line_failure(result, 'HTTP 400 Bad credentials admin:')


# ---------------------------------------------------------------------------- documentation


class TestDocumentation(object):
    @pytest.fixture(scope='class')
    @classmethod
    def docs(cls):
        """The documentation as ansible-doc renders it, doc fragments merged.

        Run in a subprocess: importing Ansible's controller code here would change how every later
        module test in this process reports warnings.
        """
        ansible_doc = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
        completed = subprocess.run([ansible_doc, '-t', 'module', '--json', 'wso2.iots.iots_app_register'], capture_output=True, text=True, check=True)
        rendered = json.loads(completed.stdout)['wso2.iots.iots_app_register']
        return rendered['doc'], yaml.safe_load(rendered['examples']), rendered['return']

    def test_documented_options_match_the_argument_spec(self, docs):
        doc, _examples, _returns = docs
        spec = iots_app_register.argument_spec()
        assert set(doc['options']) == set(spec)
        for name, option in spec.items():
            documented = doc['options'][name]
            assert documented.get('type', 'str') == option.get('type', 'str'), name
            assert documented.get('required', False) == option.get('required', False), name
            assert documented.get('default') == option.get('default'), name
            assert documented.get('elements') == option.get('elements'), name

    def test_only_secrets_are_no_log(self):
        spec = iots_app_register.argument_spec()
        assert sorted(name for name, option in spec.items() if option.get('no_log')) == ['client_secret', 'password']

    def test_attributes_and_action_group(self, docs):
        doc, _examples, _returns = docs
        assert doc['attributes']['check_mode']['support'] == 'full'
        assert doc['attributes']['diff_mode']['support'] == 'full'
        assert doc['attributes']['action_group']['membership'] == ['wso2.iots.iots']
        assert doc['version_added'] == '1.0.0'

    def test_examples_use_fqcn_hide_the_secret_and_show_the_group(self, docs):
        _doc, examples, _returns = docs
        tasks = []
        for task in examples:
            tasks.append(task)
            tasks.extend(task.get('block', []))
        registers = [task for task in tasks if 'wso2.iots.iots_app_register' in task]
        assert registers and all(task.get('no_log') is True for task in registers)
        assert not any('iots_app_register' in task for task in tasks)  # never the short name
        assert any('group/wso2.iots.iots' in task.get('module_defaults', {}) for task in examples)

    def test_return_values_have_samples(self, docs):
        _doc, _examples, returns = docs
        for key in ('client_id', 'client_secret', 'application_name'):
            assert 'sample' in returns[key]
