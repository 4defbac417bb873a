#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_device_info
short_description: Find devices of WSO2 IoT Server
version_added: 1.0.0
description:
  - Reads devices from WSO2 IoT Server (IoTS), either one device by O(device_type) and O(device_id) or every device
    that matches the filters, all pages of them (IoTS answers at most 100 devices a page).
  - Never changes anything.
author:
  - wso2.iots contributors (@wso2-iots)
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.access_token
  - wso2.iots.attributes
  - wso2.iots.attributes.action_group
  - wso2.iots.attributes.info_module
options:
  device_type:
    description:
      - Only devices of this type, for example C(android).
    type: str
  device_id:
    description:
      - One device, by its identifier (IoTS C(deviceIdentifier)); needs O(device_type).
      - Mutually exclusive with the filters O(status), O(ownership), O(owner), O(name), O(group) and O(group_id).
      - A disenrolled device is found, with status C(REMOVED).
    type: str
  status:
    description:
      - Only devices with this enrolment status. IoTS lists disenrolled devices (status C(REMOVED)) unless a
        status is given.
    type: str
    choices: [CREATED, ACTIVE, INACTIVE, UNREACHABLE, UNCLAIMED, SUSPENDED, BLOCKED, REMOVED, DISENROLLMENT_REQUESTED]
  ownership:
    description: Only devices of this ownership.
    type: str
    choices: [BYOD, COPE]
  owner:
    description:
      - Only devices of this user. IoTS shows a user who is not a device administrator only their own devices.
    type: str
  name:
    description: Only devices whose name starts with this text.
    type: str
  group:
    description:
      - Only the devices of the group with this name. An unknown group is an error.
      - Mutually exclusive with O(group_id).
    type: str
  group_id:
    description:
      - Only the devices of the group with this id.
    type: int
notes:
  - "Scopes the token needs. On IoTS: C(perm:devices:view) to list, C(perm:devices:details) with O(device_id),
    and C(perm:groups:groups) with O(group). On Entgra C(dm:devices:view), C(dm:devices:details) and
    C(gm:groups:view)."
  - IoTS lists one row per enrolment (a device enrolled again keeps its old C(REMOVED) row). The module returns
    one entry per device, its latest enrolment among the rows that match the filters, as
    C(GET /devices/{type}/{id}) and wso2.iots.iots_device see it, so RV(count) counts devices.
  - An O(device_type) the server has no plugin for is an error that names the types it knows (one more read,
    C(GET /device-types), which needs C(perm:device-types:types), on Entgra C(dm:device-type:view)).
seealso:
  - module: wso2.iots.iots_device
  - module: wso2.iots.iots_group
'''

EXAMPLES = r'''
- name: Every active fire alarm, read with a token from the lookup
  wso2.iots.iots_device_info:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:devices:view']) }}"
    device_type: virtual_firealarm
    status: ACTIVE
  register: alarms

- name: One device
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      username: admin
      password: "{{ iots_admin_password }}"
      client_id: "{{ iots_client_id }}"
      client_secret: "{{ iots_client_secret }}"
  block:
    - name: Read the lobby alarm
      wso2.iots.iots_device_info:
        device_type: virtual_firealarm
        device_id: firealarm-lobby-01
      register: lobby

    - name: The devices of a group
      wso2.iots.iots_device_info:
        group: lobby-sensors
      register: lobby_sensors
'''

RETURN = r'''
devices:
  description: The devices found, as IoTS shows them (Device JSON, GSON field names).
  returned: success
  type: list
  elements: dict
  sample:
    - id: 12
      name: Lobby fire alarm
      type: virtual_firealarm
      deviceIdentifier: firealarm-lobby-01
      enrolmentInfo: {id: 12, ownership: COPE, status: ACTIVE, owner: admin}
      properties: [{name: floor, value: '0'}]
count:
  description: How many devices were found.
  returned: success
  type: int
  sample: 1
'''

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_id, validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._resource import Resource, run

FILTERS = ('status', 'ownership', 'owner', 'name', 'group', 'group_id')


def argument_spec():
    return dict(
        device_type=dict(type='str'),
        device_id=dict(type='str'),
        status=dict(type='str', choices=list(device_api.STATUSES)),
        ownership=dict(type='str', choices=list(device_api.OWNERSHIPS)),
        owner=dict(type='str'),
        name=dict(type='str'),
        group=dict(type='str'),
        group_id=dict(type='int'),
    )


class DeviceInfo(Resource):
    """Read-only: the devices that match, one entry per device; plans no change."""

    def check(self):
        params = self.params
        if params['device_type'] is not None:
            validate_device_type(params['device_type'])
        if params['device_id'] is not None:
            validate_device_id(params['device_id'])
        if params['group'] is not None and not params['group'].strip():
            raise IotsOptionError('group must be a non-empty group name.')
        if params['group_id'] is not None and params['group_id'] < 1:
            raise IotsOptionError('group_id must be a positive group id, got %d.' % params['group_id'])
        return dict(params)

    def scopes(self, spec):
        if spec['device_id'] is not None:
            return device_api.scopes_needed('get_device')
        calls = ['list_devices'] + (['find_group'] if spec['group'] is not None else [])
        return device_api.scopes_needed(*calls + (['device_types'] if spec['device_type'] is not None else []))

    def read(self, api, spec):
        if spec['device_id'] is not None:
            device = api(device_api.get_device, spec['device_type'], spec['device_id'])
            return [device] if device else []
        if spec['device_type'] is not None:
            api(device_api.check_device_types, [spec['device_type']])
        rows = api(
            device_api.list_devices,
            device_type=spec['device_type'],
            status=spec['status'],
            ownership=spec['ownership'],
            owner=spec['owner'],
            name=spec['name'],
            group_id=self.group_id(api, spec),
        )
        return list(device_api.latest_devices(rows).values())

    def group_id(self, api, spec):
        """The id of the group the filters name; an unknown group name is an error."""
        if spec['group'] is None:
            return spec['group_id']
        group = api(device_api.find_group, spec['group'])
        if not group:
            raise IotsOptionError('IoTS has no device group named %r (visible to this user).' % spec['group'])
        return group['id']

    def result(self, changes, current):
        return dict(devices=current, count=len(current))


def main():
    run(
        DeviceInfo,
        argument_spec(),
        required_by={'device_id': 'device_type'},
        mutually_exclusive=[('group', 'group_id')] + [('device_id', name) for name in FILTERS],
    )


if __name__ == '__main__':
    main()
