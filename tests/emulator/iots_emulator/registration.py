# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/api-application-registration: the gateway pass-through to carbon-device-mgt's registration webapp.

Order of checks as in IoTS 3.2.0 (wso2-iots-3.2.0.md 1.2): Tomcat valve Basic authentication,
then ApiPermissionFilter on the exact request URI, then CXF/Jackson body binding, then the
service, which acts as the tenant admin and is idempotent by application name.
"""

import base64
import binascii

from . import bodies, entgra
from .directory import SUPER_TENANT
from .exchange import Reply
from .store import Application

CONTEXT = '/api-application-registration'

# APIUtil.getAllowedApisTags: the device types plus these three.
STATIC_TAGS = ('device_management', 'scep_management', 'device_agent')
# Device-type tags a stock IoTS 3.2.0 accepts (its device-type plugins are installed).
DEVICE_TYPE_TAGS = ('android', 'ios', 'windows', 'virtual_firealarm')

# (resource, method) pairs the gateway's _API_Application_Registration_.xml declares. A trailing
# slash still matches the Synapse resource, and then fails the webapp's exact-URI filter.
RESOURCES = {
    '/register': 'POST',
    '/register/': 'POST',
    '/register/tenants': 'POST',
    '/unregister': 'DELETE',
    '/unregister/': 'DELETE',
}


def resource_of(path):
    """The resource part of a registration URL, or None when it is not one of the API's."""
    if not path.startswith(CONTEXT + '/'):
        return None
    resource = path[len(CONTEXT) :]
    return resource if resource in RESOURCES else None


def _authenticator_reply(request, message, challenge):
    """AuthenticationFrameworkUtil.handleResponse: text labelled with the request's Accept."""
    accept = request.accept
    content_type = accept if accept and accept != '*/*' else 'application/xml'
    if 'charset' not in content_type.lower():
        content_type += ';charset=UTF-8'
    headers = [('WWW-Authenticate', 'Basic')] if challenge else []
    return Reply(401, message, content_type, headers)


def _decode_basic(value):
    """Java's Base64.getDecoder(): strict alphabet, padding optional. Raises ValueError."""
    value = value.strip()
    value += '=' * (-len(value) % 4)
    try:
        return base64.b64decode(value, validate=True).decode('utf-8', 'replace')
    except (binascii.Error, ValueError):
        raise ValueError('Illegal base64 character')


def authenticate(state, request):
    """(user, None) or (None, the valve's reply)."""
    authorization = request.header('Authorization')
    # BasicAuthAuthenticator.canHandle wants the prefix "basic " (case-insensitive, with a space).
    if not authorization or not authorization.lower().startswith('basic '):
        return None, _authenticator_reply(request, 'Failed to load an appropriate authenticator to authenticate the request', False)
    try:
        decoded = _decode_basic(authorization[len('basic ') :])
    except ValueError as exc:
        # Base64.getDecoder().decode throws IllegalArgumentException; nothing catches it.
        return None, bodies.tomcat_error_page(500, detail=str(exc))
    username, colon, password = decoded.partition(':')
    user = state.directory.authenticate(username, password if colon else None)
    if user is None:
        return None, _authenticator_reply(request, 'Failed to authorize incoming request.', True)
    return user, None


def handle(state, request):
    resource = resource_of(request.path)
    if request.method != RESOURCES[resource]:
        return bodies.method_not_allowed()
    user, failure = authenticate(state, request)
    if failure:
        return failure
    # ApiPermissionFilter: an exact match of the request URI against permissions.xml.
    if resource == '/register':
        if not user.may_register:
            return Reply.empty(403)
        return _register(state, request, user)
    if resource == '/register/tenants':
        if not user.admin:
            return Reply.empty(403)
        return _register_for_tenant(state, request, user)
    return Reply.empty(403)


def _register(state, request, user):
    if request.media_type != 'application/json':
        return Reply.empty(415)  # CXF: @Consumes(application/json)
    try:
        profile = request.json()
    except ValueError:
        return Reply.empty(400)  # Jackson cannot bind; no exception mapper is registered
    if not isinstance(profile, dict):
        return Reply.empty(400)
    allowed = set(STATIC_TAGS) | set(DEVICE_TYPE_TAGS) | set(state.device_types)
    if entgra.active(state):
        return entgra.register(state, user, profile, allowed)
    tags = profile.get('tags')
    if tags is None or tags == []:
        return Reply(406, 'Tags should not be empty', 'application/json')
    if not isinstance(tags, list) or any(isinstance(tag, (dict, list)) for tag in tags):
        return Reply.empty(400)  # Jackson 1.x will not turn a string or object into String[]
    tags = ['' if tag is None else (str(tag).lower() if isinstance(tag, bool) else str(tag)) for tag in tags]
    if not set(tags) <= allowed:
        return Reply(406, 'APIs(Tags) are not allowed to this user.', 'application/json')
    name = profile.get('applicationName')
    if isinstance(name, (dict, list)):
        return Reply.empty(400)
    return _keys_reply(state, user.tenant, name, tags, _truthy(profile.get('isAllowedToAllDomains')), str(profile.get('validityPeriod') or '3600'))


def _register_for_tenant(state, request, user):
    if user.tenant != SUPER_TENANT:
        return Reply.empty(406)
    tenant = (request.query_value('tenantDomain') or '').lower()
    if tenant not in state.directory.tenants:
        return Reply(406, 'Invalid tenant domain : %s' % request.query_value('tenantDomain'), 'application/json')
    return _keys_reply(state, tenant, request.query_value('applicationName'), ['device_management'], False, '3600')


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() == 'true'
    return bool(value)


def _keys_reply(state, tenant, name, tags, saas, validity_period):
    """APIManagementProviderServiceImpl.generateAndRetrieveApplicationKeys, as the tenant admin."""
    with state.lock:
        if name is None:
            # A Store search with a null name returns the tenant admin's first application
            # (inferred); with none, creating an application without a name fails in APIM.
            existing = [app for app in state.apps.values() if app.tenant == tenant]
            if not existing:
                return Reply(500, 'false', 'application/json')
            app = existing[0]
        else:
            name = str(name)
            app = state.apps.get((tenant, name))
            if app is None:
                owner = state.directory.tenant_admin(tenant)
                if owner is None:
                    return Reply(500, 'false', 'application/json')
                app = Application(tenant, name, owner, tags, saas, validity_period)
                state.apps[(tenant, name)] = app
                state.apps_by_client[app.client_id] = app
        # Subscriptions only ever grow; keys are generated once and then returned as they are.
        app.tags.update(tags)
        return Reply.json(201, {'client_secret': app.client_secret, 'client_id': app.client_id})
