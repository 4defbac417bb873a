# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The body parser and the error type: every shape of IoTS answer becomes one line of words."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._errors import (
    MASK,
    IotsError,
    IotsOptionError,
    IotsScopeError,
    describe_body,
    redact,
)

AM_FAULT = (
    '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>101503</am:code>'
    '<am:type>Status report</am:type><am:message>Runtime Error</am:message>'
    '<am:description>Error occurred while invoking api application registration endpoint</am:description>'
    '</am:fault>'
)
AMS_FAULT = (
    '<ams:fault xmlns:ams="http://wso2.org/apimanager/security"><ams:code>900902</ams:code>'
    '<ams:message>Missing Credentials</ams:message>'
    '<ams:description>Required OAuth credentials not provided.</ams:description></ams:fault>'
)
TOMCAT_PAGE = (
    '<!doctype html><html lang="en"><head><title>HTTP Status 500 \u2013 Internal Server Error</title>'
    '<style type="text/css">h1 {color:white}</style></head><body><h1>HTTP Status 500</h1>'
    '<p>java.lang.IllegalArgumentException: Illegal base64 character</p></body></html>'
)


class TestDescribeBody(object):
    @pytest.mark.parametrize(
        'body, expected',
        [
            # registration 406: plain text, labelled application/json by the server
            ('Tags should not be empty', (None, 'Tags should not be empty')),
            ('APIs(Tags) are not allowed to this user.', (None, 'APIs(Tags) are not allowed to this user.')),
            # authenticator 401: plain text labelled application/xml
            ('Failed to authorize incoming request.', (None, 'Failed to authorize incoming request.')),
            # device service failure: plain text 500
            ('Failed to access user space.', (None, 'Failed to access user space.')),
        ],
    )
    def test_plain_text_is_quoted_whatever_the_label(self, body, expected):
        # the parser never sees the Content-Type, so the label cannot mislead it
        assert describe_body(body) == expected

    @pytest.mark.parametrize('body', ['', '   ', '\n', None])
    def test_empty_body_says_so(self, body):
        assert describe_body(body) == (None, 'empty body')

    def test_json_false_means_a_server_failure_without_details(self):
        code, description = describe_body('false')
        assert code is None
        assert description.startswith('false')
        assert 'logs' in description

    @pytest.mark.parametrize(
        'body',
        [
            '{"error_description":"Client Authentication failed.","error":"unauthorized_client"}',
            '{"error":"unauthorized_client","error_description":"Client Authentication failed."}',
            ' {"error" : "unauthorized_client", "error_description" : "Client Authentication failed."}\n',
        ],
    )
    def test_oauth_error_is_read_by_member_not_key_order(self, body):
        # revoke 401: JSON labelled text/html
        assert describe_body(body) == ('unauthorized_client', 'Client Authentication failed.')

    def test_oauth_error_without_description(self):
        assert describe_body('{"error":"server_error"}') == ('server_error', None)

    def test_xml_gateway_fault(self):
        assert describe_body(AM_FAULT) == ('101503', 'Runtime Error: Error occurred while invoking api application registration endpoint')

    def test_xml_api_security_fault(self):
        assert describe_body(AMS_FAULT) == ('900902', 'Missing Credentials: Required OAuth credentials not provided.')

    def test_xml_fault_with_xml_declaration_and_whitespace(self):
        body = '<?xml version="1.0" encoding="UTF-8"?>\n  ' + AM_FAULT.replace('><', '>\n  <') + '\n'
        code, description = describe_body(body)
        assert code == '101503'
        assert description.startswith('Runtime Error: Error occurred')

    def test_json_gateway_fault(self):
        body = (
            '{"fault":{"code":900901,"message":"Invalid Credentials","description":"Access failure for API: '
            '/api/device-mgt/v1.0, version: 1.0.0 status: (900901) - Invalid Credentials."}}'
        )
        code, description = describe_body(body)
        assert code == '900901'
        assert description.startswith('Invalid Credentials: Access failure for API: /api/device-mgt/v1.0')

    def test_json_gateway_fault_without_words(self):
        assert describe_body('{"fault":{"code":900900}}') == ('900900', None)

    def test_json_message_shape_code_is_text_even_when_zero(self):
        assert describe_body('{"code": 0, "message": "Bad request"}') == ('0', 'Bad request')
        assert describe_body('{"message": "No such device"}') == (None, 'No such device')

    def test_html_error_page_gives_its_title(self):
        assert describe_body(TOMCAT_PAGE) == (None, 'HTML page: HTTP Status 500 \u2013 Internal Server Error')

    def test_html_without_title_gives_its_text(self):
        assert describe_body('<html><body><p>Bad\n gateway</p></body></html>') == (None, 'Bad gateway')

    def test_cut_off_markup_gives_its_text(self):
        body = '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>101503</am:code><am:message>Runtime Er'
        assert describe_body(body) == (None, '101503 Runtime Er')

    def test_truncated_json_is_reported_as_malformed(self):
        code, description = describe_body('{"error":"invalid_grant","error_descr')
        assert code is None
        assert description.startswith('malformed JSON')

    def test_unknown_json_shape_is_shown_compactly(self):
        assert describe_body('{"b": 1,\n "a": [1, 2]}') == (None, '{"a": [1, 2], "b": 1}')

    def test_long_text_is_cut_to_one_short_line(self):
        code, description = describe_body('line one\nline two\t' + 'x' * 500)
        assert code is None
        assert '\n' not in description and '\t' not in description
        assert description.startswith('line one line two x')
        assert description.endswith('...')
        assert len(description) <= 210


class TestIotsError(object):
    def test_str_is_the_message_and_the_hint_on_one_line(self):
        error = IotsError('POST https://h/register failed: HTTP 401 Failed to authorize incoming request.', url='https://h/register', method='POST', status=401)
        assert str(error) == 'POST https://h/register failed: HTTP 401 Failed to authorize incoming request.'
        assert error.with_hint('Check username and password.') is error
        assert str(error) == ('POST https://h/register failed: HTTP 401 Failed to authorize incoming request. Check username and password.')
        assert '\n' not in str(error)

    def test_to_result_has_only_the_known_fields(self):
        error = IotsError(
            'm', url='https://h/token', method='POST', status=400, error='invalid_grant', description='Authentication failed for admin@carbon.super', hint='h'
        )
        assert error.to_result() == {
            'url': 'https://h/token',
            'method': 'POST',
            'status': 400,
            'error': 'invalid_grant',
            'description': 'Authentication failed for admin@carbon.super',
        }
        assert IotsError('m').to_result() == {}

    def test_scope_error_keeps_the_scope_lists(self):
        error = IotsScopeError('missing', ['perm:a'], ['perm:b'], hint='give permissions')
        assert isinstance(error, IotsError)
        assert error.missing_scopes == ['perm:a']
        assert error.granted_scopes == ['perm:b']
        assert str(error) == 'missing give permissions'

    def test_option_error_is_an_iots_error(self):
        assert isinstance(IotsOptionError('bad'), IotsError)


class TestRedact(object):
    def test_every_secret_is_masked(self):
        text = 'user admin password s3cr3t-pw secret AbCdEfGh token 1234-5678'
        assert redact(text, ['s3cr3t-pw', 'AbCdEfGh', '1234-5678']) == ('user admin password %s secret %s token %s' % (MASK, MASK, MASK))

    def test_longest_secret_first_so_no_part_survives(self):
        # If "abcd" were replaced first, "abcdefgh" would leave "efgh" behind.
        assert redact('x abcdefgh y', ['abcd', 'abcdefgh']) == 'x %s y' % MASK

    def test_empty_and_missing_secrets_are_ignored(self):
        assert redact('text', [None, '', 'zzzz']) == 'text'
        assert redact('', ['abcd']) == ''
        assert redact(None, ['abcd']) is None

    def test_very_short_values_are_not_treated_as_secrets(self):
        # Masking "a" would mangle every message; such a password is caught elsewhere anyway.
        assert redact('a cat', ['a']) == 'a cat'
