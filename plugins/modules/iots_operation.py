#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: iots_operation
short_description: Send an operation to devices of WSO2 IoT Server and wait for it
version_added: 1.0.0
description:
  - Sends one operation (a command, a configuration or a profile) to devices of one type through WSO2 IoT Server
    (IoTS), C(POST /devices/{type}/operations), and returns the activity IoTS creates for it.
  - With O(wait=true) it polls the activity until every device has C(COMPLETED) it, and fails when a device
    reports C(ERROR) or when O(wait_timeout) passes first.
  - IoTS marks a device it does not know, or has disenrolled, C(INVALID) in the activity and sends the operation
    to the others. The module then fails naming those devices, or with O(allow_invalid=true) warns and lists them
    in RV(invalid_devices).
  - An operation is an event, not a state, so every run that sends it reports C(changed).
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
      - Check mode checks the options and the device type, sends no operation and reports C(changed).
  diff_mode:
    support: none
options:
  device_type:
    description: The type of the devices, for example C(android). IoTS must know it.
    type: str
    required: true
  device_ids:
    description: The devices (their C(deviceIdentifier)), at least one, each once.
    type: list
    elements: str
    required: true
  code:
    description: The operation code, for example C(BUZZ) for a virtual fire alarm or C(DEVICE_RING) for Android.
    type: str
    required: true
  operation_type:
    description: The kind of operation.
    type: str
    choices: [COMMAND, CONFIG, PROFILE]
    default: COMMAND
  payload:
    description: The operation's payload (IoTS C(payLoad)), any value the device type understands.
    type: raw
  wait:
    description: Wait until every device has completed the operation.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds O(wait) waits at the most. Must be positive.
    type: int
    default: 120
  poll_interval:
    description: Seconds between two reads of the activity while waiting. Must be positive.
    type: float
    default: 5
  allow_invalid:
    description:
      - V(true) accepts that IoTS marks some devices C(INVALID) (unknown or disenrolled), with a warning.
      - V(false) fails naming them; the operation has still been sent to the other devices.
    type: bool
    default: false
notes:
  - "Scopes the token needs. On IoTS: C(perm:device-types:types) and C(perm:devices:operations), with O(wait)
    also C(perm:get-activity). On Entgra C(dm:device-type:view), C(dm:devices:ops:view) and C(dm:activity:get).
    In check mode only the device-type scope is requested."
seealso:
  - module: wso2.iots.iots_device
  - name: IoTS device-management API, operations
    description: The REST API the module calls.
    link: https://docs.wso2.com/display/IOTS320/Device+Management+REST+APIs
'''

EXAMPLES = r'''
- name: Ring two Android phones and wait until both did
  wso2.iots.iots_operation:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:device-types:types', 'perm:devices:operations',
      'perm:get-activity']) }}"
    device_type: android
    device_ids: [3b9fd06ca1b4e3a7, 8e1d3f2c4b5a6978]
    code: DEVICE_RING
    wait: true
    wait_timeout: 300
  register: ring

- name: Make the fire alarms buzz, some of which may be gone
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      client_id: "{{ iots_client_id }}"
      client_secret: "{{ iots_client_secret }}"
  wso2.iots.iots_operation:
    device_type: virtual_firealarm
    device_ids: "{{ groups['alarms'] }}"
    code: BUZZ
    payload: {duration: 10}
    allow_invalid: true
'''

RETURN = r'''
activity:
  description: The activity IoTS created for the operation, as last read. C({}) in check mode.
  returned: success, and failures after the operation was sent
  type: dict
  contains:
    id:
      description: The activity id, for C(GET /activities/{id}).
      type: str
    code:
      description: The operation code.
      type: str
    type:
      description: The operation type.
      type: str
    devices:
      description: One entry per device, with its C(device_id), C(status) and the device's C(responses).
      type: list
      elements: dict
  sample:
    id: ACTIVITY_12
    code: BUZZ
    type: COMMAND
    devices:
      - {device_id: firealarm-lobby-01, status: COMPLETED, responses: []}
invalid_devices:
  description: The devices IoTS marked C(INVALID) (unknown or disenrolled).
  returned: success, and failures after the operation was sent
  type: list
  elements: str
  sample: [firealarm-gone-01]
msg:
  description: What went wrong.
  returned: failure
  type: str
  sample: >-
    Operation BUZZ (activity ACTIVITY_12) did not complete within 120 s on 1 of 2 device(s):
    firealarm-lab-02 (IN_PROGRESS).
'''

import time

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils._device_module import IotsDeviceModule
from ansible_collections.wso2.iots.plugins.module_utils._device_api import validate_device_id, validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._device_sync import unknown_type_message
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError

COMPLETED = 'COMPLETED'
ERROR = 'ERROR'
INVALID = 'INVALID'


# Replaced by the unit tests, so that a wait takes no time.
clock = time.monotonic
sleep = time.sleep


def argument_spec():
    return dict(
        device_type=dict(type='str', required=True),
        device_ids=dict(type='list', elements='str', required=True),
        code=dict(type='str', required=True),
        operation_type=dict(type='str', choices=list(device_api.OPERATION_TYPES), default='COMMAND'),
        payload=dict(type='raw'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=120),
        poll_interval=dict(type='float', default=5),
        allow_invalid=dict(type='bool', default=False),
    )


def check_options(params):
    validate_device_type(params['device_type'])
    if not params['device_ids']:
        raise IotsOptionError('device_ids must name at least one device.')
    seen = set()
    for index, device_id in enumerate(params['device_ids']):
        validate_device_id(device_id, 'device_ids[%d]' % index)
        if device_id in seen:
            raise IotsOptionError('device_ids[%d] names %r again; give each device once.' % (index, device_id))
        seen.add(device_id)
    if not params['code'] or not params['code'].strip():
        raise IotsOptionError('code must be a non-empty operation code, e.g. BUZZ or DEVICE_RING.')
    if params['wait_timeout'] <= 0:
        raise IotsOptionError('wait_timeout must be a positive number of seconds, got %d.' % params['wait_timeout'])
    if params['poll_interval'] <= 0:
        raise IotsOptionError('poll_interval must be a positive number of seconds, got %s.' % params['poll_interval'])


def scopes_needed(params, check_mode):
    """The logical scopes of the device-API calls this run may make."""
    if check_mode:
        return device_api.scopes_needed('device_types')
    return device_api.scopes_needed('device_types', 'send_operation', *(['get_activity'] if params['wait'] else []))


def shown(activity):
    """The activity with the names of the module's options."""
    return dict(
        id=activity.get('activityId'),
        code=activity.get('code'),
        type=activity.get('type'),
        devices=[dict(device_id=device_api.entry_device(entry), status=entry.get('status'), responses=entry.get('responses') or [])
                 for entry in activity.get('activityStatus') or []],
    )


class OperationRun(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.activity = {}

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, changed=True, activity=shown(self.activity), **extra)

    def check_type(self):
        known = self.module.call(device_api.device_types)
        if self.params['device_type'] not in known:
            self.module.fail_json(msg=unknown_type_message([self.params['device_type']], known))

    def send(self):
        params = self.params
        self.activity = self.module.call(device_api.send_operation, params['device_type'], params['device_ids'],
                                         params['code'], operation_type=params['operation_type'],
                                         payload=params['payload'])

    def invalid_devices(self):
        invalid = sorted(d for d, status in device_api.device_statuses(self.activity).items() if status == INVALID)
        if invalid and not self.params['allow_invalid']:
            self.fail('IoTS marked %d of %d device(s) INVALID (unknown or disenrolled) for operation %s: %s. It '
                      'sent the operation to the others (activity %s). Set allow_invalid: true to accept this.'
                      % (len(invalid), len(self.params['device_ids']), self.params['code'], ', '.join(invalid),
                         self.activity.get('activityId')), invalid_devices=invalid)
        if invalid:
            self.module.warn('IoTS marked these %s devices INVALID (unknown or disenrolled) and did not send them '
                             '%s: %s.' % (self.params['device_type'], self.params['code'], ', '.join(invalid)))
        return invalid

    def wait(self, invalid):
        """Poll the activity until every valid device completed it; ERROR and the deadline fail."""
        activity_id = self.activity.get('activityId')
        deadline = clock() + self.params['wait_timeout']
        while True:
            states = dict((d, s) for d, s in device_api.device_statuses(self.activity).items() if d not in invalid)
            errors = sorted(d for d, s in states.items() if s == ERROR)
            if errors:
                self.fail('Operation %s (activity %s) failed on %s: %s' % (
                    self.params['code'], activity_id, ', '.join(errors), self.responses(errors)),
                    invalid_devices=invalid, failed_devices=errors)
            waiting = sorted(d for d, s in states.items() if s != COMPLETED)
            if not waiting:
                return
            remaining = deadline - clock()
            if remaining <= 0:
                self.fail('Operation %s (activity %s) did not complete within %d s on %d of %d device(s): %s.' % (
                    self.params['code'], activity_id, self.params['wait_timeout'], len(waiting), len(states),
                    ', '.join('%s (%s)' % (d, states[d]) for d in waiting)),
                    invalid_devices=invalid, pending_devices=waiting)
            sleep(min(self.params['poll_interval'], remaining))
            self.activity = self.module.call(device_api.get_activity, activity_id)

    def responses(self, devices):
        """The devices' own words about an ERROR, one line."""
        words = []
        for entry in self.activity.get('activityStatus') or []:
            device = device_api.entry_device(entry)
            if device in devices:
                answers = [str(r.get('response') if isinstance(r, dict) else r) for r in entry.get('responses') or []]
                words.append('%s answered %s' % (device, '; '.join(answers) or 'nothing'))
        return ' '.join(' / '.join(words).split()) + '.'

    def run(self):
        self.check_type()
        if self.module.check_mode:
            return dict(changed=True, activity={}, invalid_devices=[])
        self.send()
        invalid = self.invalid_devices()
        if self.params['wait']:
            self.wait(invalid)
        return dict(changed=True, activity=shown(self.activity), invalid_devices=invalid)


def main():
    module = IotsDeviceModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.checked(check_options, module.params)
    module.bearer(scopes_needed(module.params, module.check_mode))
    module.exit_json(**OperationRun(module).run())


if __name__ == '__main__':
    main()
