# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The scope check names the other server flavour's scopes when a server dropped names it does not know.

Entgra 5.0.31 and later know dm:*/gm:* names and drop perm:* names silently (and the reverse for
IoTS 3.x), so a playbook written for the other kind of server gets a token without its scopes.
"""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsScopeError
from ansible_collections.wso2.iots.plugins.module_utils._oauth import check_scopes


def failure(granted, requested, username='admin'):
    with pytest.raises(IotsScopeError) as caught:
        check_scopes({'scopes': granted}, requested, username=username)
    return caught.value


def test_iots_names_dropped_by_an_entgra_server_name_the_entgra_ones():
    error = failure([], ['perm:devices:view', 'perm:device:enroll'])
    assert 'IoTS did not grant 2 of the 2 requested scopes to user admin' in str(error)
    assert (
        'These are WSO2 IoTS 3.x scope names; this server may be an Entgra server, which names them '
        'dm:device:enroll, dm:devices:view (set server_flavor: entgra'
    ) in str(error)
    assert error.missing_scopes == ['perm:device:enroll', 'perm:devices:view']


def test_entgra_names_dropped_by_an_iots_server_name_the_iots_ones():
    error = failure([], ['gm:groups:view', 'dm:devices:view'])
    assert (
        'These are Entgra scope names; this server may be WSO2 IoTS 3.x or an Entgra older than 5.0.31, '
        'which names them perm:devices:view, perm:groups:groups (set server_flavor: iots'
    ) in str(error)


def test_no_flavour_hint_when_the_server_knows_that_flavour():
    # It granted one perm:* name, so it knows them; the user simply lacks the other permission.
    error = failure(['perm:devices:view'], ['perm:devices:view', 'perm:devices:delete'], username='operator')
    assert 'perm:devices:delete' in str(error)
    assert 'Entgra' not in str(error)


@pytest.mark.parametrize('requested', [['perm:admin'], ['perm:devices:view', 'dm:devices:delete']])
def test_no_flavour_hint_for_unknown_or_mixed_names(requested):
    assert 'scope names;' not in str(failure([], requested))


def test_granted_scopes_need_no_hint():
    token = {'scopes': ['dm:devices:view']}
    assert check_scopes(token, ['dm:devices:view']) == []
