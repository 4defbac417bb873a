# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""access_token: a given token, the password grant, client_credentials, flavours, scope check, errors.

The token endpoint is faked at ``requests.Session.request`` (see test_oauth.py for the answers).
"""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._access_token import TOKEN_ARGSPEC, access_token
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError, IotsScopeError

from http_fakes import answer  # pylint: disable=import-error

URL = 'https://iots.example.com:8243'
ACCESS = '168c5699-5678-4e61-9534-4a169c5e88e0'
GIVEN = 'b4c0a9a2-1111-2222-3333-444455556666'
KEYS = {'client_id': 'Ad9iV9VJ9EwyujpmLVzCi59rX8Aa', 'client_secret': 'nboXPDTm9S1cK1yPbhAvJenbbzsa'}


def granted(scope):
    return answer(200, {'access_token': ACCESS, 'refresh_token': 'r-1234', 'token_type': 'Bearer', 'expires_in': 3600, 'scope': scope})


@pytest.fixture
def client():
    return IotsClient(URL, sleep=lambda seconds: None)


def form_of(server):
    return server.call_args[1]['data']


def test_given_token_sends_nothing(server, client):
    assert access_token(client, dict(KEYS, token=GIVEN).get, ['devices:view']) == GIVEN
    assert not server.called
    assert GIVEN in client._secrets


def test_password_grant_asks_for_the_flavours_scopes(server, client):
    server.return_value = granted('perm:device:enroll perm:devices:view')
    options = dict(KEYS, username='admin', password='admin-pass')
    assert access_token(client, options.get, ['devices:view', 'device:enroll']) == ACCESS
    form = form_of(server)
    assert form['grant_type'] == 'password' and form['username'] == 'admin'
    assert form['scope'] == 'perm:device:enroll perm:devices:view'
    assert server.call_args[1]['auth'] == (KEYS['client_id'], KEYS['client_secret'])
    assert ACCESS in client._secrets and 'admin-pass' in client._secrets


def test_client_credentials_and_entgra_names(server, client):
    server.return_value = granted('dm:devices:view gm:groups:view')
    options = dict(KEYS, server_flavor='entgra')
    assert access_token(client, options.get, ['groups:groups', 'devices:view']) == ACCESS
    assert form_of(server) == {'grant_type': 'client_credentials', 'scope': 'dm:devices:view gm:groups:view'}


def test_plugin_without_the_flavour_option_means_iots(server, client):
    server.return_value = granted('perm:devices:view')
    options = dict(KEYS)

    def get_option(name):  # AnsiblePlugin.get_option raises KeyError for an option it does not define
        if name not in options and name not in ('token', 'username', 'password', 'token_path'):
            raise KeyError(name)
        return options.get(name)

    assert access_token(client, get_option, ['devices:view']) == ACCESS
    assert form_of(server)['scope'] == 'perm:devices:view'


def test_dropped_scope_is_an_error_naming_it(server, client):
    server.return_value = granted('perm:devices:view')
    with pytest.raises(IotsScopeError) as caught:
        access_token(client, dict(KEYS, username='operator', password='x').get, ['devices:view', 'device:enroll'])
    assert caught.value.missing_scopes == ['perm:device:enroll']
    assert 'user operator' in str(caught.value)
    server.return_value = granted('perm:devices:view')
    assert access_token(client, dict(KEYS).get, ['devices:view', 'device:enroll'], allow_partial=True) == ACCESS


@pytest.mark.parametrize(
    'options, words',
    [
        ({}, 'No access token and no client_id or client_secret to get one'),
        ({'client_id': 'x'}, 'no client_secret'),
        (dict(KEYS, username='admin'), 'needs both username and password, or neither; only username is set'),
        (dict(KEYS, password='p'), 'only password is set'),
        (dict(KEYS, server_flavor='wso2'), 'server_flavor must be one of iots, entgra'),
    ],
)
def test_missing_credentials_fail_before_any_request(server, client, options, words):
    with pytest.raises(IotsOptionError, match=words):
        access_token(client, options.get, ['devices:view'])
    assert not server.called


def test_token_argspec():
    assert TOKEN_ARGSPEC['token']['no_log'] is True
    assert TOKEN_ARGSPEC['token']['fallback'][1] == ['IOTS_TOKEN']
