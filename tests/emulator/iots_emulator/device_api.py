# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/api/device-mgt/v1.0: the gateway's Bearer checks, the routing table, and the device resources.

Gateway (APIAuthenticationHandler, wso2-iots-3.2.0.md 1.5): no credentials -> 401/900902;
unknown, revoked, superseded or expired token -> 401/900901; application not subscribed to the
API (no matching registration tag) -> 403/900908; token without the resource's scope -> 403/900910.
Backend: carbon-device-mgt 3.0.240's DeviceManagementService, DeviceTypeManagementService and
DeviceAgentService here; GroupManagementService in group_api.py; operations and ActivityInfoProviderService
in operation_api.py; all serialized by its GsonMessageBodyHandler (Java field names, nulls left out).
Every route has a counter key, its method and path template (``GET /devices``), so benchmarks can
count list pages and enrol requests.
"""

import re
from urllib.parse import unquote

from . import bodies, device_type_api, entgra, group_api, operation_api, policy_api, user_api
from .devices import OWNERSHIPS, STATUSES, clean_properties
from .directory import split_username
from .exchange import Reply
from .paging import cut, page_of
from .payloads import gson_string, json_body, path_int

CONTEXT = '/api/device-mgt/v1.0'
VERSION = '1.0.0'


class Api(object):
    """A published API: its context and the registration tags that subscribe an app to it."""

    def __init__(self, context, tags):
        self.context = context
        self.tags = frozenset(tags)


DEVICE_MANAGEMENT = Api(CONTEXT, ('device_management',))
DEVICE_AGENT = Api(CONTEXT + '/device/agent', ('device_agent', 'device_management'))
GROUPS = Api(CONTEXT + '/groups', ('device_management',))
ACTIVITIES = Api(CONTEXT + '/activities', ('device_management',))

GATEWAY_REALM = 'OAuth2 realm="WSO2 API Manager"'


class Route(object):
    """``template`` is the path with ``{name}`` for each path argument (one segment each); ``flavor``
    ('iots' or 'entgra') limits a route to one server flavour."""

    def __init__(self, method, template, scope, api, handler, flavor=None):
        self.flavor = flavor
        self.method = method
        self.template = template
        self.pattern = re.compile('^' + re.sub(r'\{[^}]+\}', '([^/]+)', template) + '/?$')
        self.scope = scope
        self.api = api
        self.handler = handler

    @property
    def count_key(self):
        """The counter of this resource: ``'GET /devices'``, ``'POST /device/agent/enroll'``..."""
        return '%s %s' % (self.method, self.template)


def _access_failure(api, code, text):
    return 'Access failure for API: %s, version: %s status: (%d) - %s' % (api.context, VERSION, code, text)


def missing_credentials(request):
    return bodies.ams_fault(
        401,
        900902,
        'Missing Credentials',
        'Required OAuth credentials not provided. Make sure your API invocation call has a header: "Authorization: Bearer ACCESS_TOKEN"',
        request.accepts_json(),
        headers=[('WWW-Authenticate', GATEWAY_REALM)],
    )


def invalid_credentials(request, api):
    return bodies.ams_fault(
        401,
        900901,
        'Invalid Credentials',
        _access_failure(api, 900901, 'Invalid Credentials. Make sure you have given the correct access token'),
        request.accepts_json(),
        headers=[('WWW-Authenticate', GATEWAY_REALM + ', error="invalid_token", error_description="The access token expired"')],
    )


def resource_forbidden(request, api):
    # APISecurityConstants.API_AUTH_FORBIDDEN_MESSAGE has the trailing space.
    return bodies.ams_fault(403, 900908, 'Resource forbidden ', _access_failure(api, 900908, 'Resource forbidden '), request.accepts_json())


def scope_missing(request, api):
    text = 'The access token does not allow you to access the requested resource'
    return bodies.ams_fault(403, 900910, text, _access_failure(api, 900910, text), request.accepts_json())


def _bearer(request):
    """The token of an ``Authorization: Bearer`` header (APIM's OAuthAuthenticator), or None."""
    for part in (request.header('Authorization') or '').split(','):
        part = part.strip()
        if part.startswith('Bearer '):
            return part[len('Bearer ') :].strip() or None
    return None


def handle(state, request):
    sub_path = request.path[len(CONTEXT) :]
    route, args = _match(sub_path, request.method, entgra.VERSION if entgra.active(state) else 'iots')
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


def count_keys(request):
    """The counters one API request adds to: its route's, and ``api:write`` for anything but GET/HEAD."""
    route = _match(request.path[len(CONTEXT) :], request.method)[0]
    keys = [route.count_key] if route is not None else []
    if request.method not in ('GET', 'HEAD'):
        keys.append('api:write')
    return keys


def _match(sub_path, method, flavor=None):
    """(route, path arguments); (None, True) when only the method differs; (None, None) otherwise."""
    other_method = None
    for route in ALL_ROUTES:
        if flavor is not None and route.flavor not in (None, flavor):
            continue
        found = route.pattern.match(sub_path)
        if found:
            if route.method == method or (method == 'HEAD' and route.method == 'GET'):
                return route, tuple(unquote(arg) for arg in found.groups())
            other_method = True
    return None, other_method


# ---------------------------------------------------------------------------- devices


def _list_owner(request, user):
    """(owner filter or None, error Reply or None): a device admin may list anyone's devices, others their own."""
    owner = split_username(request.query_value('user'))[0] or None
    if not user.admin:
        if owner and owner != user.name:
            return None, bodies.device_mgt_error(401, "User '%s' is not authorized to retrieve devices of '%s' user" % (user.name, owner))
        owner = user.name
    return owner, None


def _filter_error(request):
    """The 400 of DeviceManagementServiceImpl.getDevices for filters it refuses, in its order, or None."""
    if request.query_value('name') and request.query_value('role'):
        return Reply.json(400, {'message': 'Request contains both name and role parameters. Only one is allowed at once.', 'errorItems': []})
    page_error = page_of(request)[1]
    if page_error is not None:
        return page_error
    ownership, status = request.query_value('ownership'), request.query_value('status')
    if ownership and ownership not in OWNERSHIPS:  # RequestValidationUtil.validateOwnershipType
        return bodies.device_mgt_error(400, 'Invalid ownership type received. Valid ownership types are BYOD | COPE')
    if status and status not in STATUSES:  # RequestValidationUtil.validateStatus
        return bodies.device_mgt_error(
            400,
            'Invalid enrollment status type received. Valid status types are '
            'ACTIVE | INACTIVE | UNCLAIMED | UNREACHABLE | SUSPENDED | '
            'DISENROLLMENT_REQUESTED | REMOVED | BLOCKED | CREATED',
        )
    return None


def list_devices(state, request, user):
    error = _filter_error(request)
    page = page_of(request)[0]
    if error is None:
        owner, error = _list_owner(request, user)
    if error is not None:
        return error
    members = None
    group_id = request.query_value('groupId')
    if group_id not in (None, '', '0'):
        if path_int(group_id) is None:
            return Reply.empty(404)  # a JAX-RS int that is not a number
        group = state.groups.get(user.tenant, path_int(group_id))
        members = set(group.members) if group is not None else set()
    selected = state.devices.listed(
        user.tenant,
        owner=owner,
        device_type=request.query_value('type'),
        status=request.query_value('status'),
        ownership=request.query_value('ownership'),
        name=request.query_value('name'),
        members=members,
    )
    # DeviceList through Gson: the subclass field first, then BasePaginatedResult.count (all that matched).
    return Reply.json(200, {'devices': [row.to_json() for row in cut(selected, page)], 'count': len(selected)})


def get_device(state, request, user, device_type, identifier):
    device = state.devices.find(user.tenant, device_type, identifier)
    if device is not None and not user.admin and device.owner != user.name:
        return bodies.device_mgt_error(401, "User '%s' is not authorized to retrieve the given device id '%s'" % (user.name, identifier))
    if device is None:
        return bodies.device_mgt_error(404, "Requested device of type '%s', which carries id '%s' does not exist" % (device_type, identifier))
    return Reply.json(200, device.to_json())


def delete_device(state, request, user, device_type, identifier):
    """DeviceManagementServiceImpl.deleteDevice: a soft delete (disenrollDevice), 200 ``true``."""
    device = state.devices.find(user.tenant, device_type, identifier)
    if device is None:
        return Reply.empty(404)
    _remove(state, device)
    return Reply.json(200, True)


def enroll(state, request, user):
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None or not isinstance(spec.get('type'), str) or not isinstance(spec.get('deviceIdentifier'), str):
        return gson_string(400, 'The payload of the device enrollment is incorrect.')
    enrolment = spec.get('enrolmentInfo')
    if not isinstance(enrolment, dict):
        # device.getEnrolmentInfo().setOwner(...) on a null: GlobalThrowableMapper's generic 500.
        return bodies.internal_server_error()
    existing = state.devices.find(user.tenant, spec['type'], spec['deviceIdentifier'])
    if existing is not None and existing.status == 'ACTIVE':
        return gson_string(400, 'An active enrolment exists')
    if spec['type'] not in state.device_types:
        return Reply.json(200, False)  # no DeviceManager for the type: enrollDevice returns false
    if enrolment.get('ownership') not in OWNERSHIPS:
        # Gson reads an unknown OwnerShip as null; adding the device to its ownership's group fails.
        return bodies.internal_server_error()
    # The body's status is ignored: enrollDevice sets ACTIVE; the owner is the caller.
    state.enrol_device(
        user.tenant,
        spec['type'],
        spec['deviceIdentifier'],
        user.name,
        enrolment['ownership'],
        name=spec.get('name'),
        description=spec.get('description'),
        properties=spec.get('properties') or [],
    )
    return Reply.json(200, True)


def modify(state, request, user, device_type, identifier):
    """DeviceAgentServiceImpl.updateDevice: 202 without a body; a REMOVED device stays REMOVED."""
    device = state.devices.find(user.tenant, device_type, identifier)
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None:
        return gson_string(400, 'The payload of the device enrollment is incorrect.')
    if device is None:
        return gson_string(404, "The device to be modified doesn't exist.")
    enrolment = device.latest
    if enrolment.status == 'ACTIVE' and not user.admin and enrolment.owner != user.name:
        return Reply.empty(401)
    for key in ('name', 'description'):
        if spec.get(key) is not None:
            setattr(device, key, spec[key])
    if spec.get('properties') is not None:
        device.properties = clean_properties(spec['properties'])
    if spec.get('enrolmentInfo') is not None:
        enrolment.updated = state.now()
    enrolment.owner = user.name
    return Reply.empty(202)


def _remove(state, device):
    enrolment = device.latest
    if enrolment.status != 'REMOVED':
        enrolment.status = 'REMOVED'
        enrolment.updated = state.now()


def disenroll(state, request, user, device_type, identifier):
    device = state.devices.find(user.tenant, device_type, identifier)
    if device_type not in state.device_types or device is None:
        # disenrollDevice returns false; JAX-RS then sends 204, which has no body.
        return Reply.empty(204)
    _remove(state, device)
    return Reply.empty(200)


ROUTES = (
    Route('GET', '/devices', 'perm:devices:view', DEVICE_MANAGEMENT, list_devices),
    Route('GET', '/devices/{type}/{id}', 'perm:devices:details', DEVICE_MANAGEMENT, get_device),
    Route('DELETE', '/devices/type/{type}/id/{id}', 'perm:devices:delete', DEVICE_MANAGEMENT, delete_device),
    Route('POST', '/devices/{type}/operations', 'perm:devices:operations', DEVICE_MANAGEMENT, operation_api.send_operation),
    Route('GET', '/device-types', 'perm:device-types:types', DEVICE_MANAGEMENT, device_type_api.list_device_types),
    Route('POST', '/device/agent/enroll', 'perm:device:enroll', DEVICE_AGENT, enroll),
    Route('PUT', '/device/agent/enroll/{type}/{id}', 'perm:device:modify', DEVICE_AGENT, modify),
    Route('DELETE', '/device/agent/enroll/{type}/{id}', 'perm:device:disenroll', DEVICE_AGENT, disenroll),
    Route('GET', '/groups', 'perm:groups:groups', GROUPS, group_api.list_groups),
    Route('POST', '/groups', 'perm:groups:add', GROUPS, group_api.create_group),
    Route('GET', '/groups/device', 'perm:groups:device', GROUPS, group_api.groups_of_device),
    Route('GET', '/groups/id/{groupId}', 'perm:groups:groups-view', GROUPS, group_api.get_group),
    Route('PUT', '/groups/id/{groupId}', 'perm:groups:update', GROUPS, group_api.update_group),
    Route('DELETE', '/groups/id/{groupId}', 'perm:groups:remove', GROUPS, group_api.delete_group),
    Route('GET', '/groups/id/{groupId}/devices', 'perm:groups:devices', GROUPS, group_api.group_devices),
    Route('POST', '/groups/id/{groupId}/devices/add', 'perm:groups:devices-add', GROUPS, group_api.add_devices),
    Route('POST', '/groups/id/{groupId}/devices/remove', 'perm:groups:devices-remove', GROUPS, group_api.remove_devices),
    Route('GET', '/activities', 'perm:get-activity', ACTIVITIES, operation_api.list_activities),
    Route('GET', '/activities/{id}', 'perm:get-activity', ACTIVITIES, operation_api.get_activity),
) + tuple(Route(method, template, scope, DEVICE_MANAGEMENT, handler) for method, template, scope, handler in device_type_api.ROUTES + policy_api.ROUTES)

# Users and roles (user_api.py), some in one flavour only; kept apart from ROUTES, which every flavour serves.
ACCESS_ROUTES = tuple(Route(method, template, scope, DEVICE_MANAGEMENT, handler, flavor) for method, template, scope, handler, flavor in user_api.ROUTES)
ALL_ROUTES = ROUTES + ACCESS_ROUTES

COUNT_KEYS = tuple(route.count_key for route in ALL_ROUTES) + ('api:write',)
