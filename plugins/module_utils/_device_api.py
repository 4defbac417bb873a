# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The IoTS device-management API, one function per call, over the shared client and a bearer token.

Each function returns parsed data or raises ``IotsError`` (URL, HTTP status, the server's words, and
a hint where the answer has a known meaning). The arguments are sent as they are given: the modules
check them at their boundary with the rules of ``_device_state``. Facts: tests/emulator/README.md and
iots-device-api.md.

Every call is ``function(client, token, ...)`` (``client`` an ``IotsClient``, ``token`` a bearer access
token), in three sections below: devices, groups, operations. ``CALL_SCOPES`` maps each function to the
logical scopes (``_scopes``) it needs, so a module asks for the scopes of the calls it makes
(``scopes_needed``). ``list_devices`` answers one row per enrolment; ``latest_devices`` and
``devices_by_key`` keep each device's latest, as ``get_device`` answers it.

Device, Group and Activity are the server's JSON (GSON: Java field names, null members left out).
"""

from urllib.parse import quote, urlencode

from ansible_collections.wso2.iots.plugins.module_utils._errors import BROKEN_ANSWER_HINT, IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._scopes import SCOPES

API = '/api/device-mgt/v1.0'
MAX_PAGE_SIZE = 100  # a larger limit is 400 (RequestValidationUtil)
OWNERSHIPS = ('BYOD', 'COPE')
# EnrolmentInfo.Status of carbon-device-mgt 3.0.240
STATUSES = ('CREATED', 'ACTIVE', 'INACTIVE', 'UNREACHABLE', 'UNCLAIMED', 'SUSPENDED', 'BLOCKED', 'REMOVED', 'DISENROLLMENT_REQUESTED')
OPERATION_TYPES = ('COMMAND', 'CONFIG', 'PROFILE')

CALL_SCOPES = {
    'list_devices': ('devices:view',),
    'devices_by_key': ('devices:view',),
    'get_device': ('devices:details',),
    # device-types:types lets the 200 false of an unknown type name the types the server knows.
    'enroll_device': ('device:enroll', 'device-types:types'),
    'modify_device': ('device:modify',),
    'disenroll_device': ('device:disenroll',),
    'device_types': ('device-types:types',),
    'list_groups': ('groups:groups',),
    'find_group': ('groups:groups',),
    'create_group': ('groups:add', 'groups:groups'),
    'update_group': ('groups:update',),
    'delete_group': ('groups:remove',),
    'group_devices': ('groups:devices',),
    'add_group_devices': ('groups:devices-add',),
    'remove_group_devices': ('groups:devices-remove',),
    'send_operation': ('devices:operations',),
    'get_activity': ('get-activity',),
}


def scopes_needed(*function_names):
    """The logical scopes the named functions of this file need, sorted."""
    return sorted(set(scope for name in function_names for scope in CALL_SCOPES[name]))


# ---------------------------------------------------------------------------- input checks


def _segment(value):
    return quote(value, safe='')


# ---------------------------------------------------------------------------- the calls


def _hint(exc, call):
    """What to do about a gateway fault, naming the scope the call needs in both flavours."""
    code = str(exc.error or '')
    if exc.status == 401 and code in ('900901', '900902'):
        return exc.with_hint(
            'The access token is missing, expired or revoked: get a new one (wso2.iots.iots_bearer '
            'or wso2.iots.iots_token), or give client credentials instead of token.'
        )
    if exc.status == 403 and code == '900910':
        names = ['%s (Entgra: %s)' % (SCOPES[s]['iots'], SCOPES[s]['entgra']) for s in CALL_SCOPES[call]]
        return exc.with_hint('The access token lacks the scope this call needs: %s.' % ', '.join(names))
    if exc.status == 403 and code == '900908':
        return exc.with_hint('The OAuth application is not subscribed to this API: register it with the tag device_management.')
    return exc


def _call(client, token, call, method, path, query=None, body=None, expected=(200,), retries=None, idempotent=True):
    if query:
        pairs = [(key, value) for key, value in query if value is not None]
        if pairs:
            path = '%s?%s' % (path, urlencode(pairs))
    try:
        return client.request(method, API + path, json_body=body, bearer=token, expected=expected, retries=retries, idempotent=idempotent)
    except IotsError as exc:
        raise _hint(exc, call)


def _json(response, kind=dict):
    """The answer's JSON, which must be a ``kind`` (dict, list or bool): an empty or other body is an error,
    never "nothing found"."""
    data = response.json() if response.text.strip() else None
    if not isinstance(data, kind):
        what = 'an empty body' if data is None else 'a JSON %s' % type(data).__name__
        raise IotsError(
            '%s %s answered HTTP %s with %s instead of the expected JSON %s.' % (response.method, response.url, response.status, what, kind.__name__),
            url=response.url,
            method=response.method,
            status=response.status,
            hint=BROKEN_ANSWER_HINT,
        )
    return data


def _pages(client, token, call, path, key, query, page_size, until_count=True):
    """Every item of a paged list. ``until_count``: stop at ``count``; else when a page comes back short.

    GET /groups counts all of the caller's groups, not the filtered ones, so it pages until a short page.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise IotsOptionError('page_size must be 1 to %d, not %r' % (MAX_PAGE_SIZE, page_size))
    items, offset = [], 0
    while True:
        paging = [('offset', offset), ('limit', page_size)]
        data = _json(_call(client, token, call, 'GET', path, query=list(query) + paging))
        page = data.get(key) or []
        items.extend(page)
        offset += page_size
        if len(page) < page_size or (until_count and offset >= data.get('count', 0)):
            return items


def list_devices(client, token, device_type=None, status=None, ownership=None, owner=None, name=None, group_id=None, page_size=MAX_PAGE_SIZE):
    query = [('type', device_type), ('status', status), ('ownership', ownership), ('user', owner), ('name', name), ('groupId', group_id)]
    return _pages(client, token, 'list_devices', '/devices', 'devices', query, page_size)


def devices_by_key(client, token, device_types):
    """{(type, id): Device} of every device of these types, each at its latest enrolment (one paged list a type)."""
    rows = []
    for device_type in sorted(set(device_types)):
        rows.extend(list_devices(client, token, device_type=device_type))
    return latest_devices(rows)


def key_of(device):
    """The (type, id) of a Device JSON."""
    return (device.get('type'), device.get('deviceIdentifier'))


def latest_devices(devices):
    """{(type, id): device} keeping each device's latest enrolment (as GET /devices/{type}/{id} would)."""
    latest = {}
    for device in devices:
        key = key_of(device)
        info = device.get('enrolmentInfo') or {}
        rank = (info.get('dateOfLastUpdate') or 0, info.get('id') or 0)
        known = latest.get(key)
        if known is None or rank >= ((known.get('enrolmentInfo') or {}).get('dateOfLastUpdate') or 0, (known.get('enrolmentInfo') or {}).get('id') or 0):
            latest[key] = device
    return latest


def properties_dict(device):
    """A device's properties [{name, value}] as {name: value}."""
    return dict((p.get('name'), p.get('value')) for p in (device.get('properties') or []) if isinstance(p, dict))


def get_device(client, token, device_type, device_id):
    path = '/devices/%s/%s' % (_segment(device_type), _segment(device_id))
    response = _call(client, token, 'get_device', 'GET', path, expected=(200, 404))
    return None if response.status == 404 else _json(response)


def properties_body(properties):
    """Device properties {name: text or None} as IoTS takes and shows them: [{name, value}] sorted by name."""
    if properties is None:
        return None
    return [{'name': name, 'value': value} for name, value in sorted(properties.items())]


def _device_body(device_type, device_id, name, description, properties, ownership=None):
    body = {'type': device_type, 'deviceIdentifier': device_id}
    for key, value in (('name', name), ('description', description), ('properties', properties_body(properties))):
        if value is not None:
            body[key] = value
    if ownership is not None:
        body['enrolmentInfo'] = {'ownership': ownership, 'status': 'ACTIVE'}
    return body


def enroll_device(client, token, device_type, device_id, name=None, description=None, ownership='COPE', properties=None):
    """POST /device/agent/enroll. IoTS refuses a device with an ACTIVE enrolment (400): read it first."""
    body = _device_body(device_type, device_id, name, description, properties, ownership)
    try:
        response = _call(client, token, 'enroll_device', 'POST', '/device/agent/enroll', body=body, idempotent=False)
    except IotsError as exc:
        if exc.status == 400 and 'active enrolment' in (exc.description or ''):
            exc.with_hint('Device %s/%s is enrolled and ACTIVE already; modify it instead.' % (device_type, device_id))
        raise
    if _json(response, bool) is False:
        raise _unknown_type_error(client, token, device_type, response.url)


def _unknown_type_error(client, token, device_type, url):
    """IoTS answers 200 ``false`` when no plugin manages the type: say so and name the types it knows."""
    try:
        known = unknown_types_error([device_type], device_types(client, token)).message
    except IotsError as exc:
        known = 'Listing the known types failed too (%s).' % exc.message
    return IotsError('POST %s answered HTTP 200 false. %s' % (url, known), url=url, method='POST', status=200, description='false')


def modify_device(client, token, device_type, device_id, name=None, description=None, properties=None):
    """PUT /device/agent/enroll/{type}/{id} (202). Name, description or properties left None stay as they are."""
    path = '/device/agent/enroll/%s/%s' % (_segment(device_type), _segment(device_id))
    body = _device_body(device_type, device_id, name, description, properties)
    _call(client, token, 'modify_device', 'PUT', path, body=body, expected=(200, 202))


def disenroll_device(client, token, device_type, device_id):
    """DELETE /device/agent/enroll/{type}/{id}: True when disenrolled (also when REMOVED already), False for
    a device or type IoTS does not know (204)."""
    path = '/device/agent/enroll/%s/%s' % (_segment(device_type), _segment(device_id))
    return _call(client, token, 'disenroll_device', 'DELETE', path, expected=(200, 204)).status == 200


def device_types(client, token):
    """The names of the device types the server knows. IoTS 3.2 answers ``{count, deviceTypes: [names]}``;
    Entgra (since 3.2.6) a JSON list of DeviceType objects ``[{id, name, deviceTypeMetaDefinition}]``."""
    response = _call(client, token, 'device_types', 'GET', '/device-types')
    data = response.json() if response.text.strip() else None
    if isinstance(data, list) and all(isinstance(item, dict) and isinstance(item.get('name'), str) for item in data):
        return [item['name'] for item in data]
    return list(_json(response).get('deviceTypes') or [])


def unknown_types_error(wanted, known):
    """The one unknown-device-type rule: an IotsOptionError naming the types IoTS knows, or None."""
    unknown = sorted(set(name for name in wanted if name not in known))
    if not unknown:
        return None
    return IotsOptionError(
        'IoTS has no device type %s (no device-type plugin is installed for it). The types it '
        'knows: %s.' % (', '.join(repr(name) for name in unknown), ', '.join(sorted(known)) or 'none')
    )


def check_device_types(client, token, wanted):
    """One read of GET /device-types when ``wanted`` names any type; an unknown one raises IotsOptionError.

    IoTS would answer an enrolment of such a type with HTTP 200 ``false``, and a list or an operation
    with nothing or a bare 400: checking first turns each into an error that lists the known types.
    """
    if not wanted:
        return
    error = unknown_types_error(wanted, device_types(client, token))
    if error:
        raise error


# ---------------------------------------------------------------------------- groups


def list_groups(client, token, name=None, owner=None, page_size=MAX_PAGE_SIZE):
    """Every group the caller sees (``name`` and ``owner`` are prefixes, as IoTS matches them)."""
    return _pages(client, token, 'list_groups', '/groups', 'deviceGroups', [('name', name), ('owner', owner)], page_size, until_count=False)


def find_group(client, token, name):
    """The group named exactly ``name``, or None."""
    for group in _pages(client, token, 'find_group', '/groups', 'deviceGroups', [('name', name)], MAX_PAGE_SIZE, until_count=False):
        if group.get('name') == name:
            return group
    return None


def _group_path(group_id, tail=''):
    if isinstance(group_id, bool) or not isinstance(group_id, int):
        raise IotsOptionError('group id must be an integer, not %r' % (group_id,))
    return '/groups/id/%d%s' % (group_id, tail)


def create_group(client, token, name, description=''):
    """POST /groups answers 201 without a body or id: the group is then found by name."""
    try:
        _call(client, token, 'create_group', 'POST', '/groups', body={'name': name, 'description': description or ''}, expected=(200, 201), idempotent=False)
    except IotsError as exc:
        if exc.status == 409:
            exc.with_hint('A group named %r exists already (perhaps owned by another user).' % name)
        raise
    group = find_group(client, token, name)
    if group is None:
        url = client.url(API + '/groups')
        raise IotsError('POST %s created group %r, but GET /groups does not list it.' % (url, name), url=url, method='POST', status=201)
    return group


def update_group(client, token, group_id, name, description, owner):
    """PUT /groups/id/{id} sets name, description AND owner from the body, so all three are needed."""
    body = {'name': name, 'description': description, 'owner': owner}
    try:
        _call(client, token, 'update_group', 'PUT', _group_path(group_id), body=body)
    except IotsError as exc:
        if exc.status == 409:
            exc.with_hint('IoTS answers 409 when group %s does not exist.' % group_id)
        raise


def delete_group(client, token, group_id):
    """True when deleted, False when IoTS did not know the group (404)."""
    return _call(client, token, 'delete_group', 'DELETE', _group_path(group_id), expected=(200, 404)).status == 200


def group_devices(client, token, group_id, page_size=MAX_PAGE_SIZE):
    return _pages(client, token, 'group_devices', _group_path(group_id, '/devices'), 'devices', [], page_size)


def _member_body(devices):
    body = []
    for device_type, device_id in devices:
        body.append({'id': device_id, 'type': device_type})
    return body


def _change_members(client, token, call, group_id, devices, tail):
    body = _member_body(devices)
    if not body:
        return
    try:
        _call(client, token, call, 'POST', _group_path(group_id, tail), body=body)
    except IotsError as exc:
        if exc.status == 500:
            named = ', '.join('%s/%s' % (member['type'], member['id']) for member in body)
            exc.with_hint(
                'IoTS answers a bare 500 when a device is not enrolled or group %s does not exist; nothing was changed. Devices: %s.' % (group_id, named)
            )
        raise


def add_group_devices(client, token, group_id, devices):
    _change_members(client, token, 'add_group_devices', group_id, devices, '/devices/add')


def remove_group_devices(client, token, group_id, devices):
    _change_members(client, token, 'remove_group_devices', group_id, devices, '/devices/remove')


# ---------------------------------------------------------------------------- operations


def send_operation(client, token, device_type, device_ids, code, operation_type='COMMAND', payload=None):
    """POST /devices/{type}/operations -> the Activity (201); unknown or REMOVED devices are INVALID in it."""
    ids = list(device_ids)
    operation = {'code': code, 'type': operation_type, 'enabled': True}
    if payload is not None:
        operation['payLoad'] = payload
    path = '/devices/%s/operations' % _segment(device_type)
    try:
        # Never sent twice: a retry after a lost answer would queue the operation again.
        response = _call(client, token, 'send_operation', 'POST', path, body={'deviceIdentifiers': ids, 'operation': operation}, expected=(200, 201), retries=0)
    except IotsError as exc:
        if exc.status == 500 and 'Invalid Device Identifiers' in (exc.description or ''):
            exc.with_hint('None of the devices is enrolled as %s (unknown or REMOVED): %s.' % (device_type, ', '.join(ids)))
        elif exc.status == 400:
            exc.with_hint('IoTS answers 400 without a body for an unknown device type (%s) or an empty request.' % device_type)
        raise
    return _json(response)


def get_activity(client, token, activity_id):
    return _json(_call(client, token, 'get_activity', 'GET', '/activities/%s' % _segment(activity_id)))


def entry_device(entry):
    """The device id of an activityStatus entry (GSON writes the DeviceIdentifier object {id, type})."""
    device = entry.get('deviceIdentifier')
    return device.get('id') if isinstance(device, dict) else device


def device_statuses(activity):
    """{device id: status} of an Activity (PENDING, IN_PROGRESS, COMPLETED, ERROR, INVALID, ...)."""
    return dict((entry_device(entry), entry.get('status')) for entry in (activity or {}).get('activityStatus') or [])
