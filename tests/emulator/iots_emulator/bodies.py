# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The bodies IoTS answers with, each in the shape and Content-Type the real server uses.

See wso2-iots-3.2.0.md section 1: OAuth errors are Oltu JSON, gateway faults are ``<am:fault>``
(Synapse sequences) or ``<ams:fault>`` (API security), the device-mgt API answers Gson JSON,
and an unhandled exception in a Tomcat webapp becomes an HTML error page.
"""

import json
from xml.sax.saxutils import escape

from .exchange import Reply

AM_NAMESPACE = 'http://wso2.org/apimanager'
AMS_NAMESPACE = 'http://wso2.org/apimanager/security'

# The IoTS keymanager's carbon.xml HostName; the OAuth endpoints put it in WWW-Authenticate.
REALM = 'Basic realm=localhost'


def _compact(data):
    return json.dumps(data, separators=(',', ':'))


def oauth_error(status, error, description, content_type='application/json', realm=False, headers=None):
    """An Oltu error body. Oltu keeps the members in a HashMap; IoTS prints description first."""
    extra = list(headers or [])
    if realm:
        extra.append(('WWW-Authenticate', REALM))
    body = _compact({'error_description': description, 'error': error})
    return Reply(status, body, content_type, extra)


def am_fault(status, code, message, description, as_json):
    """A Synapse gateway fault (main, fault, _token_fault_, _api_registration_fault_ sequences)."""
    if as_json:
        return Reply.json(status, {'fault': {'code': code, 'type': 'Status report', 'message': message, 'description': description}})
    body = (
        '<am:fault xmlns:am="%s"><am:code>%s</am:code><am:type>Status report</am:type>'
        '<am:message>%s</am:message><am:description>%s</am:description></am:fault>' % (AM_NAMESPACE, code, escape(message), escape(description))
    )
    return Reply(status, body, 'application/xml')


def not_found(request):
    """The gateway's main sequence for a URL no API matches.

    XML for GET/DELETE; for POST/PUT/PATCH Synapse serializes the fault in the request's content
    type, so a JSON request gets JSON.
    """
    as_json = request.method in ('POST', 'PUT', 'PATCH') and request.media_type == 'application/json'
    return am_fault(404, 404, 'Not Found', 'The requested resource (%s) is not available.' % request.path, as_json)


def method_not_allowed():
    """Synapse answers a method the API resource does not declare with 405 and no body."""
    return Reply.empty(405)


def ams_fault(status, code, message, description, as_json, headers=None):
    """The API gateway's authentication/authorization failure (APIAuthenticationHandler)."""
    if as_json:
        reply = Reply.json(status, {'fault': {'code': code, 'message': message, 'description': description}})
    else:
        body = '<ams:fault xmlns:ams="%s"><ams:code>%s</ams:code><ams:message>%s</ams:message><ams:description>%s</ams:description></ams:fault>' % (
            AMS_NAMESPACE,
            code,
            escape(message),
            escape(description),
        )
        reply = Reply(status, body, 'application/xml')
    reply.headers.extend(headers or [])
    return reply


def tomcat_error_page(status=500, reason='Internal Server Error', detail=''):
    """Tomcat 7's error report valve, as a webapp's unhandled exception produces it."""
    body = (
        '<html><head><title>Apache Tomcat/7.0.85 - Error report</title><style><!--H1 {font-family:Tahoma,'
        'Arial,sans-serif;color:white;background-color:#525D76;font-size:22px;} BODY {font-family:Tahoma,'
        'Arial,sans-serif;color:black;background-color:white;}--></style> </head><body>'
        '<h1>HTTP Status %(status)d - %(detail)s</h1><HR size="1" noshade="noshade"><p><b>type</b> Exception '
        'report</p><p><b>message</b> <u>%(detail)s</u></p><p><b>description</b> <u>The server encountered an '
        'internal error that prevented it from fulfilling this request.</u></p><p><b>exception</b> '
        '<pre>java.lang.IllegalArgumentException: %(detail)s</pre></p><HR size="1" noshade="noshade">'
        '<h3>Apache Tomcat/7.0.85</h3></body></html>' % {'status': status, 'detail': escape(detail or reason)}
    )
    return Reply(status, body, 'text/html;charset=utf-8')


def device_mgt_error(status, message, description=None):
    """org.wso2.carbon.device.mgt.jaxrs.beans.ErrorResponse through Gson (nulls left out)."""
    data = {'code': status, 'message': message}
    if description is not None:
        data['description'] = description
    data['errorItems'] = []
    return Reply.json(status, data)


def internal_server_error():
    """GlobalThrowableMapper's answer to an unexpected exception in a device-mgt resource."""
    return Reply.json(
        500,
        {
            'code': 500,
            'message': 'Internal server error.',
            'description': 'The server encountered an internal error. Please contact administrator.',
            'moreInfo': '',
        },
    )
