# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scopes each device module documents are the ones it asks for, in both server flavours (_scopes.py)."""

import re

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._scopes import FLAVORS, scopes_for
from ansible_collections.wso2.iots.plugins.modules import iots_device, iots_device_info, iots_group, iots_operation

PRESENT_AND_ABSENT = [{'state': 'present'}, {'state': 'absent'}]
GROUP_PRESENT = {'state': 'present', 'devices': [], 'description': 'd', 'purge_devices': True}
# Every scope a module may ask for: the union of its scopes_needed over runs that make every call.
USED = {
    iots_device: [scope for bulk in (True, False) for check_mode in (True, False)
                  for scope in iots_device.scopes_needed(PRESENT_AND_ABSENT, bulk, check_mode)],
    iots_device_info: (iots_device_info.scopes_needed({'device_id': 'a', 'group': None})
                       + iots_device_info.scopes_needed({'device_id': None, 'group': 'g'})),
    iots_group: (iots_group.scopes_needed({'state': 'absent'}, False, True)
                 + iots_group.scopes_needed(GROUP_PRESENT, False, True)),
    iots_operation: iots_operation.scopes_needed({'wait': True}, False),
}
SCOPE_IN_DOCS = re.compile(r'C\(((?:perm|dm|gm):[a-z:-]+)\)')


@pytest.mark.parametrize('module', sorted(USED, key=lambda m: m.__name__), ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_documented_scopes_are_the_ones_asked_for(module):
    expected = set()
    for flavor in FLAVORS:
        expected.update(scopes_for(USED[module], flavor))
    documented = set(SCOPE_IN_DOCS.findall(module.DOCUMENTATION))
    assert documented == expected
