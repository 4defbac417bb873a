# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_policy_api's answers to what the module tests' emulator never says: a broken POST answer, an unknown id on
remove, a policy that stays updated, content that is no JSON; and its checks of ids."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _policy_api as policy_api
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError

from http_fakes import answer  # pylint: disable=import-error

URL = 'https://iots.example.com:8243'


@pytest.fixture
def client():
    return IotsClient(URL, sleep=lambda seconds: None)


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_content_that_is_no_json_stays_as_it_is():
    assert policy_api.parsed_content('{"a": 1}') == {'a': 1}
    assert policy_api.parsed_content('not json') == 'not json'
    assert policy_api.parsed_content({'a': 1}) == {'a': 1}
    assert policy_api.shown_content([{'n': 5.0, 'x': 0.5}]) == [{'n': 5, 'x': 0.5}]


@pytest.mark.parametrize('bad', [0, -1, True, '3', None])
def test_a_policy_id_must_be_a_positive_integer(bad):
    with pytest.raises(IotsOptionError, match='policy id must be a positive integer'):
        policy_api._path_id(bad)


def test_a_created_policy_without_its_id_is_an_error(server, client):
    server.return_value = answer(201, {'policyName': 'p'})
    with pytest.raises(IotsError, match="without the new policy's id"):
        policy_api.add_policy(client, 'tok', {'policyName': 'p'})


def test_remove_of_an_unknown_id_says_that_nothing_was_deleted(server, client):
    server.return_value = answer(400, '')
    with pytest.raises(IotsError, match='IoTS deletes nothing when one of the ids is unknown'):
        policy_api.remove_policies(client, 'tok', [7])


def test_a_policy_that_stays_updated_fails_the_wait_naming_the_timeout(server, client):
    clock = Clock()
    server.return_value = answer(200, {'id': 7, 'policyName': 'p', 'updated': True})
    with pytest.raises(IotsError, match='still shows the policy as updated .* after 3 s') as caught:
        policy_api.wait_applied(client, 'tok', 7, 3, poll=1, sleep=clock.sleep, clock=clock)
    assert caught.value.status == 200 and server.call_count == 4  # read at 0, 1, 2 and 3 s
