#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_group
short_description: Manage a device group of WSO2 IoT Server and its members
version_added: 1.0.0
description:
  - Creates, updates or deletes a device group of WSO2 IoT Server (IoTS), found by its O(name), and adds devices
    to it or, with O(purge_devices=true), makes its members exactly O(devices).
  - IoTS answers the creation of a group with HTTP 201 and no body, so the module finds the new group's id by
    its name.
  - IoTS answers a member that is not enrolled with a bare HTTP 500 and changes nothing. The module therefore
    checks that every device it would add is enrolled before it writes anything, and fails naming the ones
    that are not.
  - The system groups C(BYOD) and C(COPE) (owner C(wso2.system.user)) are kept by IoTS itself; the module refuses
    to change them.
author:
  - wso2.iots contributors (@wso2-iots)
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.access_token
  - wso2.iots.attributes
  - wso2.iots.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the group, its members and the devices to add, and sends no write request.
  diff_mode:
    support: full
    details:
      - The diff shows the group's name, description and members (C(type/id)) before and after.
options:
  name:
    description: The group name. IoTS group names are unique.
    type: str
    required: true
  description:
    description:
      - The group description. When not given, a new group gets an empty description and an existing one keeps
        its own.
    type: str
  state:
    description: V(present) makes the group exist; V(absent) deletes it (its devices stay enrolled).
    type: str
    choices: [present, absent]
    default: present
  devices:
    description:
      - Member devices. Each must be enrolled (not C(REMOVED)).
      - When not given, the members are left as they are.
    type: list
    elements: dict
    suboptions:
      device_type:
        description: The device type.
        type: str
        required: true
        aliases: [type]
      device_id:
        description: The device identifier.
        type: str
        required: true
        aliases: [id]
  purge_devices:
    description:
      - V(false) only adds O(devices) to the group. V(true) also removes every member not in O(devices), so
        O(devices=[]) with O(purge_devices=true) empties the group.
    type: bool
    default: false
notes:
  - "Scopes the token needs. On IoTS: always C(perm:groups:groups) (to find the group by name); with
    V(present) C(perm:groups:devices) (to read the members), C(perm:groups:add) (outside check mode, in case the group is new),
    C(perm:groups:update) with O(description), and with O(devices) C(perm:devices:view) and
    C(perm:groups:devices-add), with O(purge_devices) C(perm:groups:devices-remove); with V(absent)
    C(perm:groups:remove), and C(perm:groups:devices) in diff mode. On Entgra the same as C(gm:groups:view),
    C(gm:devices:view), C(gm:groups:add),
    C(gm:groups:update), C(dm:devices:view), C(gm:devices:add), C(gm:devices:remove) and C(gm:groups:remove).
    In check mode only the reading scopes are requested."
  - The user who creates a group owns it. IoTS shows a user only the groups they own or that are shared with
    their roles.
seealso:
  - module: wso2.iots.iots_device
  - module: wso2.iots.iots_device_info
'''

EXAMPLES = r'''
- name: A group of exactly these two alarms
  wso2.iots.iots_group:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:groups:groups', 'perm:groups:devices',
      'perm:groups:add', 'perm:groups:update', 'perm:devices:view', 'perm:groups:devices-add',
      'perm:groups:devices-remove']) }}"
    name: lobby-sensors
    description: Sensors of the lobby
    devices:
      - {device_type: virtual_firealarm, device_id: firealarm-lobby-01}
      - {device_type: virtual_firealarm, device_id: firealarm-lobby-02}
    purge_devices: true

- name: Delete a group, with the connection credentials from the action group
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      client_id: "{{ iots_client_id }}"
      client_secret: "{{ iots_client_secret }}"
  wso2.iots.iots_group:
    name: old-sensors
    state: absent
'''

RETURN = r'''
group:
  description:
    - The group after the run, C({}) when absent. In check mode a group to create has the id V(null).
  returned: success
  type: dict
  contains:
    id:
      description: The group id.
      type: int
    name:
      description: The group name.
      type: str
    description:
      description: The group description.
      type: str
    owner:
      description: The user who owns the group.
      type: str
  sample: {id: 4, name: lobby-sensors, description: Sensors of the lobby, owner: admin}
devices:
  description: The members after the run, sorted by type and id.
  returned: success
  type: list
  elements: dict
  sample:
    - {device_type: virtual_firealarm, device_id: firealarm-lobby-01}
added:
  description: The members the run added (in check mode, would add).
  returned: success
  type: list
  elements: dict
  sample: [{device_type: virtual_firealarm, device_id: firealarm-lobby-02}]
removed:
  description: The members the run removed (in check mode, would remove).
  returned: success
  type: list
  elements: dict
  sample: []
'''

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils._device_state import check_device_keys, is_enrolled
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._resource import NONE, Change, Resource, run

SYSTEM_OWNER = 'wso2.system.user'
CREATED = 'created'
UPDATED = 'updated'
DELETED = 'deleted'


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        devices=dict(
            type='list',
            elements='dict',
            options=dict(
                device_type=dict(type='str', required=True, aliases=['type']),
                device_id=dict(type='str', required=True, aliases=['id']),
            ),
        ),
        purge_devices=dict(type='bool', default=False),
    )


def as_items(keys):
    return [dict(device_type=t, device_id=i) for t, i in sorted(keys)]


def shown(group):
    if not group:
        return {}
    return dict((key, group.get(key)) for key in ('id', 'name', 'description', 'owner'))


def refuse_system_group(group, what):
    if group and group.get('owner') == SYSTEM_OWNER:
        raise IotsOptionError(
            'Group %r is a system group that IoTS maintains itself (owner %s); the module does not %s it.' % (group['name'], SYSTEM_OWNER, what)
        )


class Group(Resource):
    """A device group (``{group, members}``: the Group JSON and its members' (type, id) keys)."""

    def check(self):
        params = self.params
        if not params['name'] or not params['name'].strip():
            raise IotsOptionError('name must be a non-empty group name.')
        members = None if params['devices'] is None else check_device_keys(params['devices'])
        return dict(name=params['name'], description=params['description'], state=params['state'], members=members, purge=params['purge_devices'])

    def scopes(self, spec):
        if spec['state'] == 'absent':
            # The members are read only to show them in the diff.
            calls = ['find_group'] + (['group_devices'] if self.diff else []) + ([] if self.check_mode else ['delete_group'])
            return device_api.scopes_needed(*calls)
        calls = ['find_group', 'group_devices']
        if spec['members'] is not None:
            calls.append('list_devices')
        if not self.check_mode:
            calls.append('create_group')
            if spec['description'] is not None:
                calls.append('update_group')
            if spec['members'] is not None:
                calls.append('add_group_devices')
                if spec['purge']:
                    calls.append('remove_group_devices')
        return device_api.scopes_needed(*calls)

    def read(self, api, spec):
        group = api(device_api.find_group, spec['name'])
        members = []
        # For absent the members are read only for the diff, before a delete leaves nothing to list.
        if group and group.get('id') is not None and (spec['state'] == 'present' or self.diff):
            members = [device_api.key_of(device) for device in api(device_api.group_devices, group['id'])]
        add = [key for key in spec['members'] or [] if key not in members]
        enrolled = api(device_api.devices_by_key, [key[0] for key in add]) if add else {}
        return dict(group=group, members=members, enrolled=enrolled)

    def plan(self, spec, current):
        group, members = current['group'], current['members']
        before = dict(group=group, members=members) if group else None
        if spec['state'] == 'absent':
            if group:
                refuse_system_group(group, 'delete')
            return [Change(spec['name'], DELETED if group else NONE, before, None)]
        wanted = spec['members']
        add = [key for key in wanted or [] if key not in members]
        remove = [key for key in members if wanted is not None and spec['purge'] and key not in wanted]
        missing = ['/'.join(key) for key in add if not is_enrolled(current['enrolled'].get(key))]
        if missing:
            raise IotsOptionError(
                'Cannot add to group %r: IoTS has no enrolled device %s. Enrol them first (wso2.iots.iots_device).' % (spec['name'], ', '.join(missing)),
                details=dict(not_enrolled=missing),
            )
        description = spec['description']
        after_group = dict(group or dict(id=None, name=spec['name'], owner=None, description=''))
        # IoTS shows no description as null or as '': both are the empty description.
        new_description = description is not None and description != (after_group.get('description') or '')
        if new_description:
            after_group['description'] = description
        if group and (add or remove or new_description):
            refuse_system_group(group, 'change')
        action = CREATED if not group else UPDATED if (add or remove or new_description) else NONE
        after = dict(group=after_group, members=[key for key in members if key not in remove] + add)
        return [Change(spec['name'], action, before, after, spec=dict(add=add, remove=remove))]

    def apply(self, api, change):
        if change.action == DELETED:
            api(device_api.delete_group, change.before['group']['id'])
            return None
        group = change.after['group']
        if change.action == CREATED:
            # POST /groups answers 201 without a body: create_group finds the new group by its name.
            group = api(device_api.create_group, group['name'], group['description'] or '')
        elif group.get('description') != change.before['group'].get('description'):
            # PUT /groups/id/{id} also sets the owner from the body; sending the current one keeps it.
            api(device_api.update_group, group['id'], group['name'], group['description'], group.get('owner'))
        if change.spec['add']:
            api(device_api.add_group_devices, group['id'], change.spec['add'])
        if change.spec['remove']:
            api(device_api.remove_group_devices, group['id'], change.spec['remove'])
        return dict(change.after, group=group)

    def view(self, obj):
        if not obj:
            return {}
        group = obj['group']
        return dict(name=group.get('name'), description=group.get('description') or '', devices=['/'.join(key) for key in sorted(obj['members'])])

    def result(self, changes, current):
        change = changes[0]
        after = change.after or dict(group={}, members=[])
        spec = change.spec or dict(add=[], remove=[])
        return dict(group=shown(after['group']), devices=as_items(after['members']), added=as_items(spec['add']), removed=as_items(spec['remove']))


def main():
    run(Group, argument_spec())


if __name__ == '__main__':
    main()
