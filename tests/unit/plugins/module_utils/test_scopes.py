# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scope catalogue: logical names, both flavours, and the mapping between them."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _scopes
from ansible_collections.wso2.iots.plugins.module_utils._device_api import CALL_SCOPES
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError

from iots_emulator import SCOPE_CATALOGUE


def test_flavours():
    assert _scopes.FLAVORS == ('iots', 'entgra')
    assert _scopes.validate_flavor(None) == 'iots'
    with pytest.raises(IotsOptionError, match="server_flavor must be one of iots, entgra, not 'wso2'"):
        _scopes.scopes_for(['devices:view'], 'wso2')


def test_scopes_for_each_flavour_sorted_without_duplicates():
    names = ['groups:groups', 'devices:view', 'devices:view', 'get-activity']
    assert _scopes.scopes_for(names) == ['perm:devices:view', 'perm:get-activity', 'perm:groups:groups']
    assert _scopes.scopes_for(names, 'entgra') == ['dm:activity:get', 'dm:devices:view', 'gm:groups:view']
    assert _scopes.scopes_for(['device-types:types'], 'entgra') == ['dm:device-type:view']


def test_equivalent_and_logical_names():
    assert _scopes.equivalent_scope('perm:devices:operations') == 'dm:devices:ops:view'
    assert _scopes.equivalent_scope('gm:devices:add') == 'perm:groups:devices-add'
    assert _scopes.equivalent_scope('perm:android:enroll') is None  # no Entgra name (entgra.md)
    assert _scopes.logical_name('dm:device:enroll') == _scopes.logical_name('perm:device:enroll') == 'device:enroll'


def test_catalogue_is_the_two_tables():
    assert len(_scopes.SCOPES) == 58  # 35 device and group scopes, 10 of device types and policies, 13 of users and roles
    assert all(names['iots'] == 'perm:' + logical for logical, names in _scopes.SCOPES.items())
    # every IoTS name is one the emulated 3.2.0 server grants (but the Entgra-only ones), and no Entgra name repeats
    assert set(names['iots'] for logical, names in _scopes.SCOPES.items() if logical not in _scopes.ENTGRA_ONLY) <= SCOPE_CATALOGUE
    assert not set(_scopes.SCOPES[logical]['iots'] for logical in _scopes.ENTGRA_ONLY) & SCOPE_CATALOGUE
    assert len(set(names['entgra'] for names in _scopes.SCOPES.values())) == 58


def test_every_device_api_call_names_catalogued_scopes():
    for call, needs in CALL_SCOPES.items():
        assert needs and set(needs) <= set(_scopes.SCOPES), call
