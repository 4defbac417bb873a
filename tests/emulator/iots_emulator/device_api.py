# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/api/device-mgt/v1.0: the gateway's Bearer checks, then a small slice of the device-mgt API.

Gateway (APIAuthenticationHandler, wso2-iots-3.2.0.md 1.5): no credentials -> 401/900902;
unknown, revoked, superseded or expired token -> 401/900901; application not subscribed to the
API (no matching registration tag) -> 403/900908; token without the resource's scope -> 403/900910.
Backend: carbon-device-mgt 3.0.240's DeviceManagementService, DeviceTypeManagementService and
DeviceAgentService, serialized by its GsonMessageBodyHandler.
"""

import re
from urllib.parse import unquote

from . import bodies, entgra
from .directory import split_username
from .exchange import Reply
from .store import Device

CONTEXT = '/api/device-mgt/v1.0'
VERSION = '1.0.0'
DEFAULT_PAGE_SIZE = 100


class Api(object):
    """A published API: its context and the registration tags that subscribe an app to it."""

    def __init__(self, context, tags):
        self.context = context
        self.tags = frozenset(tags)


DEVICE_MANAGEMENT = Api(CONTEXT, ('device_management',))
DEVICE_AGENT = Api(CONTEXT + '/device/agent', ('device_agent', 'device_management'))

GATEWAY_REALM = 'OAuth2 realm="WSO2 API Manager"'


class Route(object):
    def __init__(self, method, pattern, scope, api, handler):
        self.method = method
        self.pattern = re.compile('^' + pattern + '/?$')
        self.scope = scope
        self.api = api
        self.handler = handler


def _access_failure(api, code, text):
    return 'Access failure for API: %s, version: %s status: (%d) - %s' % (api.context, VERSION, code, text)


def missing_credentials(request):
    return bodies.ams_fault(
        401, 900902, 'Missing Credentials',
        'Required OAuth credentials not provided. Make sure your API invocation call has a header: '
        '"Authorization: Bearer ACCESS_TOKEN"', request.accepts_json(), headers=[('WWW-Authenticate', GATEWAY_REALM)])


def invalid_credentials(request, api):
    return bodies.ams_fault(
        401, 900901, 'Invalid Credentials',
        _access_failure(api, 900901, 'Invalid Credentials. Make sure you have given the correct access token'),
        request.accepts_json(),
        headers=[('WWW-Authenticate',
                  GATEWAY_REALM + ', error="invalid_token", error_description="The access token expired"')])


def resource_forbidden(request, api):
    # APISecurityConstants.API_AUTH_FORBIDDEN_MESSAGE has the trailing space.
    return bodies.ams_fault(403, 900908, 'Resource forbidden ',
                            _access_failure(api, 900908, 'Resource forbidden '), request.accepts_json())


def scope_missing(request, api):
    text = 'The access token does not allow you to access the requested resource'
    return bodies.ams_fault(403, 900910, text, _access_failure(api, 900910, text), request.accepts_json())


def _bearer(request):
    """The token of an ``Authorization: Bearer`` header (APIM's OAuthAuthenticator), or None."""
    for part in (request.header('Authorization') or '').split(','):
        part = part.strip()
        if part.startswith('Bearer '):
            return part[len('Bearer '):].strip() or None
    return None


def handle(state, request):
    sub_path = request.path[len(CONTEXT):]
    route, args = _match(sub_path, request.method)
    if route is None:
        if args:  # the path exists with another method
            return bodies.method_not_allowed()
        return bodies.not_found(request)
    token_value = _bearer(request)
    if token_value is None:
        return missing_credentials(request)
    with state.lock:
        row = state.tokens_by_access.get(token_value)
        if row is None or not row.valid_for_api(state.now()):
            return invalid_credentials(request, route.api)
        app = state.apps_by_client.get(row.client_id)
        if app is None or not app.tags & route.api.tags:
            return resource_forbidden(request, route.api)
        if entgra.api_scope(state, route.scope) not in row.scopes:
            return scope_missing(request, route.api)
        return route.handler(state, request, row.user, *args)


def _match(sub_path, method):
    """(route, path arguments); (None, True) when only the method differs; (None, None) otherwise."""
    other_method = None
    for route in ROUTES:
        found = route.pattern.match(sub_path)
        if found:
            if route.method == method or (method == 'HEAD' and route.method == 'GET'):
                return route, tuple(unquote(arg) for arg in found.groups())
            other_method = True
    return None, other_method


# ---------------------------------------------------------------------------- backend

def _int_query(request, name):
    """A JAX-RS int @QueryParam: absent -> 0; not a number -> None (CXF answers 404)."""
    value = request.query_value(name)
    if value is None or value == '':
        return 0
    try:
        return int(value)
    except ValueError:
        return None


def list_devices(state, request, user):
    offset, limit = _int_query(request, 'offset'), _int_query(request, 'limit')
    if offset is None or limit is None:
        return Reply.empty(404)
    for value, text in ((offset, 'Request parameter offset is s negative value.'),
                        (limit, 'Request parameter limit is a negative value.')):
        if value < 0:
            return bodies.device_mgt_error(400, text)
    if limit > 100:
        return bodies.device_mgt_error(400, 'Request parameter limit should be less than or equal to 100.')
    filters = {
        'type': request.query_value('type'),
        'status': request.query_value('status'),
        'ownership': request.query_value('ownership'),
        'name': request.query_value('name'),
    }
    # A device admin may list anyone's devices; everybody else only their own.
    owner = split_username(request.query_value('user'))[0] or None
    if not user.admin:
        if owner and owner != user.name:
            return bodies.device_mgt_error(401, "User '%s' is not authorized to retrieve devices of '%s' user"
                                           % (user.name, owner))
        owner = user.name
    selected = []
    for device in sorted(state.devices.values(), key=lambda d: d.id):
        if device.tenant != user.tenant or (owner and device.owner != owner):
            continue
        if filters['type'] and device.type != filters['type']:
            continue
        if filters['status'] and device.status != filters['status']:
            continue
        if filters['ownership'] and device.ownership != filters['ownership']:
            continue
        if filters['name'] and not (device.name or '').startswith(filters['name']):
            continue
        selected.append(device)
    page = selected[offset:offset + (limit or DEFAULT_PAGE_SIZE)]
    # DeviceList through Gson: the subclass field first, then BasePaginatedResult.count.
    return Reply.json(200, {'devices': [d.to_json() for d in page], 'count': len(selected)})


def get_device(state, request, user, device_type, identifier):
    device = state.devices.get((user.tenant, device_type, identifier))
    if device is not None and not user.admin and device.owner != user.name:
        return bodies.device_mgt_error(
            401, "User '%s' is not authorized to retrieve the given device id '%s'" % (user.name, identifier))
    if device is None:
        return bodies.device_mgt_error(
            404, "Requested device of type '%s', which carries id '%s' does not exist" % (device_type, identifier))
    return Reply.json(200, device.to_json())


def list_device_types(state, request, user):
    # DeviceTypeList through Gson: field names (not @JsonProperty), null next/previous left out.
    return Reply.json(200, {'count': len(state.device_types), 'deviceTypes': list(state.device_types)})


def _gson_string(status, text):
    """A String entity written by GsonMessageBodyHandler: a JSON string literal."""
    return Reply.json(status, text)


def enroll(state, request, user):
    if request.media_type not in ('application/json', ''):
        return Reply.empty(415)
    try:
        spec = request.json() if request.body.strip() else None
    except ValueError:
        return bodies.device_mgt_error(400, 'Bad Request', 'Malformed request body.')
    if spec is None:
        return _gson_string(400, 'The payload of the device enrollment is incorrect.')
    if not isinstance(spec, dict):
        return bodies.device_mgt_error(400, 'Bad Request', 'Malformed request body.')
    if not isinstance(spec.get('type'), str) or not isinstance(spec.get('deviceIdentifier'), str):
        return _gson_string(400, 'The payload of the device enrollment is incorrect.')
    if not isinstance(spec.get('enrolmentInfo'), dict):
        # device.getEnrolmentInfo().setOwner(...) on a null: GlobalThrowableMapper's generic 500.
        return Reply.json(500, {'code': 500, 'message': 'Internal server error.', 'description':
                                'The server encountered an internal error. Please contact administrator.',
                                'moreInfo': ''})
    key = (user.tenant, spec['type'], spec['deviceIdentifier'])
    existing = state.devices.get(key)
    if existing is not None and existing.status == 'ACTIVE':
        return _gson_string(400, 'An active enrolment exists')
    if spec['type'] not in state.device_types:
        return Reply.json(200, False)  # no DeviceManager for the type: enrollDevice returns false
    now = state.now()
    if existing is not None:
        existing.owner = user.name
        existing.update(spec, now)
        existing.enrolled = now
    else:
        state.devices[key] = Device(state.next_device_id, user.tenant, spec, user.name, now)
        state.next_device_id += 1
    return Reply.json(200, True)


def disenroll(state, request, user, device_type, identifier):
    device = state.devices.get((user.tenant, device_type, identifier))
    if device_type not in state.device_types or device is None:
        # disenrollDevice returns false; JAX-RS then sends 204, which has no body.
        return Reply.empty(204)
    if device.status != 'REMOVED':
        device.status = 'REMOVED'
        device.updated = state.now()
    return Reply.empty(200)


ROUTES = (
    Route('GET', r'/devices', 'perm:devices:view', DEVICE_MANAGEMENT, list_devices),
    Route('GET', r'/devices/([^/]+)/([^/]+)', 'perm:devices:details', DEVICE_MANAGEMENT, get_device),
    Route('GET', r'/device-types', 'perm:device-types:types', DEVICE_MANAGEMENT, list_device_types),
    Route('POST', r'/device/agent/enroll', 'perm:device:enroll', DEVICE_AGENT, enroll),
    Route('DELETE', r'/device/agent/enroll/([^/]+)/([^/]+)', 'perm:device:disenroll', DEVICE_AGENT, disenroll),
)
