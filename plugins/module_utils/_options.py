# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The shared connection options: one spec for the modules, the same names for the lookup.

The lookup reads the same options through ``get_option`` (documented with env/ini/vars in the
``wso2.iots.connection.plugins`` doc fragment); ``client_from_options`` serves both.
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient


def _env(name):
    return (env_fallback, [name])


# The public contract (documented in plugins/doc_fragments/connection.py): keep these names.
CONNECTION_ARGSPEC = dict(
    url=dict(type='str', required=True, fallback=_env('IOTS_URL')),
    validate_certs=dict(type='bool', default=True, fallback=_env('IOTS_VALIDATE_CERTS')),
    ca_path=dict(type='path', fallback=_env('IOTS_CA_PATH')),
    timeout=dict(type='int', default=30, fallback=_env('IOTS_TIMEOUT')),
    username=dict(type='str', fallback=_env('IOTS_USERNAME')),
    password=dict(type='str', no_log=True, fallback=_env('IOTS_PASSWORD')),
    client_id=dict(type='str', fallback=_env('IOTS_CLIENT_ID')),
    client_secret=dict(type='str', no_log=True, fallback=_env('IOTS_CLIENT_SECRET')),
    token_path=dict(type='str', default='/token', no_log=False, fallback=_env('IOTS_TOKEN_PATH')),
)

CONNECTION_OPTION_NAMES = tuple(CONNECTION_ARGSPEC)
SECRET_OPTION_NAMES = ('password', 'client_secret')


def connection_argspec(**overrides):
    """A copy of the shared spec with per-module changes (e.g. ``username=dict(required=True)``)."""
    spec = dict((name, dict(value)) for name, value in CONNECTION_ARGSPEC.items())
    for name, change in overrides.items():
        if change is None:
            spec.pop(name, None)
        else:
            spec.setdefault(name, {}).update(change)
    return spec


def client_from_options(get_option, **extra):
    """Build the shared client from module params or plugin options.

    ``get_option`` is ``module.params.get`` or a lookup's ``get_option``.
    """
    secrets = [get_option(name) for name in SECRET_OPTION_NAMES]
    return IotsClient(
        get_option('url'),
        validate_certs=get_option('validate_certs'),
        ca_path=get_option('ca_path'),
        timeout=get_option('timeout'),
        secrets=secrets,
        **extra)
