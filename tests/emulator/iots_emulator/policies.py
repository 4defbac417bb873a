# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Policies (DM_POLICY, DM_PROFILE, DM_PROFILE_FEATURES) of carbon-device-mgt 3.0.240, without HTTP.

Facts: iots-policies-device-types.md section 2. A feature's ``content`` is stored as
``new Gson().toJson(content)`` and read back as that JSON *string* (``ProfileFeature.getPayLoad``,
``GenericFeatureDAOImpl``): key order kept, null members dropped, every number a double, and
``< > & = '`` escaped (GSON 2.3.1 defaults). A new policy gets ``MAX(PRIORITY)+1``; ``updated`` is
set by POST with active, PUT, activate, deactivate and priorities, and cleared by the apply-changes
task (``DelegationTask``), which runs some time after PUT /policies/apply-changes scheduled it.
"""

import json

# Seconds between PUT /policies/apply-changes and its task's run (tests may change it).
DEFAULT_APPLY_DELAY = 0.3
_ESCAPES = (('<', '\\u003c'), ('>', '\\u003e'), ('&', '\\u0026'), ('=', '\\u003d'), ("'", '\\u0027'))


def _gson_value(value):
    if isinstance(value, dict):
        return dict((key, _gson_value(item)) for key, item in value.items() if item is not None)
    if isinstance(value, list):
        return [_gson_value(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def gson_content(content):
    """The string the server stores and returns for a feature's ``content``."""
    text = json.dumps(_gson_value(content), separators=(',', ':'), ensure_ascii=False)
    for char, escape in _ESCAPES:
        text = text.replace(char, escape)
    return text


class PolicyStore(object):
    def __init__(self):
        self.by_id = {}
        self.next_id = 1
        self.next_profile_id = 1
        self.next_feature_id = 1
        self.apply_delay = DEFAULT_APPLY_DELAY
        self.task_due = None  # when the scheduled apply-changes task runs, or None
        self.applied = 0  # apply-changes tasks that ran
        self.pushes = []  # (device type, devices sent a policy operation) per task and type
        self.effective = {}  # device type -> id of the policy the last task enforced

    def sorted(self, tenant):
        return sorted((p for p in self.by_id.values() if p['_tenant'] == tenant), key=lambda p: (p['priorityId'], p['id']))

    def next_priority(self, tenant):
        return max([p['priorityId'] for p in self.by_id.values() if p['_tenant'] == tenant] or [0]) + 1

    def new_ids(self):
        policy_id, profile_id = self.next_id, self.next_profile_id
        self.next_id += 1
        self.next_profile_id += 1
        return policy_id, profile_id

    def feature_id(self):
        self.next_feature_id += 1
        return self.next_feature_id - 1

    def run_due(self, now, devices):
        """The scheduled task, if its time has come: every policy's ``updated`` cleared; for each type with an
        updated policy the devices are re-evaluated and get a policy operation when their effective policy is new,
        another or updated (PolicyManagerImpl.applyChangesMadeToPolicies, PolicyEnforcementDelegatorImpl.delegate).
        Simplified: a device's effective policy is the type's active policy of the lowest priority number."""
        if self.task_due is None or now < self.task_due:
            return
        self.task_due = None
        self.applied += 1
        types = sorted(set(p['profile']['deviceType'] for p in self.by_id.values() if p['updated']))
        for device_type in types:
            active = sorted(
                (p for p in self.by_id.values() if p['active'] and p['profile']['deviceType'] == device_type), key=lambda p: (p['priorityId'], p['id'])
            )
            effective = active[0] if active else None
            known = self.effective.get(device_type)
            if effective is None and known is None:
                continue
            if effective is None or effective['id'] != known or effective['updated']:
                count = len([d for d in devices.devices() if d.type == device_type and d.status != 'REMOVED'])
                self.pushes.append((device_type, count))
            self.effective[device_type] = effective['id'] if effective else None
        for policy in self.by_id.values():
            policy['updated'] = False

    def schedule(self, now):
        """False while a task is still scheduled (the 500 of apply-changes)."""
        if self.task_due is not None:
            return False
        self.task_due = now + self.apply_delay
        return True
