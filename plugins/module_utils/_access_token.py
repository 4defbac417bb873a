# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The bearer token of a device-management task: the ``token`` option, or one granted for its scopes.

Interface (modules and the inventory plugin alike):

* ``TOKEN_ARGSPEC = dict(token=dict(type='str', no_log=True, fallback=(env_fallback, ['IOTS_TOKEN'])))``;
  a module's spec is ``connection_argspec(...)`` plus ``TOKEN_ARGSPEC`` plus its own options; the
  doc fragment is ``wso2.iots.access_token`` (with ``wso2.iots.access_token.plugins`` for plugins).
* ``access_token(client, options, needs, allow_partial=False, renew=True) -> str``: ``options`` is an
  ``_option_adapter.OptionAdapter`` (or what its ``wrap`` takes: ``module.params``, a plugin's
  ``get_option``); ``needs`` are logical scope names of ``_scopes`` (e.g. ``('devices:view', 'device:enroll')``).
  ``token`` given: returned as it is, no request. Else the password grant when username and password
  are given, else client_credentials; both need client_id and client_secret. The scopes asked for are
  the flavour's (``server_flavor`` option; unset or undefined means ``iots``); a grant without all of
  them raises ``IotsScopeError`` (``_oauth.check_scopes``) unless ``allow_partial``. The token is added
  to the client's secrets, so no message can show it. A granted token is renewed by the same grant once
  per refusal when IoTS refuses it as expired or revoked (``IotsClient.renew_bearer_with``), unless
  ``renew=False`` (the event source renews between polls itself); a given ``token`` is not.
* ``server_flavor(options) -> 'iots' | 'entgra'``.
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.wso2.iots.plugins.module_utils import _oauth
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter
from ansible_collections.wso2.iots.plugins.module_utils._scopes import scopes_for, validate_flavor

TOKEN_ARGSPEC = dict(
    token=dict(type='str', no_log=True, fallback=(env_fallback, ['IOTS_TOKEN'])),
)

NO_CREDENTIALS = (
    'give token (a bearer access token, e.g. from the wso2.iots.iots_bearer lookup), or client_id '
    'and client_secret (from wso2.iots.iots_app_register) with username and password for the '
    'password grant, or without them for the client_credentials grant'
)


def server_flavor(options):
    return validate_flavor(OptionAdapter.wrap(options).get_option('server_flavor'))


def access_token(client, options, needs, allow_partial=False, renew=True):
    """A bearer token for the logical scopes ``needs`` (see the module docstring)."""
    options = OptionAdapter.wrap(options)
    token = options.get_option('token')
    if token:
        client.add_secret(token)
        return token
    flavor = server_flavor(options)
    client_id, client_secret = options.get_option('client_id'), options.get_option('client_secret')
    username, password = options.get_option('username'), options.get_option('password')
    if not (client_id and client_secret):
        missing = [name for name, value in (('client_id', client_id), ('client_secret', client_secret)) if not value]
        raise IotsOptionError('No access token and no %s to get one: %s.' % (' or '.join(missing), NO_CREDENTIALS))
    grant_type, _registers = _oauth.choose_grant(username=username, password=password, client_id=client_id, client_secret=client_secret)
    scopes = scopes_for(needs, flavor)

    def obtain():
        granted = _oauth.grant(
            client,
            grant_type,
            client_id,
            client_secret,
            username=username,
            password=password,
            scopes=scopes,
            token_path=options.get_option('token_path') or _oauth.DEFAULT_TOKEN_PATH,
        )
        _oauth.check_scopes(granted, scopes, username=username, allow_partial=allow_partial)
        return granted['access_token']

    token = obtain()
    if renew:
        # A long run may outlive the token (IoTS's last 1 hour): the client gets a new one when IoTS refuses it.
        client.renew_bearer_with(obtain)
    return token
