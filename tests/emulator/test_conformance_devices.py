# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Conformance of the device-management API with carbon-device-mgt 3.0.240, one rule per test, over HTTPS.

The rules are those of iots-device-api.md ("Details read in the 3.0.240 source"); README.md lists them
with the source files they come from. Each test uses device ids of its own (``ids``), so the module's
one emulator can be shared.
"""

import time
import uuid

import pytest

from iots_emulator.device_api import ROUTES

SCOPES = ' '.join(sorted(set(route.scope for route in ROUTES)))
GROUP_KEYS = {'id', 'name', 'description', 'owner'}


@pytest.fixture
def token(gw, client):
    return gw.access(client, scope=SCOPES)['access_token']


@pytest.fixture
def api(gw, token):
    """gw.api with the all-scopes admin token."""

    def call(method, path, **kwargs):
        return gw.api(method, path, token=token, **kwargs)

    return call


@pytest.fixture
def ids():
    prefix = uuid.uuid4().hex[:10]
    return ['%s-%d' % (prefix, n) for n in range(6)]


def body(identifier, device_type='android', ownership='BYOD', status='ACTIVE', name=None, **extra):
    data = {'type': device_type, 'deviceIdentifier': identifier, 'name': name or 'n-' + identifier, 'enrolmentInfo': {'ownership': ownership, 'status': status}}
    data.update(extra)
    return data


def enrol(api, identifier, **kwargs):
    response = api('POST', '/device/agent/enroll', json=body(identifier, **kwargs))
    assert response.status_code == 200 and response.json() is True, response.text
    return response


def device(api, identifier, device_type='android'):
    return api('GET', '/devices/%s/%s' % (device_type, identifier)).json()


def listed(api, **params):
    response = api('GET', '/devices', params=params)
    assert response.status_code == 200, response.text
    return response.json()


def group_id(api, name):
    groups = api('GET', '/groups', params={'name': name, 'limit': 100}).json()['deviceGroups']
    return [g['id'] for g in groups if g['name'] == name][0]


# ---------------------------------------------------------------------------- GET /devices


def test_list_filters_by_type_status_ownership_user_and_name(api, emu, ids):
    emu.seed_devices('android', ids[:2], ownership='BYOD', name='flt-{id}')
    emu.seed_devices('virtual_firealarm', ids[2:4], ownership='COPE', name='flt-{id}', status='INACTIVE')
    emu.seed_devices('android', ids[4:5], owner='operator', name='flt-{id}')
    prefix = 'flt-' + ids[0][:10]

    def found(**params):
        return sorted(d['deviceIdentifier'] for d in listed(api, name=prefix, **params)['devices'])

    assert found() == sorted(ids[:5])
    assert found(type='virtual_firealarm') == ids[2:4]
    assert found(status='INACTIVE') == ids[2:4]
    assert found(ownership='BYOD') == ids[:2]
    assert found(user='operator') == ids[4:5]
    assert found(type='nothing') == []


def test_list_filters_by_group(api, emu, ids):
    emu.seed_devices('android', ids[:3])
    gid = emu.seed_group('grp-' + ids[0], members=[('android', ids[0]), ('android', ids[2])])
    assert sorted(d['deviceIdentifier'] for d in listed(api, groupId=gid)['devices']) == [ids[0], ids[2]]


def test_list_paging_limits(api):
    for params, text in (
        ({'limit': 101}, 'Request parameter limit should be less than or equal to 100.'),
        ({'limit': -1}, 'Request parameter limit is a negative value.'),
        ({'offset': -1}, 'Request parameter offset is s negative value.'),
    ):
        response = api('GET', '/devices', params=params)
        assert response.status_code == 400 and response.json()['message'] == text
    assert api('GET', '/devices', params={'limit': 100}).status_code == 200


def test_list_refuses_name_with_role_and_unknown_ownership_or_status(api):
    response = api('GET', '/devices', params={'name': 'a', 'role': 'admin'})
    assert response.status_code == 400 and 'both name and role' in response.json()['message']
    response = api('GET', '/devices', params={'ownership': 'CORPORATE'})
    assert response.status_code == 400 and response.json()['message'].endswith('BYOD | COPE')
    response = api('GET', '/devices', params={'status': 'GONE'})
    assert response.status_code == 400 and response.json()['message'].startswith('Invalid enrollment status type')


def test_list_default_page_is_20_and_count_is_every_match(api, emu, ids):
    prefix = 'pg-' + ids[0]
    emu.seed_devices('android', ['%s-%02d' % (ids[0], n) for n in range(25)], name='pg-{id}')
    for params in ({}, {'limit': 0}):
        page = listed(api, name=prefix, **params)
        assert len(page['devices']) == 20 and page['count'] == 25
    page = listed(api, name=prefix, offset=20, limit=10)
    assert len(page['devices']) == 5 and page['count'] == 25
    assert list(page) == ['devices', 'count']  # DeviceList: subclass field first


# ---------------------------------------------------------------------------- GET /devices/{type}/{id}


def test_get_device_gson_fields_and_404(api, ids):
    enrol(api, ids[0], description='hall', properties=[{'name': 'site', 'value': 'lab'}])
    data = device(api, ids[0])
    assert list(data) == ['id', 'name', 'type', 'description', 'deviceIdentifier', 'enrolmentInfo', 'properties']
    assert set(data['enrolmentInfo']) == {'id', 'dateOfEnrolment', 'dateOfLastUpdate', 'ownership', 'status', 'owner'}
    response = api('GET', '/devices/android/%s' % ids[1])
    assert response.status_code == 404 and response.json()['code'] == 404


# ---------------------------------------------------------------------------- POST /device/agent/enroll


def test_enrol_forces_active_and_the_caller_as_owner(api, ids):
    enrol(api, ids[0], status='INACTIVE', enrolmentInfo={'ownership': 'COPE', 'status': 'BLOCKED', 'owner': 'someone'})
    info = device(api, ids[0])['enrolmentInfo']
    assert info['status'] == 'ACTIVE' and info['owner'] == 'admin' and info['ownership'] == 'COPE'


def test_enrol_active_device_again_is_400(api, ids):
    enrol(api, ids[0])
    response = api('POST', '/device/agent/enroll', json=body(ids[0]))
    assert response.status_code == 400 and response.json() == 'An active enrolment exists'


def test_enrol_unknown_type_is_200_false(api, emu, ids):
    response = api('POST', '/device/agent/enroll', json=body(ids[0], device_type='fridge'))
    assert response.status_code == 200 and response.text == 'false'
    assert api('GET', '/devices/fridge/%s' % ids[0]).status_code == 404


def test_enrol_other_ownership_is_500_and_enrols_nothing(api, ids):
    response = api('POST', '/device/agent/enroll', json=body(ids[0], ownership='CORPORATE'))
    assert response.status_code == 500 and response.json()['message'] == 'Internal server error.'
    assert api('GET', '/devices/android/%s' % ids[0]).status_code == 404


def test_enrol_joins_the_system_group_of_its_ownership(api, ids):
    enrol(api, ids[0], ownership='BYOD')
    enrol(api, ids[1], ownership='COPE')
    for identifier, ownership in ((ids[0], 'BYOD'), (ids[1], 'COPE')):
        groups = api('GET', '/groups/device', params={'deviceId': identifier, 'deviceType': 'android'}).json()
        assert [(g['name'], g['owner']) for g in groups] == [(ownership, 'wso2.system.user')]


def test_reenrol_removed_same_owner_and_ownership_reactivates(api, ids):
    enrol(api, ids[0])
    before = device(api, ids[0])
    api('DELETE', '/device/agent/enroll/android/%s' % ids[0])
    enrol(api, ids[0], name='renamed')
    after = device(api, ids[0])
    assert after['id'] == before['id'] and after['enrolmentInfo']['id'] == before['enrolmentInfo']['id']
    assert after['enrolmentInfo']['status'] == 'ACTIVE' and after['name'] == 'renamed'
    assert listed(api, name='renamed')['count'] >= 1
    assert [d['deviceIdentifier'] for d in listed(api, name='n-' + ids[0])['devices']] == []


def test_reenrol_removed_other_ownership_adds_an_enrolment(api, ids):
    enrol(api, ids[0], ownership='BYOD')
    before = device(api, ids[0])
    api('DELETE', '/device/agent/enroll/android/%s' % ids[0])
    enrol(api, ids[0], ownership='COPE')
    rows = listed(api, name='n-' + ids[0])['devices']
    assert sorted((d['enrolmentInfo']['ownership'], d['enrolmentInfo']['status']) for d in rows) == [('BYOD', 'REMOVED'), ('COPE', 'ACTIVE')]
    assert set(d['id'] for d in rows) == {before['id']}  # the device keeps its id
    latest = device(api, ids[0])
    assert latest['enrolmentInfo']['status'] == 'ACTIVE' and latest['enrolmentInfo']['ownership'] == 'COPE'


def test_reenrol_removed_by_another_user_adds_an_enrolment(gw, client, api, emu, ids):
    emu.seed_devices('android', ids[:1], owner='someone', status='REMOVED')
    enrol(api, ids[0], ownership='COPE')
    rows = listed(api, name='n-' + ids[0])['devices'] + listed(api, user='someone', status='REMOVED')['devices']
    owners = sorted(set((d['enrolmentInfo']['owner'], d['enrolmentInfo']['status']) for d in rows if d['deviceIdentifier'] == ids[0]))
    assert owners == [('admin', 'ACTIVE'), ('someone', 'REMOVED')]


# ---------------------------------------------------------------------------- PUT /device/agent/enroll/{type}/{id}


def test_modify_is_202_without_body(api, ids):
    enrol(api, ids[0], description='old')
    response = api('PUT', '/device/agent/enroll/android/%s' % ids[0], json={'name': 'new', 'properties': [{'name': 'a', 'value': '1'}]})
    assert response.status_code == 202 and response.content == b''
    data = device(api, ids[0])
    assert data['name'] == 'new' and data['description'] == 'old'  # a null member keeps the value
    assert data['properties'] == [{'name': 'a', 'value': '1'}]


def test_modify_unknown_device_is_404(api, ids):
    response = api('PUT', '/device/agent/enroll/android/%s' % ids[0], json={'name': 'x'})
    assert response.status_code == 404 and response.json() == "The device to be modified doesn't exist."


def test_modify_removed_device_stays_removed(api, ids):
    enrol(api, ids[0])
    api('DELETE', '/device/agent/enroll/android/%s' % ids[0])
    assert api('PUT', '/device/agent/enroll/android/%s' % ids[0], json={'name': 'x'}).status_code == 202
    data = device(api, ids[0])
    assert data['name'] == 'x' and data['enrolmentInfo']['status'] == 'REMOVED'


# ---------------------------------------------------------------------------- DELETE


def test_disenrol_200_without_body_also_when_removed_204_when_unknown(api, ids):
    enrol(api, ids[0])
    for _attempt in range(2):
        response = api('DELETE', '/device/agent/enroll/android/%s' % ids[0])
        assert response.status_code == 200 and response.content == b''
    assert device(api, ids[0])['enrolmentInfo']['status'] == 'REMOVED'
    response = api('DELETE', '/device/agent/enroll/android/%s' % ids[1])
    assert response.status_code == 204 and response.content == b''


def test_delete_device_is_a_soft_delete_answering_true(api, ids):
    enrol(api, ids[0])
    for _attempt in range(2):
        response = api('DELETE', '/devices/type/android/id/%s' % ids[0])
        assert response.status_code == 200 and response.json() is True
    assert device(api, ids[0])['enrolmentInfo']['status'] == 'REMOVED'
    assert api('DELETE', '/devices/type/android/id/%s' % ids[1]).status_code == 404


def test_device_types_without_null_members(api):
    assert api('GET', '/device-types').json() == {'count': 2, 'deviceTypes': ['android', 'virtual_firealarm']}


# ---------------------------------------------------------------------------- groups


def test_group_list_has_system_groups_and_counts_all_of_the_callers(api, ids):
    everything = api('GET', '/groups', params={'limit': 100}).json()
    system = dict((g['name'], g) for g in everything['deviceGroups'] if g['owner'] == 'wso2.system.user')
    assert set(system) == {'BYOD', 'COPE'}
    assert system['BYOD']['description'] == 'Default system group for devices with BYOD ownership.'
    filtered = api('GET', '/groups', params={'name': 'BYO'}).json()
    assert [g['name'] for g in filtered['deviceGroups']] == ['BYOD']
    assert filtered['count'] == everything['count'] >= 2  # count ignores the filter
    assert list(filtered) == ['deviceGroups', 'count']


def test_group_create_201_empty_then_409(api, ids):
    response = api('POST', '/groups', json={'name': 'g-' + ids[0], 'description': 'd'})
    assert response.status_code == 201 and response.content == b'' and 'Location' not in response.headers
    group = api('GET', '/groups/id/%d' % group_id(api, 'g-' + ids[0])).json()
    assert set(group) == GROUP_KEYS and group['owner'] == 'admin'
    response = api('POST', '/groups', json={'name': 'g-' + ids[0]})
    assert response.status_code == 409 and response.json() == 'Group already exists with name g-%s.' % ids[0]


def test_group_read_update_delete(api, emu, ids):
    gid = emu.seed_group('g-' + ids[0], description='d')
    assert api('GET', '/groups/id/%d' % gid).json()['description'] == 'd'
    response = api('PUT', '/groups/id/%d' % gid, json={'name': 'g-' + ids[1], 'description': 'e'})
    assert response.status_code == 200 and response.content == b''
    assert api('GET', '/groups/id/%d' % gid).json() == {'id': gid, 'description': 'e', 'name': 'g-' + ids[1]}
    api('PUT', '/groups/id/%d' % gid, json={'name': 'g-' + ids[1], 'description': 'e', 'owner': 'operator'})
    assert api('GET', '/groups/id/%d' % gid).json()['owner'] == 'operator'  # the owner comes from the body
    assert api('DELETE', '/groups/id/%d' % gid).status_code == 200
    assert api('GET', '/groups/id/%d' % gid).status_code == 404
    response = api('DELETE', '/groups/id/%d' % gid)
    assert response.status_code == 404 and response.json() == 'Group not found.'
    assert api('PUT', '/groups/id/%d' % gid, json={'name': 'x'}).status_code == 409  # GroupNotExistException


def test_group_devices_paged(api, emu, ids):
    emu.seed_devices('android', ids[:5])
    gid = emu.seed_group('g-' + ids[0], members=[('android', i) for i in ids[:5]])
    page = api('GET', '/groups/id/%d/devices' % gid, params={'offset': 2, 'limit': 2}).json()
    assert [d['deviceIdentifier'] for d in page['devices']] == ids[2:4] and page['count'] == 5
    assert api('GET', '/groups/id/%d/devices' % gid, params={'limit': 101}).status_code == 400


def test_group_add_and_remove_devices(api, emu, ids):
    emu.seed_devices('android', ids[:2])
    gid = emu.seed_group('g-' + ids[0])
    members = [{'id': ids[0], 'type': 'android'}, {'id': ids[1], 'type': 'android'}]
    response = api('POST', '/groups/id/%d/devices/add' % gid, json=members)
    assert response.status_code == 200 and response.content == b''
    assert api('POST', '/groups/id/%d/devices/add' % gid, json=members).status_code == 200  # again: no change
    assert api('GET', '/groups/id/%d/devices' % gid).json()['count'] == 2
    assert api('POST', '/groups/id/%d/devices/remove' % gid, json=members[:1]).status_code == 200
    assert [d['deviceIdentifier'] for d in api('GET', '/groups/id/%d/devices' % gid).json()['devices']] == ids[1:2]


def test_group_add_unknown_device_is_500_and_changes_nothing(api, emu, ids):
    emu.seed_devices('android', ids[:1])
    gid = emu.seed_group('g-' + ids[0])
    members = [{'id': ids[0], 'type': 'android'}, {'id': ids[1], 'type': 'android'}]
    response = api('POST', '/groups/id/%d/devices/add' % gid, json=members)
    assert response.status_code == 500 and response.json() == 'Error occurred while adding devices to group.'
    assert api('GET', '/groups/id/%d/devices' % gid).json()['count'] == 0
    assert api('POST', '/groups/id/%d/devices/remove' % gid, json=members).status_code == 500


def test_group_add_to_unknown_group_is_500_remove_is_200(api, emu, ids):
    emu.seed_devices('android', ids[:1])
    members = [{'id': ids[0], 'type': 'android'}]
    assert api('POST', '/groups/id/999999/devices/add', json=members).status_code == 500
    assert api('POST', '/groups/id/999999/devices/remove', json=members).status_code == 200


def test_groups_of_a_device(api, emu, ids):
    emu.seed_devices('android', ids[:1], ownership='BYOD')
    gid = emu.seed_group('g-' + ids[0], members=[('android', ids[0])])
    groups = api('GET', '/groups/device', params={'deviceId': ids[0], 'deviceType': 'android'}).json()
    assert [(g['id'], g['name']) for g in groups][1:] == [(gid, 'g-' + ids[0])] and groups[0]['name'] == 'BYOD'
    assert api('GET', '/groups/device', params={'deviceId': ids[1], 'deviceType': 'android'}).json() == []


# ---------------------------------------------------------------------------- operations and activities


def operation(ids, code='DEVICE_RING', kind='COMMAND'):
    return {'deviceIdentifiers': ids, 'operation': {'code': code, 'type': kind}}


def test_operation_201_activity_invalid_first_no_null_members(api, emu, ids):
    emu.seed_devices('android', ids[:2])
    api('DELETE', '/device/agent/enroll/android/%s' % ids[1])
    response = api('POST', '/devices/android/operations', json=operation(ids[:3]))
    assert response.status_code == 201
    activity = response.json()
    assert list(activity) == ['activityId', 'code', 'type', 'createdTimeStamp', 'activityStatus']
    assert activity['activityId'].startswith('ACTIVITY_') and activity['code'] == 'DEVICE_RING'
    assert [(s['deviceIdentifier']['id'], s['status']) for s in activity['activityStatus']] == [(ids[1], 'INVALID'), (ids[2], 'INVALID'), (ids[0], 'PENDING')]
    assert all(set(s) == {'deviceIdentifier', 'status'} for s in activity['activityStatus'])


def test_operation_without_a_valid_device_is_500(api, ids):
    response = api('POST', '/devices/android/operations', json=operation(ids[:2]))
    assert response.status_code == 500
    assert response.json()['message'] == 'Invalid Device Identifiers found.' and 'code' not in response.json()


def test_operation_bad_type_406_unknown_device_type_and_empty_400(api, emu, ids):
    emu.seed_devices('android', ids[:1])
    for kind in ('POLICY', 'REBOOT'):
        response = api('POST', '/devices/android/operations', json=operation(ids[:1], kind=kind))
        assert response.status_code == 406
        assert response.json() == 'Only Command and Config operation is supported through this api'
    for path, payload in (
        ('/devices/fridge/operations', operation(ids[:1])),
        ('/devices/android/operations', {'deviceIdentifiers': ids[:1]}),
        ('/devices/android/operations', None),
    ):
        response = api('POST', path, json=payload)
        assert response.status_code == 400 and response.content == b''


def test_activity_moves_pending_in_progress_completed(api, emu, ids, monkeypatch):
    emu.seed_devices('android', ids[:1])
    emu.configure(operation_pending=10, operation_in_progress=20)
    start = emu.state.now()
    activity_id = api('POST', '/devices/android/operations', json=operation(ids[:1])).json()['activityId']
    seen = []
    for elapsed in (0, 9, 11, 29, 31):
        monkeypatch.setattr(emu.state, 'now', lambda elapsed=elapsed: start + elapsed + 0.5)
        status = api('GET', '/activities/%s' % activity_id).json()['activityStatus'][0]
        seen.append(status['status'])
    assert seen == ['PENDING', 'PENDING', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED']
    assert status['responses'][0]['response'] and status['updatedTimestamp'].endswith(' UTC %d' % time.gmtime().tm_year)


def test_activity_forced_error_and_never_ending(api, emu, ids):
    emu.seed_devices('android', ids[:3])
    emu.configure(operation_pending=0, operation_in_progress=0)
    emu.set_operation_result('android', ids[0], response='battery low')
    emu.set_operation_result('android', ids[1], status='IN_PROGRESS')
    activity_id = api('POST', '/devices/android/operations', json=operation(ids[:3])).json()['activityId']
    statuses = api('GET', '/activities/%s' % activity_id).json()['activityStatus']
    assert [(s['deviceIdentifier']['id'], s['status']) for s in statuses] == [(ids[0], 'ERROR'), (ids[1], 'IN_PROGRESS'), (ids[2], 'COMPLETED')]
    assert statuses[0]['responses'][0]['response'] == 'battery low'


def test_activity_unknown_404_malformed_400(api):
    response = api('GET', '/activities/ACTIVITY_999999')
    assert response.status_code == 404
    assert response.json() == {'message': "No activity can be found upon the provided activity id 'ACTIVITY_999999'", 'errorItems': []}
    response = api('GET', '/activities/OPERATION_1')
    assert response.status_code == 400 and 'ACTIVITY' in response.json()['message']


# ---------------------------------------------------------------------------- gateway


@pytest.mark.parametrize('route', ROUTES, ids=lambda route: route.count_key)
def test_each_resource_needs_its_scope(gw, client, route):
    others = ' '.join(scope for scope in SCOPES.split() if scope != route.scope)
    token = gw.access(client, scope=others)['access_token']
    path = route.template.replace('{type}', 'android').replace('{id}', 'x').replace('{groupId}', '1')
    if route.template == '/activities/{id}':
        path = '/activities/ACTIVITY_1'
    response = gw.api(route.method, path, token=token, json={} if route.method in ('POST', 'PUT') else None)
    assert response.status_code == 403
    assert response.json()['fault']['code'] == 900910


def test_counters_per_resource_and_writes(api, emu, ids):
    emu.reset()
    enrol(api, ids[0])
    listed(api, limit=1)
    listed(api, limit=1, offset=1)
    api('PUT', '/device/agent/enroll/android/%s' % ids[0], json={'name': 'x'})
    counts = emu.counts()
    assert counts['POST /device/agent/enroll'] == 1 and counts['GET /devices'] == 2
    assert counts['PUT /device/agent/enroll/{type}/{id}'] == 1 and counts['api:write'] == 2
    assert counts['api'] == 4 and counts['GET /groups'] == 0
