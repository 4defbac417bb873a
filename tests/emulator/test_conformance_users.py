# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Conformance of the users, roles and permissions API, and of the password grant's scopes, one rule per test.

The rules are those of iots-users-roles.md; each test names the source it was read in (carbon-device-mgt
v3.0.240 ``jaxrs/service/impl/{UserManagementServiceImpl,RoleManagementServiceImpl,admin/
UserManagementAdminServiceImpl}.java``, carbon-kernel v4.4.17, entgra/device-mgt-core v7.0.8).
"""

import uuid

import pytest

from iots_emulator.device_api import ACCESS_ROUTES
from iots_emulator.users import IOTS_SCOPE_PERMISSIONS

SCOPES = ' '.join(sorted(set(route.scope for route in ACCESS_ROUTES)))
ENTGRA_SCOPES = (
    'um:users:add um:users:details:view um:users:update um:users:delete um:roles:view '
    'um:users:user-details:view um:admin:users:view rm:roles:view rm:roles:details:view rm:roles:add '
    'rm:roles:update rm:roles:delete'
)
DM = '/permission/admin/device-mgt'


@pytest.fixture
def api(gw, client):
    token = gw.access(client, scope=SCOPES)['access_token']

    def call(method, path, **kwargs):
        return gw.api(method, path, token=token, **kwargs)

    return call


@pytest.fixture
def entgra_api(emu, gw):
    emu.configure(version='entgra')
    response = gw.register('entgra_users_%s' % uuid.uuid4().hex[:6], supportedGrantTypes=['password'])
    keys = response.json()
    token = gw.access((keys['client_id'], keys['client_secret']), scope=ENTGRA_SCOPES)['access_token']

    def call(method, path, **kwargs):
        return gw.api(method, path, token=token, **kwargs)

    return call


@pytest.fixture
def name():
    return 'u%s' % uuid.uuid4().hex[:8]


def new_user(api, name, **extra):
    body = dict(username=name, firstname='F', lastname='L', emailAddress='%s@example.com' % name, password='ignored1')
    body.update(extra)
    return api('POST', '/users', json=body)


def set_password(api, name, password='s3cret-pw'):
    response = api('POST', '/admin/users/%s/credentials' % name, json={'newPassword': password})
    assert response.status_code == 200, response.text
    return password


def selected(role):
    found = []

    def walk(node):
        if node.get('isSelected'):
            found.append(node['resourcePath'])
        for child in node.get('nodeList') or ():
            walk(child)

    walk(role['permissionList'])
    return found


# ---------------------------------------------------------------------------- users (UserManagementServiceImpl)


def test_create_ignores_the_password_and_joins_devicemgt_user(api, gw, client, name):
    """addUser: a random password is mailed; roles + Internal/devicemgt-user (iots-users-roles.md section 1)."""
    response = new_user(api, name)
    assert response.status_code == 201
    assert response.json()['basicUserInfo'] == {'username': name, 'firstname': 'F', 'lastname': 'L', 'emailAddress': '%s@example.com' % name}
    assert gw.password(client, username=name, password='ignored1').status_code == 400
    assert api('GET', '/roles/devicemgt-user?user-store=Internal').json()['users'] == [name]
    # Internal roles never show in /users/{u}/roles
    assert api('GET', '/users/%s/roles' % name).json()['roles'] == []


def test_admin_password_reset_lets_the_user_log_in(api, gw, client, name):
    """UserManagementAdminServiceImpl.resetUserPassword; the product's quick-start script does POST then this."""
    new_user(api, name)
    password = set_password(api, name)
    assert gw.password(client, username=name, password=password, scope='perm:devices:view').status_code == 200
    response = api('POST', '/admin/users/nobody-here/credentials', json={'newPassword': 'abcdef'})
    assert response.status_code == 400 and response.json()['message'] == 'No user found with the username nobody-here'
    response = api('POST', '/admin/users/%s/credentials' % name, json={'newPassword': 'abc'})
    assert response.status_code == 400
    assert response.json()['message'] == 'Password length should be within 5 to 30 characters'


def test_existing_user_409_unknown_role_500_nothing_made(api, name):
    """addUser: 409 for an existing name (case-insensitive, CaseInsensitiveUsername); the kernel checks roles first."""
    new_user(api, name)
    response = new_user(api, name.upper())
    assert response.status_code == 409 and 'already exists' in response.json()['message']
    other = name + 'x'
    response = new_user(api, other, roles=['no-such-role'])
    assert response.status_code == 500
    assert api('GET', '/users/%s' % other).status_code == 404


def test_missing_email_creates_the_user_then_500(api, name):
    """Properties.setProperty / EmailMetaInfo fail after userStoreManager.addUser (section 5.2)."""
    response = new_user(api, name, emailAddress=None)
    assert response.status_code == 500
    assert api('GET', '/users/%s' % name).status_code == 200
    assert new_user(api, name).status_code == 409


def test_update_replaces_roles_and_clears_absent_claims(api, name):
    """updateUser: non-Internal roles replaced by the body's, absent claims written as null."""
    api('POST', '/roles', json={'roleName': 'r' + name, 'permissions': [DM + '/groups/view']})
    new_user(api, name, roles=['r' + name])
    assert api('GET', '/users/%s/roles' % name).json()['roles'] == ['r' + name]
    response = api('PUT', '/users/%s' % name, json={'firstname': 'G'})
    assert response.status_code == 200
    assert api('GET', '/users/%s/roles' % name).json()['roles'] == []
    assert api('GET', '/users/%s' % name).json() == {'username': name, 'firstname': 'G'}
    assert api('PUT', '/users/nobody-here', json={}).json()['message'] == "User by username: nobody-here doesn't  exist."


def test_delete_removes_devices_first_and_refuses_admin(api, emu, name):
    """removeUser: every device of the user is set to REMOVED first; the kernel refuses admin (500)."""
    new_user(api, name)
    emu.seed_devices('android', [name + '-d'], owner=name)
    assert api('DELETE', '/users/%s' % name).status_code == 200
    assert [d['enrolmentInfo']['status'] for d in emu.devices() if d['deviceIdentifier'] == name + '-d'] == ['REMOVED']
    assert api('DELETE', '/users/%s' % name).status_code == 404
    assert api('DELETE', '/users/admin').status_code == 500


def test_user_list_stops_at_100_names(api, emu, name):
    """getUsers: MaxUserNameListLength 100 (user-mgt.xml); count <= 100; limit > 100 is 400, 0 means 50."""
    access = emu.state.access.tenant('carbon.super')
    made = ['%s%03d' % (name, number) for number in range(105)]
    for user in made:
        access.add_user(user, 'pw-12345', 'F', 'L', 'e@x')
    try:
        first = api('GET', '/users', params={'offset': 0, 'limit': 100}).json()
        assert first['count'] == 100 and len(first['users']) == 100
        assert api('GET', '/users', params={'offset': 100, 'limit': 100}).json()['users'] == []
        assert len(api('GET', '/users').json()['users']) == 50
        assert api('GET', '/users', params={'limit': 101}).status_code == 400
        # one by one, a user beyond the cap is still there
        assert api('GET', '/users/%s104' % name).status_code == 200
    finally:
        for user in made:
            access.remove_user(user)


# ---------------------------------------------------------------------------- roles (RoleManagementServiceImpl)


def test_role_read_back_lists_the_whole_tree_only_selected_nodes_are_the_grant(api, name):
    """getRole: iteratePermissions does not test isSelected (3.0.240), permissionList does (section 5.6)."""
    assert api('POST', '/roles', json={'roleName': name, 'permissions': [DM + '/groups']}).status_code == 201
    role = api('GET', '/roles/%s' % name).json()
    assert DM + '/users/view' in role['permissions']  # not granted, listed anyway
    assert DM + '/users/view' not in selected(role)
    assert DM + '/groups' in selected(role) and DM + '/groups/view' in selected(role)


def test_existing_role_is_500_not_409(api, name):
    """addRole: the kernel's UserStoreException becomes the generic 500 (no 409 in 3.0.240)."""
    api('POST', '/roles', json={'roleName': name})
    response = api('POST', '/roles', json={'roleName': name})
    assert response.status_code == 500 and response.json()['message'] == "Error occurred while adding role '%s'" % name


def test_role_update_users_and_permissions(api, name):
    """updateRole: users null -> unchanged, list -> exact set; permissions inside the subtrees become the request."""
    new_user(api, name)
    api('POST', '/roles', json={'roleName': 'r' + name, 'permissions': [DM + '/groups/view'], 'users': [name]})
    api('PUT', '/roles/r%s' % name, json={'roleName': 'r' + name, 'permissions': [DM + '/users/view']})
    role = api('GET', '/roles/r%s' % name).json()
    assert role['users'] == [name] and DM + '/groups/view' not in selected(role)
    api('PUT', '/roles/r%s' % name, json={'roleName': 'r' + name, 'users': []})
    assert api('GET', '/roles/r%s' % name).json()['users'] == []


def test_admin_and_everyone_cannot_be_deleted(api):
    """deleteRole: the kernel refuses the admin and everyone roles; the API answers its generic 500."""
    assert api('DELETE', '/roles/admin').status_code == 500
    assert api('DELETE', '/roles/everyone?user-store=Internal').status_code == 500
    assert api('DELETE', '/roles/no-such-role').status_code == 404


def test_roles_list_hides_internal_roles(api, name):
    """getRoles: getRoleNames(..., noInternalRoles=true, ...)."""
    api('POST', '/roles', json={'roleName': name})
    roles = api('GET', '/roles', params={'limit': 100}).json()['roles']
    assert name in roles and 'admin' in roles and not [r for r in roles if r.startswith('Internal/')]


# ---------------------------------------------------------------------------- the password grant


def test_grant_issues_exactly_the_requested_scopes_the_roles_hold(api, gw, client, name):
    """PermissionBasedScopeIssuer + JDBCAuthorizationManager: a parent grant covers the paths below it."""
    api('POST', '/roles', json={'roleName': 'r' + name, 'permissions': [DM + '/groups', DM + '/users/view']})
    new_user(api, name, roles=['r' + name])
    password = set_password(api, name)
    wanted = 'perm:groups:add perm:users:details perm:roles:view perm:devices:view'
    granted = gw.access(client, username=name, password=password, scope=wanted)['scope'].split()
    # roles:view is not held; devices:view comes from Internal/devicemgt-user
    assert granted == ['perm:devices:view', 'perm:groups:add', 'perm:users:details']


def test_grant_paths_are_case_sensitive(api, gw, client, name):
    """JDBCAuthorizationManager with preserveCaseForResources true (carbon-kernel 4.4.17)."""
    api('POST', '/roles', json={'roleName': 'r' + name, 'permissions': [DM + '/Groups/view']})
    new_user(api, name, roles=['r' + name])
    password = set_password(api, name)
    assert gw.access(client, username=name, password=password, scope='perm:groups:groups')['scope'] == 'default'


def test_every_scope_of_the_table_has_a_registry_permission():
    """AnnotationProcessor: 80 @Scope keys of the 3.0.240 device-mgt API, each with one permission."""
    assert len(IOTS_SCOPE_PERMISSIONS) == 80
    assert all(path.startswith('/permission/admin/') for path in IOTS_SCOPE_PERMISSIONS.values())


def test_table_agrees_with_the_collection():
    """The emulator's table was typed apart from plugins/module_utils/_permissions.py: they must agree."""
    from ansible_collections.wso2.iots.plugins.module_utils import _permissions

    collection = dict((scope, path) for path, scopes in _permissions.TABLE['iots'] for scope in scopes)
    assert collection == IOTS_SCOPE_PERMISSIONS


# ---------------------------------------------------------------------------- Entgra (device-mgt-core 7.0.8)


def test_entgra_query_parameter_user_paths_password_honoured(entgra_api, gw, emu, name):
    """UserManagementServiceImpl (commit 6a62546440): ?username=; the POST password is used; no devicemgt-user."""
    response = new_user(entgra_api, name, password='given-pw1')
    assert response.status_code == 201
    assert entgra_api('GET', '/users', params={'username': name}).json()['username'] == name
    assert name in [u['username'] for u in entgra_api('GET', '/users/list', params={'limit': 100}).json()['users']]
    assert entgra_api('GET', '/users/roles', params={'username': name}).json()['roles'] == []
    assert new_user(entgra_api, name).status_code == 409


def test_entgra_existing_role_409_and_async_permissions(entgra_api, emu, name):
    """RoleManagementServiceImpl: 409 for an existing role; updatePermissions runs in a thread after the 200."""
    assert entgra_api('POST', '/roles', json={'roleName': name}).status_code == 201
    response = entgra_api('POST', '/roles', json={'roleName': name})
    assert response.status_code == 409 and 'Role already exists with name' in response.text
    emu.state.role_update_delay = 60
    try:
        entgra_api('PUT', '/roles/%s' % name, json={'roleName': name, 'permissions': [DM + '/users/view']})
        assert entgra_api('GET', '/roles/%s' % name).json()['permissions'] == []
        emu.state.role_update_delay = 0
        with emu.state.lock:
            role = emu.state.access.tenant('carbon.super').role(name)
            role.pending = (0, role.pending[1])
        assert entgra_api('GET', '/roles/%s' % name).json()['permissions'] == [DM + '/users/view']
    finally:
        emu.state.role_update_delay = 0


def test_every_users_and_roles_resource_has_an_entgra_scope():
    """Entgra 7.0.8's User/RoleManagementService @Scope keys: each route's scope has its um:/rm: name."""
    from iots_emulator.entgra_scopes import ENTGRA_SCOPE_CATALOGUE, PERM_TO_ENTGRA

    for route in ACCESS_ROUTES:
        assert PERM_TO_ENTGRA[route.scope] in ENTGRA_SCOPE_CATALOGUE, (route.method, route.template)
