# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.iots_policy and iots_policy_info run through main() against the in-process emulator (both flavours)."""

import copy as copy_module
import os
import uuid

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _policy_api
from ansible_collections.wso2.iots.plugins.modules import iots_policy, iots_policy_info

import access_fixtures
from playbook_harness import emulator_fixtures, register_application

emulator, emu = emulator_fixtures(scope='module')

FLAVORS = {'iots': '3.2.0', 'entgra': 'entgra'}
PASSCODE = dict(code='PASSCODE_POLICY', content=dict(allowSimple=False, minLength=6, maxFailedAttempts=None))
ENCRYPT = dict(code='ENCRYPT_STORAGE', content=dict(encrypted=True))


@pytest.fixture(autouse=True)
def no_iots_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def quick_apply(emu, monkeypatch):
    """A short apply-changes delay, and no task of an earlier test still pending: the emulator is shared by
    this file's tests, and such a task would push whatever policy is updated when it runs."""
    store = emu.state.policies
    with emu.state.lock:
        if store.task_due is not None:
            store.run_due(store.task_due, emu.state.devices)
        store.apply_delay = 0.05
    monkeypatch.setattr(iots_policy, 'POLL', 0.05)


@pytest.fixture(scope='module')
def keys(emulator):
    return register_application(emulator, 'policy_tests')


@pytest.fixture(params=sorted(FLAVORS))
def flavor(request, emu):
    emu.configure(version=FLAVORS[request.param])
    return request.param


@pytest.fixture
def connection(emu, keys, flavor):
    return access_fixtures.connection(emu, keys, flavor, password='admin')


@pytest.fixture
def run(run_module, connection):
    def run_policy(check_mode=False, diff=False, module=iots_policy, **args):
        return run_module(module, dict(connection, **args), check_mode=check_mode, diff=diff)

    return run_policy


def writes(emu):
    return emu.counts()['api:write']


def policy(**extra):
    args = dict(name='p_%s' % uuid.uuid4().hex[:8], device_type='android', features=[PASSCODE, ENCRYPT])
    args.update(extra)
    return args


def test_normal_content_is_gsons():
    assert _policy_api.normal_content({'a': 5, 'b': None, 'c': [1, {'d': None}], 'e': '5', 'f': True}) == {'a': 5.0, 'c': [1.0, {}], 'e': '5', 'f': True}
    assert _policy_api.shown_content(_policy_api.parsed_content('{"a":5.0,"b":5.5}')) == {'a': 5, 'b': 5.5}


def test_create_then_second_run_sends_nothing(run, emu):
    args = policy(groups=[], roles=['ANY'])
    created = run(**args)
    assert created['changed'] is True and created['applied'] is True, created.result
    shown = created['policy']
    assert shown['active'] is True and isinstance(shown['id'], int)
    assert shown['features'] == [
        dict(code='ENCRYPT_STORAGE', content={'encrypted': True}),
        dict(code='PASSCODE_POLICY', content={'allowSimple': False, 'minLength': 6}),
    ]
    counts = emu.counts()
    assert counts['POST /policies'] == 1 and counts['PUT /policies/apply-changes'] >= 1  # a pending task: retried
    assert counts['PUT /policies/{id}'] == 0

    emu.reset()
    again = run(**args)
    assert again['changed'] is False and writes(emu) == 0, again.result
    assert emu.counts()['PUT /policies/apply-changes'] == 0


def test_content_difference_puts_the_full_body_once(run, emu):
    args = policy()
    run(**args)
    emu.reset()
    changed = run(diff=True, **dict(args, features=[PASSCODE, dict(ENCRYPT, content={'encrypted': False})]))
    assert changed['changed'] is True
    assert changed['diff']['before']['features'][0]['content'] == {'encrypted': True}
    assert changed['diff']['after']['features'][0]['content'] == {'encrypted': False}
    counts = emu.counts()
    assert counts['PUT /policies/{id}'] == 1 and counts['PUT /policies/apply-changes'] >= 1
    assert counts['POST /policies/activate-policy'] == 0


def test_deactivate_uses_its_own_call(run, emu):
    args = policy()
    run(**args)
    emu.reset()
    result = run(**dict(args, active=False))
    assert result['changed'] is True and result['policy']['active'] is False
    counts = emu.counts()
    assert counts['POST /policies/deactivate-policy'] == 1 and counts['PUT /policies/{id}'] == 0


def test_check_mode_writes_nothing(run, emu):
    result = run(check_mode=True, diff=True, **policy())
    assert result['changed'] is True and result['policy']['id'] is None and result['diff']['before'] == {}
    assert writes(emu) == 0


def test_duplicate_names_fail_listing_ids_and_policy_id_chooses(run, emu):
    args = policy(apply_changes=False)
    first = run(**args)['policy']['id']
    with emu.state.lock:  # a second policy of the same name and type, as another client may have made it
        store = emu.state.policies
        copy = copy_module.deepcopy(store.by_id[first])
        copy['id'] = store.new_ids()[0]
        store.by_id[copy['id']] = copy
    emu.reset()
    failed = run(**args)
    assert failed.failed and 'ids %d, %d' % (first, copy['id']) in failed['msg'] and 'policy_id' in failed['msg']
    assert failed['policy_ids'] == [first, copy['id']]
    chosen = run(policy_id=copy['id'], **dict(args, description='the copy'))
    assert chosen['changed'] is True and chosen['policy']['id'] == copy['id']
    assert not store.by_id[first].get('description')
    assert writes(emu) == 1


def test_priority_renumbers_only_when_the_rank_differs(run, emu):
    first = run(**policy(apply_changes=False))['policy']
    second = run(**policy(apply_changes=False))['policy']
    emu.reset()
    moved = run(**dict(policy(), name=second['name'], priority=1, apply_changes=False))
    assert moved['changed'] is True and moved['policy']['priority'] == 1
    assert emu.counts()['PUT /policies/priorities'] == 1
    emu.reset()
    assert run(**dict(policy(), name=second['name'], priority=1, apply_changes=False))['changed'] is False
    assert writes(emu) == 0
    del first


def test_unknown_group_and_bad_input_fail_before_any_write(run, emu):
    assert 'no device group' in run(**policy(groups=['nope']))['msg']
    for args, words in (
        (dict(priority=0), 'priority must be 1'),
        (dict(features=[dict(code='X', content='5')]), 'must be a mapping'),
        (dict(features=[PASSCODE, PASSCODE]), 'names feature code'),
        (dict(device_type='a/b'), 'contains "/"'),
    ):
        result = run(**policy(**args))
        assert result.failed and words in result['msg'], result.result
    assert writes(emu) == 0


def test_an_unknown_role_fails_before_any_write_and_a_known_one_is_kept(run, emu):
    result = run(**policy(roles=['admin', 'no_such_role']))
    assert result.failed and "IoTS has no role 'no_such_role'" in result['msg'], result.result
    assert result['unknown_roles'] == ['no_such_role'] and writes(emu) == 0
    kept = run(**policy(roles=['admin']))
    # (the password is admin too, so Ansible masks the role's name in the result)
    assert not kept.failed and len(kept['policy']['roles']) == 1, kept.result


def test_groups_by_name(run, emu):
    name = 'g_%s' % uuid.uuid4().hex[:6]
    emu.seed_group(name)
    result = run(**policy(groups=[name]))
    assert result['policy']['groups'] == [name]


def test_absent_deactivates_applies_waits_then_removes(run, emu):
    args = policy()
    run(**args)
    emu.reset()
    gone = run(name=args['name'], device_type='android', state='absent')
    assert gone['changed'] is True and gone['policy'] == {}
    counts = emu.counts()
    assert counts['POST /policies/deactivate-policy'] == 1 and counts['PUT /policies/apply-changes'] >= 1
    assert counts['POST /policies/remove-policy'] == 1
    assert run(name=args['name'], device_type='android', state='absent')['changed'] is False


def test_absent_pushes_a_deactivation_left_unapplied_before_removing(run, emu):
    # An earlier run deactivated the policy but its apply-changes never ran: IoTS still shows it updated.
    args = policy(apply_changes=False)  # (no apply-changes task of its own that could run meanwhile)
    run(**args)
    run(**dict(args, active=False))
    store = emu.state.policies
    pending = [p for p in store.by_id.values() if p['policyName'] == args['name']]
    assert pending[0]['active'] is False and pending[0]['updated'] is True
    tasks = store.applied
    emu.reset()
    gone = run(name=args['name'], device_type='android', state='absent')
    assert gone['changed'] is True and gone['applied'] is True, gone.result
    counts = emu.counts()
    assert counts['POST /policies/deactivate-policy'] == 0 and counts['PUT /policies/apply-changes'] >= 1
    assert counts['POST /policies/remove-policy'] == 1
    assert store.applied > tasks  # the devices were told before the policy went
    assert all(p['policyName'] != args['name'] for p in store.by_id.values())


def test_absent_whose_apply_fails_says_a_new_run_pushes_first(run, emu):
    # No apply-changes task of the creation's own: one still scheduled when the removal starts would
    # push the deactivation itself (IoTS's task applies every updated policy), and nothing would fail.
    args = policy(apply_changes=False)
    created = run(**args)
    assert created['changed'] is True and not created.failed, created.result
    emu.state.policies.apply_delay = 30  # the task never runs within the wait
    failed = run(apply_timeout=1, name=args['name'], device_type='android', state='absent')
    assert failed.failed and failed['changed'] is True, failed.result
    assert 'deactivated policy' in failed['msg'] and 'Run the task again' in failed['msg'], failed['msg']
    emu.state.policies.task_due = None
    emu.state.policies.apply_delay = 0.05
    emu.reset()
    gone = run(name=args['name'], device_type='android', state='absent')
    assert gone['changed'] is True and gone['applied'] is True and emu.counts()['POST /policies/remove-policy'] == 1


def test_apply_changes_pending_500_is_retried(run, emu):
    emu.state.policies.apply_delay = 0.3
    run(**policy())  # schedules a task that is still pending
    result = run(**policy())
    assert result['changed'] is True and result['applied'] is True
    assert emu.counts()['PUT /policies/apply-changes'] >= 3


def test_failure_before_apply_changes_says_what_was_done(run, emu):
    emu.state.policies.apply_delay = 30
    run(**policy())
    result = run(apply_timeout=1, **policy())
    assert result.failed and result['changed'] is True
    assert 'created policy' in result['msg'] and 'not yet pushed to devices' in result['msg'], result['msg']
    emu.state.policies.task_due = None


def test_apply_timeout_is_the_wait_and_timeout_stays_per_request(run, emu, monkeypatch):
    waits = []
    real = _policy_api.apply_changes

    def recorded(client, token, timeout, *args, **kwargs):
        waits.append((timeout, client.timeout))
        return real(client, token, timeout, *args, **kwargs)

    monkeypatch.setattr(_policy_api, 'apply_changes', recorded)
    run(timeout=7, **policy())
    run(timeout=7, apply_timeout=45, **policy())
    assert waits == [(120, 7), (45, 7)]
    bad = run(apply_timeout=0, **policy())
    assert bad.failed and 'apply_timeout must be 1' in bad['msg']


def test_info_lists_with_content_as_mappings(run, emu):
    args = policy(apply_changes=False)
    run(**args)
    emu.reset()
    found = run(module=iots_policy_info, name=args['name'])
    assert found['changed'] is False and len(found['policies']) == 1
    assert found['policies'][0]['features'][1]['content'] == {'allowSimple': False, 'minLength': 6}
    assert writes(emu) == 0


def test_a_new_policy_asked_to_be_last_needs_no_renumbering(run, emu):
    run(**policy(apply_changes=False))
    emu.reset()
    result = run(**policy(priority=99, apply_changes=False))
    assert result['changed'] is True and emu.counts()['PUT /policies/priorities'] == 0
