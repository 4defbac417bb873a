# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_permissions: the scope -> permission table, its rules, and the guide's copy of it."""

import os
import sys

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _permissions as perms
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._scopes import ENTGRA_ONLY, SCOPES

DOCSITE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'docs', 'docsite')
DM = '/permission/admin/device-mgt'


def test_iots_table_has_the_80_scopes_each_once():
    scopes = [scope for _path, names in perms.TABLE['iots'] for scope in names]
    assert len(scopes) == len(set(scopes)) == 80
    # every logical scope but those IoTS 3.2.0 lacks (Entgra added them)
    assert all(name['iots'] in scopes for logical, name in SCOPES.items() if logical not in ENTGRA_ONLY)


def test_entgra_table_names_every_catalogued_entgra_scope():
    scopes = perms.known_scopes('entgra')
    assert all(name['entgra'] in scopes for name in SCOPES.values())
    assert perms.permissions_for(['um:users:add', 'rm:roles:view'], 'entgra') == [DM + '/roles/view', DM + '/users/add']
    assert perms.permissions_for(['dm:devices:view'], 'entgra') == [DM + '/devices/owning-device/view']


def test_an_entgra_scope_name_is_written_once():
    # the Entgra-only rows name a catalogued scope by its logical name, never again by its Entgra name
    catalogued = set(names['entgra'] for names in SCOPES.values())
    written = [name for _path, names in perms._ENTGRA_ACCESS for name in names] + [n for names in perms._ENTGRA_ADDED.values() for n in names]
    assert not catalogued & set(written)
    assert ('/permission/admin/device-mgt/users/count', ('um:users:count',)) in perms.TABLE['entgra']


def test_permissions_for_scopes_and_back():
    assert perms.permissions_for(['perm:users:add', 'perm:users:delete', 'perm:devices:view']) == [DM + '/devices/owning-device/view', DM + '/users/manage']
    # a grant on users/manage also yields the other scopes of that permission
    assert perms.scopes_of([DM + '/users/manage']) == sorted(
        ['perm:users:add', 'perm:users:update', 'perm:users:delete', 'perm:users:send-invitation', 'perm:admin-users:view']
    )
    # a parent covers the paths below it; case counts
    assert 'perm:groups:add' in perms.scopes_of([DM + '/groups'])
    assert perms.scopes_of([DM + '/Groups']) == []


def test_unknown_scope_names_the_nearest_ones():
    with pytest.raises(IotsOptionError) as error:
        perms.permissions_for(['perm:devices:veiw', 'perm:users:add'])
    assert 'perm:devices:veiw (nearest: perm:devices:view' in str(error.value)
    with pytest.raises(IotsOptionError) as error:
        perms.permissions_for(['perm:devices:view'], 'entgra')
    assert 'Entgra' in str(error.value) and 'dm:devices:view' in str(error.value)


@pytest.mark.parametrize('path', ['/admin/device-mgt', '/permissions/admin', '/permission/', '/permission//x', '/permission/admin device', None])
def test_permission_paths_outside_permission_are_refused(path):
    with pytest.raises(IotsOptionError) as error:
        perms.validate_permission(path)
    assert 'is not a permission path' in str(error.value)


def test_top_most_and_covers():
    assert perms.top_most([DM + '/groups/view', DM + '/groups', DM + '/users/view']) == [DM + '/groups', DM + '/users/view']
    assert perms.covers(DM + '/groups', DM + '/groups/view') and not perms.covers(DM + '/group', DM + '/groups')


def test_the_guide_carries_the_current_table():
    sys.path.insert(0, DOCSITE)
    try:
        import permission_table
    finally:
        sys.path.remove(DOCSITE)
    with open(permission_table.GUIDE) as handle:
        text = handle.read()
    assert permission_table.updated(text) == text, 'run python docs/docsite/permission_table.py'
    for path, scopes in perms.TABLE['iots']:
        assert '``%s``' % path in text and '``%s``' % scopes[0] in text
