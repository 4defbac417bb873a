# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Device-type definitions, one function per call, over the shared client and a bearer token.

Facts: iots-policies-device-types.md sections 1, 3 and 5. IoTS 3.2.0 reads a definition with
GET /device-types/config/{type} and Entgra with GET /admin/device-types/{type}, both 204 when the
type is unknown; POST /admin/device-types creates (200, no body; 409 when the name exists); PUT
replaces the whole definition (3.2.0: /admin/device-types, name from the body; Entgra:
/admin/device-types/{type}); only Entgra can delete a type, and it deletes every device of it.

Interface (``flavor`` is the server flavour, ``iots`` or ``entgra``):

* ``CALL_SCOPES``: function name -> {flavour: logical scopes}; ``scopes_needed(flavor, *function_names)``
* names are checked with ``_device_state.validate_device_type`` (the one device type name rule) before any request
* ``get_device_type(client, token, flavor, name) -> DeviceType or None``
* ``add_device_type(client, token, flavor, name, meta)``; ``update_device_type(client, token, flavor, name, meta)``
* ``delete_device_type(client, token, flavor, name) -> bool`` (Entgra only; False when unknown)
"""

from ansible_collections.wso2.iots.plugins.module_utils import _api
from ansible_collections.wso2.iots.plugins.module_utils._device_state import validate_device_type
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError

_ADMIN = ('admin:device-type',)
CALL_SCOPES: dict = {
    'get_device_type': {'iots': ('device-types:types',), 'entgra': ('admin:device-type:view',)},
    'add_device_type': {'iots': _ADMIN, 'entgra': _ADMIN},
    'update_device_type': {'iots': _ADMIN, 'entgra': _ADMIN},
    'delete_device_type': {'iots': (), 'entgra': _ADMIN},
}


def scopes_needed(flavor, *function_names):
    """The logical scopes the named functions need on a ``flavor`` server, sorted."""
    return _api.scopes_of(CALL_SCOPES[name][flavor] for name in function_names)


def _scopes(call, flavor):
    return CALL_SCOPES[call][flavor]


def get_device_type(client, token, flavor, name):
    """The stored DeviceType {id, name, deviceTypeMetaDefinition}, or None (IoTS answers 204, not 404)."""
    validate_device_type(name, 'name')
    path = ('/admin/device-types/%s' if flavor == 'entgra' else '/device-types/config/%s') % _api.segment(name)
    response = _api.request(client, token, _scopes('get_device_type', flavor), 'GET', path, expected=(200, 204))
    return _api.json_or_none(response, 204)  # an empty 200 is a broken answer, never "no such type"


def add_device_type(client, token, flavor, name, meta):
    body = {'name': validate_device_type(name, 'name'), 'deviceTypeMetaDefinition': meta}
    try:
        _api.request(client, token, _scopes('add_device_type', flavor), 'POST', '/admin/device-types', body=body, idempotent=False)
    except IotsError as exc:
        if exc.status == 409:
            exc.with_hint('A device type named %r exists already (a built-in type, or one created meanwhile): run the task again to update it.' % name)
        raise


def update_device_type(client, token, flavor, name, meta):
    """PUT the full definition: IoTS replaces every field, so ``meta`` must be complete."""
    body = {'name': validate_device_type(name, 'name'), 'deviceTypeMetaDefinition': meta}
    path = '/admin/device-types/%s' % _api.segment(name) if flavor == 'entgra' else '/admin/device-types'
    try:
        _api.request(client, token, _scopes('update_device_type', flavor), 'PUT', path, body=body)
    except IotsError as exc:
        if exc.status == 500:
            exc.with_hint(
                'IoTS answers 500 for a built-in device type (android, ...), whose definition comes from its plugin and cannot be changed through the API.'
            )
        raise


def delete_device_type(client, token, flavor, name):
    """DELETE /admin/device-types/{type} (Entgra 4.1.11 and later): deletes every device of the type too."""
    if flavor != 'entgra':
        raise IotsOptionError('IoTS 3.2 has no API to delete a device type.')
    path = '/admin/device-types/%s' % _api.segment(validate_device_type(name, 'name'))
    response = _api.request(client, token, _scopes('delete_device_type', flavor), 'DELETE', path, expected=(200, 202, 404))
    return response.status != 404
