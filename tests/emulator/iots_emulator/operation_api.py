# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""POST /devices/{type}/operations and GET /activities/{id} (the routes are in device_api.py).

DeviceManagementServiceImpl.addOperation: no body, no ``deviceIdentifiers`` or no ``operation`` -> 400
without a body; an unknown device type -> 400 without a body; an operation type other than COMMAND,
CONFIG or PROFILE -> 406 with a text. OperationManagerImpl.addOperation: unknown or REMOVED devices
are INVALID (listed first), the others PENDING; no valid device -> 500 ``{message: "Invalid Device
Identifiers found."}``. ActivityProviderServiceImpl.getActivity: unknown id -> 404 ErrorResponse.

ActivityProviderServiceImpl.getActivities (3.0.240, eda.md section 5): ``since`` or the ``If-Modified-Since``
header (which wins), both ``EEE, d MMM yyyy HH:mm:ss Z`` and cut to whole seconds, a bad one is 400; no date
means now - 42300 s; only the tenant admin role may list (else 401, a JSON string); paging over mapping rows
(one per device per operation), consecutive rows of one operation grouped into one activity; ``count`` counts
the rows; an empty page is 304 without a body only when the header was given. (An older revision of that file
answered 304 for an empty page with ``since`` too, and had no admin check.)
"""

import email.utils

from . import bodies
from .exchange import Reply
from .operations import OPERATION_TYPES, SENDABLE_TYPES, DeviceOperation
from .paging import page_of
from .payloads import gson_string, json_body

# ActivityProviderServiceImpl: the window when no date is given.
DEFAULT_WINDOW = 42300
ADMIN_ONLY = 'Unauthorized operation! Only admin role can perform this operation.'


def send_operation(state, request, user, device_type):
    spec, error = json_body(request)
    if error is not None:
        return error
    if spec is None or spec.get('deviceIdentifiers') is None or not isinstance(spec.get('operation'), dict):
        return Reply.empty(400)
    if device_type not in state.device_types:
        return Reply.empty(400)
    operation = spec['operation']
    # Gson reads an unknown enum constant as null, which is none of the three either.
    operation_type = operation.get('type') if operation.get('type') in OPERATION_TYPES else None
    if operation_type not in SENDABLE_TYPES:
        return gson_string(406, 'Only Command and Config operation is supported through this api')
    identifiers = [str(i) for i in spec['deviceIdentifiers']]
    invalid, valid = [], []
    for identifier in identifiers:
        device = state.devices.find(user.tenant, device_type, identifier)
        if device is None or device.status == 'REMOVED':
            invalid.append(DeviceOperation(device_type, identifier, 'INVALID'))
        else:
            result, response = state.operations.result_for(user.tenant, device_type, identifier)
            valid.append(DeviceOperation(device_type, identifier, 'PENDING', result, response))
    if not valid:
        return Reply.json(500, {'message': 'Invalid Device Identifiers found.', 'errorItems': []})
    payload = operation.get('payLoad') if operation_type != 'COMMAND' else None
    activity = state.operations.add(user.tenant, operation.get('code'), operation_type, payload, state.now(), invalid + valid)
    return Reply.json(201, activity.to_json(state.now(), 0, 0, with_progress=False))


def get_activity(state, request, user, activity_id):
    prefix, _sep, number = activity_id.partition('_')
    if prefix != 'ACTIVITY' or not number.split('_')[0].lstrip('-').isdigit():
        # RequestValidationUtil.validateActivityId
        return bodies.device_mgt_error(400, "Activity Id should be in the form of '[ACTIVITY][_][any-positive-integer]'")
    activity = state.operations.get(user.tenant, activity_id)
    if activity is None:
        # ErrorResponseBuilder with a message only: Gson leaves the null code out.
        return Reply.json(404, {'message': "No activity can be found upon the provided activity id '%s'" % activity_id, 'errorItems': []})
    return Reply.json(200, activity.to_json(state.now(), state.operation_pending, state.operation_in_progress))


def _epoch_seconds(text):
    """``EEE, d MMM yyyy HH:mm:ss Z`` (and the RFC 1123 ``GMT`` form) as whole epoch seconds, or None."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return int(moment.timestamp())


def list_activities(state, request, user):
    page, error = page_of(request)
    if error is not None:
        return error
    if not user.admin:
        return gson_string(401, ADMIN_ONLY)
    header, since_text = request.header('If-Modified-Since'), request.query_value('since')
    if header:
        since = _epoch_seconds(header)
        if since is None:
            return Reply.json(400, {'message': "Invalid date string is provided in 'If-Modified-Since' header", 'errorItems': []})
    elif since_text:
        since = _epoch_seconds(since_text)
        if since is None:
            return Reply.json(400, {'message': "Invalid date string is provided in 'since' filter", 'errorItems': []})
    else:
        since = int(state.now()) - DEFAULT_WINDOW
    now = state.now()
    rows = state.operations.updated_after(user.tenant, since, now, state.operation_pending, state.operation_in_progress)
    offset, limit = page
    selected = rows[offset : offset + limit]
    if not selected and header:
        return Reply.empty(304)
    activities = []  # consecutive rows of one operation make one list item
    for activity, device, _updated in selected:
        if activities and activities[-1][0] is activity:
            activities[-1][1].append(device)
        else:
            activities.append((activity, [device]))
    items = [activity.to_json(now, state.operation_pending, state.operation_in_progress, only=devices, always_updated=True) for activity, devices in activities]
    # ActivityList through Gson: the subclass field first, then BasePaginatedResult.count (mapping rows).
    return Reply.json(200, {'activities': items, 'count': len(rows)})
