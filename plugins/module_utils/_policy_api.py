# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Device policies: one function per call over the shared client, and the content normaliser.

Facts: iots-policies-device-types.md sections 2, 3 and 5. The server stores a feature's ``content``
as ``new Gson().toJson(content)`` and answers it as a JSON *string*, with null members dropped and
every number a double; so contents are compared as parsed JSON after that same normalisation
(``normal_content``), never as strings. GET /policies needs ``limit`` (without it IoTS 3.2.0 answers an
empty page). Apply-changes schedules a task and answers 500 while the previous one is still scheduled.

Interface:

* ``CALL_SCOPES``: function name -> logical scopes; ``scopes_needed(*function_names)``
* ``normal_content(value)``: GSON's normalisation (nulls dropped from objects, numbers as floats)
* ``parsed_content(content)``: a stored content string as data (a non-string as it is)
* ``shown_content(value)``: parsed content for people: floats that are whole numbers as integers
* ``list_policies(client, token, page_size=100) -> [Policy]`` (every page, sorted by priority)
* ``get_policy(client, token, policy_id) -> Policy or None``
* ``add_policy(client, token, body) -> id``; ``update_policy(client, token, policy_id, body)``
* ``activate_policies`` / ``deactivate_policies`` / ``remove_policies(client, token, ids)``
* ``set_priorities(client, token, [(id, priority)])``
* ``apply_changes(client, token, timeout, poll=1.0, sleep=time.sleep, clock=time.monotonic)``: retries the
  500 of a pending task until ``timeout`` seconds have passed
* ``wait_applied(client, token, policy_id, timeout, ...)``: until the policy's ``updated`` is false
"""

import json
import time

from ansible_collections.wso2.iots.plugins.module_utils import _api
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError

COMPLIANCES = ('enforce', 'warn', 'monitor')
POLICY_TYPES = ('GENERAL', 'CORRECTIVE')  # Entgra's PolicyManagementConstants
MAX_NAME = 45  # @Size(max = 45) policyName

CALL_SCOPES = {
    'list_policies': ('policies:get-details',),
    'get_policy': ('policies:get-policy-details',),
    'add_policy': ('policies:manage',),
    'update_policy': ('policies:update',),
    'remove_policies': ('policies:remove',),
    'activate_policies': ('policies:activate',),
    'deactivate_policies': ('policies:deactivate',),
    'set_priorities': ('policies:priorities',),
    'apply_changes': ('policies:changes',),
    'wait_applied': ('policies:get-policy-details',),
}


def scopes_needed(*function_names):
    return _api.scopes_of(CALL_SCOPES[name] for name in function_names)


# ---------------------------------------------------------------------------- content


def normal_content(value):
    """``value`` as the server gives it back: object members with null values dropped, every number a float."""
    if isinstance(value, dict):
        return dict((str(key), normal_content(item)) for key, item in value.items() if item is not None)
    if isinstance(value, (list, tuple)):
        return [normal_content(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def parsed_content(content):
    """A stored content (a JSON string) as data; a content that is not a string, or not JSON, as it is."""
    if isinstance(content, str):
        try:
            return json.loads(content)
        except ValueError:
            return content
    return content


def shown_content(value):
    """Parsed content for people: 5.0 shown as 5, as it was written."""
    if isinstance(value, dict):
        return dict((key, shown_content(item)) for key, item in value.items())
    if isinstance(value, list):
        return [shown_content(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# ---------------------------------------------------------------------------- the calls


def _path_id(policy_id):
    if isinstance(policy_id, bool) or not isinstance(policy_id, int) or policy_id < 1:
        raise IotsOptionError('policy id must be a positive integer, not %r' % (policy_id,))
    return '/policies/%d' % policy_id


def _ids(ids):
    return [int(_path_id(policy_id).rsplit('/', 1)[1]) for policy_id in ids]


def list_policies(client, token, page_size=_api.MAX_PAGE_SIZE):
    """Every policy, all pages: ``limit`` always given (IoTS 3.2.0 answers an empty page without it)."""
    policies = _api.pages(client, token, CALL_SCOPES['list_policies'], '/policies', 'policies', page_size=page_size)
    return sorted(policies, key=lambda p: (p.get('priorityId') or 0, p.get('id') or 0))


def get_policy(client, token, policy_id):
    response = _api.request(client, token, CALL_SCOPES['get_policy'], 'GET', _path_id(policy_id), expected=(200, 404))
    return _api.json_or_none(response)


def add_policy(client, token, body):
    """POST /policies (201): the id of the new policy. Its body's priorityId is always 0: read it again."""
    response = _api.request(client, token, CALL_SCOPES['add_policy'], 'POST', '/policies', body=body, expected=(200, 201), idempotent=False)
    data = _api.json_of(response)
    if not isinstance(data.get('id'), int):
        raise IotsError(
            'POST %s answered HTTP %s without the new policy\'s id.' % (response.url, response.status), url=response.url, method='POST', status=response.status
        )
    return data['id']


def update_policy(client, token, policy_id, body):
    """PUT /policies/{id} with the full body (it ignores ``active``, and marks the policy updated)."""
    _api.request(client, token, CALL_SCOPES['update_policy'], 'PUT', _path_id(policy_id), body=body)


def activate_policies(client, token, ids):
    _api.request(client, token, CALL_SCOPES['activate_policies'], 'POST', '/policies/activate-policy', body=_ids(ids))


def deactivate_policies(client, token, ids):
    _api.request(client, token, CALL_SCOPES['deactivate_policies'], 'POST', '/policies/deactivate-policy', body=_ids(ids))


def remove_policies(client, token, ids):
    try:
        _api.request(client, token, CALL_SCOPES['remove_policies'], 'POST', '/policies/remove-policy', body=_ids(ids))
    except IotsError as exc:
        if exc.status == 400:
            exc.with_hint('IoTS deletes nothing when one of the ids is unknown; another client may have removed the policy meanwhile: run the task again.')
        raise


def set_priorities(client, token, priorities):
    """PUT /policies/priorities with [{id, priority}] (each listed policy is marked updated)."""
    body = [{'id': policy_id, 'priority': priority} for policy_id, priority in priorities]
    _api.request(client, token, CALL_SCOPES['set_priorities'], 'PUT', '/policies/priorities', body=body)


def apply_changes(client, token, timeout, poll=1.0, sleep=time.sleep, clock=time.monotonic):
    """PUT /policies/apply-changes; its 500 while a previous task is still scheduled is retried until ``timeout``."""
    deadline = clock() + timeout
    while True:
        try:
            _api.request(client, token, CALL_SCOPES['apply_changes'], 'PUT', '/policies/apply-changes')
            return
        except IotsError as exc:
            if exc.status != 500 or clock() + poll > deadline:
                if exc.status == 500:
                    exc.with_hint(
                        'IoTS answers 500 while the apply-changes task it scheduled before has not run yet; '
                        'it still had not after %s s (the apply_timeout option).' % timeout
                    )
                raise
        sleep(poll)


def wait_applied(client, token, policy_id, timeout, poll=1.0, sleep=time.sleep, clock=time.monotonic):
    """Until GET /policies/{id} shows ``updated: false`` (the apply-changes task ran); the policy or None."""
    deadline = clock() + timeout
    while True:
        policy = get_policy(client, token, policy_id)
        if policy is None or not policy.get('updated'):
            return policy
        if clock() + poll > deadline:
            url = client.url(_api.API + _path_id(policy_id))
            raise IotsError(
                'GET %s still shows the policy as updated (not pushed to devices) after %s s: the apply-changes task has not run.' % (url, timeout),
                url=url,
                method='GET',
                status=200,
            )
        sleep(poll)
