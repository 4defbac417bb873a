# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_user run through main() against the in-process IoTS emulator: one user, bulk, both flavours."""

import uuid

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_user

from access_fixtures import ADMIN_PASSWORD, USERS, connection, register
from playbook_harness import emulator_fixtures

PASSWORD = 'Us3r-secret'
NEW_PASSWORD = 'N3w-secret'
emulator, emu = emulator_fixtures(scope='module', users=USERS)


@pytest.fixture(scope='module')
def keys(emulator):
    return register(emulator, 'iots_user_tests')


@pytest.fixture(autouse=True)
def iots_3_2_again(emu):
    """The emulator is shared by this file's tests: one that switches it to Entgra switches it back."""
    yield
    emu.configure(version='3.2.0')


@pytest.fixture
def name():
    return 'u%s' % uuid.uuid4().hex[:8]


@pytest.fixture
def run(run_module, emu, keys):
    def run_user(check_mode=False, diff=False, flavor='iots', client=None, **args):
        options = dict(connection(emu, client or keys, flavor), **args)
        return run_module(iots_user, options, check_mode=check_mode, diff=diff)

    return run_user


def person(name, **extra):
    return dict(dict(name=name, first_name='Ada', last_name='King', email='%s@example.com' % name), **extra)


def add_role(emu, role, members=()):
    from iots_emulator.users import Role

    emu.state.access.tenant('carbon.super').roles[role] = Role(role, [], [m.lower() for m in members])


def login(emu, name, password):
    user = emu.state.directory.find(name)
    return user is not None and user.password == password


def writes(emu):
    return emu.counts()['api:write']


def assert_no_secret(result):
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret not in result.stdout


def test_create_sets_the_password_then_no_change(run, emu, name):
    add_role(emu, 'ops' + name[:6])
    result = run(user_password=PASSWORD, roles=['ops' + name[:6]], diff=True, **person(name))
    assert result['changed'] is True, result.result
    assert result['user'] == dict(name=name, first_name='Ada', last_name='King', email='%s@example.com' % name, roles=['ops' + name[:6]])
    assert result['diff']['before'] == {} and 'user_password' not in result['diff']['after']
    counts = emu.counts()
    assert counts['POST /users'] == 1 and counts['POST /admin/users/{username}/credentials'] == 1
    assert login(emu, name, PASSWORD)
    assert_no_secret(result)
    before = writes(emu)
    again = run(user_password=PASSWORD, roles=['ops' + name[:6]], **person(name))
    assert again['changed'] is False and writes(emu) == before


def test_update_resends_every_field_and_keeps_roles(run, emu, name):
    add_role(emu, 'ro' + name[:6])
    run(roles=['ro' + name[:6]], **person(name))
    result = run(name=name, last_name='Lovelace', diff=True)
    assert result['changed'] is True
    assert result['diff']['before']['last_name'] == 'King' and result['diff']['after']['last_name'] == 'Lovelace'
    # the PUT re-sent the first name, the e-mail and the role, which IoTS would otherwise clear
    assert result['user'] == dict(name=name, first_name='Ada', last_name='Lovelace', email='%s@example.com' % name, roles=['ro' + name[:6]])
    from_server = emu.state.access.tenant('carbon.super')
    assert sorted(from_server.roles_of(name)) == ['Internal/devicemgt-user', 'ro' + name[:6]]
    assert from_server.profiles[name].first == 'Ada'


def test_roles_are_the_exact_set(run, emu, name):
    add_role(emu, 'ra' + name[:6])
    add_role(emu, 'rb' + name[:6])
    run(roles=['ra' + name[:6]], **person(name))
    result = run(name=name, roles=['rb' + name[:6]])
    assert result['changed'] is True and result['user']['roles'] == ['rb' + name[:6]]
    assert run(name=name, roles=['rb' + name[:6]])['changed'] is False


def test_update_password_always_sets_it_when_the_login_fails(run, emu, name):
    run(user_password=PASSWORD, **person(name))
    result = run(name=name, user_password=NEW_PASSWORD, update_password='always', diff=True)
    assert result['changed'] is True and login(emu, name, NEW_PASSWORD)
    assert_no_secret(result)
    # the login with it works now: nothing to change, and no password call
    calls = emu.counts()['POST /admin/users/{username}/credentials']
    assert run(name=name, user_password=NEW_PASSWORD, update_password='always')['changed'] is False
    assert emu.counts()['POST /admin/users/{username}/credentials'] == calls
    # on_create leaves an existing user's password alone
    assert run(name=name, user_password=PASSWORD)['changed'] is False and login(emu, name, NEW_PASSWORD)


def user_tokens(emu, name):
    """The states of the tokens IoTS holds for user ``name``."""
    return [row.state for row in emu.state.tokens_by_access.values() if row.user.name.lower() == name.lower()]


def test_login_check_revokes_its_token_and_check_mode_makes_none(run, emu, name):
    run(user_password=PASSWORD, **person(name))
    # check mode: no grant as the user (a token on the server is a write); the password counts as a change
    checked = run(name=name, user_password=PASSWORD, update_password='always', check_mode=True)
    assert checked['changed'] is True and user_tokens(emu, name) == [], checked.result
    assert any('does not try the password of user %s' % name in text for text in checked.warnings), checked.warnings
    assert_no_secret(checked)
    # a real run logs in as the user, and revokes that token at once
    again = run(name=name, user_password=PASSWORD, update_password='always')
    assert again['changed'] is False
    assert user_tokens(emu, name) == ['REVOKED']


def test_a_failed_revocation_after_a_login_check_is_a_warning(run, emu, name):
    """The check's answer stands; the token expires on its own, and the warning says so without a secret."""
    run(user_password=PASSWORD, **person(name))
    emu.set_fault('revoke', 'status', status=500, times=3)
    try:
        again = run(name=name, user_password=PASSWORD, update_password='always')
    finally:
        emu.clear_faults()
    assert not again.failed and again['changed'] is False, again.result
    assert any('revoking its token failed' in text for text in again.warnings), again.warnings
    assert_no_secret(again)


def test_login_check_leaves_the_users_own_token_alone(run, emu, keys, name):
    import requests

    run(user_password=PASSWORD, **person(name))
    own = requests.post(
        emu.url + '/token',
        data=dict(grant_type='password', username=name, password=PASSWORD),
        auth=(keys['client_id'], keys['client_secret']),
        verify=emu.ca_path,
        timeout=30,
    ).json()['access_token']
    assert run(name=name, user_password=PASSWORD, update_password='always')['changed'] is False
    assert emu.state.tokens_by_access[own].state == 'ACTIVE'


def test_check_mode_sends_no_write(run, emu, name):
    result = run(user_password=PASSWORD, check_mode=True, diff=True, **person(name))
    assert result['changed'] is True and result['diff']['after']['name'] == name
    assert writes(emu) == 0 and emu.state.directory.find(name) is None


def test_absent_deletes_then_no_change(run, emu, name):
    run(**person(name))
    assert run(name=name, state='absent')['changed'] is True
    assert run(name=name, state='absent')['changed'] is False
    assert emu.counts()['DELETE /users/{username}'] == 1


@pytest.mark.parametrize(
    'args, words',
    [
        (dict(name='two words'), 'not a valid user name'),
        (dict(name='a/b'), 'not a valid user name'),
        (dict(name='x' * 31), 'not a valid user name'),
        (dict(name='okname', user_password='four'), 'user_password must be 5 to 30 characters'),
        (dict(name='okname', user_password='has blank'), 'user_password must be 5 to 30 characters'),
        (dict(name='admin', state='absent'), 'User admin cannot be deleted'),
        (dict(name='okname', email='no-at-sign'), 'not an e-mail address'),
        (
            dict(users=[dict(name='alice1'), dict(name='ALICE1')]),
            "users[1] names user 'ALICE1' again (first in users[0]; IoTS compares user names without case)",
        ),
        (dict(name='okname', users=[dict(name='alice1')]), 'mutually exclusive'),
    ],
)
def test_bad_input_fails_before_any_request(run, emu, args, words):
    result = run(**args)
    assert result.failed and words in result['msg'], result.result
    assert emu.counts()['api'] == 0 and emu.counts()['token'] == 0
    assert 'four' not in result['msg'] and 'has blank' not in result['msg']


def test_missing_names_or_roles_fail_before_any_write(run, emu, name):
    result = run(name=name, email='%s@example.com' % name)
    assert result.failed and 'first_name, last_name and email are needed to create user %s' % name in result['msg']
    result = run(roles=['no-such-role'], **person(name))
    assert result.failed and 'IoTS has no role no-such-role' in result['msg']
    assert writes(emu) == 0


def test_bulk_reads_once_and_writes_only_what_differs(run, emu, name):
    add_role(emu, 'bk' + name[:6])
    people = [person('%s%02d' % (name, n), roles=['bk' + name[:6]], user_password=PASSWORD) for n in range(4)]
    result = run(users=people)
    assert result['changed'] is True
    assert [r['action'] for r in result['users']] == ['created'] * 4
    assert result['summary'] == {'created': 4, 'updated': 0, 'deleted': 0, 'none': 0}
    assert_no_secret(result)
    emu.reset()
    people[1]['last_name'] = 'Other'
    people[3]['state'] = 'absent'
    result = run(users=people, diff=True)
    assert [r['action'] for r in result['users']] == ['none', 'updated', 'none', 'deleted']
    assert list(result['diff']['after']) == [people[1]['name'], people[3]['name']]
    counts = emu.counts()
    assert counts['GET /users'] == 1 and counts['GET /users/{username}'] == 0 and counts['api:write'] == 2
    emu.reset()
    assert run(users=people)['changed'] is False and emu.counts()['api:write'] == 0


def test_bulk_update_reads_the_roles_it_resends_before_any_write(run, emu, name):
    add_role(emu, 'bm' + name[:6])
    people = [person('%s%02d' % (name, n), roles=['bm' + name[:6]]) for n in range(3)]
    run(users=people)
    changed = [dict(people[0], last_name='Other', roles=None), dict(people[1], roles=None), dict(people[2], roles=None)]
    emu.reset()
    checked = run(users=changed, check_mode=True, diff=True)
    assert emu.counts()['GET /users/{username}/roles'] == 1  # only the user whose update re-sends them
    applied = run(users=changed, diff=True)
    assert checked['diff'] == applied['diff'] and applied['diff']['after'][people[0]['name']]['roles'] == ['bm' + name[:6]], applied['diff']
    assert checked['users'] == applied['users'] and emu.counts()['GET /users/{username}/roles'] == 2
    assert sorted(emu.state.access.tenant('carbon.super').roles_of(people[0]['name'])) == ['Internal/devicemgt-user', 'bm' + name[:6]]


def expiring_after(monkeypatch, emu, creations):
    """Every token expires once ``creations`` users were created (a long bulk run outliving its token)."""
    from ansible_collections.wso2.iots.plugins.module_utils import _user_api

    real, done = _user_api.create_user, []

    def create_user(client, token, *args):
        real(client, token, *args)
        done.append(args)
        if len(done) == creations:
            emu.expire_tokens()

    monkeypatch.setattr(_user_api, 'create_user', create_user)


def test_bulk_renews_a_token_it_got_itself_once_it_expires(run, emu, name, monkeypatch):
    people = [person('%s%02d' % (name, n)) for n in range(3)]
    expiring_after(monkeypatch, emu, 1)
    emu.reset()
    result = run(users=people)
    assert not result.failed and result['summary']['created'] == 3, result.result
    assert emu.counts()['token'] == 2  # the first grant, and one when IoTS refused it


def test_a_given_token_that_expires_says_so(run, emu, keys, name, monkeypatch):
    import requests

    token = requests.post(
        emu.url + '/token',
        data=dict(grant_type='password', username='admin', password=ADMIN_PASSWORD, scope='perm:users:details perm:users:user-details perm:users:add'),
        auth=(keys['client_id'], keys['client_secret']),
        verify=emu.ca_path,
        timeout=30,
    ).json()['access_token']
    expiring_after(monkeypatch, emu, 1)
    emu.reset()
    result = run(users=[person('%s%02d' % (name, n)) for n in range(2)], token=token, client_id=None, client_secret=None, username=None, password=None)
    assert result.failed and 'HTTP 401' in result['msg'] and 'expired' in result['msg'] and 'lacks' not in result['msg'], result['msg']
    assert emu.counts()['token'] == 0


def test_bulk_beyond_the_100_name_list_looks_users_up_one_by_one(run, emu, name):
    access = emu.state.access.tenant('carbon.super')
    filler = ['%sf%03d' % (name[:5], n) for n in range(100)]
    for user in filler:
        access.add_user(user, 'pw-12345', 'F', 'L', 'e@x')
    try:
        # 'zz' sorts after every listed name, so neither is among the 100 IoTS shows
        people = [person('zz' + name), person('zy' + name)]
        access.add_user('zz' + name, 'pw-12345', 'Ada', 'King', 'zz%s@example.com' % name)
        emu.reset()
        result = run(users=people)
        assert [r['action'] for r in result['users']] == ['none', 'created'], result.result
        assert emu.counts()['GET /users/{username}'] == 2
    finally:
        for user in filler + ['zz' + name, 'zy' + name]:
            access.remove_user(user)


def test_bulk_fault_reports_what_was_done_and_what_is_pending(run, emu, name):
    people = [person('%s%02d' % (name, n)) for n in range(3)]
    run(users=people[:1])
    # The emulator fails the second creation as an unexpected server error (a Tomcat 500 page).
    original = emu.state.access.tenant('carbon.super').add_user

    def fail_second(user, *args, **kwargs):
        if user == people[2]['name']:
            raise RuntimeError('boom')
        return original(user, *args, **kwargs)

    emu.state.access.tenant('carbon.super').add_user = fail_second
    try:
        result = run(users=people[1:] + [person('%s99' % name)])
    finally:
        del emu.state.access.tenant('carbon.super').add_user
    assert result.failed and '1 of 3 user(s) changed before this failure' in result['msg'], result['msg']
    assert [(r['name'], r['action'], r['changed']) for r in result['users']] == [(people[1]['name'], 'created', True), (people[2]['name'], 'created', False)]
    assert result['users'][1]['failed'] is True
    assert result['pending'] == [{'name': '%s99' % name, 'action': 'created', 'changed': True}]


def test_entgra_honours_the_password_and_uses_query_paths(run, emu, name):
    emu.configure(version='entgra')
    client = register(emu, 'iots_user_entgra_%s' % name, entgra=True)
    result = run(user_password=PASSWORD, flavor='entgra', client=client, **person(name))
    assert result['changed'] is True and login(emu, name, PASSWORD)
    counts = emu.counts()
    assert counts['POST /users'] == 1 and counts['POST /admin/users/credentials'] == 0
    assert counts['GET /users'] == 1  # GET /users?username= on Entgra
    assert run(user_password=PASSWORD, flavor='entgra', client=client, **person(name))['changed'] is False
    assert 'Internal/devicemgt-user' not in emu.state.access.tenant('carbon.super').roles_of(name)


def test_documentation_parses_and_matches_the_argspec():
    import yaml

    doc = yaml.safe_load(iots_user.DOCUMENTATION)
    spec = iots_user.argument_spec()
    assert set(doc['options']) == set(spec)
    assert set(doc['options']['users']['suboptions']) == set(spec['users']['options'])
    for name, option in spec.items():
        assert doc['options'][name].get('default') == option.get('default'), name
    assert spec['user_password']['no_log'] and spec['users']['options']['user_password']['no_log']
    yaml.safe_load(iots_user.EXAMPLES)
    yaml.safe_load(iots_user.RETURN)


def test_entgra_refuses_to_delete_a_user_with_devices(run, emu, name):
    emu.configure(version='entgra')
    client = register(emu, 'iots_user_entgra_del_%s' % name, entgra=True)
    run(flavor='entgra', client=client, **person(name))
    emu.seed_devices('android', [name + '-phone'], owner=name)
    result = run(name=name, state='absent', flavor='entgra', client=client)
    assert result.failed and 'HTTP 409' in result['msg'] and 'Disenrol the devices of user %s first' % name in result['msg']
    assert emu.state.directory.find(name) is not None
