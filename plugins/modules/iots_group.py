#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
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
    V(present) C(perm:groups:devices) (to read the members), C(perm:groups:add) for a new group,
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
from ansible_collections.wso2.iots.plugins.module_utils._device_module import IotsDeviceModule
from ansible_collections.wso2.iots.plugins.module_utils._device_api import validate_device_id, validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._device_spec import is_enrolled
from ansible_collections.wso2.iots.plugins.module_utils._device_sync import existing_devices
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError

SYSTEM_OWNER = 'wso2.system.user'


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        devices=dict(type='list', elements='dict', options=dict(
            device_type=dict(type='str', required=True, aliases=['type']),
            device_id=dict(type='str', required=True, aliases=['id']),
        )),
        purge_devices=dict(type='bool', default=False),
    )


def scopes_needed(params, check_mode, diff):
    """The logical scopes of the device-API calls this run may make."""
    if params['state'] == 'absent':
        # The members are read only to show them in the diff.
        calls = ['find_group'] + (['group_devices'] if diff else []) + ([] if check_mode else ['delete_group'])
        return device_api.scopes_needed(*calls)
    calls = ['find_group', 'group_devices']
    if params['devices'] is not None:
        calls.append('list_devices')
    if not check_mode:
        calls.append('create_group')
        if params['description'] is not None:
            calls.append('update_group')
        if params['devices'] is not None:
            calls.append('add_group_devices')
            if params['purge_devices']:
                calls.append('remove_group_devices')
    return device_api.scopes_needed(*calls)


def wanted_members(params):
    """The member keys (type, id) in the order given; a device named twice is an error."""
    if not params['name'] or not params['name'].strip():
        raise IotsOptionError('name must be a non-empty group name.')
    if params['devices'] is None:
        return None
    keys = []
    for index, item in enumerate(params['devices']):
        where = 'devices[%d].' % index
        key = (validate_device_type(item['device_type'], where + 'device_type'),
               validate_device_id(item['device_id'], where + 'device_id'))
        if key in keys:
            raise IotsOptionError('%s names device %s again; give each member once.' % (where[:-1], '/'.join(key)))
        keys.append(key)
    return keys


def as_items(keys):
    return [dict(device_type=t, device_id=i) for t, i in sorted(keys)]


def shown(group):
    if not group:
        return {}
    return dict((key, group.get(key)) for key in ('id', 'name', 'description', 'owner'))


class GroupRun(object):
    """One run of the module: read the group and its members, then write what differs."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.changed = False
        self.before = None

    def refuse_system_group(self, group, what):
        if group and group.get('owner') == SYSTEM_OWNER:
            self.module.fail_json(msg='Group %r is a system group that IoTS maintains itself (owner %s); '
                                      'the module does not %s it.' % (group['name'], SYSTEM_OWNER, what))

    def absent(self, group):
        # The members for the diff are read before the delete: afterwards IoTS has no group to list.
        members = self.members(group) if self.module._diff else []
        if group:
            self.refuse_system_group(group, 'delete')
            if not self.module.check_mode:
                self.module.call(device_api.delete_group, group['id'])
        return dict(changed=bool(group), group={}, devices=[], added=[], removed=[],
                    diff=self.diff(group, members, None, []))

    def members(self, group):
        if not group or group.get('id') is None:
            return []
        return [device_api.key_of(device) for device in self.module.call(device_api.group_devices, group['id'])]

    def check_enrolled(self, keys):
        """Fail before any write when a device to add is not enrolled (IoTS would answer a bare 500)."""
        if not keys:
            return
        known = self.module.call(existing_devices, [device_type for device_type, dummy in keys])
        missing = ['/'.join(key) for key in keys if not is_enrolled(known.get(key))]
        if missing:
            self.module.fail_json(msg='Cannot add to group %r: IoTS has no enrolled device %s. Enrol them first '
                                      '(wso2.iots.iots_device).' % (self.params['name'], ', '.join(missing)),
                                  not_enrolled=missing)

    def present(self, group):
        wanted = wanted_members(self.params)
        current = self.members(group)
        add = [key for key in wanted or [] if key not in current]
        remove = [key for key in current if wanted is not None and self.params['purge_devices'] and key not in wanted]
        self.check_enrolled(add)
        description = self.params['description']
        if group is None:
            group = self.create(description or '')
        elif description is not None and description != (group.get('description') or ''):
            group = self.update(group, description)
        if add or remove:
            self.refuse_system_group(group, 'change the members of')
            self.changed = True
            if not self.module.check_mode:
                self.write_members(group, add, remove)
        after = [key for key in current if key not in remove] + add
        return dict(changed=self.changed, group=shown(group), devices=as_items(after), added=as_items(add),
                    removed=as_items(remove), diff=self.diff(self.before, current, group, after))

    def create(self, description):
        self.changed = True
        name = self.params['name']
        if self.module.check_mode:
            return dict(id=None, name=name, description=description, owner=None)
        # POST /groups answers 201 without a body: create_group finds the new group by its name.
        return self.module.call(device_api.create_group, name, description)

    def update(self, group, description):
        self.refuse_system_group(group, 'change')
        self.changed = True
        updated = dict(group, description=description)
        if not self.module.check_mode:
            # PUT /groups/id/{id} also sets the owner from the body; sending the current one keeps it.
            self.module.call(device_api.update_group, group['id'], group['name'], description, group.get('owner'))
        return updated

    def write_members(self, group, add, remove):
        if add:
            self.module.call(device_api.add_group_devices, group['id'], add)
        if remove:
            self.module.call(device_api.remove_group_devices, group['id'], remove)

    def diff(self, before_group, before_members, after_group, after_members):
        def state(group, members):
            if not group:
                return {}
            return dict(name=group.get('name'), description=group.get('description') or '',
                        devices=['/'.join(key) for key in sorted(members)])
        return dict(before=state(before_group, before_members), after=state(after_group, after_members))

    def run(self):
        group = self.module.call(device_api.find_group, self.params['name'])
        self.before = group
        if self.params['state'] == 'absent':
            return self.absent(group)
        return self.present(group)


def main():
    module = IotsDeviceModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.checked(wanted_members, module.params)
    module.bearer(scopes_needed(module.params, module.check_mode, module._diff))
    result = GroupRun(module).run()
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
