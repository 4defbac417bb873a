# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The shared connection options: one argument spec for the modules.

The lookup has the same options under the same names (documented with env/ini/vars in the
``wso2.iots.connection.plugins`` doc fragment). Defaults come from the code that uses them.
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.wso2.iots.plugins.module_utils._client import DEFAULT_TIMEOUT
from ansible_collections.wso2.iots.plugins.module_utils._oauth import DEFAULT_TOKEN_PATH
from ansible_collections.wso2.iots.plugins.module_utils._scopes import DEFAULT_FLAVOR, FLAVORS


def _env(name):
    return (env_fallback, [name])


# The public contract (documented in plugins/doc_fragments/connection.py): keep these names.
CONNECTION_ARGSPEC = dict(
    url=dict(type='str', required=True, fallback=_env('IOTS_URL')),
    validate_certs=dict(type='bool', default=True, fallback=_env('IOTS_VALIDATE_CERTS')),
    ca_path=dict(type='path', fallback=_env('IOTS_CA_PATH')),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT, fallback=_env('IOTS_TIMEOUT')),
    username=dict(type='str', fallback=_env('IOTS_USERNAME')),
    password=dict(type='str', no_log=True, fallback=_env('IOTS_PASSWORD')),
    client_id=dict(type='str', fallback=_env('IOTS_CLIENT_ID')),
    client_secret=dict(type='str', no_log=True, fallback=_env('IOTS_CLIENT_SECRET')),
    token_path=dict(type='str', default=DEFAULT_TOKEN_PATH, no_log=False, fallback=_env('IOTS_TOKEN_PATH')),
    server_flavor=dict(type='str', default=DEFAULT_FLAVOR, choices=list(FLAVORS), fallback=_env('IOTS_SERVER_FLAVOR')),
)


def connection_argspec(**overrides):
    """A copy of the shared spec with per-module changes (e.g. ``username=dict(required=True)``)."""
    spec = dict((name, dict(value)) for name, value in CONNECTION_ARGSPEC.items())
    for name, change in overrides.items():
        if change is None:
            spec.pop(name, None)
        else:
            spec.setdefault(name, {}).update(change)
    return spec
