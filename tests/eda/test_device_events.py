# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""main() of wso2.iots.device_events with a list-backed queue, against the in-process emulator over HTTPS
(ansible.eda's unit-test pattern, with the real client instead of mocks)."""

import asyncio
import logging
import time
import uuid

import pytest

from conftest import PASSWORD
from gateway_client import Gateway

from ansible_collections.wso2.iots.plugins.module_utils import _events
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError


class ListQueue(asyncio.Queue):
    """ansible.eda's test queue: put() appends."""

    def __init__(self):
        super().__init__()
        self.events = []

    async def put(self, item):
        self.events.append(item)


def new_ids(count=4):
    prefix = uuid.uuid4().hex[:8]
    return ['%s-%d' % (prefix, n) for n in range(count)]


async def until(condition, timeout=15.0, what='condition', task=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if task is not None and task.done():
            task.result()  # the source's own error, if it stopped
            raise AssertionError('the source stopped before %s' % what)
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % what)
        await asyncio.sleep(0.02)


def polls_done(emu):
    """Polls whose device scan is over: each poll ends with its one GET /activities (a scan may take several
    GET /devices pages)."""
    return emu.counts()['GET /activities']


class Running(object):
    """main() as a task, stopped (cancelled, as ansible-rulebook does at shutdown) at the end."""

    def __init__(self, main, args):
        self.queue = ListQueue()
        self.task = asyncio.ensure_future(main(self.queue, args))

    async def stop(self):
        if not self.task.done():
            self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass

    def kinds(self):
        return sorted(e['iots']['event'] for e in self.queue.events)


def send_operation(emu, device_ids):
    gateway = Gateway(emu)
    client = gateway.keys(user=('admin', PASSWORD))
    token = gateway.access(client, username='admin', password=PASSWORD, scope='perm:devices:operations')['access_token']
    response = gateway.api(
        'POST', '/devices/android/operations', token=token, json={'deviceIdentifiers': device_ids, 'operation': {'code': 'DEVICE_LOCK', 'type': 'COMMAND'}}
    )
    gateway.session.close()
    assert response.status_code == 201, response.text
    return response.json()['activityId']


def test_baseline_is_silent_then_each_kind_once_without_duplicates(main, emu, args):
    ids = new_ids()
    emu.seed_devices('android', ids[:3], name='pump {id}', ownership='BYOD')

    async def scenario():
        run = Running(main, args)
        await until(lambda: polls_done(emu) >= 2, what='the baseline', task=run.task)
        assert run.queue.events == []
        emu.seed_devices('android', ids[3:4], name='pump {id}')  # enrolled
        emu.set_device_status('android', ids[0], 'INACTIVE')  # status_changed
        emu.set_device_status('android', ids[1], 'REMOVED')  # disenrolled
        emu.set_operation_result('android', ids[2], status='ERROR', response='battery low')
        failed = send_operation(emu, [ids[2]])  # operation_failed
        emu.set_operation_result('android', ids[3], status='COMPLETED')
        completed = send_operation(emu, [ids[3]])  # operation_completed
        await until(lambda: len(run.queue.events) >= 5, what='five events', task=run.task)
        before = polls_done(emu)
        await until(lambda: polls_done(emu) >= before + 4, what='four more polls')
        await run.stop()
        return run, failed, completed

    run, failed, completed = asyncio.run(scenario())
    assert run.kinds() == sorted(_events.EVENT_KINDS), run.queue.events  # each once: no duplicates over polls
    by_kind = dict((e['iots']['event'], e) for e in run.queue.events)
    assert by_kind['enrolled']['iots'] == {
        'event': 'enrolled',
        'previous_status': None,
        'operation': None,
        'device': {'type': 'android', 'id': ids[3], 'name': 'pump ' + ids[3], 'status': 'ACTIVE', 'owner': 'admin', 'ownership': 'COPE'},
    }
    assert by_kind['status_changed']['iots']['previous_status'] == 'ACTIVE'
    assert by_kind['status_changed']['iots']['device']['status'] == 'INACTIVE'
    assert by_kind['status_changed']['iots']['device']['ownership'] == 'BYOD'
    assert by_kind['disenrolled']['iots']['device']['status'] == 'REMOVED'
    assert by_kind['operation_failed']['iots']['operation'] == {'activity_id': failed, 'code': 'DEVICE_LOCK', 'status': 'ERROR', 'response': 'battery low'}
    assert by_kind['operation_failed']['iots']['device']['id'] == ids[2]
    assert by_kind['operation_failed']['iots']['device']['name'] == 'pump ' + ids[2]
    assert by_kind['operation_completed']['iots']['operation']['activity_id'] == completed
    uuids = [e['meta']['uuid'] for e in run.queue.events]
    assert len(set(uuids)) == 5 and all(str(uuid.UUID(u)) == u for u in uuids)
    # The same change gives the same id (another run, a restart): a UUID5 of server, enrolment and change.
    info = [d for d in emu.devices() if d['deviceIdentifier'] == ids[0]][0]['enrolmentInfo']
    assert by_kind['status_changed']['meta']['uuid'] == _events.event_id('status_changed', emu.url, info['id'], 'ACTIVE', 'INACTIVE', info['dateOfLastUpdate'])


def test_one_request_per_100_devices_plus_the_activities_call(main, emu, args):
    emu.seed_devices('virtual_firealarm', new_ids(250))
    total = len(emu.devices())

    async def scenario():
        run = Running(main, dict(args, max_polls=3))
        await asyncio.wait_for(run.task, 30)
        return run

    run = asyncio.run(scenario())
    pages = -(-total // 100)
    counts = emu.counts()
    assert counts['GET /devices'] == 3 * pages and counts['GET /activities'] == 3
    assert counts['GET /devices/{type}/{id}'] == 0 and counts['token'] == 1 and counts['api:write'] == 0
    assert run.queue.events == []


def test_emit_initial_and_device_types_and_events_filters(main, emu, args):
    ids = new_ids(2)
    emu.seed_devices('virtual_firealarm', ids[:1])
    emu.seed_devices('android', ids[1:])

    async def scenario(extra):
        run = Running(main, dict(args, max_polls=1, **extra))
        await asyncio.wait_for(run.task, 30)
        return run

    run = asyncio.run(scenario({'emit_initial': True, 'device_types': ['virtual_firealarm'], 'events': ['enrolled']}))
    listed = [e['iots']['device']['id'] for e in run.queue.events]
    assert ids[0] in listed and ids[1] not in listed
    assert set(run.kinds()) == {'enrolled'}
    assert emu.counts()['GET /activities'] == 0  # no operation events asked: no activities call
    firealarms = len([d for d in emu.devices() if d['type'] == 'virtual_firealarm'])
    assert emu.counts()['GET /devices'] == -(-firealarms // 100)  # only the pages of the type asked for


def test_token_expiry_mid_run_gets_a_new_token_and_loses_no_change(main, emu, args, caplog):
    ids = new_ids(1)
    emu.seed_devices('android', ids)
    caplog.set_level(logging.INFO)

    async def scenario():
        run = Running(main, args)
        await until(lambda: polls_done(emu) >= 2, what='the baseline', task=run.task)
        emu.expire_tokens()
        emu.set_device_status('android', ids[0], 'UNREACHABLE')
        await until(lambda: run.kinds() == ['status_changed'], what='the status change', task=run.task)
        await run.stop()
        return run

    run = asyncio.run(scenario())
    assert run.queue.events[0]['iots']['device']['status'] == 'UNREACHABLE'
    assert emu.counts()['token'] == 2
    # The source renews between polls and says so (the shared client does not renew behind its back).
    assert 'the access token expired; getting a new one' in caplog.text


@pytest.mark.parametrize('kind', ['status', 'drop'])
def test_server_faults_are_logged_and_retried_and_no_secret_is_logged(main, emu, args, caplog, kind):
    ids = new_ids(1)
    emu.seed_devices('android', ids)
    caplog.set_level(logging.DEBUG)

    async def scenario():
        run = Running(main, args)
        await until(lambda: polls_done(emu) >= 2, what='the baseline', task=run.task)
        emu.set_fault('api', kind, status=500, times=3)
        emu.set_device_status('android', ids[0], 'INACTIVE')
        await until(lambda: 'status_changed' in run.kinds(), what='the change after the faults', task=run.task)
        emu.expire_tokens()
        await until(lambda: emu.counts()['token'] >= 2, what='a new token')
        await run.stop()
        return run

    run = asyncio.run(scenario())
    assert run.kinds() == ['status_changed'], run.queue.events
    warnings = [r.getMessage() for r in caplog.records if 'poll failed' in r.getMessage()]
    assert warnings and all(emu.url + '/api/device-mgt/v1.0/' in w for w in warnings), warnings
    assert all('\n' not in w and 'Traceback' not in w for w in warnings)
    logged = '\n'.join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, args['client_secret']):
        assert secret not in logged


@pytest.mark.parametrize(
    'bad, words',
    [
        ({'url': None}, 'url is required'),
        ({'interval': 0}, 'interval must be greater than 0'),
        ({'interval': 'soon'}, 'interval must be a number'),
        ({'events': ['enrolled', 'rebooted']}, 'events: unknown rebooted'),
        ({'device_types': 'android'}, 'device_types must be a list'),
        ({'validate_certs': 'maybe'}, 'validate_certs must be a boolean'),
        ({'client_secret': None}, 'give token, or client_id and client_secret'),
        ({'username': None}, 'username and password go together'),
        ({'pasword': 'x'}, 'unknown argument(s): pasword'),
    ],
)
def test_bad_arguments_raise_value_error_before_any_request(main, emu, args, bad, words):
    with pytest.raises(ValueError) as caught:
        asyncio.run(main(ListQueue(), dict(args, **bad)))
    assert words in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert emu.counts()['api'] == 0 and emu.counts()['token'] == 0


def test_tls_failure_stops_with_a_clear_message(main, emu, args):
    with pytest.raises(IotsError) as caught:
        asyncio.run(main(ListQueue(), dict(args, ca_path=None)))
    assert 'TLS verification failed' in str(caught.value) and 'ca_path' in str(caught.value)


def test_unreachable_server_at_start_is_retried_then_stops(main, args, caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(IotsError) as caught:
        asyncio.run(main(ListQueue(), dict(args, url='https://127.0.0.1:9', interval=0.01)))
    assert 'connection refused' in str(caught.value)
    assert len([r for r in caplog.records if 'poll failed' in r.getMessage()]) == 4


def test_operation_events_need_the_admin_role(main, emu, args, keys):
    viewer = dict(args, username='viewer', password=PASSWORD + '-v')
    with pytest.raises(IotsError) as caught:
        asyncio.run(main(ListQueue(), viewer))
    assert 'HTTP 401' in str(caught.value) and 'admin role' in str(caught.value)
    assert 'leave operation_completed and operation_failed out of events' in str(caught.value)
    # Without operation events it needs neither the role nor the activities list.
    run = asyncio.run(main(ListQueue(), dict(viewer, events=['status_changed'], max_polls=1)))
    assert run is None


def test_a_row_missing_from_one_scan_is_not_a_disenrolment():
    row = {'type': 'android', 'id': 'a', 'name': None, 'status': 'ACTIVE', 'owner': 'u', 'ownership': 'BYOD', 'updated': 1}
    events, merged = _events.diff_devices({1: row, 2: dict(row, id='b')}, {1: row})
    assert events == [] and set(merged) == {1, 2}
    events, merged = _events.diff_devices(merged, {2: dict(row, id='b', status='REMOVED')})
    assert [(kind, eid) for kind, eid, _row, _old in events] == [('disenrolled', 2)]
    events, _merged = _events.diff_devices(merged, {2: dict(row, id='b', status='ACTIVE')})
    assert [(kind, old) for kind, _eid, _row, old in events] == [('enrolled', 'REMOVED')]


def test_a_missing_scope_stops_with_the_scope_named(main, emu, args, keys):
    """A given token without perm:get-activity: 403/900910 at the activities list stops the source."""
    gateway = Gateway(emu)
    token = gateway.access(keys, username='admin', password=PASSWORD, scope='perm:devices:view')['access_token']
    gateway.session.close()
    given = dict(args, token=token, client_id=None, client_secret=None, username=None, password=None)
    with pytest.raises(IotsError) as caught:
        asyncio.run(main(ListQueue(), given))
    assert 'HTTP 403' in str(caught.value) and 'perm:get-activity' in str(caught.value)
    assert token not in str(caught.value)
    assert emu.counts()['token'] == 1  # the test's own grant: the source asked for none


def test_a_given_token_that_expires_stops_the_source(main, emu, args, keys):
    gateway = Gateway(emu)
    token = gateway.access(keys, username='admin', password=PASSWORD, scope='perm:devices:view perm:get-activity')['access_token']
    gateway.session.close()
    given = dict(args, token=token, client_id=None, client_secret=None, username=None, password=None)

    async def scenario():
        run = Running(main, given)
        await until(lambda: polls_done(emu) >= 1, what='the baseline', task=run.task)
        emu.expire_tokens()
        await asyncio.wait_for(run.task, 15)

    with pytest.raises(IotsError) as caught:
        asyncio.run(scenario())
    assert 'HTTP 401' in str(caught.value) and 'expired' in str(caught.value)


def test_entgra_flavor_asks_for_entgra_scope_names(main, tmp_path):
    """server_flavor: entgra: the token is asked for dm:devices:view and dm:activity:get (Entgra 7.x)."""
    from iots_emulator import Emulator

    with Emulator(port=0, version='entgra', state_dir=str(tmp_path)) as entgra:
        gateway = Gateway(entgra)
        response = gateway.register('eda_entgra', user=('admin', 'admin'), supportedGrantTypes=['password', 'refresh_token', 'client_credentials'])
        gateway.session.close()
        assert response.status_code == 201, response.text
        ids = new_ids(1)
        entgra.seed_devices('android', ids)
        args = {
            'url': entgra.url,
            'ca_path': entgra.ca_path,
            'client_id': response.json()['client_id'],
            'client_secret': response.json()['client_secret'],
            'username': 'admin',
            'password': 'admin',
            'server_flavor': 'entgra',
            'interval': 0.1,
        }

        async def scenario():
            run = Running(main, args)
            await until(lambda: polls_done(entgra) >= 1, what='the baseline', task=run.task)
            entgra.set_device_status('android', ids[0], 'INACTIVE')
            await until(lambda: run.kinds() == ['status_changed'], what='the status change', task=run.task)
            await run.stop()

        asyncio.run(scenario())
        assert entgra.counts()['token'] == 1
