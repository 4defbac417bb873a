# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_role run through main() against the in-process IoTS emulator (both flavours)."""

import uuid

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_role

from access_fixtures import USERS, connection, register
from playbook_harness import emulator_fixtures

DM = '/permission/admin/device-mgt'
emulator, emu = emulator_fixtures(scope='module', users=USERS)


@pytest.fixture(scope='module')
def keys(emulator):
    return register(emulator, 'iots_role_tests')


@pytest.fixture
def name():
    return 'r%s' % uuid.uuid4().hex[:8]


@pytest.fixture
def run(run_module, emu, keys):
    def run_role(check_mode=False, diff=False, flavor='iots', client=None, **args):
        options = dict(connection(emu, client or keys, flavor), **args)
        return run_module(iots_role, options, check_mode=check_mode, diff=diff)

    return run_role


def writes(emu):
    return emu.counts()['api:write']


def add_user(emu, name):
    emu.state.access.tenant('carbon.super').add_user(name, 'pw-12345', 'F', 'L', 'e@x')


def test_create_from_scopes_then_no_change(run, emu, name):
    result = run(name=name, scopes=['perm:devices:view', 'perm:groups:add'], permissions=[DM + '/users/view'])
    assert result['changed'] is True, result.result
    wanted = [DM + '/devices/owning-device/view', DM + '/groups/add', DM + '/users/view']
    assert result['role'] == {'name': name, 'permissions': wanted, 'users': []}
    assert emu.counts()['POST /roles'] == 1
    before = writes(emu)
    again = run(name=name, scopes=['perm:devices:view', 'perm:groups:add'], permissions=[DM + '/users/view'])
    assert again['changed'] is False and again['role']['permissions'] == wanted
    assert writes(emu) == before


def test_check_mode_and_diff_send_no_write(run, emu, name):
    add_user(emu, 'm' + name)
    result = run(name=name, permissions=[DM + '/groups/view'], users=['m' + name], check_mode=True, diff=True)
    assert result['changed'] is True and writes(emu) == 0
    assert result['diff'] == {'before': {}, 'after': {'name': name, 'permissions': [DM + '/groups/view'], 'users': ['m' + name]}}


def test_update_permissions_and_exact_members(run, emu, name):
    add_user(emu, 'a' + name)
    add_user(emu, 'b' + name)
    run(name=name, permissions=[DM + '/groups/view'], users=['a' + name])
    result = run(name=name, permissions=[DM + '/users/view'], users=['b' + name], diff=True)
    assert result['changed'] is True
    assert result['diff']['before']['permissions'] == [DM + '/groups/view']
    assert result['role'] == {'name': name, 'permissions': [DM + '/users/view'], 'users': ['b' + name]}
    assert emu.counts()['PUT /roles/{roleName}'] == 1
    # members untouched when users is left out; [] empties the role
    assert run(name=name, permissions=[DM + '/users/view'])['changed'] is False
    assert run(name=name, users=[])['role']['users'] == []


def test_parent_grant_is_compared_as_granted(run, name):
    run(name=name, permissions=[DM + '/groups', DM + '/groups/view'])
    assert run(name=name, permissions=[DM + '/groups'])['changed'] is False


def test_absent_deletes_then_no_change(run, emu, name):
    run(name=name)
    assert run(name=name, state='absent')['changed'] is True
    assert run(name=name, state='absent')['changed'] is False
    assert emu.counts()['DELETE /roles/{roleName}'] == 1


@pytest.mark.parametrize(
    'args, words',
    [
        (dict(name='admin', state='absent'), 'Role admin cannot be deleted'),
        (dict(name='Internal/everyone', state='absent'), 'cannot be deleted'),
        (dict(name='admin', scopes=['perm:devices:view']), 'does not change its permissions'),
        (dict(name='admin', users=['alice']), 'must keep the user admin'),
        (dict(name='two words'), 'not a valid role name'),
        (dict(name='ab'), 'not a valid role name'),
        (dict(name='a/b'), 'not a valid role name'),
        (dict(name='okname', scopes=['perm:devices:veiw']), 'nearest: perm:devices:view'),
        (dict(name='okname', permissions=['/admin/device-mgt']), 'is not a permission path'),
        (dict(name='okname', users=['alice', 'ALICE']), "users[1] names user 'ALICE' again (first in users[0]; IoTS compares"),
    ],
)
def test_bad_input_fails_before_any_request(run, emu, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result.result
    assert emu.counts()['api'] == 0 and emu.counts()['token'] == 0


def test_unknown_member_fails_before_any_write(run, emu, name):
    result = run(name=name, users=['nobody-' + name[:6]])
    assert result.failed and 'has no user nobody-' in result['msg']
    assert writes(emu) == 0


def test_token_asks_only_for_the_scopes_of_the_run(run, emu, name):
    emu.state.role_update_delay = 0
    run(name=name, check_mode=True)
    granted = [row.scopes for row in emu.state.tokens_by_access.values()][-1]
    assert list(granted) == ['perm:roles:details']


def test_entgra_flavour_waits_for_async_permissions(run, emu, name):
    emu.configure(version='entgra')
    emu.state.role_update_delay = 0.6
    try:
        extra = dict(client=register(emu, 'iots_role_entgra_%s' % name, entgra=True), flavor='entgra')
        result = run(name=name, scopes=['dm:devices:view', 'um:users:add'], **extra)
        assert result['changed'] is True
        assert result['role']['permissions'] == [DM + '/devices/owning-device/view', DM + '/users/add']
        again = run(name=name, scopes=['dm:devices:view', 'um:users:add'], **extra)
        assert again['changed'] is False
        # an update too: no false change on the next run
        assert run(name=name, scopes=['dm:devices:view'], **extra)['changed'] is True
        assert run(name=name, scopes=['dm:devices:view'], **extra)['changed'] is False
        # on Entgra, the IoTS name is an unknown scope
        failed = run(name=name, scopes=['perm:devices:view'], **extra)
        assert failed.failed and 'dm:devices:view' in failed['msg']
    finally:
        emu.state.role_update_delay = 0


def test_documentation_parses_and_matches_the_argspec():
    import yaml

    doc = yaml.safe_load(iots_role.DOCUMENTATION)
    spec = iots_role.argument_spec()
    assert set(doc['options']) == set(spec)
    for name, option in spec.items():
        assert doc['options'][name].get('default') == option.get('default'), name
    yaml.safe_load(iots_role.EXAMPLES)
    yaml.safe_load(iots_role.RETURN)
