#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_policy
short_description: Manage a device policy of WSO2 IoT Server or Entgra, without needless pushes to devices
version_added: 1.1.0
description:
  - Creates, updates, activates, deactivates, orders or removes one device policy of WSO2 IoT Server (IoTS) or
    Entgra IoT Server, found by its O(name) and O(device_type) (or by O(policy_id)).
  - IoTS does not keep policy names unique. Two policies of the same name and device type make the module fail
    listing their ids; give O(policy_id) to choose one.
  - IoTS gives a feature's content back as a JSON string, with numbers turned into decimals and null members
    dropped. The module compares contents as parsed JSON after that same normalisation, and sends the full policy
    only when something differs, because every update marks the policy for a push to every device of its type.
  - IoTS ignores O(active) on an update; the module activates or deactivates with their own calls.
  - When anything changed and O(apply_changes=true), the module asks IoTS once, at the end, to apply the changes
    (push them to the devices). IoTS answers that call with HTTP 500 while a previous one is still pending; the
    module tries again until O(apply_timeout) has passed.
  - O(state=absent) deactivates the policy, applies the changes, waits until IoTS shows them applied (so the devices
    lose the policy), then removes it. IoTS itself would remove it without revoking it from the devices. An
    inactive policy whose changes IoTS has not yet pushed (it shows it as updated, for example after an earlier run
    whose apply-changes failed) gets the same apply and wait before it is removed; RV(applied) says so.
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
      - Check mode reads the policies and the groups and sends no write request.
  diff_mode:
    support: full
    details:
      - The diff shows the policy (features with their content as mappings) before and after.
options:
  name:
    description: The policy name (at most 45 characters).
    type: str
    required: true
  device_type:
    description: The device type the policy is for, for example C(android).
    type: str
    required: true
  policy_id:
    description:
      - The id of the policy, when several policies have the same O(name) and O(device_type). The policy's name
        and device type must still match these options (the module renames nothing).
    type: int
  description:
    description: The description. When not given, a new policy gets none and an existing one keeps its own.
    type: str
  ownership:
    description: The ownership of the devices the policy applies to; V(ANY) (the default) applies to both.
    type: str
    choices: [ANY, BYOD, COPE]
    default: ANY
  compliance:
    description: What IoTS does with a device that does not comply.
    type: str
    choices: [enforce, warn, monitor]
    default: enforce
  features:
    description:
      - The policy's features. Required to create a policy; when not given, an existing policy keeps its own.
      - Each O(features[].code) once.
    type: list
    elements: dict
    suboptions:
      code:
        description: The feature code, for example C(PASSCODE_POLICY), C(ENCRYPT_STORAGE) or C(CAMERA).
        type: str
        required: true
      content:
        description:
          - "The feature's settings, a mapping, for example C({minLength: 6, allowSimple: false})."
          - Anything else fails the task before any request.
        type: raw
        required: true
  roles:
    description:
      - The roles whose users' devices get the policy. An empty list (or C(ANY)) means every role.
      - When not given, a new policy gets V([ANY]) and an existing one keeps its own.
      - A role IoTS does not have is an error before any write.
    type: list
    elements: str
  users:
    description: The users whose devices get the policy; when not given, an existing policy keeps its own.
    type: list
    elements: str
  groups:
    description:
      - The device groups (by name) whose devices get the policy. IoTS binds groups by id, so the module looks each
        name up; an unknown name fails the task before any change. When not given, an existing policy keeps its own.
    type: list
    elements: str
  active:
    description: Whether the policy is active (only active policies apply to devices).
    type: bool
    default: true
  priority:
    description:
      - The policy's rank, 1 being the highest precedence. When the policy's rank differs, the module renumbers
        every policy 1 to N in the new order. When not given, a new policy comes last (as IoTS places it) and an
        existing one keeps its place.
    type: int
  apply_changes:
    description:
      - Whether to ask IoTS to push the changes to the devices at the end, when anything changed. With V(false) the
        change waits for the next apply-changes (another task, or the console's "Apply changes").
    type: bool
    default: true
  apply_timeout:
    description:
      - Seconds to wait for IoTS's apply-changes task, which IoTS runs some time after it is asked for. The module
        retries the request while IoTS answers HTTP 500 for a task still pending, and with O(state=absent) waits
        until IoTS shows the change pushed before it removes the policy.
      - O(timeout) stays the limit of each single request.
    type: int
    default: 120
  policy_type:
    description: Entgra only (O(server_flavor=entgra)). Only V(GENERAL) policies apply to devices.
    type: str
    choices: [GENERAL, CORRECTIVE]
    default: GENERAL
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Scopes the token needs. On IoTS: always C(perm:policies:get-details) (to find the policy), with O(groups)
    C(perm:groups:groups); outside check mode C(perm:policies:manage) to create, C(perm:policies:update) to update,
    C(perm:policies:activate) and C(perm:policies:deactivate), C(perm:policies:priorities) with O(priority),
    C(perm:policies:changes) to apply changes, C(perm:policies:get-policy-details) to read the result, and with
    V(absent) C(perm:policies:remove); with O(roles) C(perm:roles:view) and C(perm:roles:details) (to check that
    they exist). On Entgra the same as C(dm:policies:view), C(gm:groups:view),
    C(pm:policies:add), C(pm:policies:update), C(pm:policies:activate), C(pm:policies:deactivate),
    C(pm:policies:priorities:update), C(pm:policies:change), C(pm:policies:details:view), C(pm:policies:remove),
    C(rm:roles:view) and C(rm:roles:details:view)."
  - Entgra validates the features of android, ios and windows policies only; it refuses policies of other device
    types (as read in its source; check on your server).
seealso:
  - module: wso2.iots.iots_policy_info
  - module: wso2.iots.iots_device_type
  - module: wso2.iots.iots_group
'''

EXAMPLES = r'''
- name: Passcode and encryption for the company's Android phones, first in precedence
  wso2.iots.iots_policy:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    token: "{{ lookup('wso2.iots.iots_bearer', scopes=['perm:policies:get-details', 'perm:groups:groups',
      'perm:policies:manage', 'perm:policies:update', 'perm:policies:activate', 'perm:policies:deactivate',
      'perm:policies:priorities', 'perm:policies:changes', 'perm:policies:get-policy-details']) }}"
    name: android-baseline
    device_type: android
    ownership: COPE
    features:
      - code: PASSCODE_POLICY
        content: {allowSimple: false, requireAlphanumeric: true, minLength: 6, maxFailedAttempts: 5}
      - code: ENCRYPT_STORAGE
        content: {encrypted: true}
    roles: [field-staff]
    groups: [lobby-phones]
    priority: 1

- name: Remove a policy (deactivated and pushed first, so the devices lose it)
  wso2.iots.iots_policy:
    name: old-camera-ban
    device_type: android
    state: absent
'''

RETURN = r'''
policy:
  description: The policy after the run (in check mode, as it would be); C({}) when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The policy id; V(null) for a policy that check mode would create.
      type: int
    name:
      description: The name.
      type: str
    device_type:
      description: The device type.
      type: str
    description:
      description: The description.
      type: str
    ownership:
      description: V(ANY), V(BYOD) or V(COPE).
      type: str
    compliance:
      description: V(enforce), V(warn) or V(monitor).
      type: str
    active:
      description: Whether the policy is active.
      type: bool
    priority:
      description: The policy's rank among all policies (1 is the highest precedence).
      type: int
    features:
      description: The features, each C(code) and C(content) (a mapping; whole numbers as integers).
      type: list
      elements: dict
    roles:
      description: The roles.
      type: list
      elements: str
    users:
      description: The users.
      type: list
      elements: str
    groups:
      description: The group names.
      type: list
      elements: str
  sample: {id: 4, name: android-baseline, device_type: android, description: '', ownership: COPE,
           compliance: enforce, active: true, priority: 1,
           features: [{code: ENCRYPT_STORAGE, content: {encrypted: true}}], roles: [field-staff], users: [],
           groups: [lobby-phones]}
applied:
  description:
    - Whether the module asked IoTS to apply the changes (push them to the devices).
    - With O(state=absent), whether it pushed the policy's deactivation (or a change still pending from an earlier
      run) to the devices before it removed the policy.
  returned: success
  type: bool
'''

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils import _policy_api as policy_api
from ansible_collections.wso2.iots.plugins.module_utils import _user_api as user_api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import server_flavor
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._policy_view import check_features, policy_view
from ansible_collections.wso2.iots.plugins.module_utils._resource import NONE, Change, Resource, run

CREATED = 'created'
UPDATED = 'updated'
DELETED = 'deleted'
# The parts of a view a PUT sets (active has its own calls, priority its own call).
PUT_FIELDS = ('name', 'device_type', 'description', 'ownership', 'compliance', 'features', 'roles', 'users', 'groups', 'policy_type')
POLL = 0.5
# Seconds to wait for IoTS's apply-changes task (its 500 while one is pending, and the push before a removal).
DEFAULT_APPLY_TIMEOUT = 120


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        device_type=dict(type='str', required=True),
        policy_id=dict(type='int'),
        description=dict(type='str'),
        ownership=dict(type='str', choices=['ANY'] + list(device_api.OWNERSHIPS), default='ANY'),
        compliance=dict(type='str', choices=list(policy_api.COMPLIANCES), default='enforce'),
        features=dict(
            type='list',
            elements='dict',
            options=dict(
                code=dict(type='str', required=True),
                content=dict(type='raw', required=True),
            ),
        ),
        roles=dict(type='list', elements='str'),
        users=dict(type='list', elements='str'),
        groups=dict(type='list', elements='str'),
        active=dict(type='bool', default=True),
        priority=dict(type='int'),
        apply_changes=dict(type='bool', default=True),
        apply_timeout=dict(type='int', default=DEFAULT_APPLY_TIMEOUT),
        policy_type=dict(type='str', choices=list(policy_api.POLICY_TYPES), default='GENERAL'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )


def _body(after, group_ids, flavor):
    """The full PolicyWrapper of the view ``after``."""
    body = {
        'policyName': after['name'],
        'description': after['description'],
        'compliance': after['compliance'],
        'ownershipType': after['ownership'],
        'active': after['active'],
        'profile': {
            'profileName': after['name'],
            'deviceType': after['device_type'],
            'profileFeaturesList': [{'featureCode': f['code'], 'deviceType': after['device_type'], 'content': f['content']} for f in after['features']],
        },
        'roles': list(after['roles']),
        'users': list(after['users']),
        'deviceGroups': [{'id': group_ids[name]} for name in after['groups']],
    }
    if flavor == 'entgra':
        body['policyType'] = after['policy_type']
        body['correctiveActions'] = []
    return body


def _order(policies, policy_id, priority):
    """The ids in their new order when ``policy_id`` takes rank ``priority``; None when its rank is that already."""
    ids = [p['id'] for p in policies if p['id'] != policy_id]
    current = [p['id'] for p in policies]
    rank = min(max(priority, 1), len(ids) + 1)
    if policy_id in current and current.index(policy_id) + 1 == rank:
        return None
    if policy_id not in current and rank == len(ids) + 1:
        return None  # a new policy comes last anyway
    ids.insert(rank - 1, policy_id)
    return ids


def named_roles(spec):
    """The roles the options name, but ANY (every role), which is no role of IoTS's."""
    return [name for name in spec.get('roles') or [] if name != 'ANY']


class Policy(Resource):
    """One policy: ``{policies, match, group_ids}``, the Policy JSON of IoTS and the groups' ids by name."""

    noun = 'policy'
    actions = (CREATED, UPDATED, DELETED, NONE)

    def check(self):
        params = self.params
        spec = dict(params)
        spec['flavor'] = server_flavor(params.get)
        if not params['name'] or not params['name'].strip() or len(params['name']) > policy_api.MAX_NAME:
            raise IotsOptionError('name must be a non-empty policy name of at most %d characters.' % policy_api.MAX_NAME)
        validate_device_type(params['device_type'])
        if params['priority'] is not None and params['priority'] < 1:
            raise IotsOptionError('priority must be 1 (the highest precedence) or more, not %d.' % params['priority'])
        if params['apply_timeout'] < 1:
            raise IotsOptionError('apply_timeout must be 1 second or more, not %d.' % params['apply_timeout'])
        if params['policy_id'] is not None and params['policy_id'] < 1:
            raise IotsOptionError('policy_id must be a positive policy id, not %d.' % params['policy_id'])
        spec['features'] = None if params['features'] is None else check_features(params['features'])
        for option in ('roles', 'users', 'groups'):
            values = params[option]
            if values is not None and any(not value or not value.strip() for value in values):
                raise IotsOptionError('%s must be a list of non-empty names.' % option)
        return spec

    def scopes(self, spec):
        calls = ['list_policies']
        # Named roles are looked up before any write: IoTS would store a policy for a role that does not exist.
        roles = user_api.scopes_needed('list_roles', 'get_role') if named_roles(spec) else []
        if self.check_mode:
            return sorted(set(policy_api.scopes_needed(*calls) + roles + (device_api.scopes_needed('find_group') if spec['groups'] else [])))
        if spec['state'] == 'absent':
            calls += ['deactivate_policies', 'apply_changes', 'wait_applied', 'remove_policies']
        else:
            calls += ['add_policy', 'update_policy', 'activate_policies', 'deactivate_policies', 'get_policy']
            calls += ['apply_changes'] if spec['apply_changes'] else []
            if spec['priority'] is not None:
                calls.append('set_priorities')
        groups = device_api.scopes_needed('find_group') if spec['groups'] else []
        return sorted(set(policy_api.scopes_needed(*calls) + groups + roles))

    def read(self, api, spec):
        policies = api(policy_api.list_policies)
        if spec['policy_id'] is not None:
            matches = [p for p in policies if p.get('id') == spec['policy_id']]
            for policy in matches:
                if policy.get('policyName') != spec['name'] or (policy.get('profile') or {}).get('deviceType') != spec['device_type']:
                    raise IotsOptionError(
                        'Policy %d is %r for %s, not %r for %s: give the name and device_type it has.'
                        % (spec['policy_id'], policy.get('policyName'), (policy.get('profile') or {}).get('deviceType'), spec['name'], spec['device_type'])
                    )
        else:
            matches = [p for p in policies if p.get('policyName') == spec['name'] and (p.get('profile') or {}).get('deviceType') == spec['device_type']]
            if len(matches) > 1:
                raise IotsOptionError(
                    'IoTS has %d policies named %r for %s (ids %s): give policy_id to choose one.'
                    % (len(matches), spec['name'], spec['device_type'], ', '.join(str(p.get('id')) for p in matches)),
                    details=dict(policy_ids=[p.get('id') for p in matches]),
                )
        group_ids = {}
        for name in spec['groups'] or []:
            group = api(device_api.find_group, name)
            if group is None:
                raise IotsOptionError(
                    'groups: IoTS has no device group %r (or the user cannot see it). Create it first (wso2.iots.iots_group).' % name,
                    details=dict(unknown_group=name),
                )
            group_ids[name] = group['id']
        self.check_roles(api, spec)
        return dict(policies=policies, match=matches[0] if matches else None, group_ids=group_ids)

    @staticmethod
    def check_roles(api, spec):
        """Every named role exists: one list of the roles, and a read of each one it cannot show (Internal/*, or
        past the 100 names IoTS lists)."""
        wanted = named_roles(spec)
        if not wanted:
            return
        listed, dummy = api(user_api.list_roles, spec['flavor'])
        unknown = [name for name in wanted if name not in listed and api(user_api.get_role, spec['flavor'], name) is None]
        if unknown:
            raise IotsOptionError(
                'roles: IoTS has no role %s. Create it first (wso2.iots.iots_role); the roles it lists: '
                '%s.' % (', '.join(repr(name) for name in unknown), ', '.join(sorted(listed)) or 'none'),
                details=dict(unknown_roles=unknown),
            )

    def plan(self, spec, current):
        policies, match = current['policies'], current['match']
        ranks = dict((p['id'], index + 1) for index, p in enumerate(policies))
        before: dict = policy_view(match, ranks, spec['flavor']) if match else {}
        if spec['state'] == 'absent':
            # IoTS's ``updated``: a change (such as a deactivation whose apply-changes failed) not yet pushed.
            pending = bool(match and (match.get('active') or match.get('updated')))
            steps = dict(deactivate=bool(match and match.get('active')), push=pending, timeout=spec['apply_timeout'])
            return [Change(spec['name'], DELETED if match else NONE, before, None, spec=steps)]
        if match is None and spec['features'] is None:
            raise IotsOptionError('features is required to create policy %r: IoTS needs at least one feature.' % spec['name'])
        base = before or dict(id=None, description='', roles=['ANY'], users=[], groups=[], features=[], priority=len(policies) + 1)
        after = dict(
            base, name=spec['name'], device_type=spec['device_type'], ownership=spec['ownership'], compliance=spec['compliance'], active=spec['active']
        )
        if spec['flavor'] == 'entgra':
            after['policy_type'] = spec['policy_type']
        for option in ('description', 'features', 'roles', 'users', 'groups'):
            if spec[option] is not None:
                after[option] = list(spec[option]) if isinstance(spec[option], list) else spec[option]
        for option in ('roles', 'users', 'groups'):
            after[option] = sorted(set(after[option]))
        order = None
        if spec['priority'] is not None:
            order = _order(policies, match['id'] if match else None, spec['priority'])
            if order is not None:
                after['priority'] = order.index(match['id'] if match else None) + 1
        steps = dict(order=order, group_ids=current['group_ids'], flavor=spec['flavor'], apply=spec['apply_changes'], timeout=spec['apply_timeout'])
        if match is None:
            return [Change(spec['name'], CREATED, None, after, spec=dict(steps, put=False, active=None))]
        steps['put'] = any(policy_api.normal_content(after.get(k)) != policy_api.normal_content(before.get(k)) for k in PUT_FIELDS)
        steps['active'] = None if after['active'] == before['active'] else after['active']
        changed = steps['put'] or steps['active'] is not None or order is not None
        return [Change(spec['name'], UPDATED if changed else NONE, before, after, spec=steps)]

    def apply(self, api, change):
        steps = change.spec
        timeout = steps['timeout']
        if change.action == DELETED:
            return self._remove(api, change, timeout)
        after = change.after
        done = []
        if change.action == CREATED:
            policy_id = api(policy_api.add_policy, _body(after, steps['group_ids'], steps['flavor']))
            done.append('created policy %d' % policy_id)
        else:
            policy_id = change.before['id']
            if steps['put']:
                api(policy_api.update_policy, policy_id, _body(after, steps['group_ids'], steps['flavor']))
                done.append('updated policy %d' % policy_id)
            if steps['active'] is not None:
                api(policy_api.activate_policies if steps['active'] else policy_api.deactivate_policies, [policy_id])
                done.append('%s policy %d' % ('activated' if steps['active'] else 'deactivated', policy_id))
        try:
            if steps['order'] is not None:
                order = [policy_id if item is None else item for item in steps['order']]
                api(policy_api.set_priorities, [(item, rank + 1) for rank, item in enumerate(order)])
                done.append('renumbered the priorities')
            if steps['apply']:
                self._apply_changes(api, change, timeout, ', '.join(done))
            written = api(policy_api.get_policy, policy_id)
        except IotsError as exc:
            raise self._after_write(exc, done)
        return dict(after, id=policy_id) if written is None else self._view_written(written, after)

    def _remove(self, api, change, timeout):
        """Deactivate (when active), push that to the devices and wait for it, then remove. A policy that is
        inactive but still marked updated (its deactivation never pushed, e.g. after a failed apply-changes) is
        pushed first too: IoTS's remove revokes nothing, so the devices would keep it."""
        steps, policy_id = change.spec, change.before['id']
        done = []
        if steps['deactivate']:
            api(policy_api.deactivate_policies, [policy_id])
            done.append('deactivated policy %d' % policy_id)
        if steps['push']:
            self._apply_changes(api, change, timeout, ', '.join(done))
            try:
                api(policy_api.wait_applied, policy_id, timeout, POLL)
            except IotsError as exc:
                raise self._after_write(exc, done + ['asked IoTS to apply the changes'], removing=True)
        try:
            api(policy_api.remove_policies, [policy_id])
        except IotsError as exc:
            raise self._after_write(exc, done + (['pushed the changes to the devices'] if steps['push'] else []), removing=True)

    def _apply_changes(self, api, change, timeout, done):
        try:
            api(policy_api.apply_changes, timeout, POLL)
        except IotsError as exc:
            raise self._after_write(exc, [done], removing=change.action == DELETED)
        change.spec['applied'] = True

    @staticmethod
    def _after_write(exc, done, removing=False):
        if exc.details.get('changed'):
            return exc
        what = '; '.join(item for item in done if item)
        if removing:
            exc.message = (
                '%s The run had %s; the policy is not removed. Run the task again: it pushes any change IoTS has '
                'not yet applied (so the devices lose the policy) before it removes the policy.' % (exc.message, what or 'written nothing')
            )
        else:
            exc.message = (
                '%s The run had %s; the change is not yet pushed to devices (apply-changes has not run). A new '
                'run of this task finds nothing to change and will not push it: apply the changes in the console '
                '(Policies, Apply changes) or with PUT /policies/apply-changes.' % (exc.message, what or 'written nothing')
            )
        exc.details = dict(exc.details, changed=bool(what))
        return exc

    @staticmethod
    def _view_written(written, after):
        view = policy_view(written, {}, None)
        # The rank needs the whole list; the plan computed it.
        return dict(after, **dict((key, value) for key, value in view.items() if key not in ('priority', 'policy_type')))

    def view(self, obj):
        return dict(obj) if obj else {}

    def result(self, changes, current):
        change = changes[0]
        return dict(policy=self.view(change.after), applied=bool((change.spec or {}).get('applied')))


def main():
    run(Policy, argument_spec())


if __name__ == '__main__':
    main()
