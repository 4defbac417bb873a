# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/users, /roles and /admin/users: UserManagementServiceImpl, RoleManagementServiceImpl and
UserManagementAdminServiceImpl of carbon-device-mgt 3.0.240, and Entgra 7's changes (iots-users-roles.md).

``ROUTES`` are (method, template, scope, handler, flavour) rows; device_api.py makes them routes. A
flavour of None means both. Quirks kept: POST /users ignores the password (IoTS) and puts the user in
``Internal/devicemgt-user``; a missing name or e-mail is a 500 after the user was made; an existing
role is 500 (IoTS) or 409 (Entgra); the role's ``permissions`` array lists the whole tree in IoTS;
lists stop at 100 names; Entgra applies a role's permissions a moment after its 200.
"""

import re

from . import bodies, entgra
from .exchange import Reply
from .paging import int_query
from .payloads import gson_string, json_body
from .users import ADMIN_ROLE, DEVICEMGT_USER, DEVICEMGT_USER_PERMISSIONS, EVERYONE, REGISTRY, SHOWN_SUBTREES, Role, covers, random_password

LIST_CAP = 100  # user-mgt.xml MaxUserNameListLength / MaxRoleNameListLength
DEFAULT_LIMIT = 50  # jaxrs/util/Constants.DEFAULT_PAGE_LIMIT
NAME = re.compile(r'^\S{3,30}$')
PASSWORD = re.compile(r'^\S{5,30}$')
PASSWORD_LENGTH = 'Password length should be within 5 to 30 characters'
#: Seconds Entgra's permission thread takes to apply a role update (configure(role_update_delay=...)).
ROLE_UPDATE_DELAY = 0.5


def _message(status, text):
    """An ErrorResponse built in the service: message and errorItems."""
    return Reply.json(status, {'message': text, 'errorItems': []})


def _entgra_text(status, text):
    return Reply(status, text, 'application/json')


def _access(state, user):
    return state.access.tenant(user.tenant)


def _page(request):
    offset, limit = int_query(request, 'offset'), int_query(request, 'limit')
    if offset is None or limit is None:
        return None, Reply.empty(404)
    if offset < 0 or limit < 0:
        return None, bodies.device_mgt_error(400, 'Request parameter offset or limit is a negative value.')
    if limit > 100:
        return None, bodies.device_mgt_error(400, 'Request parameter limit should be less than or equal to 100.')
    return (offset, limit or DEFAULT_LIMIT), None


# ---------------------------------------------------------------------------- users


def _basic(access, user):
    profile = access.profiles.get(user.name.lower())
    data = {'username': user.name}
    for key, value in (('firstname', profile.first), ('lastname', profile.last), ('emailAddress', profile.email)):
        if value is not None:
            data[key] = value
    return data


def list_users(state, request, caller):
    page, error = _page(request)
    if error is not None:
        return error
    access = _access(state, caller)
    prefix = (request.query_value('filter') or '').lower()
    # The store returns at most 100 names (MaxUserNameListLength); paging is done over those.
    names = [n for n in access.user_names() if n.lower().startswith(prefix)][:LIST_CAP]
    offset, limit = page
    users = [_basic(access, access.user(name)) for name in names[offset : offset + limit]]
    return Reply.json(200, {'count': len(names), 'users': users})


def _name_of(request, path_name):
    return request.query_value('username') if path_name is None else path_name


def _target(state, request, caller, path_name):
    """(the caller's tenant, the user name asked for, its User or None) of a route about one user: IoTS names
    the user in the path, Entgra in ?username=."""
    access = _access(state, caller)
    name = _name_of(request, path_name)
    return access, name, access.user(name)


def get_user(state, request, caller, name=None):
    access, name, user = _target(state, request, caller, name)
    if user is None:
        if entgra.active(state):
            return _entgra_text(404, "User by username: %s does not exist." % name)
        return _message(404, "User doesn't exist.")
    return Reply.json(200, _basic(access, user))


def user_roles(state, request, caller, name=None):
    access, name, user = _target(state, request, caller, name)
    if user is None:
        return _message(404, 'User by username: %s does not exist for role retrieval.' % name)
    roles = [r for r in access.roles_of(user.name) if not r.startswith(('Internal/', 'Authentication/'))]
    return Reply.json(200, {'count': 0, 'roles': roles})


def _add_failed(name):
    return _message(500, "Error occurred while trying to add user '%s' to the underlying user management system" % name)


def create_user(state, request, caller):
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None:
        return bodies.device_mgt_error(400, 'Request body is empty')
    access = _access(state, caller)
    name = spec.get('username')
    if access.user(name or '') is not None:
        if entgra.active(state):
            return _entgra_text(409, 'User by username: %s already exists. Therefore, request made to add user was refused.' % name)
        return _message(409, 'User by username: %s already exists. Therefore, request made to add user was refused.' % name)
    roles = list(spec.get('roles') or [])
    # The kernel checks the name and every role before it inserts anything.
    if not isinstance(name, str) or not NAME.match(name) or any(access.role(r) is None for r in roles):
        return _add_failed(name)
    if entgra.active(state):
        password = spec.get('password') or random_password()
    else:
        password = random_password()  # the body's password is ignored: a random one is mailed
        if access.role(DEVICEMGT_USER) is None:
            access.roles[DEVICEMGT_USER] = Role(DEVICEMGT_USER, DEVICEMGT_USER_PERMISSIONS)
        roles.append(DEVICEMGT_USER)
    user = access.add_user(name, password, None, None, None)
    for role in roles:
        access.role(role).users.add(name.lower())
    profile = access.profiles[name.lower()]
    # Properties.setProperty(null) and EmailMetaInfo(empty) fail after addUser: the user stays.
    if not spec.get('firstname') or not spec.get('lastname') or not spec.get('emailAddress'):
        return _add_failed(name)
    profile.first, profile.last, profile.email = spec['firstname'], spec['lastname'], spec['emailAddress']
    return Reply.json(
        201,
        {'basicUserInfo': _basic(access, user), 'message': 'Mail Server is not configured. Email invitation will not be sent.'},
        headers=[('Location', '/users/%s' % name)],
    )


def update_user(state, request, caller, name=None):
    spec, error = json_body(request)
    if error is not None:
        return error
    access, name, user = _target(state, request, caller, name)
    if user is None:
        return _message(404, "User by username: %s doesn't  exist." % name)
    spec = spec or {}
    if spec.get('password'):
        if not PASSWORD.match(spec['password']):
            return _message(500, 'Error occurred while updating the user %s' % name)
        user.password = spec['password']
    wanted = set(spec.get('roles') or [])
    if any(access.role(r) is None for r in wanted):
        return _message(500, 'Error occurred while updating the user %s' % name)
    for role in access.roles.values():
        if role.name.startswith(('Internal/', 'Authentication/')):
            continue
        if role.name in wanted:
            role.users.add(user.name.lower())
        else:
            role.users.discard(user.name.lower())
    profile = access.profiles[user.name.lower()]
    profile.first, profile.last, profile.email = spec.get('firstname'), spec.get('lastname'), spec.get('emailAddress')
    return Reply.json(200, _basic(access, user))


def delete_user(state, request, caller, name=None):
    access, name, user = _target(state, request, caller, name)
    if user is None:
        if entgra.active(state):
            return _entgra_text(404, 'User by username: %s does not exist for removal.' % name)
        return _message(404, "User '%s' does not exist for removal." % name)
    owned = [d for d in state.devices.devices() if d.tenant == user.tenant and d.owner == user.name and d.status != 'REMOVED']
    if entgra.active(state) and owned:
        return _entgra_text(409, 'Before deleting this user, ensure there are no devices assigned to the user.')
    for device in owned:  # IoTS disenrols first, even when the delete is then refused
        device.latest.status = 'REMOVED'
    if user.name == 'admin' or user.name == caller.name:
        return _message(500, "Error occurred while deleting user '%s'" % name)
    access.remove_user(user.name)
    return Reply.empty(200)


def set_password(state, request, caller, name=None):
    spec, error = json_body(request)
    if error is not None:
        return error
    _tenant, name, user = _target(state, request, caller, name)
    if user is None:
        return _message(400, 'No user found with the username %s' % name)
    password = (spec or {}).get('newPassword')
    if not password:
        return _message(400, 'Password cannot be empty.%s' % name)
    if not PASSWORD.match(password):
        return _message(400, PASSWORD_LENGTH)
    user.password = password
    return gson_string(200, 'UserImpl password by username: %s was successfully changed.' % name)


# ---------------------------------------------------------------------------- roles


def _role_name(request, bare):
    store = request.query_value('user-store')
    return '%s/%s' % (store, bare) if store and store.upper() != 'PRIMARY' else bare


def _no_role(state, name):
    if entgra.active(state):
        return _entgra_text(404, 'No role exists with the name : %s' % name)
    return _message(404, "No role exists with the name '%s'" % name)


def list_roles(state, request, caller):
    page, error = _page(request)
    if error is not None:
        return error
    prefix = request.query_value('filter') or ''
    names = [r for r in _access(state, caller).roles if not r.startswith('Internal/') and r.startswith(prefix)]
    names = names[:LIST_CAP]
    offset, limit = page
    return Reply.json(200, {'count': len(names), 'roles': names[offset : offset + limit]})


def _node(path, granted):
    children = sorted(p for p in REGISTRY if p.rpartition('/')[0] == path)
    return {
        'resourcePath': path,
        'displayName': path.rpartition('/')[2],
        'isSelected': any(covers(g, path) for g in granted),
        'nodeList': [_node(child, granted) for child in children],
    }


def _walk(node):
    yield node
    for child in node['nodeList']:
        yield from _walk(child)


def get_role(state, request, caller, bare):
    name = _role_name(request, bare)
    access = _access(state, caller)
    role = access.role(name)
    if role is None:
        return _no_role(state, name)
    granted = access.effective(role, state.now())
    tree = {'resourcePath': '/permission', 'displayName': 'All Permissions', 'isSelected': False, 'nodeList': [_node(path, granted) for path in SHOWN_SUBTREES]}
    nodes = [n for n in _walk(tree) if n['resourcePath'] != '/permission']
    if entgra.active(state):
        listed = [n['resourcePath'] for n in nodes if n['isSelected']]
    else:
        listed = [n['resourcePath'] for n in nodes]  # iteratePermissions does not test isSelected
    users = sorted(u.name for u in (access.user(key) for key in role.users) if u is not None)
    return Reply.json(200, {'roleName': role.name, 'permissions': listed, 'users': users, 'permissionList': tree})


def _role_body(request):
    spec, error = json_body(request)
    if error is not None:
        return None, error
    if spec is None:
        return None, bodies.device_mgt_error(400, 'Request body is empty')
    if not spec.get('roleName'):
        return None, bodies.device_mgt_error(400, 'Request body is incorrect')
    return spec, None


def _set_permissions(state, role, permissions, removed=()):
    """IoTS: inside the shown subtrees the grant becomes the request, grants elsewhere stay.
    Entgra: the request (minus ``removedPermissions``), applied by a thread a moment later."""
    if entgra.active(state):
        wanted = [p for p in permissions if p not in set(removed or ())]
        role.pending = (state.now() + state.role_update_delay, wanted)
        return
    kept = [p for p in role.permissions if not any(covers(s, p) for s in SHOWN_SUBTREES)]
    role.permissions = kept + [p for p in permissions if p not in kept]


def create_role(state, request, caller):
    spec, error = _role_body(request)
    if error is not None:
        return error
    access = _access(state, caller)
    name = spec['roleName']
    if access.role(name) is not None:
        if entgra.active(state):
            return _entgra_text(409, 'Role already exists with name : %s. Try with another role name.' % name)
        return _message(500, "Error occurred while adding role '%s'" % name)
    if not NAME.match(name) or '/' in name:
        return bodies.device_mgt_error(400, "Role name isn't valid.")
    members = [access.user(u) for u in spec.get('users') or []]
    if None in members:
        return _message(500, "Error occurred while adding role '%s'" % name)
    role = Role(name, (), [u.name.lower() for u in members])
    access.roles[name] = role
    _set_permissions(state, role, list(spec.get('permissions') or []))
    return Reply(201, '"Role \'%s\' has successfully been added"' % name, 'application/json', [('Location', '/roles/%s' % name)])


def update_role(state, request, caller, bare):
    spec, error = _role_body(request)
    if error is not None:
        return error
    access = _access(state, caller)
    name = _role_name(request, bare)
    role = access.role(name)
    if role is None:
        return _no_role(state, name)
    if spec['roleName'] != name:
        return _message(500, 'Error occurred while updating role %s: the role cannot be renamed' % name)
    if spec.get('users') is not None:
        members = [access.user(u) for u in spec['users']]
        if None in members:
            return _message(500, 'Error occurred while updating role %s' % name)
        if role.name == EVERYONE:
            return _message(500, 'Error occurred while updating role %s' % name)
        role.users = set(u.name.lower() for u in members)
    if spec.get('permissions') is not None:
        _set_permissions(state, role, list(spec['permissions']), spec.get('removedPermissions'))
    return gson_string(200, "Role '%s' has successfully been updated" % name)


def delete_role(state, request, caller, bare):
    access = _access(state, caller)
    name = _role_name(request, bare)
    if access.role(name) is None:
        return _no_role(state, name)
    if name in (ADMIN_ROLE, EVERYONE):
        return _message(500, "Error occurred while deleting the role '%s'" % name)
    del access.roles[name]
    return Reply.empty(200)


IOTS, ENTGRA = 'iots', 'entgra'

# Literal Entgra paths come before IoTS templates they would also match (the counters use the first match).
ROUTES = (
    ('GET', '/users/list', 'perm:users:user-details', list_users, ENTGRA),
    ('GET', '/users/roles', 'perm:users:roles', user_roles, ENTGRA),
    ('POST', '/admin/users/credentials', 'perm:admin-users:view', set_password, ENTGRA),
    ('GET', '/users', 'perm:users:details', get_user, ENTGRA),
    ('PUT', '/users', 'perm:users:update', update_user, ENTGRA),
    ('DELETE', '/users', 'perm:users:delete', delete_user, ENTGRA),
    ('GET', '/users', 'perm:users:user-details', list_users, IOTS),
    ('GET', '/users/{username}', 'perm:users:details', get_user, IOTS),
    ('PUT', '/users/{username}', 'perm:users:update', update_user, IOTS),
    ('DELETE', '/users/{username}', 'perm:users:delete', delete_user, IOTS),
    ('GET', '/users/{username}/roles', 'perm:users:roles', user_roles, IOTS),
    ('POST', '/admin/users/{username}/credentials', 'perm:admin-users:view', set_password, IOTS),
    ('POST', '/users', 'perm:users:add', create_user, None),
    ('GET', '/roles', 'perm:roles:view', list_roles, None),
    ('POST', '/roles', 'perm:roles:add', create_role, None),
    ('GET', '/roles/{roleName}', 'perm:roles:details', get_role, None),
    ('PUT', '/roles/{roleName}', 'perm:roles:update', update_role, None),
    ('DELETE', '/roles/{roleName}', 'perm:roles:delete', delete_role, None),
)
