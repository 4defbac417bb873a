# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Who may log in, what they may do, and which scopes exist: the emulator's user store.

A user name is ``name`` (super tenant ``carbon.super``) or ``name@tenant.com``, as in
WSO2's MultitenantUtils. Each user entry (see ``DEFAULT_USERS``) says:

* ``password``;
* ``admin``: holds the ``admin`` role (may register applications, is a device admin);
* ``subscribe``: holds ``/permission/admin/device-mgt/device/api/subscribe`` (may register);
* ``scopes``: ``"*"`` for every scope in ``SCOPE_CATALOGUE`` or a list of scopes;
* ``tenant_admin``: is the admin of its tenant (owner of every registered application);
  defaults to true for the tenant-aware name ``admin``.
"""

import json

SUPER_TENANT = 'carbon.super'

# Every perm: scope named on the IoTS 3.2.0 page "Generating the Access Token" (the password
# grant example there requests all of them). perm:device:enroll and perm:device:disenroll are
# among them; they guard the device agent API. perm:devices:change-status is not on that page but
# is the @Scope of PUT /devices/{type}/{id}/changestatus (DeviceManagementService.java).
SCOPE_CATALOGUE = frozenset(
    '''
    perm:admin perm:get-activity perm:manage-configuration perm:sign-csr perm:view-configuration
    perm:admin:certificates:add perm:admin:certificates:delete perm:admin:certificates:details
    perm:admin:certificates:verify perm:admin:certificates:view perm:admin:device-type
    perm:admin:devices:view perm:admin:topics:view
    perm:admin-groups:count perm:admin-groups:view
    perm:admin-users:view
    perm:android:blacklist-applications perm:android:change-lock-code perm:android:clear-password
    perm:android:configure-vpn perm:android:configure-wifi perm:android:control-camera
    perm:android:disenroll perm:android:encrypt-storage perm:android:enroll perm:android:enterprise-wipe
    perm:android:info perm:android:install-application perm:android:location perm:android:lock-devices
    perm:android:logcat perm:android:manage-configuration perm:android:mute perm:android:reboot
    perm:android:ring perm:android:send-notification perm:android:set-password-policy
    perm:android:set-webclip perm:android:uninstall-application perm:android:unlock-devices
    perm:android:update-application perm:android:upgrade-firmware perm:android:view-configuration
    perm:android:wipe
    perm:applications:install perm:applications:uninstall
    perm:dashboard:by-groups perm:dashboard:count-overview perm:dashboard:details
    perm:dashboard:device-counts perm:dashboard:feature-non-compliant perm:dashboard:filtered-count
    perm:dashboard:non-compliant perm:dashboard:non-compliant-count perm:dashboard:vulnerabilities
    perm:device:disenroll perm:device:enroll perm:device:modify perm:device:operations
    perm:device:publish-event
    perm:device-types:events perm:device-types:events:view perm:device-types:features
    perm:device-types:types
    perm:devices:applications perm:devices:change-status perm:devices:compliance-data perm:devices:delete
    perm:devices:details
    perm:devices:effective-policy perm:devices:features perm:devices:operations perm:devices:search
    perm:devices:update perm:devices:view
    perm:devicetype:deployment
    perm:geo-service:alerts-manage perm:geo-service:analytics-view
    perm:groups:add perm:groups:assign perm:groups:count perm:groups:device perm:groups:devices
    perm:groups:devices-add perm:groups:devices-count perm:groups:devices-remove perm:groups:groups
    perm:groups:groups-view perm:groups:remove perm:groups:roles perm:groups:share perm:groups:update
    perm:ios:airplay perm:ios:apn perm:ios:app-list perm:ios:app-lock perm:ios:app-to-per-app-vpn
    perm:ios:applications perm:ios:cal-subscription perm:ios:caldav perm:ios:cellular
    perm:ios:clear-passcode perm:ios:device-info perm:ios:email perm:ios:enroll perm:ios:enterprise-app
    perm:ios:enterprise-wipe perm:ios:get-restrictions perm:ios:ldap perm:ios:location perm:ios:lock
    perm:ios:notification perm:ios:passcode-policy perm:ios:per-app-vpn perm:ios:profile-list
    perm:ios:remove-application perm:ios:remove-profile perm:ios:restriction perm:ios:ring
    perm:ios:store-application perm:ios:view-device perm:ios:vpn perm:ios:webclip perm:ios:wifi
    perm:ios:wipe-data
    perm:notifications:mark-checked perm:notifications:view
    perm:policies:activate perm:policies:changes perm:policies:deactivate perm:policies:get-details
    perm:policies:get-policy-details perm:policies:manage perm:policies:priorities perm:policies:remove
    perm:policies:update
    perm:roles:add perm:roles:add-users perm:roles:create-combined-role perm:roles:delete
    perm:roles:details perm:roles:permissions perm:roles:update perm:roles:view
    perm:users:add perm:users:count perm:users:credentials perm:users:delete perm:users:details
    perm:users:is-exist perm:users:roles perm:users:search perm:users:send-invitation perm:users:update
    perm:users:user-details
'''.split()
)

# api-manager.xml <ScopeWhitelist>: scopes matching ^device_.* are granted to anyone.
WHITELIST_PREFIX = 'device_'

# The permission the registration webapp's ApiPermissionFilter asks for on /register.
SUBSCRIBE_PERMISSION = '/permission/admin/device-mgt/device/api/subscribe'

OPERATOR_SCOPES = ('perm:devices:view', 'perm:devices:details', 'perm:device-types:types')

DEFAULT_USERS = {
    'admin': {'password': 'admin', 'admin': True, 'subscribe': True, 'scopes': '*'},
    'operator': {'password': 'operator', 'admin': False, 'subscribe': True, 'scopes': list(OPERATOR_SCOPES)},
    'guest': {'password': 'guest', 'admin': False, 'subscribe': False, 'scopes': []},
    'admin@tenant.com': {'password': 'admin', 'admin': True, 'subscribe': True, 'scopes': '*'},
}


def split_username(username):
    """``name@tenant`` -> (tenant-aware name, tenant domain); a bare name is in carbon.super."""
    name, sep, domain = (username or '').rpartition('@')
    if not sep:
        return username or '', SUPER_TENANT
    return name, domain.lower()


class User(object):
    def __init__(self, name, tenant, password, admin=False, subscribe=None, scopes=(), tenant_admin=None):
        self.name = name
        self.tenant = tenant
        self.password = password
        self.admin = bool(admin)
        self.subscribe = self.admin if subscribe is None else bool(subscribe)
        if scopes == '*':
            self.scopes = SCOPE_CATALOGUE
        else:
            self.scopes = frozenset(scopes or ())
        self.tenant_admin = (name == 'admin') if tenant_admin is None else bool(tenant_admin)

    @property
    def qualified(self):
        """The name the OAuth server prints: ``admin@carbon.super``."""
        return '%s@%s' % (self.name, self.tenant)

    @property
    def may_register(self):
        return self.admin or self.subscribe

    def __repr__(self):
        return 'User(%s)' % self.qualified


class Directory(object):
    """The users of every tenant. The users API (users.py) adds and removes users under the state's
    lock; readers take a copy of the table, so they need no lock."""

    def __init__(self, users=None):
        if users is None:
            users = DEFAULT_USERS
        elif isinstance(users, str):
            with open(users) as handle:
                users = json.load(handle)
        if not isinstance(users, dict) or not users:
            raise ValueError('users must be a non-empty mapping of user name to attributes')
        self._seed = users
        self.restore()

    def restore(self):
        """Back to the users the directory was made with."""
        self._users = {}
        for username, spec in self._seed.items():
            if isinstance(spec, str):
                spec = {'password': spec}
            if not isinstance(spec, dict) or 'password' not in spec:
                raise ValueError('user %r needs at least a password' % username)
            name, tenant = split_username(username)
            unknown = set(spec) - {'password', 'admin', 'subscribe', 'scopes', 'tenant_admin'}
            if unknown:
                raise ValueError('user %r: unknown attributes %s' % (username, ', '.join(sorted(unknown))))
            self._users[(name, tenant)] = User(name, tenant, **spec)
        self.tenants = frozenset(user.tenant for user in self._users.values())

    def find(self, username):
        return self._users.get(split_username(username))

    def users(self, tenant):
        return [user for user in list(self._users.values()) if user.tenant == tenant]

    def find_in(self, tenant, name):
        """The user of ``tenant`` named ``name`` in any letter case (CaseInsensitiveUsername), or None."""
        key = (name or '').lower()
        for user in self.users(tenant):
            if user.name.lower() == key:
                return user
        return None

    def add(self, user):
        users = dict(self._users)
        users[(user.name, user.tenant)] = user
        self._users = users

    def remove(self, tenant, name):
        user = self.find_in(tenant, name)
        if user is not None:
            users = dict(self._users)
            users.pop((user.name, user.tenant), None)
            self._users = users

    def authenticate(self, username, password):
        """The user, or None for an unknown user, an unknown tenant or a wrong password."""
        user = self.find(username)
        if user is None or password is None or user.password != password:
            return None
        return user

    def tenant_admin(self, tenant):
        """The tenant's admin (owner of its applications): the flagged one, else its first admin."""
        members = self.users(tenant)
        for user in members:
            if user.tenant_admin:
                return user
        for user in members:
            if user.admin:
                return user
        return None

    def granted_scopes(self, user, requested, from_roles=frozenset()):
        """The scopes of ``requested`` that ``user`` gets, sorted; ``['default']`` when none.

        Like APIM's ScopesIssuer: a known scope is kept when the user holds it (in its ``scopes``, or
        ``from_roles``: through the permissions of its roles), a whitelisted ``device_*`` scope is always
        kept, anything else is dropped without an error.
        """
        kept = set()
        for scope in requested:
            if scope.startswith(WHITELIST_PREFIX) or (scope in SCOPE_CATALOGUE and (scope in user.scopes or scope in from_roles)):
                kept.add(scope)
        return sorted(kept) or ['default']
