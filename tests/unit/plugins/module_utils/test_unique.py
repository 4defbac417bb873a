# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one duplicate check of the list options."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique


def test_a_list_without_repeats_passes_unchanged():
    values = ['b', 'a', 'B']
    assert check_unique(values, 'properties', 'property') is values


def test_a_repeat_names_both_places():
    with pytest.raises(IotsOptionError) as caught:
        check_unique([('t', '1'), ('t', '2'), ('t', '1')], 'devices', 'device', '/'.join)
    assert caught.value.message == 'devices[2] names device t/1 again (first in devices[0]); give each device once.'


def test_fold_decides_what_is_the_same_and_the_note_says_why():
    check_unique(['alice', 'ALICE'], 'users', 'user')
    with pytest.raises(IotsOptionError) as caught:
        check_unique(['alice', 'bob', 'ALICE'], 'users', 'user', fold=str.lower, note='; IoTS compares user names without case')
    assert caught.value.message == "users[2] names user 'ALICE' again (first in users[0]; IoTS compares user names without case); give each user once."
