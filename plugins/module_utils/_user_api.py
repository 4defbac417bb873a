# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The users and roles API of IoTS 3.2.0 and Entgra 7, one function per call (iots-users-roles.md).

Each call takes ``(client, token, flavor, ...)``: Entgra addresses a user by a query parameter
(``/users?username=``) where IoTS puts it in the path, lists users at ``/users/list``, answers 409 for
an existing role, and honours the password of a new user. Names are checked before any request
(``validate_name``, ``validate_password``).

Interface:

* ``CALL_SCOPES``: function name -> logical scopes (``_scopes``); ``scopes_needed(*function_names)``
* ``LIST_CAP = 100``: IoTS lists at most 100 user or role names (``MaxUserNameListLength``), later ones
  are unreachable through the lists
* ``validate_name(value, option, what) -> str``; ``validate_password(value, option) -> str``
* users: ``list_users(...) -> ([BasicUserInfo], capped)``; ``get_user(..., name) -> BasicUserInfo or None``;
  ``user_roles(..., name) -> [role]`` (no ``Internal/*``); ``create_user(..., info)``;
  ``update_user(..., name, info)``; ``delete_user(..., name) -> bool``; ``set_password(..., name, password)``;
  ``login_works(client, client_id, client_secret, name, password, token_path=None) -> bool``
* roles: ``list_roles(...) -> ([name], capped)``; ``get_role(..., name) -> RoleInfo or None``;
  ``granted_permissions(role) -> sorted top-most selected paths``; ``shown_permissions(role) -> set``;
  ``create_role(..., name, permissions, users)``; ``update_role(..., name, permissions=None, users=None,
  removed=None)``; ``delete_role(..., name) -> bool``

``info`` is a UserInfo body: ``username``, ``firstname``, ``lastname``, ``emailAddress``, ``roles``
and, on create, ``password``.
"""

import re

from ansible_collections.wso2.iots.plugins.module_utils import _api, _oauth
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._permissions import top_most

LIST_CAP = 100
# The note of a repeated user name (``_unique.check_unique``): IoTS compares user names without case.
CASELESS = '; IoTS compares user names without case'
# user-mgt.xml of product-iots 3.2.0: UsernameJavaRegEx, RolenameJavaRegEx ^[\S]{3,30}$, PasswordJavaRegEx ^[\S]{5,30}$
_NAME = re.compile(r'^\S{3,30}$')
_PASSWORD = re.compile(r'^\S{5,30}$')

CALL_SCOPES = {
    'list_users': ('users:user-details',),
    'get_user': ('users:details',),
    'user_roles': ('users:roles',),
    'create_user': ('users:add',),
    'update_user': ('users:update',),
    'delete_user': ('users:delete',),
    'set_password': ('admin-users:view',),
    'list_roles': ('roles:view',),
    'get_role': ('roles:details',),
    'create_role': ('roles:add',),
    'update_role': ('roles:update',),
    'delete_role': ('roles:delete',),
}


def scopes_needed(*function_names):
    return _api.scopes_of(CALL_SCOPES[name] for name in function_names)


def validate_name(value, option, what):
    """A user or role name IoTS accepts: 3 to 30 characters, no blank, no "/" (a path cannot hold it)."""
    if not isinstance(value, str) or not _NAME.match(value) or '/' in value:
        raise IotsOptionError('%s %r is not a valid %s name: IoTS takes 3 to 30 characters without blanks or "/".' % (option, value, what))
    return value


def validate_password(value, option):
    if not isinstance(value, str) or not _PASSWORD.match(value):
        # Never the value: it is a secret.
        raise IotsOptionError('%s must be 5 to 30 characters without blanks (IoTS: "Password length should be within 5 to 30 characters").' % option)
    return value


def _user_path(flavor, name, suffix=''):
    """(path, query) of one user: IoTS puts the name in the path, Entgra (5.0.11 on) in ?username=."""
    if flavor == 'entgra':
        return '/users' + suffix, [('username', name)]
    return '/users/%s%s' % (_api.segment(name), suffix), []


def _role_path(name, suffix=''):
    """(path, query): ``Internal/x`` is ``/roles/x?user-store=Internal``; a PRIMARY role has no store."""
    store, sep, bare = name.rpartition('/')
    return '/roles/%s%s' % (_api.segment(bare), suffix), ([('user-store', store)] if sep else [])


def _listed(client, token, call, path, key):
    """([every name], capped) of a capped list: IoTS never lists more than LIST_CAP, so a full list may miss some."""
    items = _api.pages(client, token, CALL_SCOPES[call], path, key, min_count=LIST_CAP)
    return items, len(items) >= LIST_CAP


# ---------------------------------------------------------------------------- users


def list_users(client, token, flavor):
    """([BasicUserInfo], capped): ``capped`` means the list is full and may miss users (IoTS shows 100 at most)."""
    return _listed(client, token, 'list_users', '/users/list' if flavor == 'entgra' else '/users', 'users')


def get_user(client, token, flavor, name):
    path, query = _user_path(flavor, name)
    response = _api.request(client, token, CALL_SCOPES['get_user'], 'GET', path, query=query, expected=(200, 404))
    return _api.json_or_none(response)


def user_roles(client, token, flavor, name):
    path, query = _user_path(flavor, name, '/roles')
    return sorted(_api.json_of(_api.request(client, token, CALL_SCOPES['user_roles'], 'GET', path, query=query)).get('roles') or [])


def create_user(client, token, flavor, info):
    """POST /users. IoTS ignores ``password`` (set it with ``set_password``); a 409 names the user."""
    client.add_secret(info.get('password'))  # Entgra honours it: no message may show it
    try:
        _api.request(client, token, CALL_SCOPES['create_user'], 'POST', '/users', body=info, expected=(200, 201), idempotent=False)
    except IotsError as exc:
        if exc.status == 409:
            exc.with_hint(
                'User %s exists already (another user of the same name in another letter case, as IoTS '
                'compares user names without case).' % info.get('username')
            )
        raise


def update_user(client, token, flavor, name, info):
    """PUT: the body replaces the names, the e-mail and the non-Internal roles, so send them all."""
    path, query = _user_path(flavor, name)
    _api.request(client, token, CALL_SCOPES['update_user'], 'PUT', path, query=query, body=info)


def delete_user(client, token, flavor, name):
    """DELETE: IoTS first sets the user's devices to REMOVED; Entgra refuses (409) while the user has devices."""
    path, query = _user_path(flavor, name)
    try:
        return _api.request(client, token, CALL_SCOPES['delete_user'], 'DELETE', path, query=query, expected=(200, 204, 404)).status != 404
    except IotsError as exc:
        if exc.status == 409:
            exc.with_hint('Disenrol the devices of user %s first (wso2.iots.iots_device state=absent).' % name)
        raise


def set_password(client, token, flavor, name, password):
    """The admin's password reset (no old password): POST /admin/users/{u}/credentials."""
    client.add_secret(password)
    if flavor == 'entgra':
        path, query = '/admin/users/credentials', [('username', name)]
    else:
        path, query = '/admin/users/%s/credentials' % _api.segment(name), []
    _api.request(client, token, CALL_SCOPES['set_password'], 'POST', path, query=query, body={'newPassword': password})


# A whitelisted scope (^device_.*, granted to anyone) of the login check's own: IoTS hands out again the active
# token of the same client, user and scopes, so a check without it could get (and revoke) a token the user uses.
LOGIN_CHECK_SCOPE = 'device_wso2_iots_login_check'


def login_works(client, client_id, client_secret, name, password, token_path=None, warn=None):
    """Whether ``name`` logs in with ``password``: a password grant, whose token is revoked at once.

    IoTS cannot show a password, so this is how ``update_password=always`` tells whether it differs. The
    grant stores a token on the server (a write: never in check mode), hence the revocation. A failed
    revocation does not undo the answer: ``warn(text)`` is told (the token then expires on its own).
    """
    token_path = token_path or _oauth.DEFAULT_TOKEN_PATH
    try:
        token = _oauth.grant(
            client,
            _oauth.GRANT_PASSWORD,
            client_id,
            client_secret,
            username=name,
            password=password,
            scopes=[LOGIN_CHECK_SCOPE],
            token_path=token_path,
        )
    except IotsError as exc:
        if exc.status in (400, 401) and str(exc.error or '') == 'invalid_grant':
            return False
        raise
    try:
        _oauth.revoke(client, client_id, client_secret, token['access_token'], token_path=token_path)
    except IotsError as exc:
        if warn is None:
            raise
        warn('The login check of user %s worked, but revoking its token failed (it expires on its own): %s' % (name, exc))
    return True


# ---------------------------------------------------------------------------- roles


def list_roles(client, token, flavor):
    """([name], capped) of the PRIMARY store (IoTS never lists Internal/* roles)."""
    return _listed(client, token, 'list_roles', '/roles', 'roles')


def get_role(client, token, flavor, name):
    path, query = _role_path(name)
    response = _api.request(client, token, CALL_SCOPES['get_role'], 'GET', path, query=query, expected=(200, 404))
    return _api.json_or_none(response)


def _nodes(node):
    if not isinstance(node, dict):
        return
    yield node
    for child in node.get('nodeList') or ():
        yield from _nodes(child)


def granted_permissions(role):
    """The role's real grant, top-most paths first: ``permissionList`` nodes with ``isSelected``.

    IoTS 3.2.0's ``permissions`` array lists every node of the tree, granted or not; Entgra's lists the
    granted ones, which is what is used when there is no ``permissionList``.
    """
    tree = role.get('permissionList')
    if isinstance(tree, dict):
        return top_most(node.get('resourcePath') for node in _nodes(tree) if node.get('isSelected'))
    return top_most(role.get('permissions') or [])


def shown_permissions(role):
    """Every path the role's permission tree shows (granted or not): only these can be compared."""
    tree = role.get('permissionList')
    if isinstance(tree, dict):
        return set(node.get('resourcePath') for node in _nodes(tree))
    return set(role.get('permissions') or [])


def _role_body(name, permissions, users, removed=None):
    body = {'roleName': name}
    if permissions is not None:
        body['permissions'] = list(permissions)
    if users is not None:
        body['users'] = list(users)
    if removed:
        body['removedPermissions'] = list(removed)
    return body


def create_role(client, token, flavor, name, permissions, users=None):
    """POST /roles. IoTS answers an existing role with 500 (Entgra: 409): read it first."""
    try:
        _api.request(
            client, token, CALL_SCOPES['create_role'], 'POST', '/roles', body=_role_body(name, permissions, users), expected=(200, 201), idempotent=False
        )
    except IotsError as exc:
        if exc.status == 409 or (exc.status == 500 and flavor != 'entgra'):
            exc.with_hint('Role %s may exist already (IoTS answers 500 for an existing role) or a member is not a user.' % name)
        raise


def update_role(client, token, flavor, name, permissions=None, users=None, removed=None):
    """PUT /roles/{name}: ``permissions`` and ``users`` left None stay as they are; the full name avoids a rename."""
    path, query = _role_path(name)
    _api.request(client, token, CALL_SCOPES['update_role'], 'PUT', path, query=query, body=_role_body(name, permissions, users, removed))


def delete_role(client, token, flavor, name):
    path, query = _role_path(name)
    return _api.request(client, token, CALL_SCOPES['delete_role'], 'DELETE', path, query=query, expected=(200, 204, 404)).status != 404
