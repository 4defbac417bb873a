# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""What a request gets instead of its normal answer while a fault is set (see README.md).

Bodies are what the real gateway sends when its backend is down or broken: Synapse
``<am:fault>`` Runtime Errors (always XML on /token and /revoke; in the request's format on
/api-application-registration), ``false`` for a failing APIM Store behind /register, Tomcat
error pages. The broken-transport kinds (truncated, empty, drop, hang) have no IoTS source;
they are what a proxy or a crashing server can do to a client.
"""

from . import bodies
from .exchange import Reply

# Synapse error codes of the fault sequence, by the status the gateway answers with.
SYNAPSE_CODES = {500: 101500, 502: 101503, 503: 101503, 504: 101504}
SYNAPSE_DESCRIPTIONS = {
    500: 'Error in Sender',
    502: 'Error connecting to the back end',
    503: 'Error connecting to the back end',
    504: 'Send timeout',
}
REGISTRATION_FAULT = 'Error occurred while invoking api application registration endpoint'

TRUNCATED = {
    'register': '{"client_secret":"nboXPDTm9S1cK1yPbh',
    'token': '{"access_token":"5d1c3b2e-4a4f-3c1e-9f0a-',
    'revoke': '{"error_description":"Client Auth',
    'api': '{"devices":[{"id":1,"name":"dev',
}

HANG_LIMIT = 120.0


def _gateway_fault(endpoint, request, status):
    code = SYNAPSE_CODES.get(status, status)
    if endpoint == 'register':
        # _api_registration_fault_ keeps the request's message type: JSON for a JSON POST.
        as_json = request.media_type == 'application/json' or request.accepts_json()
        return bodies.am_fault(status, code, 'Runtime Error', REGISTRATION_FAULT, as_json)
    if endpoint == 'api':
        return bodies.am_fault(status, code, 'Runtime Error', SYNAPSE_DESCRIPTIONS.get(status, 'Runtime Error'), request.accepts_json())
    # _token_fault_ forces application/xml.
    return bodies.am_fault(status, code, 'Runtime Error', SYNAPSE_DESCRIPTIONS.get(status, 'Runtime Error'), False)


def fault_reply(fault, endpoint, request):
    """The Reply for ``fault`` on ``endpoint`` ('register', 'token', 'revoke', 'api' or None)."""
    kind = fault.kind
    if kind == 'status':
        if endpoint == 'register' and fault.status == 500:
            return Reply(500, 'false', 'application/json')  # APIManagerException in the service
        return _gateway_fault(endpoint, request, fault.status)
    if kind == 'xml_fault':
        return _gateway_fault(endpoint, request, 500)
    if kind == 'html':
        return bodies.tomcat_error_page(500, detail='java.lang.NullPointerException')
    if kind == 'truncated_json':
        return Reply(200, TRUNCATED.get(endpoint, '{"fault":{"code":'), 'application/json')
    if kind == 'empty':
        return Reply(200, b'', 'application/json')
    if kind == 'invalid_body':
        return Reply(200, 'Service temporarily unavailable, try again later', 'application/json')
    if kind in ('drop', 'hang'):
        return Reply(200, TRUNCATED.get(endpoint, '{"fault":{"code":'), 'application/json', action=kind)
    raise ValueError('unknown fault kind %r' % kind)
