# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scopes each device module documents are the ones it asks for, in both server flavours (_scopes.py)."""

import re

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._scopes import FLAVORS, scopes_for
from ansible_collections.wso2.iots.plugins.modules import iots_device, iots_device_info, iots_group, iots_operation

USED = {
    iots_device: [iots_device.READ_ONE, iots_device.READ_MANY] + list(iots_device.PRESENT + iots_device.ABSENT),
    iots_device_info: [iots_device_info.READ_ONE, iots_device_info.READ_MANY, iots_device_info.FIND_GROUP],
    iots_group: [iots_group.FIND, iots_group.MEMBERS, iots_group.CREATE, iots_group.UPDATE, iots_group.DELETE,
                 iots_group.READ_DEVICES, iots_group.ADD, iots_group.REMOVE],
    iots_operation: [iots_operation.TYPES, iots_operation.SEND, iots_operation.ACTIVITY],
}
SCOPE_IN_DOCS = re.compile(r'C\(((?:perm|dm|gm):[a-z:-]+)\)')


@pytest.mark.parametrize('module', sorted(USED, key=lambda m: m.__name__), ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_documented_scopes_are_the_ones_asked_for(module):
    expected = set()
    for flavor in FLAVORS:
        expected.update(scopes_for(USED[module], flavor))
    documented = set(SCOPE_IN_DOCS.findall(module.DOCUMENTATION))
    assert documented == expected
