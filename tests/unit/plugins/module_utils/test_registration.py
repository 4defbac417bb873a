# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Entgra registration fields: what goes into the body, and bad input refused before any request."""

import pytest

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils import _registration


def test_default_fields_are_the_collections_grants_in_a_stable_order():
    fields = _registration.registration_fields('admin')
    assert fields == {'supportedGrantTypes': ['password', 'refresh_token', 'client_credentials'], 'tokenType': 'JWT', 'username': 'admin'}
    # The same list on every call: Entgra 7.x recreates the application when the set changes.
    assert _registration.registration_fields('admin') == fields


def test_given_grants_keep_their_order_without_repeats():
    fields = _registration.registration_fields('ops@tenant.com', ['refresh_token', 'password', 'refresh_token'], 'default')
    assert fields['supportedGrantTypes'] == ['refresh_token', 'password']
    assert fields['tokenType'] == 'DEFAULT'
    assert fields['username'] == 'ops@tenant.com'
    assert 'callbackUrl' not in fields


def test_authorization_code_with_a_callback_url_sends_it():
    fields = _registration.registration_fields('admin', ['authorization_code', 'refresh_token'], callback_url='https://app.example.com/cb')
    assert fields['callbackUrl'] == 'https://app.example.com/cb'


def test_the_password_never_goes_into_the_body():
    assert 'password' not in _registration.registration_fields('admin')


@pytest.mark.parametrize(
    'grant_types, message',
    [
        ([], 'must not be empty'),
        (['password', 'magic'], "'magic' is not a grant type"),
        ('password', 'must be a list'),
        ([None], 'None is not a grant type'),
        (['authorization_code'], 'authorization_code needs a callback URL'),
        (['implicit', 'authorization_code'], 'implicit and authorization_code needs a callback URL'),
    ],
)
def test_bad_grant_types_are_refused(grant_types, message):
    with pytest.raises(IotsOptionError, match=message):
        _registration.validate_grant_types(grant_types)


@pytest.mark.parametrize('token_type', ['OPAQUE', '', 'jwt2', 3])
def test_bad_token_types_are_refused(token_type):
    with pytest.raises(IotsOptionError, match='token_type must be JWT .* or DEFAULT'):
        _registration.validate_token_type(token_type)


def test_token_type_is_upper_cased_like_entgra_does():
    assert _registration.validate_token_type(' jwt ') == 'JWT'
    assert _registration.validate_token_type(None) == 'JWT'


def test_client_id_change_warning_only_for_held_keys_that_changed():
    assert _registration.client_id_change_warning('app', None, 'new') is None
    assert _registration.client_id_change_warning('app', 'same', 'same') is None
    warning = _registration.client_id_change_warning('app', 'old', 'new')
    assert 'new client_id for application app (new, was old)' in warning
    assert 'no longer work' in warning
