# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_device_type_api's answers to what the module tests' emulator never says, and its name rule."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _device_type_api as type_api
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError

from http_fakes import answer  # pylint: disable=import-error

URL = 'https://iots.example.com:8243'
META = {'description': 'd', 'properties': [], 'features': []}


@pytest.fixture
def client():
    return IotsClient(URL, sleep=lambda seconds: None)


@pytest.mark.parametrize(
    'bad, words',
    [('', 'non-empty'), (None, 'non-empty'), ('air sensor', 'has a space'), ('a/b', 'contains "/"'), ('x' * 46, 'longer than 45 characters')],
)
def test_a_device_type_name_is_checked_before_any_request(server, client, bad, words):
    with pytest.raises(IotsOptionError, match=words):
        type_api.get_device_type(client, 'tok', 'iots', bad)
    assert not server.called


def test_a_missing_scope_is_named_in_both_flavours(server, client):
    server.return_value = answer(403, {'fault': {'code': 900910, 'message': 'The access token does not allow'}})
    with pytest.raises(IotsError, match=r'lacks the scope this call needs: perm:admin:device-type \(Entgra: '):
        type_api.add_device_type(client, 'tok', 'iots', 'sensor', META)


def test_an_empty_answer_is_broken_not_a_missing_type(server, client):
    server.return_value = answer(200, '')
    with pytest.raises(IotsError, match='instead of the expected JSON'):
        type_api.get_device_type(client, 'tok', 'iots', 'sensor')
    server.return_value = answer(204, '')
    assert type_api.get_device_type(client, 'tok', 'iots', 'sensor') is None


def test_the_known_answers_get_a_hint(server, client):
    server.return_value = answer(409, '')
    with pytest.raises(IotsError, match='exists already'):
        type_api.add_device_type(client, 'tok', 'iots', 'sensor', META)
    server.return_value = answer(500, '')
    with pytest.raises(IotsError, match='built-in device type'):
        type_api.update_device_type(client, 'tok', 'entgra', 'android', META)
    with pytest.raises(IotsOptionError, match='IoTS 3.2 has no API to delete a device type'):
        type_api.delete_device_type(client, 'tok', 'iots', 'sensor')
