# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Users, roles and permissions of the user store, without HTTP (iots-users-roles.md).

* The permission tree: every path of the scope tables below and its parents (carbon-device-mgt's
  ``PermissionUtils.putPermission`` makes the parents), plus the paths of ``Internal/devicemgt-user``.
* A grant on a path covers every path below it; paths are case-sensitive (carbon-kernel 4.4.17
  ``PermissionTree``, ``preserveCaseForResources`` true).
* Which permission yields which scope: ``IOTS_SCOPE_PERMISSIONS`` (the ``@Scope`` annotations of
  carbon-device-mgt 3.0.240, prefixed with ``/permission/admin`` by ``AnnotationProcessor``) and, for Entgra,
  ``ENTGRA_ACCESS_PERMISSIONS`` for the ``um:``/``rm:`` scopes (device-mgt-core 7.0.8) and the IoTS
  permission of the renamed ``perm:`` scope for the others.
* User names are case-insensitive (``CaseInsensitiveUsername``); role names are kept as given.
* The directory's users (directory.py) are users of the store too; ``admin`` holds the ``admin`` role.
"""

import collections
import secrets
import string

from .directory import User
from .entgra_scopes import PERM_TO_ENTGRA

ADMIN_ROLE = 'admin'
EVERYONE = 'Internal/everyone'
DEVICEMGT_USER = 'Internal/devicemgt-user'
ROOT = '/permission'
_DM = '/permission/admin/device-mgt'

# Typed from iots-users-roles.md section 3 (carbon-device-mgt v3.0.240 jaxrs/service/api/**).
_IOTS_ROWS = '''
/devices/owning-device/view perm:get-activity perm:device:operations perm:device-types:events:view perm:devices:view
  perm:devices:details perm:devices:update perm:devices:delete perm:devices:features perm:devices:search
  perm:devices:applications perm:devices:operations perm:devices:effective-policy perm:devices:compliance-data
  perm:device-types:types perm:device-types:features perm:admin:devices:view
/devices/owning-device/add perm:device:enroll
/devices/owning-device/modify perm:device:modify
/devices/owning-device/remove perm:device:disenroll
/devices/owning-device/event perm:device:publish-event
/devices/owning-device/manage-alerts perm:geo-service:alerts-manage
/devices/owning-device/view-analytics perm:geo-service:analytics-view
/devices/owning-device/remote-session perm:remote-session-service:connect
/devices/change-status perm:devices:change-status
/device-type/add perm:device-types:events
/admin/device-type perm:admin:device-type
/devicetype/deploy perm:devicetype:deployment
/groups/view perm:groups:groups perm:groups:count perm:groups:groups-view
/groups/add perm:groups:add
/groups/update perm:groups:update
/groups/remove perm:groups:remove
/groups/share perm:groups:share
/groups/roles/view perm:groups:roles
/groups/devices/view perm:groups:devices perm:groups:devices-count perm:groups:device
/groups/devices/add perm:groups:devices-add perm:groups:assign
/groups/devices/remove perm:groups:devices-remove
/admin/groups/view perm:admin-groups:view perm:admin-groups:count
/users/view perm:users:details perm:users:roles perm:users:user-details perm:users:count perm:users:is-exist
  perm:users:search
/users/manage perm:users:add perm:users:update perm:users:delete perm:users:send-invitation perm:admin-users:view
/login perm:users:credentials
/roles/view perm:roles:view perm:roles:permissions perm:roles:details
/roles/manage perm:roles:add perm:roles:create-combined-role perm:roles:update perm:roles:delete perm:roles:add-users
/policies/view perm:policies:get-details perm:policies:get-policy-details perm:policies:effective-policy
/policies/manage perm:policies:manage perm:policies:update perm:policies:remove perm:policies:activate
  perm:policies:deactivate perm:policies:changes perm:policies:priorities
/notifications/view perm:notifications:view perm:notifications:mark-checked
/platform-configurations/view perm:view-configuration
/platform-configurations/manage perm:manage-configuration
/applications/manage perm:applications:install perm:applications:uninstall
/authorization/verify perm:authorization:verify
'''


def _rows(text):
    """{scope: permission}; a row is ``path scope...`` and may go on in indented lines."""
    table, path = {}, None
    for line in text.strip().splitlines():
        words = line.split()
        if not line.startswith(' '):
            path, words = words[0], words[1:]
            path = '/permission/admin' + path if path == '/login' else _DM + path
        for scope in words:
            table[scope] = path
    return table


IOTS_SCOPE_PERMISSIONS = _rows(_IOTS_ROWS)

# device-mgt-core 7.0.8 User/RoleManagementService and admin/UserManagementAdminService @Scope permissions.
ENTGRA_ACCESS_PERMISSIONS = {
    'um:users:add': _DM + '/users/add',
    'um:users:details:view': _DM + '/users/details/view',
    'um:users:update': _DM + '/users/update',
    'um:users:delete': _DM + '/users/delete',
    'um:roles:view': _DM + '/users/roles/view',
    'um:users:user-details:view': _DM + '/users/view',
    'um:users:count': _DM + '/users/count',
    'um:users:is-exist': _DM + '/users/existence/view',
    'um:users:search': _DM + '/users/search',
    'um:users:cred:change': _DM + '/users/password/update',
    'um:users:invite': _DM + '/users/invite',
    'um:users:permission:view': '/permission/admin/login',
    'um:admin:users:view': _DM + '/admin/users/view',
    'rm:roles:view': _DM + '/roles/view',
    'rm:roles:permissions:view': _DM + '/roles/view-permissions',
    'rm:roles:details:view': _DM + '/roles/view-details',
    'rm:roles:add': _DM + '/roles/add',
    'rm:roles:update': _DM + '/roles/update',
    'rm:roles:delete': _DM + '/roles/delete',
    'rm:users:add': _DM + '/roles/assign-user',
    'rm:roles:combined:add': _DM + '/roles/combined-role/add',
}


def _entgra_table():
    table = {}
    for scope, path in IOTS_SCOPE_PERMISSIONS.items():
        if not (scope.startswith(('perm:users:', 'perm:roles:', 'perm:admin-users:'))):
            table[PERM_TO_ENTGRA.get(scope, scope)] = path
    table.update(ENTGRA_ACCESS_PERMISSIONS)
    return table


SCOPE_PERMISSIONS = {'iots': IOTS_SCOPE_PERMISSIONS, 'entgra': _entgra_table()}

# Internal/devicemgt-user (core/internal/TenantCreateObserver; POST /users creates it when missing).
DEVICEMGT_USER_PERMISSIONS = (
    '/permission/admin/Login',
    _DM + '/device/api/subscribe',
    _DM + '/devices/enroll',
    _DM + '/devices/disenroll',
    _DM + '/devices/owning-device/view',
    '/permission/admin/manage/portal',
)

# The subtrees GET /roles/{r} shows (RoleManagementServiceImpl.getPermissionList, 3.0.240).
SHOWN_SUBTREES = (_DM, '/permission/admin/login', '/permission/admin/manage/mobileapp', '/permission/admin/manage/webapp')


def covers(granted, path):
    return path == granted or path.startswith(granted.rstrip('/') + '/')


def _with_parents(paths):
    tree = set()
    for path in paths:
        parts = path.split('/')
        for end in range(2, len(parts) + 1):
            tree.add('/'.join(parts[:end]))
    return tree


REGISTRY = frozenset(
    _with_parents(list(IOTS_SCOPE_PERMISSIONS.values()) + list(ENTGRA_ACCESS_PERMISSIONS.values()) + list(DEVICEMGT_USER_PERMISSIONS) + list(SHOWN_SUBTREES))
)


def random_password(length=6):
    """The generated password of POST /users in IoTS 3.2.0 (mailed, never shown)."""
    return ''.join(secrets.choice(string.ascii_letters + string.digits) for position in range(length))


class Role(object):
    def __init__(self, name, permissions=(), users=()):
        self.name = name
        self.permissions = list(permissions)  # stored as given (not validated)
        self.users = set(users)  # lower-case user names
        self.pending = None  # Entgra: (due time, permissions) of an update still being applied


class Profile(object):
    """The claims of a user (given name, last name, e-mail)."""

    def __init__(self, first=None, last=None, email=None):
        self.first, self.last, self.email = first, last, email


class TenantAccess(object):
    """One tenant's roles and user profiles; the login data stays in the directory's User objects."""

    def __init__(self, directory, tenant):
        self.directory = directory
        self.tenant = tenant
        self.roles = collections.OrderedDict()
        self.profiles = {}
        admins = [u.name.lower() for u in directory.users(tenant) if u.admin]
        self.roles[ADMIN_ROLE] = Role(ADMIN_ROLE, [ROOT], admins)
        self.roles[EVERYONE] = Role(EVERYONE)
        for user in directory.users(tenant):
            self.profiles[user.name.lower()] = Profile(user.name, user.name, '%s@example.com' % user.name)

    def user(self, name):
        """The directory User of ``name`` (any letter case), or None."""
        return self.directory.find_in(self.tenant, name)

    def role(self, name):
        return self.roles.get(name)

    def roles_of(self, name):
        key = name.lower()
        return [role.name for role in self.roles.values() if key in role.users]

    def add_user(self, name, password, first, last, email):
        user = User(name, self.tenant, password, admin=False, subscribe=False, scopes=())
        self.directory.add(user)
        self.profiles[name.lower()] = Profile(first, last, email)
        return user

    def remove_user(self, name):
        self.directory.remove(self.tenant, name)
        self.profiles.pop(name.lower(), None)
        for role in self.roles.values():
            role.users.discard(name.lower())

    def user_names(self):
        return sorted((u.name for u in self.directory.users(self.tenant)), key=str.lower)

    def scopes_of(self, user, flavor, now):
        """The scopes of the flavour's table that the user's roles (Internal/everyone included) grant."""
        granted = []
        for role in self.roles.values():
            if role.name == EVERYONE or user.name.lower() in role.users:
                granted.extend(self.effective(role, now))
        table = SCOPE_PERMISSIONS[flavor]
        return frozenset(scope for scope, path in table.items() if any(covers(g, path) for g in granted))

    @staticmethod
    def effective(role, now):
        """The permissions in force: an Entgra update is applied by a thread a moment after its 200."""
        if role.pending is not None and role.pending[0] <= now:
            role.permissions, role.pending = role.pending[1], None
        return role.permissions


class AccessStore(object):
    def __init__(self, directory):
        self.directory = directory
        self.tenants = {}

    def tenant(self, tenant):
        if tenant not in self.tenants:
            self.tenants[tenant] = TenantAccess(self.directory, tenant)
        return self.tenants[tenant]

    def scopes_of(self, user, flavor, now):
        return self.tenant(user.tenant).scopes_of(user, flavor, now)
