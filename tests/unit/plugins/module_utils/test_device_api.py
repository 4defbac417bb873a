# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_device_api against the IoTS emulator over HTTPS: every call, its answers and its errors.

One emulator for the module; each test works on device ids of its own (``ids``) and checks the
emulator's request counters where the number of requests is the point.
"""

import uuid

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as api
from ansible_collections.wso2.iots.plugins.module_utils._access_token import access_token
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._errors import MASK, IotsError, IotsOptionError

from playbook_harness import emulator_fixtures

ALL_CALLS = tuple(api.CALL_SCOPES)


emulator, emu = emulator_fixtures(scope='module')


@pytest.fixture(autouse=True)
def instant_operations(emu):
    """Operations complete at once (the emulator's timing has its own conformance test)."""
    emu.configure(operation_pending=0, operation_in_progress=0)


@pytest.fixture(scope='module')
def keys(emulator):
    import requests

    response = requests.post(
        emulator.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': 'device_api_tests', 'tags': ['device_management']},
        verify=emulator.ca_path,
        timeout=15,
    )
    return response.json()


def make_client(emu):
    return IotsClient(emu.url, ca_path=emu.ca_path, sleep=lambda seconds: None)


@pytest.fixture
def admin_token(emulator, keys):
    """A grant per test: the server hands out the same token until a test expires it."""
    options = {'url': emulator.url, 'client_id': keys['client_id'], 'client_secret': keys['client_secret'], 'username': 'admin', 'password': 'admin'}
    return access_token(make_client(emulator), options.get, api.scopes_needed(*ALL_CALLS))


@pytest.fixture
def client(emu):
    return make_client(emu)


@pytest.fixture
def ids():
    prefix = uuid.uuid4().hex[:8]
    return ['%s-%d' % (prefix, n) for n in range(5)]


def test_enrol_get_modify_disenrol(client, admin_token, ids):
    device_id = ids[0]
    assert api.get_device(client, admin_token, 'android', device_id) is None
    api.enroll_device(client, admin_token, 'android', device_id, name='pump', description='hall', ownership='BYOD', properties={'site': 'lab', 'floor': '2'})
    device = api.get_device(client, admin_token, 'android', device_id)
    assert device['name'] == 'pump' and device['description'] == 'hall'
    assert device['enrolmentInfo']['status'] == 'ACTIVE' and device['enrolmentInfo']['ownership'] == 'BYOD'
    assert api.properties_dict(device) == {'floor': '2', 'site': 'lab'}
    api.modify_device(client, admin_token, 'android', device_id, name='pump-2', properties={'site': 'yard'})
    device = api.get_device(client, admin_token, 'android', device_id)
    assert device['name'] == 'pump-2' and device['description'] == 'hall'
    assert api.properties_dict(device) == {'site': 'yard'}
    assert api.disenroll_device(client, admin_token, 'android', device_id) is True
    assert api.get_device(client, admin_token, 'android', device_id)['enrolmentInfo']['status'] == 'REMOVED'
    assert api.disenroll_device(client, admin_token, 'android', device_id) is True  # REMOVED already: 200 again
    assert api.disenroll_device(client, admin_token, 'android', ids[1]) is False  # unknown: 204


def test_enrol_active_device_names_the_fix(client, admin_token, ids):
    api.enroll_device(client, admin_token, 'android', ids[0])
    with pytest.raises(IotsError) as caught:
        api.enroll_device(client, admin_token, 'android', ids[0])
    assert caught.value.status == 400
    assert 'An active enrolment exists' in str(caught.value) and 'modify it instead' in str(caught.value)


def test_enrol_unknown_type_lists_known_types(client, admin_token, ids, emu):
    with pytest.raises(IotsError) as caught:
        api.enroll_device(client, admin_token, 'fridge', ids[0])
    message = str(caught.value)
    assert "no device type 'fridge'" in message
    assert 'The types it knows: android, virtual_firealarm.' in message
    assert message.startswith('POST %s/api/device-mgt/v1.0/device/agent/enroll answered HTTP 200 false' % emu.url)
    assert emu.counts()['GET /device-types'] == 1


def test_arguments_are_sent_as_given_only_page_size_is_checked(client, admin_token, emu):
    # The modules check devices at their boundary (_device_state); this layer only refuses a page size
    # the server would answer with 400.
    with pytest.raises(IotsOptionError, match='page_size'):
        api.list_devices(client, admin_token, page_size=101)
    assert emu.counts()['api'] == 0


def test_check_device_types_names_the_known_ones(client, admin_token, emu):
    api.check_device_types(client, admin_token, [])
    assert emu.counts()['api'] == 0
    api.check_device_types(client, admin_token, ['android'])
    with pytest.raises(IotsOptionError, match="no device type 'fridge'.*knows: android, virtual_firealarm"):
        api.check_device_types(client, admin_token, ['android', 'fridge'])
    assert emu.counts()['GET /device-types'] == 2


def test_list_devices_reads_every_page(client, admin_token, emu):
    prefix = uuid.uuid4().hex[:8]
    emu.seed_devices('virtual_firealarm', ['%s-%03d' % (prefix, n) for n in range(250)], name=prefix + '-{id}')
    emu.reset()
    devices = api.list_devices(client, admin_token, device_type='virtual_firealarm', name=prefix)
    assert len(devices) == 250 and len(set(d['deviceIdentifier'] for d in devices)) == 250
    assert emu.counts()['GET /devices'] == 3
    devices = api.list_devices(client, admin_token, device_type='virtual_firealarm', name=prefix, page_size=50)
    assert len(devices) == 250 and emu.counts()['GET /devices'] == 3 + 5


def test_list_filters_and_latest_enrolment(client, admin_token, emu, ids):
    emu.seed_devices('android', ids[:2], ownership='BYOD', name='flt-' + ids[0])
    api.disenroll_device(client, admin_token, 'android', ids[0])
    removed = api.list_devices(client, admin_token, device_type='android', status='REMOVED', name='flt-' + ids[0])
    assert [d['deviceIdentifier'] for d in removed] == [ids[0]]
    # another ownership: a second enrolment row; the latest one counts
    api.enroll_device(client, admin_token, 'android', ids[0], name='flt-' + ids[0], ownership='COPE')
    rows = api.list_devices(client, admin_token, device_type='android', name='flt-' + ids[0])
    assert sorted(d['enrolmentInfo']['status'] for d in rows) == ['ACTIVE', 'ACTIVE', 'REMOVED']
    latest = api.latest_devices(rows)
    assert latest[('android', ids[0])]['enrolmentInfo']['status'] == 'ACTIVE'
    assert latest[('android', ids[0])]['enrolmentInfo']['ownership'] == 'COPE'
    assert len(api.list_devices(client, admin_token, ownership='BYOD', name='flt-' + ids[0])) == 2


def test_groups(client, admin_token, emu, ids):
    emu.seed_devices('android', ids[:3])
    name = 'grp-' + ids[0]
    group = api.create_group(client, admin_token, name, 'pumps')
    assert group['name'] == name and group['description'] == 'pumps' and group['owner'] == 'admin'
    assert isinstance(group['id'], int)
    assert api.find_group(client, admin_token, name) == group
    assert api.find_group(client, admin_token, name[:-1]) is None  # a prefix match is not the group
    with pytest.raises(IotsError) as caught:
        api.create_group(client, admin_token, name)
    assert caught.value.status == 409 and 'exists already' in str(caught.value)
    api.add_group_devices(client, admin_token, group['id'], [('android', ids[0]), ('android', ids[1])])
    members = api.group_devices(client, admin_token, group['id'])
    assert [d['deviceIdentifier'] for d in members] == ids[:2]
    api.remove_group_devices(client, admin_token, group['id'], [('android', ids[0])])
    assert [d['deviceIdentifier'] for d in api.group_devices(client, admin_token, group['id'])] == [ids[1]]
    api.update_group(client, admin_token, group['id'], name, 'renamed', 'admin')
    assert api.find_group(client, admin_token, name)['description'] == 'renamed'
    assert api.delete_group(client, admin_token, group['id']) is True
    assert api.delete_group(client, admin_token, group['id']) is False
    assert api.find_group(client, admin_token, name) is None


def test_group_list_includes_system_groups(client, admin_token):
    names = dict((g['name'], g['owner']) for g in api.list_groups(client, admin_token))
    assert names['BYOD'] == names['COPE'] == 'wso2.system.user'


def test_group_add_unknown_device_is_explained(client, admin_token, emu, ids):
    emu.seed_devices('android', ids[:1])
    group_id = emu.seed_group('grp500-' + ids[0])
    with pytest.raises(IotsError) as caught:
        api.add_group_devices(client, admin_token, group_id, [('android', ids[0]), ('android', ids[1])])
    message = str(caught.value)
    assert caught.value.status == 500
    assert 'Error occurred while adding devices to group.' in message
    assert 'not enrolled or group %d does not exist; nothing was changed' % group_id in message
    assert api.group_devices(client, admin_token, group_id) == []


def test_operation_and_activity(client, admin_token, emu, ids):
    emu.seed_devices('android', ids[:2])
    emu.set_operation_result('android', ids[1], response='no battery')
    activity = api.send_operation(client, admin_token, 'android', [ids[0], ids[1], ids[2]], 'DEVICE_RING')
    assert activity['activityId'].startswith('ACTIVITY_') and activity['type'] == 'COMMAND'
    assert api.device_statuses(activity) == {ids[2]: 'INVALID', ids[0]: 'PENDING', ids[1]: 'PENDING'}
    polled = api.get_activity(client, admin_token, activity['activityId'])
    assert api.device_statuses(polled) == {ids[2]: 'INVALID', ids[0]: 'COMPLETED', ids[1]: 'ERROR'}
    error = [s for s in polled['activityStatus'] if s['status'] == 'ERROR'][0]
    assert error['responses'][0]['response'] == 'no battery'


def test_operation_without_valid_device(client, admin_token, ids):
    with pytest.raises(IotsError) as caught:
        api.send_operation(client, admin_token, 'android', ids[:2], 'DEVICE_RING')
    assert caught.value.status == 500
    assert 'Invalid Device Identifiers found.' in str(caught.value)
    assert 'None of the devices is enrolled as android' in str(caught.value)


def test_missing_scope_names_it_in_both_flavours(client, emu, keys, ids):
    options = {'client_id': keys['client_id'], 'client_secret': keys['client_secret'], 'username': 'admin', 'password': 'admin'}
    token = access_token(client, options.get, ['devices:view'])
    with pytest.raises(IotsError) as caught:
        api.get_device(client, token, 'android', ids[0])
    message = str(caught.value)
    assert caught.value.status == 403 and caught.value.error == '900910'
    assert 'perm:devices:details (Entgra: dm:devices:details)' in message
    assert token not in message


def test_expired_token_is_explained_and_redacted(client, emu, admin_token):
    emu.expire_tokens()
    with pytest.raises(IotsError) as caught:
        api.list_devices(client, admin_token)
    assert caught.value.status == 401 and caught.value.error == '900901' and 'get a new one' in str(caught.value)
    assert admin_token not in str(caught.value)


def test_bearer_token_is_redacted_from_messages(client, emu, admin_token):
    # A server that echoes the token (here a fault body carrying it) never gets it into a message.
    client.request('GET', '/api/device-mgt/v1.0/device-types', bearer=admin_token)
    error = client._http_error('GET', client.url('/x'), 500, '{"message": "bad token %s"}' % admin_token)
    assert admin_token not in str(error) and MASK in str(error)


def test_scopes_needed():
    needed = api.scopes_needed('list_devices', 'enroll_device')
    assert needed == ['device-types:types', 'device:enroll', 'devices:view']


def test_operation_is_never_retried_enrolment_is(client, admin_token, emu, ids):
    emu.seed_devices('android', ids[:1])
    emu.set_fault('api', 'status', status=503, times=1)
    with pytest.raises(IotsError) as caught:
        api.send_operation(client, admin_token, 'android', ids[:1], 'DEVICE_RING')
    assert caught.value.status == 503
    assert emu.counts()['POST /devices/{type}/operations'] == 1
    emu.set_fault('api', 'status', status=503, times=1)
    api.enroll_device(client, admin_token, 'android', ids[1])
    assert emu.counts()['POST /device/agent/enroll'] == 2


def test_list_groups_pages_until_a_short_page(client, admin_token, emu, ids):
    # GET /groups counts every group of the caller whatever the filter, so paging cannot stop at count.
    prefix = 'many-' + ids[0]
    for n in range(120):
        emu.seed_group('%s-%03d' % (prefix, n))
    emu.reset()
    groups = api.list_groups(client, admin_token, name=prefix)
    assert len(groups) == 120 and emu.counts()['GET /groups'] == 2
    assert api.find_group(client, admin_token, '%s-119' % prefix)['name'] == '%s-119' % prefix
    assert api.list_groups(client, admin_token, name=prefix, owner='nobody') == []


def test_latest_devices_and_statuses_helpers():
    def row(identifier, enrolment, updated):
        return {'type': 't', 'deviceIdentifier': identifier, 'enrolmentInfo': {'id': enrolment, 'dateOfLastUpdate': updated}}

    rows = [row('a', 1, 5), row('a', 2, 9), row('b', 3, 1)]
    latest = api.latest_devices(rows)
    assert latest[('t', 'a')]['enrolmentInfo']['id'] == 2 and set(latest) == {('t', 'a'), ('t', 'b')}
    assert api.latest_devices(list(reversed(rows)))[('t', 'a')]['enrolmentInfo']['id'] == 2
    activity = {'activityStatus': [{'deviceIdentifier': {'id': 'a', 'type': 't'}, 'status': 'ERROR'}]}
    assert api.device_statuses(activity) == {'a': 'ERROR'} and api.device_statuses(None) == {}
    # a bare id where the DeviceIdentifier object should be is read the same way, not a traceback
    assert api.device_statuses({'activityStatus': [{'deviceIdentifier': 'b', 'status': 'COMPLETED'}]}) == {'b': 'COMPLETED'}


@pytest.mark.parametrize('kind', ['empty', 'invalid_body', 'truncated_json'])
def test_broken_answers_are_errors_never_empty_lists(client, admin_token, emu, kind):
    emu.set_fault('api', kind, times=1)
    with pytest.raises(IotsError) as caught:
        api.list_devices(client, admin_token)
    assert caught.value.status == 200 and 'GET %s/api/device-mgt/v1.0/devices' % emu.url in str(caught.value)
    emu.set_fault('api', kind, times=1)
    with pytest.raises(IotsError):
        api.get_device(client, admin_token, 'android', 'x')


def test_a_refused_token_keeps_the_clients_own_words():
    """The device-mgt layer's "get a new token, or give client credentials" is for a token the client could
    not renew; when the client renewed it and says why that failed, its words stay (the user did give
    client credentials)."""
    from ansible_collections.wso2.iots.plugins.module_utils import _api

    plain = IotsError('GET x failed: HTTP 401 900901: Invalid Credentials', status=401, error='900901')
    assert 'give client credentials instead of token' in str(_api.with_hint(plain, ['devices:view']))
    renewed = IotsError('GET x failed: HTTP 401 900901: Invalid Credentials', status=401, error='900901').with_hint(
        'IoTS refused also the new access token the task got when the first one had expired.'
    )
    assert 'give client credentials' not in str(_api.with_hint(renewed, ['devices:view']))
    assert 'IoTS refused also the new access token' in str(renewed)
