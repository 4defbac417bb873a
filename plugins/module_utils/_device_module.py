# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What the device-management modules share: their options, their token, and one way to fail.

Each module names the logical scopes (``_scopes.py``) a run needs; the token comes from the
``token`` option (no request) or from the connection credentials, for exactly those scopes.
"""

from ansible_collections.wso2.iots.plugins.module_utils._access_token import TOKEN_ARGSPEC, access_token
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsScopeError
from ansible_collections.wso2.iots.plugins.module_utils._module import IotsModule
from ansible_collections.wso2.iots.plugins.module_utils._options import connection_argspec


SCOPE_HINT = ('Give the user the permissions behind these scopes (the module documentation lists the scopes '
              'each task needs), or give token a bearer token that has them.')


def device_argspec(**options):
    """The shared connection options, ``token``, and the module's own ``options``."""
    spec = connection_argspec()
    spec.update((name, dict(value)) for name, value in TOKEN_ARGSPEC.items())
    spec.update(options)
    return spec


class IotsDeviceModule(IotsModule):
    """An IotsModule that gets its bearer token once, for the scopes the run needs."""

    def __init__(self, argument_spec, **kwargs):
        super(IotsDeviceModule, self).__init__(argument_spec=device_argspec(**argument_spec), **kwargs)
        self._client = None
        self._token = None

    @property
    def api_client(self):
        if self._client is None:
            self._client = self.client()
        return self._client

    @property
    def token(self):
        """The bearer token ``bearer`` got."""
        return self._token

    def bearer(self, needs):
        """The bearer token for the logical scope names ``needs``; a failure fails the task."""
        if self._token is None:
            try:
                self._token = access_token(self.api_client, self.params.get, sorted(set(needs)))
            except IotsScopeError as exc:
                # The grant's own hint names allow_partial_scopes, which these modules do not have.
                self.fail_iots(exc.with_hint(SCOPE_HINT), missing_scopes=exc.missing_scopes)
            except IotsError as exc:
                self.fail_iots(exc)
        return self._token

    def call(self, function, *args, **kwargs):
        """``function(client, token, ...)`` of _device_api; an IotsError fails the task."""
        try:
            return function(self.api_client, self._token, *args, **kwargs)
        except IotsError as exc:
            self.fail_iots(exc)

    def checked(self, check, *args):
        """``check(*args)``, whose IotsOptionError fails the task before any request, with its message alone."""
        try:
            return check(*args)
        except IotsError as exc:
            self.fail_json(msg=str(exc))
