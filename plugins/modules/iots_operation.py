#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
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
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_id, validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._resource import Change, Resource, run
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique

COMPLETED = 'COMPLETED'
ERROR = 'ERROR'
INVALID = 'INVALID'
SENT = 'sent'


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


def shown(activity):
    """The activity with the names of the module's options."""
    if not activity:
        return {}
    return dict(
        id=activity.get('activityId'),
        code=activity.get('code'),
        type=activity.get('type'),
        devices=[
            dict(device_id=device_api.entry_device(entry), status=entry.get('status'), responses=entry.get('responses') or [])
            for entry in activity.get('activityStatus') or []
        ],
    )


def responses(activity, devices):
    """The devices' own words about an ERROR, one line."""
    words = []
    for entry in activity.get('activityStatus') or []:
        device = device_api.entry_device(entry)
        if device in devices:
            answers = [str(r.get('response') if isinstance(r, dict) else r) for r in entry.get('responses') or []]
            words.append('%s answered %s' % (device, '; '.join(answers) or 'nothing'))
    return ' '.join(' / '.join(words).split()) + '.'


class Operation(Resource):
    """One operation sent to devices: an action, not a state, so every run that sends it changes something."""

    noun = 'operation'
    actions = (SENT,)

    def check(self):
        params = self.params
        device_type = validate_device_type(params['device_type'])
        if not params['device_ids']:
            raise IotsOptionError('device_ids must name at least one device.')
        check_unique(
            [(device_type, validate_device_id(device_id, 'device_ids[%d]' % index)) for index, device_id in enumerate(params['device_ids'])],
            'device_ids',
            'device',
            '/'.join,
        )
        if not params['code'] or not params['code'].strip():
            raise IotsOptionError('code must be a non-empty operation code, e.g. BUZZ or DEVICE_RING.')
        if params['wait_timeout'] <= 0:
            raise IotsOptionError('wait_timeout must be a positive number of seconds, got %d.' % params['wait_timeout'])
        if params['poll_interval'] <= 0:
            raise IotsOptionError('poll_interval must be a positive number of seconds, got %s.' % params['poll_interval'])
        return dict(params)

    def scopes(self, spec):
        if self.check_mode:
            return device_api.scopes_needed('device_types')
        return device_api.scopes_needed('device_types', 'send_operation', *(['get_activity'] if spec['wait'] else []))

    def read(self, api, spec):
        api(device_api.check_device_types, [spec['device_type']])

    def plan(self, spec, current):
        return [Change(spec['code'], SENT, None, dict(activity={}, invalid=[]), spec)]

    def apply(self, api, change):
        spec = change.spec
        activity = api(
            device_api.send_operation, spec['device_type'], spec['device_ids'], spec['code'], operation_type=spec['operation_type'], payload=spec['payload']
        )
        invalid = self.invalid_devices(activity, spec)
        if spec['wait']:
            activity = self.wait(api, activity, invalid, spec)
        return dict(activity=activity, invalid=invalid)

    def failure(self, msg, activity, **details):
        """The operation was sent: the failure says so (changed) and shows the activity."""
        return IotsError(msg, details=dict(details, changed=True, activity=shown(activity)))

    def invalid_devices(self, activity, spec):
        invalid = sorted(d for d, status in device_api.device_statuses(activity).items() if status == INVALID)
        if invalid and not spec['allow_invalid']:
            raise self.failure(
                'IoTS marked %d of %d device(s) INVALID (unknown or disenrolled) for operation %s: %s. '
                'It sent the operation to the others (activity %s). Set allow_invalid: true to accept '
                'this.' % (len(invalid), len(spec['device_ids']), spec['code'], ', '.join(invalid), activity.get('activityId')),
                activity,
                invalid_devices=invalid,
            )
        if invalid:
            self.module.warn(
                'IoTS marked these %s devices INVALID (unknown or disenrolled) and did not send them '
                '%s: %s.' % (spec['device_type'], spec['code'], ', '.join(invalid))
            )
        return invalid

    def wait(self, api, activity, invalid, spec):
        """Poll the activity until every valid device completed it; ERROR and the deadline fail."""
        activity_id = activity.get('activityId')
        deadline = clock() + spec['wait_timeout']
        while True:
            states = dict((d, s) for d, s in device_api.device_statuses(activity).items() if d not in invalid)
            errors = sorted(d for d, s in states.items() if s == ERROR)
            if errors:
                raise self.failure(
                    'Operation %s (activity %s) failed on %s: %s' % (spec['code'], activity_id, ', '.join(errors), responses(activity, errors)),
                    activity,
                    invalid_devices=invalid,
                    failed_devices=errors,
                )
            waiting = sorted(d for d, s in states.items() if s != COMPLETED)
            if not waiting:
                return activity
            remaining = deadline - clock()
            if remaining <= 0:
                raise self.failure(
                    'Operation %s (activity %s) did not complete within %d s on %d of %d device(s): %s.'
                    % (spec['code'], activity_id, spec['wait_timeout'], len(waiting), len(states), ', '.join('%s (%s)' % (d, states[d]) for d in waiting)),
                    activity,
                    invalid_devices=invalid,
                    pending_devices=waiting,
                )
            sleep(min(spec['poll_interval'], remaining))
            activity = api(device_api.get_activity, activity_id)

    def view(self, obj):
        return shown((obj or {}).get('activity'))

    def result(self, changes, current):
        after = changes[0].after
        return dict(activity=shown(after['activity']), invalid_devices=after['invalid'])


def main():
    run(Operation, argument_spec())


if __name__ == '__main__':
    main()
