# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scopes iots_device_type, iots_policy and iots_policy_info document are the ones they ask for, per flavour."""

import re

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._scopes import FLAVORS, scopes_for
from ansible_collections.wso2.iots.plugins.modules import iots_device_type, iots_policy, iots_policy_info

SCOPE_IN_DOCS = re.compile(r'C\(((?:perm|dm|gm|pm|rm):[a-z:-]+)\)')


class Stub(object):
    def __init__(self, params, check_mode):
        self.params = params
        self.check_mode = check_mode
        self._diff = False


def asked(module, resource, runs):
    scopes = set()
    for flavor in FLAVORS:
        for params in runs:
            for check_mode in (True, False):
                spec = dict(params, flavor=flavor)
                scopes.update(scopes_for(resource(Stub(spec, check_mode)).scopes(spec), flavor))
    return scopes


@pytest.mark.parametrize(
    'module, resource, runs',
    [
        (iots_device_type, iots_device_type.DeviceType, [{'state': 'present'}, {'state': 'absent'}]),
        (
            iots_policy,
            iots_policy.Policy,
            [
                {'state': 'present', 'groups': ['g'], 'priority': 1, 'roles': ['r'], 'apply_changes': True},
                {'state': 'absent', 'groups': None, 'priority': None},
            ],
        ),
        (iots_policy_info, iots_policy_info.PolicyList, [{}]),
    ],
    ids=['iots_device_type', 'iots_policy', 'iots_policy_info'],
)
def test_documented_scopes_are_the_ones_asked_for(module, resource, runs):
    assert set(SCOPE_IN_DOCS.findall(module.DOCUMENTATION)) == asked(module, resource, runs)
