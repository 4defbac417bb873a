# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_device_state: the wanted device against IoTS's, without requests."""

import copy

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _device_state as spec_of
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError


def device(status='ACTIVE', name='Lobby', description=None, properties=None, ownership='COPE'):
    found = {
        'id': 7,
        'type': 'virtual_firealarm',
        'deviceIdentifier': 'lobby-01',
        'name': name,
        'enrolmentInfo': {'id': 7, 'status': status, 'ownership': ownership, 'owner': 'admin'},
        'properties': [{'name': k, 'value': v} for k, v in sorted((properties or {}).items())],
    }
    if description is not None:
        found['description'] = description
    return found


def wanted(**fields):
    return spec_of.check_device(dict(dict(device_type='virtual_firealarm', device_id='lobby-01'), **fields))


@pytest.mark.parametrize(
    'spec, current, action',
    [
        (wanted(), None, 'enrolled'),
        (wanted(), device(status='REMOVED'), 'enrolled'),
        (wanted(), device(), 'none'),
        (wanted(name='Lobby'), device(status='INACTIVE'), 'none'),
        (wanted(name='Other'), device(), 'modified'),
        (wanted(description='x'), device(), 'modified'),
        (wanted(properties={'floor': 1}), device(properties={'floor': '1', 'fw': '2'}), 'none'),
        (wanted(properties={'floor': 2}), device(properties={'floor': '1'}), 'modified'),
        (wanted(state='absent'), device(), 'disenrolled'),
        (wanted(state='absent'), device(status='REMOVED'), 'none'),
        (wanted(state='absent'), None, 'none'),
    ],
)
def test_plan(spec, current, action):
    assert spec_of.plan(spec, current) == action


def test_defaults_and_property_values():
    spec = wanted(properties={'armed': False, 'floor': 0, 'note': None, 'ratio': 0.5})
    assert spec['ownership'] == 'COPE' and spec['state'] == 'present'
    # None stays None, as the body sends it and properties_dict reads it back: one converter, one answer.
    assert spec['properties'] == {'armed': 'false', 'floor': '0', 'note': None, 'ratio': '0.5'}


@pytest.mark.parametrize('bad', ['', ' ', 'a/b', None, 5, ' x'])
def test_bad_device_ids_and_types_are_refused(bad):
    with pytest.raises(IotsOptionError, match='device_id'):
        spec_of.validate_device_id(bad)
    with pytest.raises(IotsOptionError, match='device_type'):
        spec_of.validate_device_type(bad)


@pytest.mark.parametrize(
    'bad, words',
    [('', 'non-empty'), (None, 'non-empty'), ('air sensor', 'has a space'), ('a/b', 'contains "/"'), ('x' * 46, 'longer than 45 characters')],
)
def test_the_one_device_type_name_rule(bad, words):
    with pytest.raises(IotsOptionError, match=words):
        spec_of.validate_device_type(bad, 'name')
    assert spec_of.validate_device_type('x' * 45) == 'x' * 45


@pytest.mark.parametrize(
    'fields, words',
    [
        (dict(properties='floor=1'), 'properties must be a mapping'),
        (dict(properties={'': 'x'}), 'property names must be non-empty strings'),
        (dict(properties={'a': [1]}), 'properties.a must be a string, number or boolean'),
        (dict(ownership='OWNED'), 'ownership must be one of BYOD, COPE'),
        (dict(device_id='a/b'), 'contains "/"'),
    ],
)
def test_bad_device(fields, words):
    with pytest.raises(IotsOptionError, match=words):
        wanted(**fields)


def test_modify_sends_back_the_properties_it_does_not_name():
    args = spec_of.modify_args(wanted(properties={'floor': 2}), device(description='old', properties={'fw': '1'}))
    assert args == {'name': 'Lobby', 'description': 'old', 'properties': {'floor': '2', 'fw': '1'}}


def test_prediction_of_enrolling_a_removed_device_again():
    current = device(status='REMOVED', name='Old', properties={'fw': '1'})
    after = spec_of.predicted(wanted(properties={'floor': 2}), current, 'enrolled')
    assert after['enrolmentInfo']['status'] == 'ACTIVE' and after['id'] == 7
    assert after['name'] == 'lobby-01'  # the enrolment's name defaults to the id
    assert after['properties'] == [{'name': 'floor', 'value': '2'}, {'name': 'fw', 'value': '1'}]
    assert spec_of.view(current) == {} and spec_of.view(after)['status'] == 'ACTIVE'


def test_prediction_leaves_the_device_iots_has_as_it_is():
    # predicted() copies shallowly: changing a nested object in place would change IoTS's device (the diff's before).
    current = device(description='old', properties={'fw': '1'})
    untouched = copy.deepcopy(current)
    after = spec_of.predicted(wanted(name='New', properties={'floor': 2}), current, 'modified')
    assert after['name'] == 'New' and after['properties'] == [{'name': 'floor', 'value': '2'}, {'name': 'fw', 'value': '1'}]
    enrolled = spec_of.predicted(wanted(ownership='BYOD'), device(status='REMOVED'), 'enrolled')
    assert enrolled['enrolmentInfo']['ownership'] == 'BYOD'
    assert current == untouched
    assert spec_of.predicted(wanted(), current, 'none') == untouched


def test_ownership_conflict_is_a_warning_only_for_enrolled_devices():
    assert 'enrolled as BYOD, not COPE' in spec_of.ownership_conflict(wanted(), device(ownership='BYOD'))
    assert spec_of.ownership_conflict(wanted(), device(ownership='BYOD', status='REMOVED')) is None
    assert spec_of.ownership_conflict(wanted(state='absent'), device(ownership='BYOD')) is None
