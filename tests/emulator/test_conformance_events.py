# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Conformance of what the event source wso2.iots.device_events reads: the activities list and a device
status changed by IoTS's status task, one rule per test, over HTTPS.

Sources (``wso2/carbon-device-mgt@v3.0.240``, read for /work/shared/reference/eda.md section 5):
A = ``org.wso2.carbon.device.mgt.api/.../jaxrs/service/impl/ActivityProviderServiceImpl.getActivities``,
D = ``org.wso2.carbon.device.mgt.core/.../operation/mgt/dao/impl/operation/GenericOperationDAOImpl
.getActivitiesUpdatedAfter`` (MySQL/H2 the same query), E = ``.../core/dao/impl/EnrollmentDAOImpl``
(``setStatus``/``updateEnrollmentStatus`` write STATUS only), T = ``.../core/status/task/impl/DeviceStatusMonitoringTask``.
"""

import datetime
import email.utils
import uuid

import pytest

from iots_emulator import Emulator, EmulatorControl

SCOPES = 'perm:get-activity perm:devices:operations perm:devices:view perm:devices:details'


@pytest.fixture
def api(gw, client):
    token = gw.access(client, scope=SCOPES)['access_token']

    def call(method, path, **kwargs):
        return gw.api(method, path, token=token, **kwargs)

    return call


@pytest.fixture
def ids():
    prefix = uuid.uuid4().hex[:10]
    return ['%s-%d' % (prefix, n) for n in range(4)]


def http_date(seconds):
    """``EEE, d MMM yyyy HH:mm:ss Z`` as IoTS parses it (SimpleDateFormat)."""
    return email.utils.format_datetime(datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc))


def java_seconds(text):
    """Epoch seconds of a ``Date.toString()`` in UTC (the emulator's zone)."""
    moment = datetime.datetime.strptime(text, '%a %b %d %H:%M:%S UTC %Y')
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())


def send(api, device_ids, code='DEVICE_RING'):
    response = api('POST', '/devices/android/operations', json={'deviceIdentifiers': device_ids, 'operation': {'code': code, 'type': 'COMMAND'}})
    assert response.status_code == 201, response.text
    return response.json()


def rows_of(data, activity_id):
    """[(device id, status)] of one activity's rows in a list answer (it may be split across items)."""
    return [(s['deviceIdentifier']['id'], s['status']) for a in data['activities'] if a['activityId'] == activity_id for s in a['activityStatus']]


# ---------------------------------------------------------------------------- GET /activities


def test_activities_since_lists_rows_updated_strictly_after_whole_seconds(api, emu, ids):
    """A, D: ``UPDATED_TIMESTAMP > since`` in epoch seconds; the date is cut to seconds."""
    emu.configure(operation_pending=0, operation_in_progress=0)
    emu.seed_devices('android', ids[:1])
    activity = send(api, ids[:1])
    created = java_seconds(activity['createdTimeStamp'])
    before = api('GET', '/activities', params={'since': http_date(created - 1), 'limit': 100})
    assert before.status_code == 200
    assert rows_of(before.json(), activity['activityId']) == [(ids[0], 'COMPLETED')]
    item = [a for a in before.json()['activities'] if a['activityId'] == activity['activityId']][0]
    assert list(item) == ['activityId', 'code', 'type', 'createdTimeStamp', 'activityStatus']
    assert java_seconds(item['activityStatus'][0]['updatedTimestamp']) == created
    assert list(before.json()) == ['activities', 'count']
    same_second = api('GET', '/activities', params={'since': http_date(created), 'limit': 100})
    assert rows_of(same_second.json(), activity['activityId']) == []


def test_activities_show_each_status_change_of_a_row(api, emu, ids):
    """D: UPDATED_TIMESTAMP is set at creation and on each status change, so PENDING rows are listed too."""
    emu.configure(operation_pending=3600, operation_in_progress=0)
    emu.seed_devices('android', ids[:1])
    activity = send(api, ids[:1])
    since = http_date(java_seconds(activity['createdTimeStamp']) - 1)
    data = api('GET', '/activities', params={'since': since, 'limit': 100}).json()
    assert rows_of(data, activity['activityId']) == [(ids[0], 'PENDING')]


def test_activities_page_over_mapping_rows_and_count_them(api, emu, ids):
    """D: LIMIT/OFFSET on mapping rows (one per device per operation), ``count`` counts rows; A groups
    consecutive rows of one operation, so one operation can span list items."""
    emu.configure(operation_pending=0, operation_in_progress=0)
    emu.seed_devices('android', ids[:3])
    activity = send(api, ids[:3])
    since = http_date(java_seconds(activity['createdTimeStamp']) - 1)
    full = api('GET', '/activities', params={'since': since, 'limit': 100}).json()
    mine = rows_of(full, activity['activityId'])
    assert sorted(mine) == sorted((i, 'COMPLETED') for i in ids[:3])
    assert full['count'] == sum(len(a['activityStatus']) for a in full['activities'])
    pages = []
    for offset in range(full['count']):
        page = api('GET', '/activities', params={'since': since, 'offset': offset, 'limit': 1}).json()
        assert page['count'] == full['count'] and sum(len(a['activityStatus']) for a in page['activities']) == 1
        pages.extend(rows_of(page, activity['activityId']))
    assert sorted(pages) == sorted(mine)


def test_activities_without_a_date_cover_the_last_42300_seconds(api, emu, ids):
    """A: no since and no header -> now - 42300 s (3.0.240)."""
    emu.configure(operation_pending=0, operation_in_progress=0)
    emu.seed_devices('android', ids[:1])
    activity = send(api, ids[:1])
    data = api('GET', '/activities', params={'limit': 100}).json()
    assert rows_of(data, activity['activityId']) == [(ids[0], 'COMPLETED')]


def test_activities_empty_page_is_200_with_since_and_304_with_the_header(api):
    """A: 304 only when If-Modified-Since was given and the page is empty."""
    future = http_date(datetime.datetime.now(datetime.timezone.utc).timestamp() + 3600)
    response = api('GET', '/activities', params={'since': future})
    assert response.status_code == 200 and response.json() == {'activities': [], 'count': 0}
    response = api('GET', '/activities', headers={'If-Modified-Since': future})
    assert response.status_code == 304 and response.text == ''


def test_activities_bad_dates_are_400_and_the_header_wins(api):
    """A: SimpleDateFormat parse errors name the parameter; the header is read first."""
    response = api('GET', '/activities', params={'since': '2026-01-01'})
    assert response.status_code == 400
    assert response.json() == {'message': "Invalid date string is provided in 'since' filter", 'errorItems': []}
    response = api('GET', '/activities', params={'since': 'Mon, 05 Jan 2014 15:10:00 +0200'}, headers={'If-Modified-Since': 'yesterday'})
    assert response.status_code == 400
    assert response.json()['message'] == "Invalid date string is provided in 'If-Modified-Since' header"


def test_activities_limit_above_100_is_400(api):
    """A: RequestValidationUtil.validatePaginationParameters."""
    response = api('GET', '/activities', params={'limit': 101})
    assert response.status_code == 400


def test_activities_need_the_admin_role(tmp_path):
    """A (3.0.240): a user without the tenant admin role gets 401 and a JSON string, even with the scope."""
    users = {
        'admin': {'password': 'admin', 'admin': True, 'scopes': '*'},
        'viewer': {'password': 'viewer', 'admin': False, 'subscribe': True, 'scopes': ['perm:get-activity']},
    }
    with Emulator(state_dir=str(tmp_path), users=users) as emu:
        from gateway_client import Gateway

        gw = Gateway(emu)
        client = gw.keys(user=('viewer', 'viewer'))
        token = gw.access(client, username='viewer', password='viewer', scope='perm:get-activity')['access_token']
        response = gw.api('GET', '/activities', token=token)
        assert response.status_code == 401
        assert response.json() == 'Unauthorized operation! Only admin role can perform this operation.'
        gw.session.close()


def test_activities_need_the_get_activity_scope(gw, client):
    token = gw.access(client, scope='perm:devices:view')['access_token']
    response = gw.api('GET', '/activities', token=token)
    assert response.status_code == 403 and response.json()['fault']['code'] == 900910


def test_activities_are_counted(api, emu):
    emu.reset()
    api('GET', '/activities')
    assert emu.counts()['GET /activities'] == 1 and emu.counts()['GET /activities/{id}'] == 0


# ---------------------------------------------------------------------------- the status task


def test_status_task_changes_the_status_but_not_date_of_last_update(api, emu, ids):
    """E, T: updateEnrollmentStatus writes STATUS only; GET /devices reads the database and shows it."""
    emu.seed_devices('android', ids[:1])
    before = [d for d in api('GET', '/devices', params={'limit': 100}).json()['devices'] if d['deviceIdentifier'] == ids[0]][0]
    assert emu.set_device_status('android', ids[0], 'UNREACHABLE') == 'ACTIVE'
    after = [d for d in api('GET', '/devices', params={'limit': 100}).json()['devices'] if d['deviceIdentifier'] == ids[0]][0]
    assert after['enrolmentInfo']['status'] == 'UNREACHABLE'
    assert after['enrolmentInfo']['dateOfLastUpdate'] == before['enrolmentInfo']['dateOfLastUpdate']
    assert api('GET', '/devices', params={'status': 'UNREACHABLE', 'limit': 100}).json()['count'] >= 1


def test_status_hook_over_the_control_endpoint_and_bad_input(emu, ids):
    emu.seed_devices('android', ids[:1])
    control = EmulatorControl(emu.url, emu.ca_path)
    assert control.set_device_status('android', ids[0], 'INACTIVE') == 'ACTIVE'
    assert [d['enrolmentInfo']['status'] for d in emu.devices() if d['deviceIdentifier'] == ids[0]] == ['INACTIVE']
    with pytest.raises(ValueError, match='status must be one of'):
        control.set_device_status('android', ids[0], 'ASLEEP')
    with pytest.raises(ValueError, match='no device'):
        emu.set_device_status('android', ids[1], 'ACTIVE')
