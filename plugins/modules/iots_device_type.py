#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_device_type
short_description: Manage a custom device type of WSO2 IoT Server or Entgra
version_added: 1.1.0
description:
  - Creates or updates one custom device type (its definition) of WSO2 IoT Server (IoTS) or Entgra IoT Server, found
    by its O(name). Devices of the type can then be enrolled with M(wso2.iots.iots_device), also in the same play.
  - The module reads the stored definition, compares the fields it manages, creates the type when it is missing and
    sends the full definition only when something differs. IoTS replaces the whole definition on an update, so the
    module sends every field, the ones it does not manage as the server has them.
  - An option left out keeps what the server has (a new type gets no properties, no features and V(false) flags).
  - On Entgra, O(state=absent) with O(force=true) deletes the type B(and every device of the type, permanently).
    IoTS 3.2 has no API to delete a device type, so there the task fails before any request and says so.
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
      - Check mode reads the stored definition and sends no write request.
  diff_mode:
    support: full
    details:
      - The diff shows the managed fields of the definition before and after.
options:
  name:
    description:
      - The device type name. IoTS refuses a name with a space or C(/); at most 45 characters.
      - Built-in types such as C(android) have no definition that the API can change.
    type: str
    required: true
  description:
    description: What the device type is.
    type: str
  properties:
    description:
      - The names of the device properties, in order. Devices enrolled before a property was added never get a value
        for it (IoTS stores property rows at enrolment).
    type: list
    elements: str
  features:
    description: The operations the type supports.
    type: list
    elements: dict
    suboptions:
      code:
        description: The feature (operation) code, unique in the list.
        type: str
        required: true
      name:
        description: A display name; defaults to O(features[].code).
        type: str
      description:
        description: What the feature does.
        type: str
  claimable:
    description: Whether devices of the type can be claimed by a user.
    type: bool
  policy_monitoring:
    description: Whether IoTS monitors the compliance of devices of the type with their policy (C(policyMonitoringEnabled)).
    type: bool
  push_notification:
    description: How IoTS pushes operations to the devices (C(pushNotificationConfig)).
    type: dict
    suboptions:
      type:
        description: The push-notification type, for example C(MQTT) or C(FCM).
        type: str
        required: true
      scheduled:
        description: Whether pushes are scheduled (C(isScheduled)).
        type: bool
        default: false
      properties:
        description: The push provider's settings.
        type: dict
  initial_operations:
    description: Feature codes IoTS sends to a device when it enrols (C(initialOperationConfig)).
    type: list
    elements: str
  state:
    description:
      - V(present) makes the definition as given. V(absent) deletes the type, on Entgra only and only with O(force=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Must be V(true) with O(state=absent), because Entgra deletes every device of the type with it.
    type: bool
    default: false
notes:
  - "Scopes the token needs. On IoTS: C(perm:device-types:types) to read the definition and, outside check mode,
    C(perm:admin:device-type) to create or update it. On Entgra: C(dm:admin:device-type:view) to read and
    C(dm:admin:device-type:modify) to create, update or delete."
seealso:
  - module: wso2.iots.iots_device
  - module: wso2.iots.iots_policy
'''

EXAMPLES = r'''
- name: A custom air-quality sensor type
  wso2.iots.iots_device_type:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:device-types:types', 'perm:admin:device-type']) }}"
    name: airsensor
    description: Air-quality sensor of the lobby
    properties: [building, floor]
    features:
      - {code: calibrate, name: Calibrate, description: Recalibrates the CO2 cell}
    push_notification:
      type: MQTT

- name: Delete a device type on Entgra, with every device of it
  wso2.iots.iots_device_type:
    name: oldsensor
    state: absent
    force: true
    server_flavor: entgra
'''

RETURN = r'''
device_type:
  description: The device type after the run (in check mode, as it would be); C({}) when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The server's id of the type; V(null) for a type that check mode would create.
      type: int
    name:
      description: The name.
      type: str
    description:
      description: The description.
      type: str
    properties:
      description: The property names.
      type: list
      elements: str
    features:
      description: The features, each with C(code), C(name) and C(description).
      type: list
      elements: dict
    claimable:
      description: Whether devices can be claimed.
      type: bool
    policy_monitoring:
      description: Whether policy compliance is monitored.
      type: bool
    push_notification:
      description: C(type), C(scheduled) and C(properties) of the push configuration, or V(null).
      type: dict
    initial_operations:
      description: The feature codes sent at enrolment.
      type: list
      elements: str
  sample: {id: 7, name: airsensor, description: Air-quality sensor, properties: [building, floor],
           features: [{code: calibrate, name: Calibrate, description: Recalibrates the CO2 cell}],
           claimable: false, policy_monitoring: false, push_notification: {type: MQTT, scheduled: false, properties: {}},
           initial_operations: []}
'''

from ansible_collections.wso2.iots.plugins.module_utils import _device_type_api as type_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import server_flavor
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._resource import NONE, Change, Resource, run
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique

CREATED = 'created'
UPDATED = 'updated'
DELETED = 'deleted'
# option -> the meta definition's field (the flags are always stored, as false when not sent)
_FLAGS = (('claimable', 'claimable'), ('policy_monitoring', 'policyMonitoringEnabled'))


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        properties=dict(type='list', elements='str'),
        features=dict(
            type='list',
            elements='dict',
            options=dict(
                code=dict(type='str', required=True),
                name=dict(type='str'),
                description=dict(type='str'),
            ),
        ),
        claimable=dict(type='bool'),
        policy_monitoring=dict(type='bool'),
        push_notification=dict(
            type='dict',
            options=dict(
                type=dict(type='str', required=True),
                scheduled=dict(type='bool', default=False),
                properties=dict(type='dict'),
            ),
        ),
        initial_operations=dict(type='list', elements='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
    )


def managed(meta):
    """The fields of a meta definition this module manages, normalised as the server reads them back."""
    meta = meta or {}
    push = meta.get('pushNotificationConfig')
    return dict(
        description=meta.get('description') or '',
        properties=list(meta.get('properties') or []),
        features=[dict(code=f.get('code'), name=f.get('name') or f.get('code'), description=f.get('description') or '') for f in meta.get('features') or []],
        claimable=bool(meta.get('claimable')),
        policy_monitoring=bool(meta.get('policyMonitoringEnabled')),
        push_notification=None
        if not push
        else dict(type=push.get('type'), scheduled=bool(push.get('isScheduled')), properties=dict(push.get('properties') or {})),
        initial_operations=list((meta.get('initialOperationConfig') or {}).get('operations') or []),
    )


def wanted_meta(spec, current_meta):
    """The full definition to send: the server's own fields kept, the given options applied."""
    meta = dict(current_meta or {})
    if spec['description'] is not None:
        meta['description'] = spec['description']
    if spec['properties'] is not None:
        meta['properties'] = list(spec['properties'])
    if spec['features'] is not None:
        meta['features'] = [dict(code=f['code'], name=f['name'] or f['code'], description=f['description'] or '') for f in spec['features']]
    for option, field in _FLAGS:
        if spec[option] is not None:
            meta[field] = spec[option]
        else:
            meta[field] = bool(meta.get(field))
    push = spec['push_notification']
    if push is not None:
        meta['pushNotificationConfig'] = dict(type=push['type'], isScheduled=push['scheduled'], properties=dict(push['properties'] or {}))
    if spec['initial_operations'] is not None:
        meta['initialOperationConfig'] = dict(operations=list(spec['initial_operations']))
    meta.setdefault('description', '')
    meta.setdefault('properties', [])
    meta.setdefault('features', [])
    return meta


class DeviceType(Resource):
    """One device type: the DeviceType JSON {id, name, deviceTypeMetaDefinition}, or None."""

    noun = 'device type'
    actions = (CREATED, UPDATED, DELETED, NONE)

    def check(self):
        params = self.params
        spec = dict(params)
        spec['flavor'] = server_flavor(params.get)
        validate_device_type(params['name'], 'name')
        if params['properties'] is not None:
            for value in params['properties']:
                if not value or not value.strip():
                    raise IotsOptionError('properties must be non-empty names.')
            check_unique(params['properties'], 'properties', 'property')
        if params['features'] is not None:
            check_unique([f['code'] for f in params['features']], 'features', 'feature code')
        if params['state'] == 'absent':
            if spec['flavor'] != 'entgra':
                raise IotsOptionError(
                    'IoTS 3.2 has no API to delete a device type, so state=absent cannot be done '
                    '(only Entgra, with server_flavor: entgra, deletes device types).'
                )
            if not params['force']:
                raise IotsOptionError(
                    'state=absent deletes device type %r and, on Entgra, every device of that type permanently: set force: true to do it.' % params['name']
                )
        return spec

    def scopes(self, spec):
        calls = ['get_device_type']
        if not self.check_mode:
            calls += ['delete_device_type'] if spec['state'] == 'absent' else ['add_device_type', 'update_device_type']
        return type_api.scopes_needed(spec['flavor'], *calls)

    def read(self, api, spec):
        return api(type_api.get_device_type, spec['flavor'], spec['name'])

    def plan(self, spec, current):
        if spec['state'] == 'absent':
            return [Change(spec['name'], DELETED if current else NONE, current, None, spec=spec)]
        current_meta = (current or {}).get('deviceTypeMetaDefinition')
        meta = wanted_meta(spec, current_meta)
        after = dict(id=(current or {}).get('id'), name=spec['name'], deviceTypeMetaDefinition=meta)
        if current is None:
            action = CREATED
        else:
            action = UPDATED if managed(meta) != managed(current_meta) else NONE
        return [Change(spec['name'], action, current, after, spec=spec)]

    def apply(self, api, change):
        spec = change.spec
        if change.action == DELETED:
            api(type_api.delete_device_type, spec['flavor'], spec['name'])
            return None
        meta = change.after['deviceTypeMetaDefinition']
        if change.action == CREATED:
            api(type_api.add_device_type, spec['flavor'], spec['name'], meta)
        else:
            api(type_api.update_device_type, spec['flavor'], spec['name'], meta)
        return api(type_api.get_device_type, spec['flavor'], spec['name'])

    def view(self, obj):
        if not obj:
            return {}
        return dict(managed(obj.get('deviceTypeMetaDefinition')), name=obj.get('name'))

    def result(self, changes, current):
        after = changes[0].after
        return dict(device_type=dict(self.view(after), id=after.get('id')) if after else {})


def main():
    run(DeviceType, argument_spec())


if __name__ == '__main__':
    main()
