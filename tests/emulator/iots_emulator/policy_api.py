# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Policy resources: PolicyManagementService of carbon-device-mgt 3.0.240 (routed in device_api.py).

iots-policies-device-types.md section 2 (PolicyManagementServiceImpl, PolicyManagerImpl,
PolicyDAOImpl) and section 5 for Entgra 7.x. Kept: POST answers 201 with the object it built, whose
``priorityId`` is 0 and ``updated`` false whatever was stored; GET /policies without ``limit`` is an
empty page on 3.2.0 (all policies on Entgra); PUT ignores ``active`` and always sets ``updated``;
apply-changes answers 500 while its previous task is still scheduled; a repeated name is accepted;
Entgra wants ``policyType`` and refuses features its validator does not know.
"""

import time

from . import bodies, entgra
from .exchange import Reply
from .paging import int_query
from .payloads import gson_string, json_body, path_int
from .policies import gson_content

_SIZES = (('policyName', 45), ('description', 1000), ('compliance', 100), ('ownershipType', 45))
# Entgra's RequestValidationUtil.validateProfileFeatures: types its validators know (android through the
# proprietary AndroidPolicyPayloadValidator, assumed present); every other type's features fail.
ENTGRA_VALIDATED_TYPES = ('android', 'ios', 'windows')
_INTERNAL = ('_tenant',)


def _tenant_id(tenant):
    return -1234 if tenant == 'carbon.super' else 1


def _date(now):
    # GsonMessageBodyHandler's date format EEE, d MMM yyyy HH:mm:ss Z
    text = time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(now))
    return text.replace(', 0', ', ')


def _shown(policy, **override):
    data = dict((key, value) for key, value in policy.items() if key not in _INTERNAL)
    data.update(override)
    return data


def _validation_error(field, violation):
    return Reply.json(
        400,
        {
            'code': 400,
            'message': 'Bad Request',
            'description': 'Validation Error',
            'moreInfo': '',
            'errorItems': [{'code': '400_%s' % field, 'message': '%s: %s' % (field, violation)}],
        },
    )


def _check(state, user, spec):
    """The error Reply of a PolicyWrapper the server refuses, in the order it checks, or None."""
    for field, size in _SIZES:
        value = spec.get(field)
        if isinstance(value, str) and len(value) > size:
            return _validation_error(field, 'size must be between 0 and %d' % size)
    if entgra.active(state) and spec.get('policyType') is None:
        return _validation_error('policyType', 'may not be null')
    profile = spec.get('profile')
    if not isinstance(profile, dict) or not isinstance(profile.get('profileFeaturesList'), list):
        return bodies.internal_server_error()  # DeviceMgtUtil.convertProfile: NullPointerException
    features = profile['profileFeaturesList']
    if entgra.active(state):
        types = set(f.get('deviceType') for f in features if isinstance(f, dict))
        if not features or None in types or len(types) != 1:
            return bodies.device_mgt_error(400, 'Invalid feature list: every feature needs the same device type.')
        if not types <= set(state.device_types):
            return bodies.device_mgt_error(400, 'Invalid device type: %s' % ', '.join(sorted(types)))
        if not types <= set(ENTGRA_VALIDATED_TYPES):
            return gson_string(400, 'Policy feature/s validation failed. Features : [%s]' % ', '.join(str(f.get('featureCode')) for f in features))
    if (
        profile.get('deviceType') is None
        or not isinstance(profile.get('profileName') or spec.get('policyName'), str)
        or any(not isinstance(f, dict) or f.get('featureCode') is None or f.get('deviceType') is None for f in features)
    ):
        return bodies.internal_server_error()  # NOT NULL columns of DM_PROFILE / DM_PROFILE_FEATURES
    for group in spec.get('deviceGroups') or []:
        if not isinstance(group, dict) or state.groups.get(user.tenant, group.get('id')) is None:
            # DM_DEVICE_GROUP_POLICY's foreign key to DM_GROUP; the transaction rolls back (inferred).
            return bodies.device_mgt_error(500, 'Error occurred while adding the policy')
    return None


def _groups(state, user, spec):
    shown = []
    for item in spec.get('deviceGroups') or []:
        group = state.groups.get(user.tenant, item['id'])
        shown.append({'id': group.id, 'name': group.name, 'owner': group.owner, 'tenantId': _tenant_id(user.tenant)})
    return shown


def _feature(store, spec, profile_id, feature_id=None):
    return {
        'id': feature_id if feature_id is not None else store.feature_id(),
        'featureCode': spec['featureCode'],
        'profileId': profile_id,
        'deviceType': spec['deviceType'],
        'content': gson_content(spec.get('content')),
    }


def _set_common(state, user, policy, spec):
    for key in ('policyName', 'description', 'compliance', 'ownershipType'):
        if spec.get(key) is None:
            policy.pop(key, None)
        else:
            policy[key] = spec[key]
    policy['deviceGroups'] = _groups(state, user, spec)
    if entgra.active(state):
        policy['policyType'] = spec.get('policyType')
        policy['correctiveActions'] = spec.get('correctiveActions') or []


def add_policy(state, request, user):
    store = state.policies
    store.run_due(state.now(), state.devices)
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None:
        return bodies.internal_server_error()
    error = _check(state, user, spec)
    if error is not None:
        return error
    policy_id, profile_id = store.new_ids()
    profile = spec['profile']
    now = _date(state.now())
    tenant_id = _tenant_id(user.tenant)
    policy = {
        'id': policy_id,
        'priorityId': store.next_priority(user.tenant),
        '_tenant': user.tenant,
        'profile': {
            'profileId': profile_id,
            'profileName': profile.get('profileName') or spec.get('policyName'),
            'tenantId': tenant_id,
            'deviceType': profile['deviceType'],
            'createdDate': now,
            'updatedDate': now,
            'profileFeaturesList': [_feature(store, f, profile_id) for f in profile['profileFeaturesList']],
        },
        'generic': False,
        'roles': list(spec.get('roles') or []),
        'devices': [],
        'users': list(spec.get('users') or []),
        'active': bool(spec.get('active')),
        'updated': bool(spec.get('active')),
        'policyCriterias': [],
        'tenantId': tenant_id,
        'profileId': profile_id,
    }
    _set_common(state, user, policy, spec)
    if entgra.active(state):
        policy['policyPayloadVersion'] = '2.0'
    store.by_id[policy_id] = policy
    # The 201 body is the object built from the request: priorityId 0, updated false (PolicyDAOImpl.persistPolicy).
    return Reply.json(
        201, _shown(policy, priorityId=0, updated=False), headers=[('Location', 'https://localhost:9443/api/device-mgt/v1.0/policies/%d' % policy_id)]
    )


def list_policies(state, request, user):
    store = state.policies
    store.run_due(state.now(), state.devices)
    offset, limit = int_query(request, 'offset'), int_query(request, 'limit')
    if offset is None or limit is None:
        return Reply.empty(404)
    if offset < 0 or limit < 0 or limit > 100:
        return bodies.device_mgt_error(400, 'Request parameter limit should be less than or equal to 100.')
    policies = store.sorted(user.tenant)
    if limit == 0 and entgra.active(state):
        page = policies[offset:]
    else:
        page = policies[offset : offset + limit]  # FilteringUtil.getFilteredList: limit 0 is an empty page
    return Reply.json(200, {'count': len(policies), 'policies': [_shown(p) for p in page]})


def _find(state, user, policy_id):
    number = path_int(policy_id)
    policy = state.policies.by_id.get(number) if number is not None else None
    return policy if policy is not None and policy['_tenant'] == user.tenant else None


def get_policy(state, request, user, policy_id):
    state.policies.run_due(state.now(), state.devices)
    policy = _find(state, user, policy_id)
    if policy is None:
        if entgra.active(state):
            return gson_string(404, 'Policy not found.')
        return Reply.json(404, {'message': "No policy found with the id '%s'" % policy_id})
    return Reply.json(200, _shown(policy))


def update_policy(state, request, user, policy_id):
    store = state.policies
    store.run_due(state.now(), state.devices)
    spec, error = json_body(request)
    if error is not None:
        return error
    policy = _find(state, user, policy_id)
    if policy is None:
        return gson_string(404, 'Policy not found.')
    if spec is None:
        return bodies.internal_server_error()
    error = _check(state, user, spec)
    if error is not None:
        return error
    profile, stored = spec['profile'], policy['profile']
    stored['profileName'] = profile.get('profileName') or spec.get('policyName')
    stored['deviceType'] = profile['deviceType']
    stored['updatedDate'] = _date(state.now())
    # Features matched by featureCode, ignoring case: content updated, new codes added, missing ones deleted.
    old = dict((f['featureCode'].lower(), f) for f in stored['profileFeaturesList'])
    stored['profileFeaturesList'] = [
        _feature(store, f, stored['profileId'], old[f['featureCode'].lower()]['id'] if f['featureCode'].lower() in old else None)
        for f in profile['profileFeaturesList']
    ]
    _set_common(state, user, policy, spec)
    for key in ('roles', 'users'):
        if spec.get(key) is not None:  # skipped when null: send [] to clear
            policy[key] = list(spec[key])
    policy['updated'] = True  # every PUT, even one that changes nothing; ``active`` is not in the UPDATE
    return gson_string(200, 'Policy has successfully been updated.')


def _ids(request):
    spec, error = json_body(request, kind=list)
    if error is not None:
        return None, error
    if not spec:
        return None, Reply.json(400, {'code': 400, 'message': 'Policy Id list is empty.'})
    return [path_int(str(item)) for item in spec], None


def remove_policies(state, request, user):
    store = state.policies
    store.run_due(state.now(), state.devices)
    ids, error = _ids(request)
    if error is not None:
        return error
    missing = [str(i) for i in ids if _find(state, user, str(i)) is None]
    if missing:
        return Reply.json(400, {'message': "Policies with the policy ID %s doesn't exist" % ','.join(missing)})
    for policy_id in ids:
        store.by_id.pop(policy_id, None)  # deletePolicy(Policy): nothing marked updated, nothing revoked
    return gson_string(200, 'Policies have been successfully deleted')


def _set_active(state, request, user, active):
    store = state.policies
    store.run_due(state.now(), state.devices)
    ids, error = _ids(request)
    if error is not None:
        return error
    found = [p for p in (_find(state, user, str(i)) for i in ids) if p is not None]
    word = 'activated' if active else 'deactivated'
    if not found:
        return Reply.json(404, {'message': 'Selected policies have not been %s' % word})
    for policy in found:
        policy['active'] = active
        policy['updated'] = True
    return gson_string(200, 'Selected policies have been successfully %s' % word)


def activate(state, request, user):
    return _set_active(state, request, user, True)


def deactivate(state, request, user):
    return _set_active(state, request, user, False)


def apply_changes(state, request, user):
    store = state.policies
    store.run_due(state.now(), state.devices)
    if not store.schedule(state.now()):
        return Reply.json(500, {'code': 500, 'message': 'Exception in applying changes.'})
    return gson_string(200, 'Changes have been successfully updated.')


def priorities(state, request, user):
    store = state.policies
    store.run_due(state.now(), state.devices)
    spec, error = json_body(request, kind=list)
    if error is not None:
        return error
    found = []
    for item in spec or []:
        policy = _find(state, user, str(item.get('id'))) if isinstance(item, dict) else None
        if policy is None:
            return bodies.internal_server_error()  # a NullPointerException (inferred)
        found.append((policy, item.get('priority')))
    for policy, priority in found:
        policy['priorityId'] = priority
        policy['updated'] = True
    return gson_string(200, 'Policy Priorities successfully updated.')


# (method, template, IoTS scope, handler); device_api.py makes them Routes. The fixed PUT paths
# come before PUT /policies/{id}, which would match them too.
ROUTES = (
    ('GET', '/policies', 'perm:policies:get-details', list_policies),
    ('POST', '/policies', 'perm:policies:manage', add_policy),
    ('POST', '/policies/remove-policy', 'perm:policies:remove', remove_policies),
    ('POST', '/policies/activate-policy', 'perm:policies:activate', activate),
    ('POST', '/policies/deactivate-policy', 'perm:policies:deactivate', deactivate),
    ('PUT', '/policies/apply-changes', 'perm:policies:changes', apply_changes),
    ('PUT', '/policies/priorities', 'perm:policies:priorities', priorities),
    ('GET', '/policies/{id}', 'perm:policies:get-policy-details', get_policy),
    ('PUT', '/policies/{id}', 'perm:policies:update', update_policy),
)
