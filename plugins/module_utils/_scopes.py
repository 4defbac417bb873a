# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one catalogue of the device-management scopes the collection asks for, per server flavour.

IoTS 3.2.0 names its scopes ``perm:*`` (the ``@Scope`` annotations of carbon-device-mgt 3.0.240's
jaxrs/service/api/*.java); Entgra renamed them from device-mgt-core 5.0.31 on (commit 48a72e80e9,
``io/entgra/device/mgt/core/device/mgt/api/jaxrs/service/api/*.java``). Code names a scope by its
logical name, the IoTS name without ``perm:``, and asks for the flavour's name when it builds a request.

Interface:

* ``FLAVORS = ('iots', 'entgra')``; ``DEFAULT_FLAVOR = 'iots'``
* ``SCOPES``: logical name -> {'iots': name, 'entgra': name}; ``ENTGRA_ONLY``: logical names asked for on Entgra only
* ``scopes_for(names, flavor='iots') -> sorted list``: logical names in a flavour, without duplicates
* ``equivalent_scope(name) -> str or None``: the other flavour's name of a server scope name
* ``logical_name(name) -> str or None``: the logical name of a server scope name of either flavour
* ``validate_flavor(flavor) -> str``: None -> 'iots'; an unknown flavour -> IotsOptionError
"""

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError

FLAVORS = ('iots', 'entgra')
DEFAULT_FLAVOR = 'iots'

# IoTS 3.2.0 name -> Entgra name (entgra.md, "Scope names after 5.0.31").
_RENAMED = (
    ('perm:devices:view', 'dm:devices:view'),
    ('perm:devices:details', 'dm:devices:details'),
    ('perm:devices:update', 'dm:devices:update'),
    ('perm:devices:delete', 'dm:devices:delete'),
    ('perm:devices:search', 'dm:devices:search'),
    ('perm:devices:operations', 'dm:devices:ops:view'),
    ('perm:devices:change-status', 'dm:devices:status:change'),
    ('perm:devices:features', 'dm:devices:features:view'),
    ('perm:devices:applications', 'dm:devices:app:view'),
    ('perm:devices:effective-policy', 'dm:devices:policy:view'),
    ('perm:devices:compliance-data', 'dm:devices:compliance:view'),
    ('perm:device:publish-event', 'dm:device:event:publish'),
    ('perm:policies:get-details', 'dm:policies:view'),
    ('perm:notifications:view', 'dm:notifications:view'),
    ('perm:admin:devices:view', 'dm:admin:devices:view'),
    ('perm:device:enroll', 'dm:device:enroll'),
    ('perm:device:modify', 'dm:device:modify'),
    ('perm:device:disenroll', 'dm:device:disenroll'),
    ('perm:device-types:types', 'dm:device-type:view'),
    ('perm:device-types:features', 'dm:device-type:features:view'),
    ('perm:get-activity', 'dm:activity:get'),
    ('perm:groups:groups', 'gm:groups:view'),
    ('perm:groups:count', 'gm:groups:count'),
    ('perm:groups:add', 'gm:groups:add'),
    ('perm:groups:groups-view', 'gm:groups:groups-view'),
    ('perm:groups:update', 'gm:groups:update'),
    ('perm:groups:remove', 'gm:groups:remove'),
    ('perm:groups:devices', 'gm:devices:view'),
    ('perm:groups:devices-count', 'gm:devices:count'),
    ('perm:groups:devices-add', 'gm:devices:add'),
    ('perm:groups:devices-remove', 'gm:devices:remove'),
    ('perm:groups:share', 'gm:roles:share'),
    ('perm:groups:roles', 'gm:roles:view'),
    ('perm:groups:assign', 'gm:devices:assign'),
    ('perm:groups:device', 'gm:groups:device:view'),
    # Device-type definitions and policies (iots-policies-device-types.md section 4). IoTS 3.2.0 reads a
    # definition with device-types:types; Entgra with admin:device-type:view (a later WSO2 key, not in 3.2.0).
    ('perm:admin:device-type', 'dm:admin:device-type:modify'),
    ('perm:admin:device-type:view', 'dm:admin:device-type:view'),
    ('perm:policies:manage', 'pm:policies:add'),
    ('perm:policies:get-policy-details', 'pm:policies:details:view'),
    ('perm:policies:update', 'pm:policies:update'),
    ('perm:policies:remove', 'pm:policies:remove'),
    ('perm:policies:activate', 'pm:policies:activate'),
    ('perm:policies:deactivate', 'pm:policies:deactivate'),
    ('perm:policies:changes', 'pm:policies:change'),
    ('perm:policies:priorities', 'pm:policies:priorities:update'),
    # Users and roles (iots-users-roles.md section 6: Entgra 7's User/RoleManagementService annotations).
    ('perm:users:add', 'um:users:add'),
    ('perm:users:details', 'um:users:details:view'),
    ('perm:users:update', 'um:users:update'),
    ('perm:users:delete', 'um:users:delete'),
    ('perm:users:roles', 'um:roles:view'),
    ('perm:users:user-details', 'um:users:user-details:view'),
    ('perm:admin-users:view', 'um:admin:users:view'),
    ('perm:roles:view', 'rm:roles:view'),
    ('perm:roles:details', 'rm:roles:details:view'),
    ('perm:roles:add', 'rm:roles:add'),
    ('perm:roles:update', 'rm:roles:update'),
    ('perm:roles:delete', 'rm:roles:delete'),
    ('perm:roles:add-users', 'rm:users:add'),
)

SCOPES = dict((iots[len('perm:') :], {'iots': iots, 'entgra': entgra}) for iots, entgra in _RENAMED)

# Logical names whose IoTS name came after 3.2.0: code asks for them on Entgra only.
ENTGRA_ONLY = frozenset(['admin:device-type:view'])

# Either flavour's name -> logical name.
_LOGICAL = dict((name, logical) for logical, names in SCOPES.items() for name in names.values())


def validate_flavor(flavor):
    """The server flavour; None (an option not set, or not defined yet) means IoTS."""
    if flavor is None:
        return DEFAULT_FLAVOR
    if flavor not in FLAVORS:
        raise IotsOptionError('server_flavor must be one of %s, not %r' % (', '.join(FLAVORS), flavor))
    return flavor


def scopes_for(names, flavor=DEFAULT_FLAVOR):
    """The flavour's names of the logical ``names``, sorted, without duplicates."""
    flavor = validate_flavor(flavor)
    return sorted(set(SCOPES[name][flavor] for name in names))


def logical_name(name):
    return _LOGICAL.get(name)


def equivalent_scope(name):
    """``perm:devices:view`` -> ``dm:devices:view`` and back; None for a scope not in the catalogue."""
    logical = _LOGICAL.get(name)
    if logical is None:
        return None
    names = SCOPES[logical]
    return names['entgra'] if names['iots'] == name else names['iots']
