#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_device
short_description: Enrol, modify or disenrol devices in WSO2 IoT Server, one or a whole fleet per task
version_added: 1.0.0
description:
  - Makes a device of WSO2 IoT Server (IoTS) enrolled or not, through its device-management API
    (C(/api/device-mgt/v1.0)).
  - With O(state=present) the module reads the device, enrols it when IoTS does not know it or has disenrolled
    it (status C(REMOVED)), modifies it when its name, description or properties differ, and leaves it alone
    otherwise.
  - With O(state=absent) it disenrols an enrolled device. IoTS keeps a disenrolled device with status C(REMOVED)
    (a soft delete); a device that is unknown or already C(REMOVED) is no change.
  - With O(devices) one task manages a whole fleet in one module run. It reads what exists once (one paged
    list per device type, 100 devices a page) and then sends only the writes that differ. Enrolling 1000 new
    devices costs at most 10 list pages and 1000 enrolments; the next run costs the 10 list pages alone. A
    C(loop) over single devices costs a module run, a read and a forked process per device.
  - Before the first write the module checks every option, and that IoTS knows the device type of every device
    it would enrol. IoTS answers an enrolment of an unknown type with HTTP 200 and the body C(false), so the
    module asks C(GET /device-types) first and fails naming the type and the types the server knows.
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
      - Check mode reads the devices (and the device types when something would be enrolled) and sends no
        write request. RV(device) is what IoTS would show, without the ids IoTS assigns to a new enrolment.
  diff_mode:
    support: full
    details:
      - The diff shows the type, id, name, description, ownership, status and properties of each device that
        changes, before and after. With O(devices), only the devices that change appear.
options:
  device_type:
    description:
      - The device type, for example C(android) or C(virtual_firealarm). IoTS must have a plugin for it.
      - Required with O(device_id); mutually exclusive with O(devices).
    type: str
  device_id:
    description:
      - The device identifier (IoTS C(deviceIdentifier)), unique within its type. Not empty, without C(/).
      - Mutually exclusive with O(devices).
    type: str
  name:
    description:
      - The device name. When enrolling, the name defaults to O(device_id).
      - When not given, the name of an enrolled device is left as it is.
    type: str
  description:
    description:
      - The device description. When not given, it is left as it is.
    type: str
  ownership:
    description:
      - C(BYOD) (bring your own device) or C(COPE) (corporate-owned, personally enabled).
      - Used when enrolling. IoTS changes the ownership of an enrolled device only when it is enrolled again;
        a different ownership on an enrolled device gives a warning and no change.
      - With O(devices), the ownership of every device that does not name its own.
    type: str
    choices: [BYOD, COPE]
    default: COPE
  properties:
    description:
      - Device properties, a mapping of property name to value. Values are strings; numbers and booleans are
        sent as text (C(true), C(false)).
      - Only the properties named here are compared and set; IoTS keeps the others (an agent may set its own).
      - Anything but a mapping is an error.
    type: raw
  state:
    description:
      - V(present) makes the device enrolled with these values; V(absent) disenrols it.
      - With O(devices), the state of every device that does not name its own.
    type: str
    choices: [present, absent]
    default: present
  devices:
    description:
      - Many devices in one module run, each a mapping with the keys of the single-device options.
      - Mutually exclusive with O(device_type), O(device_id), O(name), O(description) and O(properties).
      - A device (the same O(devices[].device_type) and O(devices[].device_id)) given twice is an error.
    type: list
    elements: dict
    suboptions:
      device_type:
        description: The device type.
        type: str
        required: true
        aliases: [type]
      device_id:
        description: The device identifier. Not empty, without C(/).
        type: str
        required: true
        aliases: [id]
      name:
        description: The device name; when enrolling it defaults to O(devices[].device_id).
        type: str
      description:
        description: The device description.
        type: str
      ownership:
        description: C(BYOD) or C(COPE), used when enrolling; when not given, the top-level O(ownership).
        type: str
        choices: [BYOD, COPE]
      properties:
        description: Device properties, a mapping of property name to value.
        type: raw
      state:
        description: V(present) or V(absent); when not given, the top-level O(state).
        type: str
        choices: [present, absent]
notes:
  - "Scopes the token needs. On IoTS: with O(device_id) C(perm:devices:details), with O(devices)
    C(perm:devices:view); for V(present) also C(perm:device:enroll), C(perm:device:modify) and
    C(perm:device-types:types); for V(absent) also C(perm:device:disenroll). On Entgra the same as
    C(dm:devices:details), C(dm:devices:view), C(dm:device:enroll), C(dm:device:modify), C(dm:device-type:view)
    and C(dm:device:disenroll). In check mode only the reading scopes are requested."
  - When the module gets its own token it requests exactly these scopes, and fails when IoTS grants fewer.
  - IoTS makes the caller the owner of a device it enrols or modifies.
  - With O(devices), a request that fails stops the run. The failure lists in RV(devices) what was already changed,
    the device that failed, and in RV(pending) the changes not attempted; a second run after the cause is fixed
    completes the rest.
seealso:
  - module: wso2.iots.iots_device_info
  - module: wso2.iots.iots_group
  - module: wso2.iots.iots_operation
  - plugin: wso2.iots.iots_bearer
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Enrol one device with a token from the lookup
  wso2.iots.iots_device:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:devices:details', 'perm:device:enroll',
      'perm:device:modify', 'perm:device-types:types']) }}"
    device_type: virtual_firealarm
    device_id: firealarm-lobby-01
    name: Lobby fire alarm
    description: Ground floor, next to the main entrance
    properties:
      floor: 0
  register: lobby

- name: A fleet in one module run; the module gets its own token with the credentials
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      ca_path: /etc/pki/tls/certs/iots-ca.pem
      client_id: "{{ iots_client_id }}"
      client_secret: "{{ iots_client_secret }}"
  block:
    - name: Enrol every sensor of the inventory
      wso2.iots.iots_device:
        devices: "{{ sensors | map('combine', {'device_type': 'virtual_firealarm'}) }}"
      register: fleet

    - name: Say what changed
      ansible.builtin.debug:
        msg: "{{ fleet.summary.enrolled }} enrolled, {{ fleet.summary.modified }} modified"

- name: Disenrol a device
  wso2.iots.iots_device:
    device_type: android
    device_id: 3b9fd06ca1b4e3a7
    state: absent
'''

RETURN = r'''
device:
  description:
    - The device as IoTS shows it after the run (its Device JSON, GSON field names), C({}) when it is not
      enrolled.
  returned: success, with O(device_id)
  type: dict
  sample:
    id: 12
    name: Lobby fire alarm
    type: virtual_firealarm
    description: Ground floor, next to the main entrance
    deviceIdentifier: firealarm-lobby-01
    enrolmentInfo: {id: 12, ownership: COPE, status: ACTIVE, owner: admin, dateOfEnrolment: 1764412800000,
                    dateOfLastUpdate: 1764412800000}
    properties: [{name: floor, value: '0'}]
action:
  description: What the run did to the device (in check mode, what it would do).
  returned: success, with O(device_id)
  type: str
  sample: enrolled
devices:
  description:
    - With O(devices), one record per device that changed (in check mode, would change), in the order given.
    - A device with action V(none) is not listed; C(summary.none) counts them. The devices given that are not
      listed are the ones that were already as wanted.
    - On a failure, the devices changed before it and the device that failed (with C(failed) and C(msg)).
  returned: with O(devices)
  type: list
  elements: dict
  contains:
    device_type:
      description: The device type.
      type: str
    device_id:
      description: The device identifier.
      type: str
    action:
      description: V(enrolled), V(modified) or V(disenrolled).
      type: str
    changed:
      description: Whether the device was changed (in check mode, would be); false only for a device that failed.
      type: bool
  sample:
    - {device_type: virtual_firealarm, device_id: firealarm-lobby-01, action: enrolled, changed: true}
    - {device_type: virtual_firealarm, device_id: firealarm-lab-02, action: modified, changed: true}
summary:
  description: How many devices each action touched; V(none) counts the devices that were already as wanted.
  returned: with O(devices)
  type: dict
  sample: {enrolled: 998, modified: 1, disenrolled: 0, none: 1}
pending:
  description:
    - The devices a failed O(devices) run did not attempt and would have changed, each with the action it would
      have taken.
  returned: failure of a request in a run with O(devices)
  type: list
  elements: dict
  sample:
    - {device_type: virtual_firealarm, device_id: firealarm-lab-02, action: enrolled, changed: false}
msg:
  description: What went wrong, in one line naming the request, the HTTP status and the server's words.
  returned: failure
  type: str
  sample: >-
    IoTS has no device type 'firealarm' (no device-type plugin is installed for it). The types it knows:
    android, virtual_firealarm.
'''

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils import _device_state as state
from ansible_collections.wso2.iots.plugins.module_utils._resource import Change, Resource, run

# The options of one device, declared once: the top level and each item of devices. Each item's ownership
# and state default to the top level's, so these two have their defaults at the top level only.
DEVICE_OPTIONS: dict = dict(
    device_type=dict(type='str', aliases=['type']),
    device_id=dict(type='str', aliases=['id']),
    name=dict(type='str'),
    description=dict(type='str'),
    ownership=dict(type='str', choices=list(device_api.OWNERSHIPS)),
    properties=dict(type='raw'),
    state=dict(type='str', choices=list(state.STATES)),
)
TOP_LEVEL_DEFAULTS = dict(ownership=state.DEFAULT_OWNERSHIP, state=state.DEFAULT_STATE)
SINGLE_ONLY = ('device_type', 'device_id', 'name', 'description', 'properties')


def argument_spec():
    spec = dict((name, dict((key, value) for key, value in option.items() if key != 'aliases')) for name, option in DEVICE_OPTIONS.items())
    for name, default in TOP_LEVEL_DEFAULTS.items():
        spec[name]['default'] = default
    item = dict((name, dict(option)) for name, option in DEVICE_OPTIONS.items())
    item['device_type']['required'] = item['device_id']['required'] = True
    spec['devices'] = dict(type='list', elements='dict', options=item)
    return spec


class Device(Resource):
    """Devices keyed (type, id): the spec is the list of checked devices (one in a single-device run),
    current is {(type, id): Device JSON} of what IoTS has."""

    records_key = 'devices'
    # A fleet's result names the devices that change; the unchanged ones are counted in summary.none. A
    # run over a fleet in order changes nothing, and a record per device only costs the controller time.
    list_unchanged = False
    noun = 'device'
    actions = state.ACTIONS
    keyed_diff = True

    def __init__(self, module):
        super(Device, self).__init__(module)
        self.bulk = self.params['devices'] is not None

    def check(self):
        params = self.params
        defaults = dict((name, params[name]) for name in TOP_LEVEL_DEFAULTS)
        if self.bulk:
            return state.check_devices(params['devices'], defaults=defaults)
        return [state.check_device(dict((name, params[name]) for name in DEVICE_OPTIONS))]

    def scopes(self, spec):
        if not spec:
            return []  # an empty fleet (a filtered inventory, say) is nothing to do, not a reason to ask IoTS
        calls = ['devices_by_key' if self.bulk else 'get_device']
        states = set(item['state'] for item in spec)
        if 'present' in states:
            calls += ['device_types'] if self.check_mode else ['enroll_device', 'modify_device']
        if 'absent' in states and not self.check_mode:
            calls.append('disenroll_device')
        return device_api.scopes_needed(*calls)

    def read(self, api, spec):
        if not spec:
            return {}
        if self.bulk:
            existing = api(device_api.devices_by_key, [item['device_type'] for item in spec])
        else:
            device = api(device_api.get_device, spec[0]['device_type'], spec[0]['device_id'])
            existing = {state.device_key(spec[0]): device} if device else {}
        # IoTS answers an enrolment of an unknown type with 200 false: check the types before any write.
        api(device_api.check_device_types, [item['device_type'] for item in spec if state.plan(item, existing.get(state.device_key(item))) == state.ENROLLED])
        return existing

    def plan(self, spec, current):
        changes = []
        for item in spec:
            device = current.get(state.device_key(item))
            conflict = state.ownership_conflict(item, device)
            if conflict:
                self.module.warn(conflict)
            action = state.plan(item, device)
            changes.append(Change(state.device_key(item), action, device, state.predicted(item, device, action), item))
        return changes

    def apply(self, api, change):
        spec, key = change.spec, change.key
        if change.action == state.ENROLLED:
            api(device_api.enroll_device, *key, **state.enrol_args(spec))
        elif change.action == state.MODIFIED:
            api(device_api.modify_device, *key, **state.modify_args(spec, change.before))
        elif change.action == state.DISENROLLED:
            api(device_api.disenroll_device, *key)
            return None
        if self.bulk:
            return None
        # One device: what IoTS shows now, not the prediction.
        return api(device_api.get_device, *key) or {}

    def view(self, obj):
        return state.view(obj)

    def record(self, change):
        return dict(device_type=change.key[0], device_id=change.key[1], action=change.action, changed=change.changed)

    def result(self, changes, current):
        if self.bulk:
            return {}
        change = changes[0]
        return dict(action=change.action, device=change.after if state.view(change.after) else {})


def main():
    run(
        Device,
        argument_spec(),
        mutually_exclusive=[('devices', name) for name in SINGLE_ONLY],
        required_one_of=[('devices', 'device_id')],
        required_together=[('device_type', 'device_id')],
    )


if __name__ == '__main__':
    main()
