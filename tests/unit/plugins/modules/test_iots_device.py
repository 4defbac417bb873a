# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_device run through main() against the in-process IoTS emulator (the ``iots`` fixture)."""

import pytest
import requests

from ansible_collections.wso2.iots.plugins.modules import iots_device

FIREALARM = 'virtual_firealarm'
ENROL = 'POST /device/agent/enroll'
MODIFY = 'PUT /device/agent/enroll/{type}/{id}'
DISENROL = 'DELETE /device/agent/enroll/{type}/{id}'


@pytest.fixture
def run(run_module, iots):
    def run_device(check_mode=False, diff=False, **args):
        return run_module(iots_device, dict(iots.args, **args), check_mode=check_mode, diff=diff)

    return run_device


def lobby(**extra):
    return dict(dict(device_type=FIREALARM, device_id='lobby-01'), **extra)


def properties(device):
    return dict((p['name'], p['value']) for p in device['properties'])


class TestOneDevice(object):
    def test_unknown_device_is_enrolled_with_defaults_then_left_alone(self, run, iots):
        result = run(**lobby())
        assert result.exit_code == 0, result.result
        assert result['changed'] is True and result['action'] == 'enrolled'
        assert iots.writes == 1 and iots.count(ENROL) == 1
        enrolled = iots.device(FIREALARM, 'lobby-01')
        assert enrolled['name'] == 'lobby-01' and 'description' not in enrolled and enrolled['properties'] == []
        assert enrolled['enrolmentInfo']['ownership'] == 'COPE' and enrolled['enrolmentInfo']['owner'] == 'admin'
        assert result['device']['enrolmentInfo']['status'] == 'ACTIVE'
        assert result['device']['deviceIdentifier'] == 'lobby-01'
        assert result['device']['id'] == enrolled['id']  # what IoTS answered after the write, not a prediction

        again = run(**lobby())
        assert again['changed'] is False and again['action'] == 'none'
        assert iots.writes == 1

    def test_disenrolled_device_is_enrolled_again(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01', status='REMOVED')
        result = run(**lobby(name='Lobby'))
        assert result['changed'] is True and result['action'] == 'enrolled'
        assert iots.status(FIREALARM, 'lobby-01') == 'ACTIVE' and iots.count(ENROL) == 1
        assert result['device']['name'] == 'Lobby'

    def test_differing_name_description_or_property_is_modified_keeping_other_properties(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01', name='Lobby', properties={'floor': '0', 'firmware': '1.2'})
        assert run(**lobby(name='Lobby', properties={'floor': 0}))['changed'] is False
        result = run(**lobby(description='By the door', properties={'floor': 1}))
        assert result['changed'] is True and result['action'] == 'modified'
        assert iots.writes == 1 and iots.count(MODIFY) == 1
        device = iots.device(FIREALARM, 'lobby-01')
        assert (device['name'], device['description']) == ('Lobby', 'By the door')
        assert properties(device) == {'firmware': '1.2', 'floor': '1'}
        assert run(**lobby(description='By the door', properties={'floor': '1'}))['changed'] is False
        assert iots.writes == 1

    def test_boolean_properties_are_sent_as_iots_text(self, run, iots):
        run(**lobby(properties={'armed': True}))
        assert properties(iots.device(FIREALARM, 'lobby-01')) == {'armed': 'true'}

    def test_absent_disenrols_an_enrolled_device_only(self, run, iots):
        assert run(**lobby(state='absent'))['changed'] is False
        iots.seed(FIREALARM, 'lobby-01')
        result = run(**lobby(state='absent'))
        assert result['changed'] is True and result['action'] == 'disenrolled' and result['device'] == {}
        assert iots.status(FIREALARM, 'lobby-01') == 'REMOVED'
        assert run(**lobby(state='absent'))['changed'] is False
        assert iots.writes == 1 and iots.count(DISENROL) == 1

    def test_other_ownership_warns_and_changes_nothing(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01', ownership='BYOD')
        result = run(**lobby(ownership='COPE'))
        assert result['changed'] is False and iots.writes == 0
        assert any('enrolled as BYOD, not COPE' in warning for warning in result.warnings)

    def test_scopes_are_exactly_what_the_run_needs(self, run, iots):
        run(**lobby())
        run(**lobby(state='absent'))
        run(check_mode=True, **lobby())
        assert iots.token_requests == [
            ['device-types:types', 'device:enroll', 'device:modify', 'devices:details'],
            ['device:disenroll', 'devices:details'],
            ['device-types:types', 'devices:details'],
        ]

    def test_given_token_is_used_and_never_shown(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01')
        token = requests.post(
            iots.args['url'] + '/token',
            verify=iots.args['ca_path'],
            timeout=30,
            data=dict(
                grant_type='password',
                username=iots.args['username'],
                password=iots.args['password'],
                client_id=iots.args['client_id'],
                client_secret=iots.args['client_secret'],
                scope='perm:devices:details perm:device:modify',
            ),
        ).json()['access_token']
        iots.emu.reset()
        result = run(token=token, diff=True, **lobby(name='New'))
        assert result.exit_code == 0 and result['changed'] is True
        assert iots.count('token') == 0 and iots.device(FIREALARM, 'lobby-01')['name'] == 'New'
        assert token not in result.stdout


class TestCheckAndDiff(object):
    def test_check_mode_sends_no_write_and_predicts_the_device(self, run, iots):
        result = run(check_mode=True, **lobby(name='Lobby', properties={'floor': 2}))
        assert result['changed'] is True and result['action'] == 'enrolled'
        assert iots.writes == 0 and iots.device(FIREALARM, 'lobby-01') is None
        assert result['device']['name'] == 'Lobby'
        assert result['device']['properties'] == [{'name': 'floor', 'value': '2'}]

    def test_check_mode_absent_sends_nothing(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01')
        result = run(check_mode=True, **lobby(state='absent'))
        assert result['changed'] is True and iots.writes == 0
        assert iots.status(FIREALARM, 'lobby-01') == 'ACTIVE'

    def test_diff_shows_the_managed_fields_before_and_after(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01', name='Old')
        result = run(diff=True, **lobby(name='New'))
        key = FIREALARM + '/lobby-01'
        assert result['diff']['before'][key]['name'] == 'Old'
        assert result['diff']['after'][key]['name'] == 'New'
        assert result['diff']['after'][key]['status'] == 'ACTIVE'

    def test_diff_of_no_change_is_empty(self, run, iots):
        iots.seed(FIREALARM, 'lobby-01')
        assert run(diff=True, **lobby())['diff'] == {'before': {}, 'after': {}}


class TestBadInput(object):
    @pytest.mark.parametrize(
        'args, words',
        [
            (lobby(device_id='a/b'), "device_id 'a/b' contains \"/\""),
            (lobby(device_id=''), 'device_id must be a non-empty string'),
            (lobby(device_id=' x'), 'has leading or trailing white space'),
            (lobby(properties=['floor', '2']), 'properties must be a mapping of property name to value'),
            (lobby(properties='floor=2'), 'properties must be a mapping'),
            (lobby(properties={'floor': {'level': 2}}), 'properties.floor must be a string, number or boolean'),
            (dict(devices=[lobby(), lobby(name='again')]), 'devices[1] names device virtual_firealarm/lobby-01 again'),
            (dict(devices=[lobby(device_id='x/y')]), 'devices[0].device_id'),
            (dict(devices=[lobby(properties=[1])]), 'devices[0].properties must be a mapping'),
        ],
    )
    def test_rejected_before_any_request(self, run, iots, args, words):
        result = run(**args)
        assert result.failed and words in result['msg'], result['msg']
        assert iots.requests == 0 and not iots.sent

    def test_devices_and_single_options_are_exclusive(self, run, iots):
        result = run(devices=[lobby()], device_type=FIREALARM, device_id='x')
        assert result.failed and 'mutually exclusive' in result['msg']
        assert iots.requests == 0

    def test_unknown_device_type_fails_before_any_write_listing_the_known_types(self, run, iots):
        result = run(devices=[lobby(), dict(device_type='firealarm', device_id='x')])
        assert result.failed
        assert result['msg'] == (
            "IoTS has no device type 'firealarm' (no device-type plugin is installed for it). The types it knows: android, virtual_firealarm."
        )
        assert iots.writes == 0

    def test_unknown_type_of_a_device_to_disenrol_is_no_change(self, run, iots):
        result = run(device_type='firealarm', device_id='x', state='absent')
        assert result['changed'] is False and iots.count('GET /device-types') == 0 and iots.writes == 0

    def test_enrolment_answered_false_names_the_type(self, run, iots):
        # The type passes the check, then its plugin is gone: IoTS answers the enrolment 200 false.
        iots.emu.add_device_type('ghost')
        iots.after('GET', '/device-types', 1, lambda: iots.emu.state.device_types.remove('ghost'))
        result = run(devices=[dict(device_type='ghost', device_id='x'), dict(device_type='ghost', device_id='y')])
        assert result.failed and "answered HTTP 200 false. IoTS has no device type 'ghost'" in result['msg']
        assert [d['device_id'] for d in result['pending']] == ['y']
        assert iots.count(ENROL) == 1

    def test_server_error_is_one_line_with_url_and_status(self, run, iots):
        iots.emu.set_fault('api', 'status', status=503)
        result = run(**lobby())
        assert result.failed and result['status'] == 503 and 'HTTP 503' in result['msg']
        assert 'GET %s/api/device-mgt/v1.0/devices/virtual_firealarm/lobby-01' % iots.args['url'] in result['msg']
        assert '\n' not in result['msg'] and iots.writes == 0


class TestBulk(object):
    def fleet(self, count, **extra):
        return [dict(device_type=FIREALARM, device_id='alarm-%04d' % n, **extra) for n in range(count)]

    def test_reads_once_per_type_and_writes_only_what_differs(self, run, iots):
        iots.seed(FIREALARM, 'alarm-0000')
        iots.seed(FIREALARM, 'alarm-0001', name='old name')
        iots.seed('android', 'phone-1')
        iots.seed(FIREALARM, 'alarm-0002', status='REMOVED')
        devices = self.fleet(4)
        devices[1]['name'] = 'new name'
        devices.append(dict(device_type='android', device_id='phone-1', state='absent'))
        result = run(devices=devices)
        assert result['changed'] is True
        # Only the devices that change are listed; the unchanged one is counted in summary.none.
        assert [(d['device_id'], d['action'], d['changed']) for d in result['devices']] == [
            ('alarm-0001', 'modified', True),
            ('alarm-0002', 'enrolled', True),
            ('alarm-0003', 'enrolled', True),
            ('phone-1', 'disenrolled', True),
        ]
        assert result['summary'] == {'enrolled': 2, 'modified': 1, 'disenrolled': 1, 'none': 1}
        assert iots.count('GET /devices') == 2 and iots.count('GET /devices/{type}/{id}') == 0
        assert iots.token_requests == [['device-types:types', 'device:disenroll', 'device:enroll', 'device:modify', 'devices:view']]
        assert iots.writes == 4
        assert iots.device(FIREALARM, 'alarm-0001')['name'] == 'new name'
        assert iots.status('android', 'phone-1') == 'REMOVED'

        again = run(devices=devices)
        assert again['changed'] is False and again['summary']['none'] == 5
        assert again['devices'] == []
        assert iots.writes == 4

    def test_a_device_listed_twice_counts_by_its_newest_enrolment(self, run, iots):
        iots.seed(FIREALARM, 'alarm-0000', status='REMOVED', owner='alice', ownership='BYOD')
        # Enrolled again by another owner: GET /devices lists both enrolments, the newest one is ACTIVE.
        iots.emu.state.enrol_device('carbon.super', FIREALARM, 'alarm-0000', 'admin', 'COPE')
        assert run(devices=self.fleet(1))['changed'] is False
        assert iots.writes == 0

    def test_empty_fleet_asks_nothing(self, run, iots):
        result = run(devices=[])
        assert result['changed'] is False and result['devices'] == []
        assert iots.requests == 0 and not iots.sent

    def test_check_mode_and_diff_of_a_fleet(self, run, iots):
        iots.seed(FIREALARM, 'alarm-0000')
        result = run(check_mode=True, diff=True, devices=self.fleet(3))
        assert result['summary'] == {'enrolled': 2, 'modified': 0, 'disenrolled': 0, 'none': 1}
        assert [(d['device_id'], d['action'], d['changed']) for d in result['devices']] == [('alarm-0001', 'enrolled', True), ('alarm-0002', 'enrolled', True)]
        assert iots.writes == 0
        assert sorted(result['diff']['after']) == [FIREALARM + '/alarm-0001', FIREALARM + '/alarm-0002']
        assert result['diff']['before'] == {FIREALARM + '/alarm-0001': {}, FIREALARM + '/alarm-0002': {}}

    def test_a_fault_mid_run_reports_what_was_done_and_what_was_not(self, run, iots):
        # The gateway loses its back end after the second enrolment.
        iots.after('POST', '/device/agent/enroll', 2, lambda: iots.emu.set_fault('api', 'status', status=503))
        result = run(devices=self.fleet(5))
        assert result.failed and result['status'] == 503
        assert 'HTTP 503' in result['msg']
        assert '2 of 5 device(s) changed before this failure (enrolled 2, modified 0, disenrolled 0, none 0); 2 not attempted' in result['msg']
        assert [(d['device_id'], d['changed'], d.get('failed', False)) for d in result['devices']] == [
            ('alarm-0000', True, False),
            ('alarm-0001', True, False),
            ('alarm-0002', False, True),
        ]
        assert [d['device_id'] for d in result['pending']] == ['alarm-0003', 'alarm-0004']
        assert result['summary']['enrolled'] == 2

        iots.emu.clear_faults()
        rerun = run(devices=self.fleet(5))
        assert rerun['summary'] == {'enrolled': 3, 'modified': 0, 'disenrolled': 0, 'none': 2}

    def test_a_fault_mid_run_lists_neither_done_nor_pending_unchanged_devices(self, run, iots):
        # alarm-0000 and alarm-0003 are as wanted: neither in devices nor in pending, but counted.
        iots.seed(FIREALARM, 'alarm-0000')
        iots.seed(FIREALARM, 'alarm-0003')
        iots.after('POST', '/device/agent/enroll', 1, lambda: iots.emu.set_fault('api', 'status', status=503))
        result = run(devices=self.fleet(5))
        assert result.failed and result['status'] == 503
        assert '1 of 5 device(s) changed before this failure (enrolled 1, modified 0, disenrolled 0, none 1); 1 not attempted' in result['msg']
        assert [(d['device_id'], d['action'], d.get('failed', False)) for d in result['devices']] == [
            ('alarm-0001', 'enrolled', False),
            ('alarm-0002', 'enrolled', True),
        ]
        assert [(d['device_id'], d['action']) for d in result['pending']] == [('alarm-0004', 'enrolled')]
        assert result['summary'] == {'enrolled': 1, 'modified': 0, 'disenrolled': 0, 'none': 1}

    def test_type_and_id_are_short_for_device_type_and_device_id(self, run, iots):
        result = run(devices=[{'type': FIREALARM, 'id': 'alarm-0000', 'name': 'Alarm'}])
        assert result['devices'] == [{'device_type': FIREALARM, 'device_id': 'alarm-0000', 'action': 'enrolled', 'changed': True}]
        assert iots.device(FIREALARM, 'alarm-0000')['name'] == 'Alarm'
