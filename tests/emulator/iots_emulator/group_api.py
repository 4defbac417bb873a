# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The /groups resources: GroupManagementServiceImpl and GroupManagementProviderServiceImpl of
carbon-device-mgt 3.0.240 (the routes and their scopes are in device_api.py).

Quirks kept: POST answers 201 with no body and no id; PUT sets name, description and owner from the
body (a missing owner becomes null) and answers 409 for an unknown group (GroupNotExistException is
mapped to CONFLICT); ``count`` of GET /groups is every group of the caller, not the filtered ones;
devices/add or /remove with an unknown device is 500 and changes nothing (the DeviceNotFoundException
is caught as an Exception), devices/add to an unknown group 500 (foreign key), /remove from one 200.
"""

from . import bodies
from .exchange import Reply
from .paging import cut, page_of
from .payloads import gson_string, json_body, path_int


def list_groups(state, request, user):
    page, error = page_of(request)
    if error is not None:
        return error
    name, owner = request.query_value('name'), request.query_value('owner')
    mine = state.groups.visible(user.tenant, user)
    # AbstractGroupDAOImpl.getGroups: GROUP_NAME LIKE 'name%' AND OWNER LIKE 'owner%'
    matched = [g for g in mine if (not name or (g.name or '').startswith(name)) and (not owner or (g.owner or '').startswith(owner))]
    return Reply.json(200, {'deviceGroups': [g.to_json() for g in cut(matched, page)], 'count': len(mine)})


def create_group(state, request, user):
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None:
        return Reply.empty(400)
    name = spec.get('name')
    if state.groups.named(user.tenant, name) is not None:
        return gson_string(409, 'Group already exists with name %s.' % name)
    state.groups.create(user.tenant, name, spec.get('description'), user.name)  # the owner is the caller
    return Reply.empty(201)


def _group(state, user, group_id):
    number = path_int(group_id)
    return None if number is None else state.groups.get(user.tenant, number)


def get_group(state, request, user, group_id):
    group = _group(state, user, group_id)
    if group is None:
        return Reply.empty(404)
    return Reply.json(200, group.to_json())


def update_group(state, request, user, group_id):
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None:
        return Reply.empty(400)
    group = _group(state, user, group_id)
    if group is None:
        return gson_string(409, "There is another group already exists with name '%s'." % spec.get('name'))
    group.name, group.description, group.owner = spec.get('name'), spec.get('description'), spec.get('owner')
    return Reply.empty(200)


def delete_group(state, request, user, group_id):
    number = path_int(group_id)
    if number is None or not state.groups.delete(user.tenant, number):
        return gson_string(404, 'Group not found.')
    return Reply.empty(200)


def group_devices(state, request, user, group_id):
    page, error = page_of(request)
    if error is not None:
        return error
    group = _group(state, user, group_id)
    members = list(group.members.values()) if group is not None else []
    return Reply.json(200, {'devices': [d.to_json() for d in cut(members, page)], 'count': len(members)})


def _members_of(state, request, user):
    """(devices named by a [{id, type}] body, None) or (None, error Reply); None in the list = unknown."""
    spec, error = json_body(request, kind=list)
    if error is not None:
        return None, error
    devices = []
    for item in spec or []:
        if not isinstance(item, dict):
            return None, bodies.device_mgt_error(400, 'Bad Request', 'Malformed request body.')
        devices.append(state.devices.find(user.tenant, item.get('type'), item.get('id')))
    return devices, None


def add_devices(state, request, user, group_id):
    devices, error = _members_of(state, request, user)
    if error is not None:
        return error
    group = _group(state, user, group_id)
    if group is None or None in devices:
        return gson_string(500, 'Error occurred while adding devices to group.')
    for device in devices:
        group.members[device.id] = device
    return Reply.empty(200)


def remove_devices(state, request, user, group_id):
    devices, error = _members_of(state, request, user)
    if error is not None:
        return error
    if None in devices:
        return gson_string(500, 'Error occurred while removing devices from group.')
    group = _group(state, user, group_id)
    for device in devices if group is not None else ():
        group.members.pop(device.id, None)
    return Reply.empty(200)


def groups_of_device(state, request, user):
    """GET /groups/device?deviceId=&deviceType=: a JSON array of DeviceGroup ([] for an unknown device, inferred)."""
    device = state.devices.find(user.tenant, request.query_value('deviceType'), request.query_value('deviceId'))
    groups = state.groups.of_device(device) if device is not None else []
    return Reply.json(200, [g.to_json() for g in groups])
