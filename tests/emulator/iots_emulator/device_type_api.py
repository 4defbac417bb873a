# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Device-type resources: DeviceTypeManagementService and its admin service (routed in device_api.py).

IoTS 3.2.0 (carbon-device-mgt 3.0.240, DeviceTypeManagementServiceImpl and
admin/DeviceTypeManagementAdminServiceImpl; iots-policies-device-types.md section 1):
GET /device-types answers ``{count, deviceTypes: [names]}``; GET /device-types/config/{type} the full
DeviceType, 204 when unknown; POST /admin/device-types 200 with no body, its checks in the order of
addDeviceType (400 no meta, 500 no name, 409 exists, 400 bad name); PUT /admin/device-types takes the
name from the body, 400 for an unknown type, 500 for a plugin type, and replaces the meta definition.

Entgra 7.x (section 5): GET /device-types answers a JSON list of DeviceType objects with the cleared
meta [v3.2.6]; GET /admin/device-types/{type} the full type (204 when unknown); PUT
/admin/device-types/{type} [v3.2.12] wants the body's name to equal the path's; DELETE
/admin/device-types/{type} [v4.1.11] deletes every device of the type, then the type (202).
"""

from . import bodies, entgra
from .device_types import NAME_PATTERN, stored_meta
from .exchange import Reply
from .payloads import gson_string, json_body


def list_device_types(state, request, user):
    if entgra.active(state):
        return Reply.json(200, [device_type.to_json(cleared=True) for device_type in state.type_definitions.all()])
    # DeviceTypeList through Gson: field names (not @JsonProperty), null next/previous left out.
    return Reply.json(200, {'count': len(state.device_types), 'deviceTypes': list(state.device_types)})


def _full(state, name):
    device_type = state.type_definitions.get(name)
    if device_type is None:
        return Reply.empty(204)  # the text entity is lost with 204 (inferred)
    return Reply.json(200, device_type.to_json())


def get_config(state, request, user, name):
    """GET /device-types/config/{type} (3.2.0 only; Entgra has /{type}/configs and the admin read)."""
    if entgra.active(state):
        return bodies.not_found(request)
    return _full(state, name)


def get_admin(state, request, user, name):
    """GET /admin/device-types/{type} (Entgra only in this emulator)."""
    if not entgra.active(state):
        return bodies.not_found(request)
    return _full(state, name)


def _definition(request):
    """(name, meta, None) or (None, None, error Reply) of a DeviceType body."""
    spec, error = json_body(request)
    if error is not None:
        return None, None, error
    if spec is None or not isinstance(spec.get('deviceTypeMetaDefinition'), dict):
        return None, None, Reply.empty(400)
    return spec.get('name'), spec['deviceTypeMetaDefinition'], None


def add_device_type(state, request, user):
    name, meta, error = _definition(request)
    if error is not None:
        return error
    if not isinstance(name, str):
        return gson_string(500, 'Error occurred at server side while adding a device type.')
    if state.type_definitions.get(name) is not None:
        return gson_string(409, 'Device type already available, %s' % name)
    if not NAME_PATTERN.match(name):
        return gson_string(400, 'Device type name does not match the pattern ^[^ /]+$')
    state.type_definitions.define(name, stored_meta(meta, entgra.active(state)))
    return Reply.empty(200)


def _update(state, name, meta):
    device_type = state.type_definitions.get(name) if isinstance(name, str) else None
    if device_type is None:
        return gson_string(400, 'Device type does not exist, %s' % name)
    if device_type.meta is None:
        # DeviceManagementPluginRepository.addDeviceManagementProvider for a shared plugin type.
        return gson_string(500, 'Error occurred at server side while updating the device type.')
    device_type.meta = stored_meta(meta, entgra.active(state))
    return Reply.empty(200)


def update_device_type(state, request, user):
    """PUT /admin/device-types (3.2.0: the name comes from the body)."""
    if entgra.active(state):
        return bodies.method_not_allowed()
    name, meta, error = _definition(request)
    if error is not None:
        return error
    return _update(state, name, meta)


def update_named_device_type(state, request, user, path_name):
    """PUT /admin/device-types/{type} (Entgra)."""
    if not entgra.active(state):
        return bodies.not_found(request)
    name, meta, error = _definition(request)
    if error is not None:
        return error
    if name != path_name:
        return gson_string(400, 'Type name mismatch. Expected: \'%s\' Found: \'%s\'' % (path_name, name))
    return _update(state, name, meta)


def delete_device_type(state, request, user, name):
    """DELETE /admin/device-types/{type} (Entgra): the devices of the type go first, permanently."""
    if not entgra.active(state):
        return bodies.not_found(request)
    if state.type_definitions.get(name) is None:
        return gson_string(404, 'Device type %s does not exist.' % name)
    devices = state.devices
    for key in [key for key, device in devices.by_key.items() if device.type == name]:
        del devices.by_key[key]
    devices.rows[:] = [row for row in devices.rows if row.device.type != name]
    state.type_definitions.delete(name)
    return gson_string(202, 'Device of type: %s permanently deleted.' % name)


# (method, template, IoTS scope, handler); device_api.py makes them Routes.
ROUTES = (
    ('GET', '/device-types/config/{type}', 'perm:device-types:types', get_config),
    ('GET', '/admin/device-types/{type}', 'perm:admin:device-type:view', get_admin),
    ('POST', '/admin/device-types', 'perm:admin:device-type', add_device_type),
    ('PUT', '/admin/device-types', 'perm:admin:device-type', update_device_type),
    ('PUT', '/admin/device-types/{type}', 'perm:admin:device-type', update_named_device_type),
    ('DELETE', '/admin/device-types/{type}', 'perm:admin:device-type', delete_device_type),
)
