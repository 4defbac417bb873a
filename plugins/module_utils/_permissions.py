# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Which role permission yields which OAuth scope, per server flavour: the one copy of that table.

The password grant gives a user a ``perm:*`` scope when one of the user's roles holds the scope's
permission or a parent of it (paths are case-sensitive). The docs' table is generated from this data
(``docs/docsite/permission_table.py``).

Interface:

* ``SOURCES``: flavour -> where the table was read
* ``TABLE``: flavour -> tuple of (permission path as the role API takes it, tuple of scopes it yields)
* ``ROOT = '/permission'``; ``validate_permission(path, option='permissions') -> str``
* ``covers(granted, path) -> bool``: a grant on ``granted`` covers ``path`` (itself or below it)
* ``top_most(paths) -> sorted list``: the paths that no other of them covers
* ``permissions_for(scopes, flavor='iots') -> sorted list``: the permissions that yield ``scopes``;
  an unknown scope is an ``IotsOptionError`` naming it and the nearest known names
* ``scopes_of(permissions, flavor='iots') -> sorted list``: every scope a grant of ``permissions`` yields
* ``known_scopes(flavor='iots') -> sorted list``
"""

import difflib

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._scopes import SCOPES, validate_flavor

ROOT = '/permission'
_ADMIN = ROOT + '/admin'
_DM = _ADMIN + '/device-mgt'

SOURCES = {
    'iots': (
        'wso2/carbon-device-mgt v3.0.240, components/device-mgt/org.wso2.carbon.device.mgt.api/src/main/java/'
        'org/wso2/carbon/device/mgt/jaxrs/service/api/**/*.java: each @Scope(key, permissions); '
        'apimgt-extensions AnnotationProcessor.processAPIScopes prefixes /permission/admin'
    ),
    'entgra': (
        'entgra/device-mgt-core v7.0.8, components/device-mgt/io.entgra.device.mgt.core.device.mgt.api/'
        'src/main/java/io/entgra/device/mgt/core/device/mgt/jaxrs/service/api/'
        '{UserManagementService,RoleManagementService,admin/UserManagementAdminService}.java for the um:/rm: '
        'scopes; the device and group scopes keep the permission of the IoTS scope they renamed '
        '(read for dm:devices:view in DeviceManagementService.java, the others inferred)'
    ),
}

# IoTS 3.2.0: every @Scope of the device-mgt API (certificate-mgt, v0.9 and the device-type plugins excepted).
_IOTS = (
    (
        _DM + '/devices/owning-device/view',
        (
            'perm:get-activity',
            'perm:device:operations',
            'perm:device-types:events:view',
            'perm:devices:view',
            'perm:devices:details',
            'perm:devices:update',
            'perm:devices:delete',
            'perm:devices:features',
            'perm:devices:search',
            'perm:devices:applications',
            'perm:devices:operations',
            'perm:devices:effective-policy',
            'perm:devices:compliance-data',
            'perm:device-types:types',
            'perm:device-types:features',
            'perm:admin:devices:view',
        ),
    ),
    (_DM + '/devices/owning-device/add', ('perm:device:enroll',)),
    (_DM + '/devices/owning-device/modify', ('perm:device:modify',)),
    (_DM + '/devices/owning-device/remove', ('perm:device:disenroll',)),
    (_DM + '/devices/owning-device/event', ('perm:device:publish-event',)),
    (_DM + '/devices/owning-device/manage-alerts', ('perm:geo-service:alerts-manage',)),
    (_DM + '/devices/owning-device/view-analytics', ('perm:geo-service:analytics-view',)),
    (_DM + '/devices/owning-device/remote-session', ('perm:remote-session-service:connect',)),
    (_DM + '/devices/change-status', ('perm:devices:change-status',)),
    (_DM + '/device-type/add', ('perm:device-types:events',)),
    (_DM + '/admin/device-type', ('perm:admin:device-type',)),
    (_DM + '/devicetype/deploy', ('perm:devicetype:deployment',)),
    (_DM + '/groups/view', ('perm:groups:groups', 'perm:groups:count', 'perm:groups:groups-view')),
    (_DM + '/groups/add', ('perm:groups:add',)),
    (_DM + '/groups/update', ('perm:groups:update',)),
    (_DM + '/groups/remove', ('perm:groups:remove',)),
    (_DM + '/groups/share', ('perm:groups:share',)),
    (_DM + '/groups/roles/view', ('perm:groups:roles',)),
    (_DM + '/groups/devices/view', ('perm:groups:devices', 'perm:groups:devices-count', 'perm:groups:device')),
    (_DM + '/groups/devices/add', ('perm:groups:devices-add', 'perm:groups:assign')),
    (_DM + '/groups/devices/remove', ('perm:groups:devices-remove',)),
    (_DM + '/admin/groups/view', ('perm:admin-groups:view', 'perm:admin-groups:count')),
    (
        _DM + '/users/view',
        ('perm:users:details', 'perm:users:roles', 'perm:users:user-details', 'perm:users:count', 'perm:users:is-exist', 'perm:users:search'),
    ),
    (_DM + '/users/manage', ('perm:users:add', 'perm:users:update', 'perm:users:delete', 'perm:users:send-invitation', 'perm:admin-users:view')),
    (_ADMIN + '/login', ('perm:users:credentials',)),
    (_DM + '/roles/view', ('perm:roles:view', 'perm:roles:permissions', 'perm:roles:details')),
    (_DM + '/roles/manage', ('perm:roles:add', 'perm:roles:create-combined-role', 'perm:roles:update', 'perm:roles:delete', 'perm:roles:add-users')),
    (_DM + '/policies/view', ('perm:policies:get-details', 'perm:policies:get-policy-details', 'perm:policies:effective-policy')),
    (
        _DM + '/policies/manage',
        (
            'perm:policies:manage',
            'perm:policies:update',
            'perm:policies:remove',
            'perm:policies:activate',
            'perm:policies:deactivate',
            'perm:policies:changes',
            'perm:policies:priorities',
        ),
    ),
    (_DM + '/notifications/view', ('perm:notifications:view', 'perm:notifications:mark-checked')),
    (_DM + '/platform-configurations/view', ('perm:view-configuration',)),
    (_DM + '/platform-configurations/manage', ('perm:manage-configuration',)),
    (_DM + '/applications/manage', ('perm:applications:install', 'perm:applications:uninstall')),
    (_DM + '/authorization/verify', ('perm:authorization:verify',)),
)

# Entgra 7: the user and role scopes, each with its own permission (iots-users-roles.md section 6). A scope of
# the catalogue is named by its logical name (_scopes.SCOPES holds its Entgra name: each name is written once);
# one the collection never asks for, by its Entgra name (um:..., rm:...).
_ENTGRA_ACCESS = (
    (_DM + '/users/add', ('users:add',)),
    (_DM + '/users/details/view', ('users:details',)),
    (_DM + '/users/update', ('users:update',)),
    (_DM + '/users/delete', ('users:delete',)),
    (_DM + '/users/roles/view', ('users:roles',)),
    (_DM + '/users/view', ('users:user-details',)),
    (_DM + '/users/count', ('um:users:count',)),
    (_DM + '/users/existence/view', ('um:users:is-exist',)),
    (_DM + '/users/search', ('um:users:search',)),
    (_DM + '/users/password/update', ('um:users:cred:change',)),
    (_DM + '/users/invite', ('um:users:invite',)),
    (_ADMIN + '/login', ('um:users:permission:view',)),
    (_DM + '/admin/users/view', ('admin-users:view',)),
    (_DM + '/roles/view', ('roles:view',)),
    (_DM + '/roles/view-permissions', ('rm:roles:permissions:view',)),
    (_DM + '/roles/view-details', ('roles:details',)),
    (_DM + '/roles/add', ('roles:add',)),
    (_DM + '/roles/update', ('roles:update',)),
    (_DM + '/roles/delete', ('roles:delete',)),
    (_DM + '/roles/assign-user', ('roles:add-users',)),
    (_DM + '/roles/combined-role/add', ('rm:roles:combined:add',)),
)


# Scopes Entgra 7 added where IoTS 3.2.0 has none, by logical name: reading a device type's definition
# (iots-policies-device-types.md section 4; the permission is the admin device-type one, inferred).
_ENTGRA_ADDED: dict = {
    _DM + '/admin/device-type': ('admin:device-type:view',),
}


def _entgra_name(name):
    """The Entgra name of a logical name of the catalogue; any other name is one already."""
    return SCOPES[name]['entgra'] if name in SCOPES else name


def _entgra_table():
    """The user/role rows, then each IoTS device or group row with the scopes Entgra renamed (_scopes.SCOPES)
    and those it added (_ENTGRA_ADDED)."""
    renamed = dict((names['iots'], names['entgra']) for names in SCOPES.values())
    rows = [(permission, tuple(_entgra_name(name) for name in names)) for permission, names in _ENTGRA_ACCESS]
    for permission, scopes in _IOTS:
        if permission.startswith((_DM + '/users/', _DM + '/roles/')) or permission == _ADMIN + '/login':
            continue
        entgra = tuple(renamed[scope] for scope in scopes if scope in renamed) + tuple(_entgra_name(name) for name in _ENTGRA_ADDED.get(permission, ()))
        if entgra:
            rows.append((permission, entgra))
    return tuple(rows)


TABLE = {'iots': _IOTS, 'entgra': _entgra_table()}

_BY_SCOPE = dict((flavor, dict((scope, permission) for permission, scopes in rows for scope in scopes)) for flavor, rows in TABLE.items())


def known_scopes(flavor='iots'):
    return sorted(_BY_SCOPE[validate_flavor(flavor)])


def validate_permission(path, option='permissions'):
    """A permission path the role API stores: ``/permission`` or below it, no blanks, no empty segment."""
    if not isinstance(path, str) or not (path == ROOT or path.startswith(ROOT + '/')):
        raise IotsOptionError(
            '%s: %r is not a permission path: it must be /permission or start with /permission/ (e.g. %s/devices/owning-device/view).' % (option, path, _DM)
        )
    if path.endswith('/') or '//' in path or path != ''.join(path.split()):
        raise IotsOptionError('%s: %r is not a permission path: no blanks, no empty segment and no trailing "/".' % (option, path))
    return path


def covers(granted, path):
    """A grant on ``granted`` covers ``path`` itself and every path below it (case-sensitive)."""
    return path == granted or path.startswith(granted.rstrip('/') + '/')


def top_most(paths):
    """The paths no other one of them covers, sorted: the smallest grant with the same effect."""
    unique = sorted(set(paths))
    return [path for path in unique if not any(other != path and covers(other, path) for other in unique)]


def permissions_for(scopes, flavor='iots', option='scopes'):
    """The permissions whose grant yields ``scopes``; an unknown scope is an error naming the nearest ones."""
    table = _BY_SCOPE[validate_flavor(flavor)]
    unknown = [scope for scope in scopes if scope not in table]
    if unknown:
        hints = []
        for scope in unknown:
            near = difflib.get_close_matches(scope, list(table), n=3, cutoff=0.5)
            hints.append('%s (nearest: %s)' % (scope, ', '.join(near) if near else 'none'))
        raise IotsOptionError(
            '%s: no permission of %s yields %s. The %d known scope names are listed in the '
            'access guide.' % (option, 'Entgra' if flavor == 'entgra' else 'IoTS', '; '.join(hints), len(table))
        )
    return sorted(set(table[scope] for scope in scopes))


def scopes_of(permissions, flavor='iots'):
    """Every scope of the table that a grant of ``permissions`` yields, sorted."""
    table = _BY_SCOPE[validate_flavor(flavor)]
    return sorted(scope for scope, path in table.items() if any(covers(granted, path) for granted in permissions))
