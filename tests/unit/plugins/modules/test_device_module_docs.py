# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scopes each device module documents are the ones it asks for, in both server flavours (_scopes.py)."""

import re

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._scopes import FLAVORS, scopes_for
from ansible_collections.wso2.iots.plugins.modules import iots_device, iots_device_info, iots_group, iots_operation

PRESENT_AND_ABSENT = [{'state': 'present'}, {'state': 'absent'}]
GROUP_PRESENT = {'state': 'present', 'members': [], 'description': 'd', 'purge': True}


class Module(object):
    """What a Resource reads of its AnsibleModule."""

    def __init__(self, params, check_mode=False, diff=True):
        self.params, self.check_mode, self._diff = params, check_mode, diff


def scopes(resource_class, spec, params=None, check_mode=False):
    return resource_class(Module(params or {}, check_mode)).scopes(spec)


# Every scope a module may ask for: the union of its scopes over runs that make every call.
USED = {
    iots_device: [
        scope
        for devices in ([], None)
        for check_mode in (True, False)
        for scope in scopes(iots_device.Device, PRESENT_AND_ABSENT, {'devices': devices}, check_mode)
    ],
    iots_device_info: (
        scopes(iots_device_info.DeviceInfo, {'device_id': 'a', 'group': None, 'device_type': 't'})
        + scopes(iots_device_info.DeviceInfo, {'device_id': None, 'group': 'g', 'device_type': 't'})
    ),
    iots_group: (scopes(iots_group.Group, {'state': 'absent'}) + scopes(iots_group.Group, GROUP_PRESENT)),
    iots_operation: scopes(iots_operation.Operation, {'wait': True}),
}
SCOPE_IN_DOCS = re.compile(r'C\(((?:perm|dm|gm):[a-z:-]+)\)')


@pytest.mark.parametrize('module', sorted(USED, key=lambda m: m.__name__), ids=lambda m: m.__name__.rsplit('.', 1)[-1])  # type: ignore[attr-defined]
def test_documented_scopes_are_the_ones_asked_for(module):
    expected = set()
    for flavor in FLAVORS:
        expected.update(scopes_for(USED[module], flavor))
    documented = set(SCOPE_IN_DOCS.findall(module.DOCUMENTATION))
    assert documented == expected
