#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_policy_info
short_description: List the device policies of WSO2 IoT Server or Entgra
version_added: 1.1.0
description:
  - Returns every device policy of WSO2 IoT Server (IoTS) or Entgra IoT Server (all pages), or those of one device
    type or name, in order of precedence, with each feature's content as a mapping (IoTS stores it as a JSON string).
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
    description: Only the policies of this device type.
    type: str
  name:
    description: Only the policies of this exact name (IoTS does not keep names unique).
    type: str
notes:
  - "Scopes the token needs: C(perm:policies:get-details) on IoTS, C(dm:policies:view) on Entgra."
seealso:
  - module: wso2.iots.iots_policy
'''

EXAMPLES = r'''
- name: The Android policies, highest precedence first
  wso2.iots.iots_policy_info:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:policies:get-details']) }}"
    device_type: android
  register: android_policies
'''

RETURN = r'''
policies:
  description: The policies, highest precedence first, each as M(wso2.iots.iots_policy) returns C(policy).
  returned: success
  type: list
  elements: dict
  sample:
    - {id: 4, name: android-baseline, device_type: android, description: '', ownership: COPE, compliance: enforce,
       active: true, priority: 1, features: [{code: ENCRYPT_STORAGE, content: {encrypted: true}}],
       roles: [ANY], users: [], groups: []}
'''

from ansible_collections.wso2.iots.plugins.module_utils import _policy_api as policy_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import server_flavor
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._policy_view import policy_view
from ansible_collections.wso2.iots.plugins.module_utils._resource import Resource, run


def argument_spec():
    return dict(
        device_type=dict(type='str'),
        name=dict(type='str'),
    )


class PolicyList(Resource):
    """Every policy, filtered here: IoTS 3.2.0 has no name or type filter."""

    def check(self):
        if self.params['device_type'] is not None:
            validate_device_type(self.params['device_type'])
        return dict(self.params, flavor=server_flavor(self.params.get))

    def scopes(self, spec):
        return policy_api.scopes_needed('list_policies')

    def read(self, api, spec):
        policies = api(policy_api.list_policies)
        ranks = dict((p.get('id'), index + 1) for index, p in enumerate(policies))
        views = [policy_view(p, ranks, spec['flavor']) for p in policies]
        return [
            v for v in views if (spec['device_type'] is None or v['device_type'] == spec['device_type']) and (spec['name'] is None or v['name'] == spec['name'])
        ]

    def result(self, changes, current):
        return dict(policies=current)


def main():
    run(PolicyList, argument_spec())


if __name__ == '__main__':
    main()
