# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Conformance of the device-type and policy resources, one rule per test, each naming its source.

Facts and paths: iots-policies-device-types.md (section numbers below). Short names:
DT = carbon-device-mgt 3.0.240 .../jaxrs/service/impl/DeviceTypeManagementServiceImpl.java
DTA = .../jaxrs/service/impl/admin/DeviceTypeManagementAdminServiceImpl.java
REG = .../core/util/DeviceManagerUtil.registerDeviceType + core/dao/impl/DeviceTypeDAOImpl.java
PMS = .../jaxrs/service/impl/PolicyManagementServiceImpl.java
PM = components/policy-mgt/.../core/mgt/impl/PolicyManagerImpl.java, dao/impl/PolicyDAOImpl.java
FEAT = .../jaxrs/beans/ProfileFeature.getPayLoad + policy/mgt/core/dao/impl/feature/GenericFeatureDAOImpl.java
FILTER = .../jaxrs/util/FilteringUtil.getFilteredList
ENTGRA = entgra/device-mgt-core v7.0.8, the same classes under io/entgra/device/mgt/core (section 5)
"""

import json
import time

import pytest

from gateway_client import unique_name
from iots_emulator.device_api import ROUTES
from iots_emulator.entgra_scopes import PERM_TO_ENTGRA

IOTS_SCOPES = ' '.join(sorted(set(route.scope for route in ROUTES)))
ENTGRA_SCOPES = ' '.join(sorted(set(PERM_TO_ENTGRA.get(route.scope, route.scope) for route in ROUTES)))


@pytest.fixture(params=['3.2.0', 'entgra'])
def mode(request, emu):
    emu.configure(version=request.param)
    return request.param


@pytest.fixture
def api(gw, client, emu):
    tokens = {}

    def call(method, path, **kwargs):
        version = emu.state.version
        if version not in tokens:
            scopes = ENTGRA_SCOPES if version == 'entgra' else IOTS_SCOPES
            tokens[version] = gw.access(client, scope=scopes)['access_token']
        return gw.api(method, path, token=tokens[version], **kwargs)

    return call


def definition(name, **meta):
    body = {'description': 'a sensor', 'properties': ['floor'], 'features': [{'code': 'ring', 'name': 'Ring', 'description': 'rings it'}]}
    body.update(meta)
    return {'name': name, 'deviceTypeMetaDefinition': body}


def policy(name, device_type='android', content=None, **extra):
    body = {
        'policyName': name,
        'description': 'd',
        'compliance': 'enforce',
        'ownershipType': 'ANY',
        'active': False,
        'policyType': 'GENERAL',
        'profile': {
            'profileName': name,
            'deviceType': device_type,
            'profileFeaturesList': [
                {
                    'featureCode': 'PASSCODE_POLICY',
                    'deviceType': device_type,
                    'content': content if content is not None else {'minLength': 5, 'allowSimple': False},
                }
            ],
        },
        'roles': ['ANY'],
        'users': [],
        'deviceGroups': [],
    }
    body.update(extra)
    return body


def create(api, body):
    response = api('POST', '/policies', json=body)
    assert response.status_code == 201, response.text
    return response.json()['id']


# ---------------------------------------------------------------------------- device types


def test_iots_lists_device_type_names(api, emu):
    """DT getDeviceTypes (3.2.0): 200 {count, deviceTypes: [names]}."""
    data = api('GET', '/device-types').json()
    assert set(data) == {'count', 'deviceTypes'} and 'android' in data['deviceTypes']
    assert data['count'] == len(data['deviceTypes'])


def test_entgra_lists_device_type_objects(api, emu):
    """ENTGRA DeviceTypeManagementServiceImpl.getDeviceTypes [v3.2.6]: a JSON list of DeviceType objects,
    the meta definition cleared as in 3.2.0's /config (no initialOperationConfig)."""
    emu.configure(version='entgra')
    name = unique_name('sensor')
    assert api('POST', '/admin/device-types', json=definition(name, initialOperationConfig={'operations': ['ring']})).status_code == 200
    data = api('GET', '/device-types').json()
    assert isinstance(data, list)
    by_name = dict((item['name'], item) for item in data)
    assert 'android' in by_name and isinstance(by_name['android']['id'], int)
    assert 'initialOperationConfig' not in by_name[name]['deviceTypeMetaDefinition']


def test_device_type_post_then_read_back_normalised(api, mode):
    """DTA addDeviceType: 200 with no body; REG: read back as sent, unknown keys dropped, booleans present,
    feature id 0. 3.2.0 reads /device-types/config/{type}; Entgra /admin/device-types/{type} (section 5)."""
    name = unique_name('sensor')
    body = definition(name, unknownKey=1)
    response = api('POST', '/admin/device-types', json=body)
    assert response.status_code == 200 and response.text == ''
    path = '/admin/device-types/%s' % name if mode == 'entgra' else '/device-types/config/%s' % name
    stored = api('GET', path).json()
    meta = stored['deviceTypeMetaDefinition']
    assert stored['name'] == name and isinstance(stored['id'], int)
    assert 'unknownKey' not in meta and meta['claimable'] is False and meta['policyMonitoringEnabled'] is False
    assert meta['features'] == [{'id': 0, 'code': 'ring', 'name': 'Ring', 'description': 'rings it'}]
    assert meta['properties'] == ['floor']
    assert ('longLivedToken' in meta) is (mode == 'entgra')


def test_missing_device_type_reads_204(api, mode):
    """DT getDeviceTypeByName / ENTGRA admin getDeviceTypeByName: an unknown type is 204, not 404."""
    path = '/admin/device-types/nope' if mode == 'entgra' else '/device-types/config/nope'
    response = api('GET', path)
    assert response.status_code == 204 and response.text == ''


def test_device_type_post_checks_in_order(api, emu):
    """DTA addDeviceType: no meta 400; no name 500; exists (also a plugin type) 409; bad name 400."""
    assert api('POST', '/admin/device-types', json={'name': 'x'}).status_code == 400
    assert api('POST', '/admin/device-types', json={'deviceTypeMetaDefinition': {}}).status_code == 500
    conflict = api('POST', '/admin/device-types', json=definition('android'))
    assert conflict.status_code == 409 and conflict.json() == 'Device type already available, android'
    bad = api('POST', '/admin/device-types', json=definition('a b'))
    assert bad.status_code == 400 and 'does not match the pattern' in bad.json()


def test_device_type_put_replaces_the_definition(api, mode):
    """DTA updateDeviceType: 3.2.0 takes the name from the body; Entgra [v3.2.12] from the path and wants them equal;
    unknown is 400; the whole meta definition is replaced."""
    name = unique_name('sensor')
    api('POST', '/admin/device-types', json=definition(name, claimable=True))
    path = '/admin/device-types/%s' % name if mode == 'entgra' else '/admin/device-types'
    assert api('PUT', path, json=definition(name, properties=['a', 'b'])).status_code == 200
    read = '/admin/device-types/%s' % name if mode == 'entgra' else '/device-types/config/%s' % name
    meta = api('GET', read).json()['deviceTypeMetaDefinition']
    assert meta['properties'] == ['a', 'b'] and meta['claimable'] is False
    unknown = '/admin/device-types/ghost' if mode == 'entgra' else '/admin/device-types'
    assert api('PUT', unknown, json=definition('ghost')).status_code == 400
    if mode == 'entgra':
        mismatch = api('PUT', path, json=definition('other'))
        assert mismatch.status_code == 400 and 'mismatch' in mismatch.json()


def test_entgra_delete_removes_the_devices_too(api, emu):
    """ENTGRA DeviceManagementProviderServiceImpl.deleteDeviceType [v4.1.11]: the type's devices go, 202; unknown 404."""
    emu.configure(version='entgra')
    name = unique_name('sensor')
    api('POST', '/admin/device-types', json=definition(name))
    emu.seed_devices(name, ['d1', 'd2'])
    response = api('DELETE', '/admin/device-types/%s' % name)
    assert response.status_code == 202 and response.json() == 'Device of type: %s permanently deleted.' % name
    assert not [d for d in emu.devices() if d['type'] == name]
    assert api('DELETE', '/admin/device-types/%s' % name).status_code == 404


def test_a_defined_type_can_enrol_devices(api, emu):
    """REG registers the type's plugin, so enrolment of a device of the new type succeeds (DeviceAgentServiceImpl)."""
    name = unique_name('sensor')
    api('POST', '/admin/device-types', json=definition(name))
    enrolled = api('POST', '/device/agent/enroll', json={'type': name, 'deviceIdentifier': 'x1', 'enrolmentInfo': {'ownership': 'COPE', 'status': 'ACTIVE'}})
    assert enrolled.json() is True


# ---------------------------------------------------------------------------- policies


def test_post_answers_201_with_priority_0_and_stores_the_next_priority(api, mode):
    """PMS addPolicy: 201, Location, the object built from the request (priorityId 0, updated false);
    PM addPolicy stores MAX(PRIORITY)+1 and updated=active."""
    first = create(api, policy(unique_name('p')))
    response = api('POST', '/policies', json=policy(unique_name('p'), active=True))
    assert response.status_code == 201 and '/policies/' in response.headers['Location']
    assert response.json()['priorityId'] == 0 and response.json()['updated'] is False
    stored = api('GET', '/policies/%d' % response.json()['id']).json()
    assert stored['priorityId'] == api('GET', '/policies/%d' % first).json()['priorityId'] + 1
    assert stored['updated'] is True and stored['active'] is True


def test_content_round_trips_as_a_gson_string(api, mode):
    """FEAT: content is stored as new Gson().toJson(content) and returned as a JSON string: nulls dropped, numbers
    as doubles, key order kept, < > & = ' escaped."""
    policy_id = create(api, policy(unique_name('p'), content={'b': 5, 'a': None, 'c': 'x<y', 'd': [1, True]}))
    content = api('GET', '/policies/%d' % policy_id).json()['profile']['profileFeaturesList'][0]['content']
    assert content == '{"b":5.0,"c":"x\\u003cy","d":[1.0,true]}'
    assert json.loads(content) == {'b': 5.0, 'c': 'x<y', 'd': [1.0, True]}


def test_list_without_limit_is_an_empty_page_on_iots_and_all_on_entgra(api, mode):
    """FILTER subList(offset, offset+limit): no limit is an empty page on 3.2.0; ENTGRA returns all with limit 0."""
    create(api, policy(unique_name('p')))
    data = api('GET', '/policies').json()
    assert data['count'] >= 1
    assert (data['policies'] == []) is (mode == '3.2.0')
    assert len(api('GET', '/policies?offset=0&limit=100').json()['policies']) >= 1
    assert api('GET', '/policies?offset=0&limit=101').status_code == 400


def test_names_are_not_unique(api, emu):
    """PM addPolicy: no check and no DB constraint on the name."""
    name = unique_name('p')
    assert create(api, policy(name)) != create(api, policy(name))


def test_put_ignores_active_and_always_sets_updated(api, mode):
    """PM updatePolicy: the UPDATE has no ACTIVE column, and every PUT marks the policy updated."""
    body = policy(unique_name('p'))
    policy_id = create(api, body)
    assert api('GET', '/policies/%d' % policy_id).json()['updated'] is False
    response = api('PUT', '/policies/%d' % policy_id, json=dict(body, active=True))
    assert response.status_code == 200 and response.json() == 'Policy has successfully been updated.'
    stored = api('GET', '/policies/%d' % policy_id).json()
    assert stored['active'] is False and stored['updated'] is True


def test_put_replaces_groups_and_keeps_users_when_null(api, emu):
    """PM updatePolicy: users/roles skipped when null; deviceGroups deleted and re-added (omitted = cleared)."""
    group_id = emu.seed_group(unique_name('g'))
    body = policy(unique_name('p'), users=['alice'], deviceGroups=[{'id': group_id}])
    policy_id = create(api, body)
    assert api('GET', '/policies/%d' % policy_id).json()['deviceGroups'][0]['id'] == group_id
    api('PUT', '/policies/%d' % policy_id, json=dict(body, users=None, deviceGroups=None))
    stored = api('GET', '/policies/%d' % policy_id).json()
    assert stored['users'] == ['alice'] and stored['deviceGroups'] == []


def test_unknown_group_id_is_500(api, emu):
    """DM_DEVICE_GROUP_POLICY's foreign key: an unknown group id fails the insert (inferred)."""
    assert api('POST', '/policies', json=policy(unique_name('p'), deviceGroups=[{'id': 999999}])).status_code == 500


def test_activate_deactivate_and_their_errors(api, mode):
    """PMS activatePolicy/deactivatePolicy: unknown ids skipped; none found 404; empty list 400; sets updated."""
    policy_id = create(api, policy(unique_name('p')))
    assert api('POST', '/policies/activate-policy', json=[policy_id, 999999]).status_code == 200
    stored = api('GET', '/policies/%d' % policy_id).json()
    assert stored['active'] is True and stored['updated'] is True
    assert api('POST', '/policies/deactivate-policy', json=[999999]).status_code == 404
    assert api('POST', '/policies/deactivate-policy', json=[]).status_code == 400


def test_apply_changes_is_asynchronous_and_500_while_pending(api, emu):
    """PMS applyChanges + PM applyChangesMadeToPolicies / DelegationTask: scheduled one-shot task; a second call while
    it is still scheduled is 500 "Exception in applying changes."; the task clears every updated flag."""
    emu.state.policies.apply_delay = 0.5
    policy_id = create(api, policy(unique_name('p'), active=True))
    assert api('PUT', '/policies/apply-changes').status_code == 200
    pending = api('PUT', '/policies/apply-changes')
    assert pending.status_code == 500 and pending.json()['message'] == 'Exception in applying changes.'
    assert api('GET', '/policies/%d' % policy_id).json()['updated'] is True
    time.sleep(0.6)
    assert api('GET', '/policies/%d' % policy_id).json()['updated'] is False
    assert api('PUT', '/policies/apply-changes').status_code == 200


def test_priorities_renumber_and_mark_updated(api, emu):
    """PMS updatePolicyPriorities: [{id, priority}], each listed policy updated; an unknown id is 500 (NPE, inferred)."""
    first, second = create(api, policy(unique_name('p'))), create(api, policy(unique_name('p')))
    response = api('PUT', '/policies/priorities', json=[{'id': second, 'priority': 1}, {'id': first, 'priority': 2}])
    assert response.status_code == 200
    listed = [p['id'] for p in api('GET', '/policies?offset=0&limit=100').json()['policies']]
    assert listed.index(second) < listed.index(first)
    assert api('GET', '/policies/%d' % first).json()['updated'] is True
    assert api('PUT', '/policies/priorities', json=[{'id': 999999, 'priority': 1}]).status_code == 500


def test_remove_refuses_any_unknown_id(api, emu):
    """PMS removePolicies: any unknown id is 400 naming it and nothing is deleted; empty list 400."""
    policy_id = create(api, policy(unique_name('p')))
    refused = api('POST', '/policies/remove-policy', json=[policy_id, 999999])
    assert refused.status_code == 400 and '999999' in refused.json()['message']
    assert api('GET', '/policies/%d' % policy_id).status_code == 200
    assert api('POST', '/policies/remove-policy', json=[]).status_code == 400
    assert api('POST', '/policies/remove-policy', json=[policy_id]).status_code == 200
    missing = api('GET', '/policies/%d' % policy_id)
    assert missing.status_code == 404 and missing.json() == {'message': "No policy found with the id '%d'" % policy_id}


def test_entgra_policy_differences(api, emu):
    """ENTGRA: policyType @NotNull (400) [v3.2.12]; features of a type no validator knows fail (400) [v4.1.11];
    an unknown id reads 404 "Policy not found."; the response adds policyType and policyPayloadVersion."""
    emu.configure(version='entgra')
    body = policy(unique_name('p'))
    del body['policyType']
    assert api('POST', '/policies', json=body).status_code == 400
    assert api('POST', '/policies', json=policy(unique_name('p'), device_type='virtual_firealarm')).status_code == 400
    stored = api('GET', '/policies/%d' % create(api, policy(unique_name('p')))).json()
    assert stored['policyType'] == 'GENERAL' and stored['policyPayloadVersion'] == '2.0'
    assert api('GET', '/policies/999999').json() == 'Policy not found.'


def test_apply_changes_pushes_only_where_the_effective_policy_changed(api, emu):
    """PM applyChangesMadeToPolicies + PolicyEnforcementDelegatorImpl.delegate: devices of a type with an updated
    policy are re-evaluated; a policy operation is queued where the effective policy is new, another or updated.
    A PUT that changes nothing still marks the policy updated, so the next apply-changes pushes it again."""
    emu.state.policies.apply_delay = 0
    emu.state.policies.task_due = None  # no task of an earlier test pending
    name = unique_name('pushtype')
    api('POST', '/admin/device-types', json=definition(name))
    emu.seed_devices(name, ['a', 'b', 'c'])
    emu.configure(version='3.2.0')
    store = emu.state.policies

    def apply():
        assert api('PUT', '/policies/apply-changes').status_code == 200
        api('GET', '/policies?offset=0&limit=1')  # the task runs
        pushes = [count for device_type, count in store.pushes if device_type == name]
        del store.pushes[:]
        return sum(pushes)

    body = policy(unique_name('p'), device_type=name, active=True)
    first = create(api, body)
    assert apply() == 3
    create(api, policy(unique_name('p'), device_type=name, active=True))  # lower precedence: no device changes
    assert apply() == 0
    api('PUT', '/policies/%d' % first, json=body)  # identical content, still updated
    assert apply() == 3
