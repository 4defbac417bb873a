#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_user
short_description: Manage users of WSO2 IoT Server, one or many in one run
version_added: 1.1.0
description:
  - Creates, updates or deletes a user of WSO2 IoT Server (IoTS) or Entgra IoT Server, found by its O(name), or
    many users in one module run with O(users) (one paged read of the users, then only the writes that differ).
  - The connection options O(username) and O(password) are those of whoever calls the API; the managed user is
    O(name) and its password O(user_password).
  - IoTS 3.2 ignores the password sent when it creates a user (it mails a random one); the module then sets
    O(user_password) with the administrator's password reset call. Entgra takes the password at creation.
  - An update re-sends the names, the e-mail address and the roles, because IoTS clears the ones a request
    leaves out.
  - IoTS lists at most 100 user names. When the list is full, the module looks up the users it did not find in
    it one by one instead of taking them for missing.
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
      - Check mode reads the users and roles and sends no write request. It does not try a login for
        O(update_password=always) (a login creates a token on the server), so such a password counts as a change.
  diff_mode:
    support: full
    details:
      - The diff shows each changed user's name, first and last name, e-mail address and roles, never a password.
options:
  name:
    description:
      - The user name, 3 to 30 characters without blanks or C(/). IoTS compares user names without case.
      - Required unless O(users) is given.
    type: str
  first_name:
    description: The first name. Required to create a user (IoTS would create it and then answer HTTP 500).
    type: str
  last_name:
    description: The last name. Required to create a user.
    type: str
  email:
    description: The e-mail address. Required to create a user.
    type: str
  user_password:
    description:
      - The user's password, 5 to 30 characters without blanks. It is set when the user is created, and with
        O(update_password=always) whenever a login with it fails.
      - Without it a new IoTS user only has the random password IoTS mails to it.
    type: str
  update_password:
    description:
      - V(on_create) sets O(user_password) only for a new user. V(always) also sets it for an existing user whose
        login with it fails (IoTS cannot show a password, so the module tries a password grant as the user, with
        the connection's O(client_id) and O(client_secret)). With only a O(token) it cannot try, and sets the
        password on every run, reporting a change.
      - The login check's grant creates an access token of the user on the server (with a C(device_) scope of
        its own, so that IoTS does not hand back a token the user already has); the module revokes it at once
        (when the revocation fails, it warns and the token expires on its own). Check mode makes no such grant
        (it makes no write), and counts the password as a change, with a warning.
    type: str
    choices: [on_create, always]
    default: on_create
  roles:
    description:
      - The exact set of the user's roles when given, C(Internal/) roles not included (IoTS keeps those apart).
        Each must exist (IoTS answers a missing one with a bare HTTP 500). When not given, the roles are left as
        they are.
    type: list
    elements: str
  state:
    description:
      - V(present) makes the user exist with these values; V(absent) deletes it.
      - IoTS sets every device of a user it deletes to C(REMOVED) first, even when it then refuses the delete.
        Entgra refuses to delete a user that has devices.
    type: str
    choices: [present, absent]
    default: present
  users:
    description:
      - Many users in one run, instead of O(name). Each item takes the options above (O(users[].name) required);
        a name may appear once.
      - A write that fails stops the run; the failure lists per user what was done and what is pending.
    type: list
    elements: dict
    suboptions:
      name:
        description: The user name.
        type: str
        required: true
      first_name:
        description: The first name.
        type: str
      last_name:
        description: The last name.
        type: str
      email:
        description: The e-mail address.
        type: str
      user_password:
        description: The user's password.
        type: str
      update_password:
        description: When to set O(users[].user_password).
        type: str
        choices: [on_create, always]
        default: on_create
      roles:
        description: The exact set of the user's non-C(Internal/) roles.
        type: list
        elements: str
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
notes:
  - "Scopes the token needs. On IoTS: C(perm:users:details) (to read a user), with O(users) also
    C(perm:users:user-details) (the list of users), C(perm:users:roles) (a user's roles), with roles C(perm:roles:view) and
    C(perm:roles:details) (which roles exist, and in bulk who is in them), C(perm:users:add) and
    C(perm:admin-users:view) to create and set a password, C(perm:users:update) with V(present),
    C(perm:users:delete) with V(absent). On Entgra the same as C(um:users:details:view),
    C(um:users:user-details:view), C(um:roles:view), C(rm:roles:view), C(rm:roles:details:view),
    C(um:users:add), C(um:admin:users:view), C(um:users:update) and C(um:users:delete). In check mode only the
    reading scopes are requested."
  - Every user IoTS 3.2 creates joins C(Internal/devicemgt-user), which yields 16 device read scopes and the right
    to register applications. The module does not change C(Internal/) roles.
  - The module cannot read a password back. To check a login, ask for a token as the user, for example with
    M(wso2.iots.iots_token) and O(wso2.iots.iots_token#module:username) set to the user.
seealso:
  - module: wso2.iots.iots_role
  - ref: ansible_collections.wso2.iots.docsite.access_guide
    description: Access as code, with onboarding users from a CSV file.
'''

EXAMPLES = r'''
- name: The automation account, in its role
  wso2.iots.iots_user:
    url: https://iots.example.com:8243
    client_id: "{{ iots_client_id }}"
    client_secret: "{{ iots_client_secret }}"
    username: admin
    password: "{{ iots_admin_password }}"
    name: svc-ansible
    first_name: Ansible
    last_name: Automation
    email: iots-automation@example.com
    user_password: "{{ vault_svc_ansible_password }}"
    roles: [iots_automation]

- name: Onboard the operators of a CSV file (name,first,last,email) in one task
  wso2.iots.iots_user:
    users: "{{ lookup('ansible.builtin.file', 'operators.csv') | community.general.from_csv
               | map('combine', {'roles': ['operators']}) | list }}"

- name: Remove a user (IoTS sets the user's devices to REMOVED first)
  wso2.iots.iots_user:
    name: leaver
    state: absent
'''

RETURN = r'''
user:
  description: The user after the run, C({}) when absent. Only without O(users).
  returned: success and O(users) not given
  type: dict
  contains:
    name:
      description: The user name.
      type: str
    first_name:
      description: The first name.
      type: str
    last_name:
      description: The last name.
      type: str
    email:
      description: The e-mail address.
      type: str
    roles:
      description: The user's non-C(Internal/) roles, sorted.
      type: list
      elements: str
  sample: {name: svc-ansible, first_name: Ansible, last_name: Automation, email: iots-automation@example.com,
           roles: [iots_automation]}
users:
  description: With O(users), one record per user, in the order given.
  returned: success and O(users) given
  type: list
  elements: dict
  contains:
    name:
      description: The user name.
      type: str
    action:
      description: V(created), V(updated), V(deleted) or V(none).
      type: str
    changed:
      description: Whether the user changed.
      type: bool
  sample: [{name: alice, action: created, changed: true}]
summary:
  description: With O(users), how many users each action touched.
  returned: success and O(users) given
  type: dict
  sample: {created: 1, updated: 0, deleted: 0, none: 3}
'''

from ansible_collections.wso2.iots.plugins.module_utils import _user_api as user_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import server_flavor
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._resource import NONE, Change, Resource, run
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique

CREATED = 'created'
UPDATED = 'updated'
DELETED = 'deleted'
FIELDS = (('first_name', 'firstname'), ('last_name', 'lastname'), ('email', 'emailAddress'))
ITEM_OPTIONS = dict(
    first_name=dict(type='str'),
    last_name=dict(type='str'),
    email=dict(type='str'),
    user_password=dict(type='str', no_log=True),
    update_password=dict(type='str', choices=['on_create', 'always'], default='on_create'),
    roles=dict(type='list', elements='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)


def argument_spec():
    items = dict(ITEM_OPTIONS, name=dict(type='str', required=True))
    return dict(ITEM_OPTIONS, name=dict(type='str'), users=dict(type='list', elements='dict', options=items))


def checked_item(item, option):
    """One user's wanted state, checked; the password stays in the item, never in a view."""
    name = user_api.validate_name(item['name'], '%sname' % option, 'user')
    if item.get('user_password') is not None:
        user_api.validate_password(item['user_password'], '%suser_password' % option)
    roles = None
    if item.get('roles') is not None:
        roles = sorted(set(user_api.validate_name(role, '%sroles' % option, 'role') for role in item['roles']))
    for key, _field in FIELDS:
        value = item.get(key)
        if value is not None and (not value.strip() or value != value.strip()):
            raise IotsOptionError('%s%s of user %s must be non-empty text without leading or trailing blanks.' % (option, key, name))
    if item.get('email') and '@' not in item['email']:
        raise IotsOptionError('%semail of user %s is not an e-mail address.' % (option, name))
    return dict(
        name=name,
        state=item.get('state') or 'present',
        roles=roles,
        password=item.get('user_password'),
        always=item.get('update_password') == 'always',
        fields=dict((key, item.get(key)) for key, _field in FIELDS),
    )


def updated_info(item, info):
    """The BasicUserInfo ``info`` with the names and e-mail address the item gives."""
    new = dict(info)
    for key, field in FIELDS:
        if item['fields'][key] is not None:
            new[field] = item['fields'][key]
    return new


def shown(info, roles):
    """A user as the module shows it: BasicUserInfo's fields under the option names, and its roles."""
    if not info:
        return {}
    view = dict(name=info.get('username'))
    for key, field in FIELDS:
        view[key] = info.get(field)
    if roles is not None:
        view['roles'] = sorted(roles)
    return view


class User(Resource):
    noun = 'user'
    records_key = 'users'
    actions = (CREATED, UPDATED, DELETED, NONE)

    def check(self):
        params = self.params
        self.bulk = params['users'] is not None
        flavor = server_flavor(params.get)
        if self.bulk:
            items = [checked_item(item, 'users[%d].' % index) for index, item in enumerate(params['users'])]
            check_unique([spec['name'] for spec in items], 'users', 'user', fold=str.lower, note=user_api.CASELESS)
        else:
            items = [checked_item(params, '')]
        refused = [spec['name'] for spec in items if spec['state'] == 'absent' and spec['name'].lower() == 'admin']
        if refused:
            raise IotsOptionError('User admin cannot be deleted: IoTS refuses it, after setting its devices to REMOVED.')
        return dict(items=items, flavor=flavor)

    def scopes(self, spec):
        present = [item for item in spec['items'] if item['state'] == 'present']
        calls = ['list_users', 'get_user'] if self.bulk else ['get_user']
        if present:
            calls.append('user_roles')
        if any(item['roles'] is not None for item in present):
            calls += ['list_roles', 'get_role']
        if not self.check_mode:
            if present:
                calls += ['create_user', 'update_user', 'set_password']
            if len(present) < len(spec['items']):
                calls.append('delete_user')
        return user_api.scopes_needed(*calls)

    def read(self, api, spec):
        flavor, items = spec['flavor'], spec['items']
        users = {}
        if self.bulk:
            listed, capped = api(user_api.list_users, flavor)
            users = dict((info['username'].lower(), info) for info in listed)
            if capped:
                # IoTS lists 100 names at most: a user not among them may still exist.
                for item in items:
                    if item['name'].lower() not in users:
                        users[item['name'].lower()] = api(user_api.get_user, flavor, item['name'])
        else:
            users[items[0]['name'].lower()] = api(user_api.get_user, flavor, items[0]['name'])
        wanted_roles = set(role for item in items if item['state'] == 'present' for role in item['roles'] or ())
        known_roles, members = set(), None
        if wanted_roles:
            names, capped = api(user_api.list_roles, flavor)
            known_roles = set(names)
            if capped:
                known_roles |= set(role for role in wanted_roles - known_roles if api(user_api.get_role, flavor, role))
            elif self.bulk:
                members = self._members(api, flavor, names)
        roles = {}
        for item in items:
            info = users.get(item['name'].lower())
            # One user's roles are always read (its update must re-send them); in bulk when compared, or when
            # the names or e-mail differ (the PUT must re-send them, and check mode and the diff must show them).
            if info and item['state'] == 'present' and (item['roles'] is not None or not self.bulk or updated_info(item, info) != info):
                key = info['username'].lower()
                roles[key] = members.get(key, []) if members is not None else api(user_api.user_roles, flavor, info['username'])
        return dict(users=users, roles=roles, known_roles=known_roles, logins=self._logins(api, items, users))

    def _logins(self, api, items, users):
        """{user (lower case): whether user_password logs in} for update_password=always, when the client
        credentials allow a password grant (with only a token the password is set on every run)."""
        params, logins = self.params, {}
        if not (params.get('client_id') and params.get('client_secret')):
            return logins
        for item in items:
            info = users.get(item['name'].lower())
            if info and item['state'] == 'present' and item['always'] and item['password'] is not None:
                if self.check_mode:
                    # A login stores a token on the server: a write, which check mode never makes.
                    self.module.warn(
                        'Check mode does not try the password of user %s (a login creates a token on the server): it counts as a change.' % info['username']
                    )
                    continue
                logins[info['username'].lower()] = user_api.login_works(
                    api.client, params['client_id'], params['client_secret'], info['username'], item['password'], params.get('token_path'), self.module.warn
                )
        return logins

    @staticmethod
    def _members(api, flavor, role_names):
        """{user (lower case): [roles]} from each role's members: one read per role instead of one per user.

        A role's member list is not cut at 100 names as the user list is (carbon-kernel's JDBC
        getUserListOfJDBCRole runs GET_USERS_IN_ROLE without an item limit; read in an index copy).
        """
        members = {}
        for role in role_names:
            info = api(user_api.get_role, flavor, role) or {}
            for user in info.get('users') or ():
                members.setdefault(user.lower(), []).append(role)
        return members

    def plan(self, spec, current):
        missing_roles = sorted(
            set(role for item in spec['items'] if item['state'] == 'present' for role in item['roles'] or () if role not in current['known_roles'])
        )
        if missing_roles:
            raise IotsOptionError(
                'roles: IoTS has no role %s (it would answer a bare HTTP 500). Create them first (wso2.iots.iots_role).' % ', '.join(missing_roles),
                details=dict(missing_roles=missing_roles),
            )
        changes = [self._plan_one(item, current, spec['flavor']) for item in spec['items']]
        incomplete = [change.key for change in changes if change.action == CREATED and not all(change.spec['item']['fields'].values())]
        if incomplete:
            raise IotsOptionError(
                'first_name, last_name and email are needed to create user %s: IoTS would create it and then answer HTTP 500.' % ', '.join(incomplete),
                details=dict(incomplete=incomplete),
            )
        return changes

    def _plan_one(self, item, current, flavor):
        info = current['users'].get(item['name'].lower())
        roles = current['roles'].get(info['username'].lower()) if info else None
        before = dict(info=info, roles=roles) if info else None
        change_spec = dict(item=item, flavor=flavor, fields=False, password=False)
        if item['state'] == 'absent':
            return Change(item['name'], DELETED if info else NONE, before, None, spec=change_spec)
        if not info:
            new = dict(username=item['name'])
            new.update((field, item['fields'][key]) for key, field in FIELDS)
            change_spec['password'] = item['password'] is not None
            return Change(item['name'], CREATED, None, dict(info=new, roles=item['roles'] or []), spec=change_spec)
        new = updated_info(item, info)
        new_roles = item['roles'] if item['roles'] is not None else roles
        change_spec['fields'] = new != info or (item['roles'] is not None and sorted(roles or []) != item['roles'])
        change_spec['password'] = item['always'] and item['password'] is not None and not current['logins'].get(info['username'].lower(), False)
        action = UPDATED if change_spec['fields'] or change_spec['password'] else NONE
        return Change(info['username'], action, before, dict(info=new, roles=new_roles), spec=change_spec)

    def apply(self, api, change):
        item, flavor = change.spec['item'], change.spec['flavor']
        if change.action == DELETED:
            api(user_api.delete_user, flavor, change.before['info']['username'])
            return None
        info = change.after['info']
        if change.action == CREATED:
            body = dict(info, roles=change.after['roles'])
            if flavor == 'entgra' and item['password']:
                body['password'] = item['password']  # Entgra honours it; IoTS would ignore it
            api(user_api.create_user, flavor, body)
            if flavor != 'entgra' and item['password']:
                self._password(api, flavor, info['username'], item['password'])
            return None
        if change.spec['fields']:
            # read() read the roles of every user whose fields differ: a PUT without them would drop them.
            api(user_api.update_user, flavor, info['username'], dict(info, roles=change.after['roles']))
        if change.spec['password']:
            self._password(api, flavor, info['username'], item['password'])
        return None

    @staticmethod
    def _password(api, flavor, name, password):
        try:
            api(user_api.set_password, flavor, name, password)
        except IotsError as exc:
            exc.details['changed'] = True  # the user was created or updated before this call failed
            raise

    def view(self, obj):
        if not obj:
            return {}
        return shown(obj['info'], obj['roles'])

    def result(self, changes, current):
        if self.bulk:
            return {}
        return dict(user=self.view(changes[0].after))


def main():
    run(User, argument_spec(), mutually_exclusive=[('users', 'name')], required_one_of=[('users', 'name')])


if __name__ == '__main__':
    main()
