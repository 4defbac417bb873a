# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_group run through main() against the in-process IoTS emulator (the ``iots`` fixture)."""

import pytest

from ansible_collections.wso2.iots.plugins.modules import iots_group

FIREALARM = 'virtual_firealarm'
A, B, C = (FIREALARM, 'alarm-a'), (FIREALARM, 'alarm-b'), (FIREALARM, 'alarm-c')
CREATE = 'POST /groups'
UPDATE = 'PUT /groups/id/{groupId}'
DELETE = 'DELETE /groups/id/{groupId}'
ADD = 'POST /groups/id/{groupId}/devices/add'
REMOVE = 'POST /groups/id/{groupId}/devices/remove'


def member(key):
    return dict(device_type=key[0], device_id=key[1])


@pytest.fixture
def devices(iots):
    """IoTS with three enrolled fire alarms and a disenrolled one (and its system groups BYOD and COPE)."""
    iots.emu.seed_devices(FIREALARM, [A[1], B[1], C[1]])
    iots.seed(FIREALARM, 'gone', status='REMOVED')
    return iots


@pytest.fixture
def run(run_module, iots):
    def run_group(check_mode=False, diff=False, **args):
        return run_module(iots_group, dict(iots.args, **args), check_mode=check_mode, diff=diff)

    return run_group


def members_of(iots, name):
    return iots.group(name)['devices']


class TestGroup(object):
    def test_a_failure_after_the_group_was_created_reports_the_change(self, run, devices):
        # IoTS creates the group, then loses its back end before the members are added.
        iots = devices
        iots.after('POST', '/groups', 1, lambda: iots.emu.set_fault('api', 'status', status=500))
        result = run(name='half', devices=[member(A)])
        assert result.failed and result['status'] == 500 and result['changed'] is True, result.result
        assert iots.count(CREATE) == 1

    def test_new_group_is_created_and_found_by_name_then_left_alone(self, run, devices):
        iots = devices
        result = run(name='lobby', description='Lobby sensors', devices=[member(A)])
        assert result['changed'] is True
        created = iots.group('lobby')
        assert result['group'] == {'id': created['id'], 'name': 'lobby', 'description': 'Lobby sensors', 'owner': 'admin'}
        assert result['devices'] == [member(A)] and result['added'] == [member(A)]
        assert members_of(iots, 'lobby') == [A]
        assert iots.writes == 2 and iots.count(CREATE) == 1 and iots.count(ADD) == 1
        # one look-up before the create, one after it (POST /groups answers without the new id)
        assert iots.count('GET /groups') == 2

        again = run(name='lobby', description='Lobby sensors', devices=[member(A)])
        assert again['changed'] is False and iots.writes == 2

    def test_description_change_keeps_the_owner(self, run, devices):
        iots = devices
        group_id = iots.emu.seed_group('lobby', description='old', owner='alice')
        result = run(name='lobby', description='new')
        assert result['changed'] is True
        assert iots.writes == 1 and iots.count(UPDATE) == 1
        assert iots.group('lobby')['id'] == group_id
        assert (iots.group('lobby')['description'], iots.group('lobby').get('owner')) == ('new', 'alice')
        assert run(name='lobby')['changed'] is False

    def test_no_description_and_an_empty_one_are_the_same(self, run, devices):
        iots = devices
        iots.emu.seed_group('quiet', description=None)
        assert run(name='quiet', description='')['changed'] is False and iots.writes == 0

    def test_without_purge_members_are_only_added(self, run, devices):
        iots = devices
        iots.emu.seed_group('lobby', members=[A, B])
        result = run(name='lobby', devices=[member(B), member(C)])
        assert result['changed'] is True and result['added'] == [member(C)] and result['removed'] == []
        assert members_of(iots, 'lobby') == [A, B, C]
        assert iots.count(REMOVE) == 0

    def test_with_purge_members_are_exactly_the_given_ones(self, run, devices):
        iots = devices
        iots.emu.seed_group('lobby', members=[A, B])
        result = run(name='lobby', devices=[member(B), member(C)], purge_devices=True)
        assert result['added'] == [member(C)] and result['removed'] == [member(A)]
        assert members_of(iots, 'lobby') == [B, C]
        assert run(name='lobby', devices=[member(B), member(C)], purge_devices=True)['changed'] is False
        assert run(name='lobby', devices=[], purge_devices=True)['removed'] == [member(B), member(C)]
        assert members_of(iots, 'lobby') == []

    def test_absent_deletes_only_an_existing_group(self, run, devices):
        iots = devices
        assert run(name='lobby', state='absent')['changed'] is False
        assert iots.writes == 0
        iots.emu.seed_group('lobby')
        result = run(name='lobby', state='absent')
        assert result['changed'] is True and result['group'] == {}
        assert iots.group('lobby') is None and iots.count(DELETE) == 1
        assert iots.token_requests[-1] == ['groups:groups', 'groups:remove']

    def test_absent_reads_the_members_only_for_the_diff(self, run, devices):
        iots = devices
        iots.emu.seed_group('lobby', members=[A])
        result = run(diff=True, name='lobby', state='absent')
        assert result['diff']['before']['devices'] == [FIREALARM + '/alarm-a'] and result['diff']['after'] == {}
        assert iots.token_requests == [['groups:devices', 'groups:groups', 'groups:remove']]
        assert iots.count('GET /groups/id/{groupId}/devices') == 1
        iots.emu.seed_group('hall', members=[A])
        run(name='hall', state='absent')
        assert iots.count('GET /groups/id/{groupId}/devices') == 1 and iots.group('hall') is None

    def test_check_mode_and_diff_send_no_write(self, run, devices):
        iots = devices
        iots.emu.seed_group('lobby', members=[A])
        result = run(check_mode=True, diff=True, name='lobby', description='new', devices=[member(B)], purge_devices=True)
        assert result['changed'] is True and iots.writes == 0
        assert result['diff'] == {
            'before': {'name': 'lobby', 'description': '', 'devices': [FIREALARM + '/alarm-a']},
            'after': {'name': 'lobby', 'description': 'new', 'devices': [FIREALARM + '/alarm-b']},
        }
        assert iots.token_requests == [['devices:view', 'groups:devices', 'groups:groups']]
        assert members_of(iots, 'lobby') == [A]

    def test_check_mode_of_a_new_group(self, run, devices):
        iots = devices
        result = run(check_mode=True, name='lobby')
        assert result['changed'] is True and result['group']['id'] is None and iots.writes == 0
        assert iots.group('lobby') is None

    def test_scopes_of_a_full_run(self, run, devices):
        iots = devices
        run(name='lobby', description='x', devices=[member(A)], purge_devices=True)
        assert iots.token_requests == [
            ['devices:view', 'groups:add', 'groups:devices', 'groups:devices-add', 'groups:devices-remove', 'groups:groups', 'groups:update']
        ]


class TestBadInput(object):
    def test_member_not_enrolled_fails_before_any_write(self, run, devices):
        iots = devices
        result = run(name='lobby', devices=[member(A), member((FIREALARM, 'gone')), member((FIREALARM, 'never'))])
        assert result.failed
        assert result['msg'] == (
            "Cannot add to group 'lobby': IoTS has no enrolled device virtual_firealarm/gone, "
            "virtual_firealarm/never. Enrol them first (wso2.iots.iots_device)."
        )
        assert iots.writes == 0 and iots.group('lobby') is None

    @pytest.mark.parametrize(
        'args, words',
        [
            (dict(name=''), 'name must be a non-empty group name'),
            (dict(name='g', devices=[member(A), member(A)]), 'devices[1] names device virtual_firealarm/alarm-a again'),
            (dict(name='g', devices=[member((FIREALARM, 'a/b'))]), 'devices[0].device_id'),
            (dict(name='g', devices=[{'device_id': 'x'}]), 'device_type'),
        ],
    )
    def test_rejected_before_any_request(self, run, iots, args, words):
        result = run(**args)
        assert result.failed and words in result['msg'], result['msg']
        assert iots.requests == 0 and not iots.sent

    def test_system_group_is_not_changed(self, run, devices):
        iots = devices
        result = run(name='BYOD', state='absent')
        assert result.failed and 'system group' in result['msg'] and iots.writes == 0
        result = run(name='BYOD', devices=[member(A)])
        assert result.failed and 'system group' in result['msg'] and iots.writes == 0
        assert iots.group('BYOD')['owner'] == 'wso2.system.user'
