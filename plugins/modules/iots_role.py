#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_role
short_description: Manage a role of WSO2 IoT Server, its permissions and its members
version_added: 1.1.0
description:
  - Creates, updates or deletes a role of the primary user store of WSO2 IoT Server (IoTS) or Entgra IoT Server,
    found by its O(name).
  - The role's permissions are given as permission paths (O(permissions)), as the scopes a playbook needs
    (O(scopes), and the role gets the permissions that yield them), or both. The scope to permission table is in the
    access guide.
  - The module reads the role first and writes only what differs. It compares the permissions IoTS marks as
    granted in the role's permission tree, not the role's C(permissions) list, which lists the whole tree.
  - IoTS answers the creation of an existing role with HTTP 500, so the module never creates a role it has not
    read first.
  - The roles C(admin) and C(Internal/everyone) cannot be deleted, and the module refuses to change the
    permissions of C(admin) or to take the C(admin) user out of it, before any request.
author:
  - wso2.iots contributors (@wso2-iots)
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.access_token
  - wso2.iots.attributes
  - wso2.iots.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the role (and the users to add) and sends no write request.
  diff_mode:
    support: full
    details:
      - The diff shows the role's name, granted permissions and members before and after.
options:
  name:
    description:
      - The role name, 3 to 30 characters without blanks or C(/) (a role of the primary user store).
    type: str
    required: true
  permissions:
    description:
      - Permission paths as the role API takes them, each C(/permission) or below it, for example
        C(/permission/admin/device-mgt/groups/view). A grant on a path covers every path below it; paths are
        case-sensitive.
      - With O(scopes), the role gets the union. When neither is given, the permissions are left as they are
        (a new role gets none).
      - IoTS shows a role's grant only inside C(/permission/admin/device-mgt), C(/permission/admin/login),
        C(/permission/admin/manage/mobileapp) and C(/permission/admin/manage/webapp), and only for paths its
        permission tree knows. A path elsewhere is sent, kept by IoTS, and not compared (the module warns).
    type: list
    elements: str
  scopes:
    description:
      - Scope names (C(perm:*) on IoTS, Entgra's C(dm:*), C(gm:*), C(um:*) and C(rm:*) with
        O(server_flavor=entgra)). The role is granted the permissions that yield exactly these scopes.
      - A permission may yield more scopes than asked for (for example the permission behind
        C(perm:users:add) also yields C(perm:users:delete)); the access guide lists them.
      - An unknown scope is an error that names the nearest known names.
    type: list
    elements: str
  users:
    description:
      - The exact members of the role when given (V([]) removes all); each must be an existing user. When not
        given, the members are left as they are.
    type: list
    elements: str
  state:
    description: V(present) makes the role exist with these permissions and members; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Scopes the token needs. On IoTS: always C(perm:roles:details) (to read the role), with O(users)
    C(perm:users:details) (to check that the members exist), C(perm:roles:add) and C(perm:roles:update) with
    V(present), C(perm:roles:delete) with V(absent). On Entgra the same as C(rm:roles:details:view),
    C(um:users:details:view), C(rm:roles:add), C(rm:roles:update) and C(rm:roles:delete). In check mode only the
    reading scopes are requested."
  - Entgra binds a role to the scopes of the leaf permissions it lists, so with O(server_flavor=entgra) give leaf
    paths (O(scopes) always gives leaf paths).
  - Entgra applies a role's new permissions in a thread after it answers. With O(server_flavor=entgra) the module
    reads the role again until the change shows (at most 10 seconds), so the next run finds nothing to change.
  - A token keeps the scopes it was issued with; a user gets the scopes of new permissions with the next
    password grant.
seealso:
  - module: wso2.iots.iots_user
  - ref: ansible_collections.wso2.iots.docsite.access_guide
    description: Access as code, with the scope to permission table.
'''

EXAMPLES = r'''
- name: A role for the automation account, from the scopes provision.yml needs
  wso2.iots.iots_role:
    url: https://iots.example.com:8243
    client_id: "{{ iots_client_id }}"
    client_secret: "{{ iots_client_secret }}"
    username: admin
    password: "{{ iots_admin_password }}"
    name: iots_automation
    scopes:
      - perm:devices:view
      - perm:device:enroll
      - perm:groups:groups
      - perm:groups:add
    users:
      - svc-ansible

- name: An operators' role from permission paths, members left as they are
  wso2.iots.iots_role:
    name: operators
    permissions:
      - /permission/admin/device-mgt/devices/owning-device/view
      - /permission/admin/device-mgt/groups/view

- name: Delete a role
  wso2.iots.iots_role:
    name: old-operators
    state: absent
'''

RETURN = r'''
role:
  description: The role after the run, C({}) when absent.
  returned: success
  type: dict
  contains:
    name:
      description: The role name.
      type: str
    permissions:
      description: The granted permission paths IoTS shows (top-most ones), sorted.
      type: list
      elements: str
    users:
      description: The members, sorted.
      type: list
      elements: str
  sample:
    name: iots_automation
    permissions: [/permission/admin/device-mgt/devices/owning-device/view, /permission/admin/device-mgt/groups/view]
    users: [svc-ansible]
'''

import time

from ansible_collections.wso2.iots.plugins.module_utils import _user_api as user_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import server_flavor
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._permissions import permissions_for, top_most, validate_permission
from ansible_collections.wso2.iots.plugins.module_utils._resource import NONE, Change, Resource, run
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique

CREATED = 'created'
UPDATED = 'updated'
DELETED = 'deleted'
ADMIN = 'admin'
EVERYONE = 'Internal/everyone'
# Entgra applies permissions in a thread after its 200: read the role again until they show.
SETTLE_SECONDS = 10.0
SETTLE_STEP = 0.25


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        permissions=dict(type='list', elements='str'),
        scopes=dict(type='list', elements='str'),
        users=dict(type='list', elements='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )


def unique_users(users, option):
    """The names, checked, without a repeat in any letter case (IoTS compares user names so)."""
    for user in users:
        user_api.validate_name(user, option, 'user')
    return sorted(check_unique(users, option, 'user', fold=str.lower, note=user_api.CASELESS), key=str.lower)


def role_state(role):
    """{name, permissions (top-most granted), users, shown (every path the tree shows)} of a RoleInfo."""
    if not role:
        return None
    return dict(
        name=role.get('roleName'),
        permissions=user_api.granted_permissions(role),
        users=sorted(role.get('users') or [], key=str.lower),
        shown=user_api.shown_permissions(role),
    )


def comparable(wanted, shown):
    """The wanted paths IoTS can show as granted: the nodes of the role's permission tree."""
    return top_most(path for path in wanted if path in shown)


class Role(Resource):
    noun = 'role'

    def check(self):
        params = self.params
        name, state = params['name'], params['state']
        if state == 'absent' and name in (ADMIN, EVERYONE, 'everyone'):
            raise IotsOptionError('Role %s cannot be deleted: IoTS keeps it (it answers 500 and may leave it half changed).' % name)
        user_api.validate_name(name, 'name', 'role')
        flavor = server_flavor(params.get)
        wanted = None
        if params['permissions'] is not None or params['scopes'] is not None:
            paths = [validate_permission(path) for path in params['permissions'] or []]
            paths += permissions_for(params['scopes'] or [], flavor)
            wanted = top_most(paths)
        users = None if params['users'] is None else unique_users(params['users'], 'users')
        if name == ADMIN and state == 'present':
            if wanted is not None:
                raise IotsOptionError(
                    'Role admin holds /permission (everything); the module does not change its permissions. Leave permissions and scopes out for admin.'
                )
            if users is not None and ADMIN not in [user.lower() for user in users]:
                raise IotsOptionError('users of role admin must keep the user admin (IoTS refuses to remove it).')
        return dict(name=name, state=state, permissions=wanted, users=users, flavor=flavor)

    def scopes(self, spec):
        calls = ['get_role']
        if spec['state'] == 'absent':
            calls += [] if self.check_mode else ['delete_role']
        else:
            calls += ['get_user'] if spec['users'] else []
            calls += [] if self.check_mode else ['create_role', 'update_role']
        return user_api.scopes_needed(*calls)

    def read(self, api, spec):
        role = role_state(api(user_api.get_role, spec['flavor'], spec['name']))
        members = [user.lower() for user in (role or {}).get('users', [])]
        missing = []
        if spec['state'] == 'present':
            for user in spec['users'] or []:
                if user.lower() not in members and api(user_api.get_user, spec['flavor'], user) is None:
                    missing.append(user)
        return dict(role=role, missing=missing)

    def plan(self, spec, current):
        role = current['role']
        if spec['state'] == 'absent':
            return [Change(spec['name'], DELETED if role else NONE, role, None, spec=spec)]
        if current['missing']:
            raise IotsOptionError(
                'users: IoTS has no user %s; create them first (wso2.iots.iots_user).' % ', '.join(current['missing']),
                details=dict(missing_users=current['missing']),
            )
        if role is None:
            after = dict(name=spec['name'], permissions=spec['permissions'] or [], users=spec['users'] or [])
            return [Change(spec['name'], CREATED, None, after, spec=spec)]
        after = dict(role)
        if spec['permissions'] is not None:
            unseen = [path for path in spec['permissions'] if path not in comparable(spec['permissions'], role['shown'])]
            if unseen:
                self.module.warn(
                    'Role %s: IoTS does not show %s in a role\'s permission tree, so the module cannot '
                    'compare it: it sends it with a change of the other permissions or the users, and '
                    'not on its own.' % (spec['name'], ', '.join(unseen))
                )
            after['permissions'] = comparable(spec['permissions'], role['shown'])
        if spec['users'] is not None:
            after['users'] = spec['users']
        differs = after['permissions'] != role['permissions'] or [u.lower() for u in after['users']] != [u.lower() for u in role['users']]
        return [Change(spec['name'], UPDATED if differs else NONE, role, after, spec=spec)]

    def apply(self, api, change):
        spec, flavor = change.spec, change.spec['flavor']
        if change.action == DELETED:
            api(user_api.delete_role, flavor, spec['name'])
            return None
        if change.action == CREATED:
            api(user_api.create_role, flavor, spec['name'], spec['permissions'] or [], spec['users'] or [])
        else:
            before, after = change.before, change.after
            permissions = spec['permissions'] if after['permissions'] != before['permissions'] else None
            users = spec['users'] if [u.lower() for u in after['users']] != [u.lower() for u in before['users']] else None
            # Entgra grants exactly the request and denies only what removedPermissions names.
            removed = [p for p in before['permissions'] if p not in (permissions or [])] if permissions is not None else None
            api(user_api.update_role, flavor, spec['name'], permissions, users, removed if flavor == 'entgra' else None)
        if flavor == 'entgra' and spec['permissions'] is not None:
            return self.settled(api, change)
        return None

    def settled(self, api, change):
        """Entgra: the role as it shows once the new permissions apply (a warning if they do not in time)."""
        deadline = time.time() + SETTLE_SECONDS
        while True:
            role = role_state(api(user_api.get_role, 'entgra', change.spec['name']))
            if role and role['permissions'] == comparable(change.spec['permissions'], role['shown']):
                return role
            if time.time() >= deadline:
                self.module.warn(
                    'Role %s: Entgra had not applied the new permissions after %d seconds; the next run '
                    'will show whether it did.' % (change.spec['name'], SETTLE_SECONDS)
                )
                return change.after
            time.sleep(SETTLE_STEP)

    def view(self, obj):
        if not obj:
            return {}
        return dict(name=obj['name'], permissions=list(obj['permissions']), users=list(obj['users']))

    def result(self, changes, current):
        return dict(role=self.view(changes[0].after))


def main():
    run(Role, argument_spec())


if __name__ == '__main__':
    main()
