# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What the event source wso2.iots.device_events sees change on an IoTS server, without asyncio.

IoTS has no webhook, and ``GET /devices?since=`` filters on the last device-info report, not on
enrolment or status changes; the device-status task changes a status without ``dateOfLastUpdate``
(eda.md section 5). So each poll scans the device list (100 a page) and diffs it by enrolment, and
reads ``GET /activities?since=`` (admin only) with an overlap window on the server's clock.

Interface:

* ``EVENT_KINDS``; ``parse_args(args) -> dict`` (defaults applied; ``ValueError`` naming the arg)
* ``device_rows(devices) -> {enrolment id: row}``; ``diff_devices(previous, current) -> (events, merged)``:
  a row missing from a scan is kept, never a disenrolment
* ``Poller(args, client=None)``: ``poll() -> [event]`` (the first poll is the silent baseline unless
  ``emit_initial``); ``failure(exc) -> 'token' | 'retry' | 'fatal'``; ``backoff(failures) -> seconds``
* events: ``{'iots': {'event', 'device': {type, id, name, status, owner, ownership}, 'previous_status',
  'operation': {activity_id, code, status, response} or None}, 'meta': {'uuid': uuid5(...)}}``
"""

import email.utils
import time
import uuid

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.wso2.iots.plugins.module_utils import _access_token, _api, _device_api
from ansible_collections.wso2.iots.plugins.module_utils._client import DEFAULT_TIMEOUT, client_from_options
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError, IotsScopeError
from ansible_collections.wso2.iots.plugins.module_utils._oauth import DEFAULT_TOKEN_PATH
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter
from ansible_collections.wso2.iots.plugins.module_utils._scopes import FLAVORS

DEVICE_KINDS = ('enrolled', 'status_changed', 'disenrolled')
OPERATION_KINDS = ('operation_completed', 'operation_failed')
EVENT_KINDS = DEVICE_KINDS + OPERATION_KINDS
# Activity device status -> event kind; PENDING, IN_PROGRESS, REPEATED, INVALID: no event.
OPERATION_RESULTS = {'COMPLETED': 'operation_completed', 'ERROR': 'operation_failed'}
DEFAULT_INTERVAL = 60
# Seconds the activities query reaches back before the previous poll's server time: the query compares
# whole seconds and a status written during a poll must not fall between two polls.
OVERLAP = 60
MAX_BACKOFF = 300
ADMIN_ONLY = 'Only admin role'
# Namespace of the deterministic meta.uuid (kafka's precedent: a UUID5 per message).
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, 'https://galaxy.ansible.com/wso2/iots/device_events')

STRING_ARGS = ('url', 'ca_path', 'client_id', 'client_secret', 'username', 'password', 'token', 'token_path', 'server_flavor')


def _number(args, name, default, minimum_exclusive=None, minimum=None, integer=False):
    value = args.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool):
        raise ValueError('%s must be a number, not %r' % (name, value))
    try:
        value = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError('%s must be a number, not %r' % (name, value))
    if minimum_exclusive is not None and value <= minimum_exclusive:
        raise ValueError('%s must be greater than %s, not %s' % (name, minimum_exclusive, value))
    if minimum is not None and value < minimum:
        raise ValueError('%s must be %s or more, not %s' % (name, minimum, value))
    return value


def _string_list(args, name, allowed=None):
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError('%s must be a list of non-empty strings, not %r' % (name, value))
    if allowed is not None:
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValueError('%s: unknown %s; choose from %s' % (name, ', '.join(unknown), ', '.join(allowed)))
    return list(value)


def parse_args(args):
    """The source's arguments with their defaults, or ``ValueError`` naming the bad one (before any request)."""
    if not isinstance(args, dict):
        raise ValueError('the source arguments must be a mapping, not %r' % type(args).__name__)
    known = set(STRING_ARGS) | {'validate_certs', 'timeout', 'device_types', 'interval', 'events', 'emit_initial', 'max_polls'}
    unknown = sorted(name for name in args if name not in known and name != 'eda_feedback_queue')
    if unknown:
        raise ValueError('unknown argument(s): %s' % ', '.join(unknown))
    parsed: dict = {}
    for name in STRING_ARGS:
        value = args.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError('%s must be a string' % name)
        parsed[name] = value or None
    if not parsed['url']:
        raise ValueError('url is required: the IoTS gateway, e.g. https://iots.example.com:8243')
    parsed['token_path'] = parsed['token_path'] or DEFAULT_TOKEN_PATH
    parsed['server_flavor'] = parsed['server_flavor'] or 'iots'
    if parsed['server_flavor'] not in FLAVORS:
        raise ValueError('server_flavor must be one of %s, not %r' % (', '.join(FLAVORS), parsed['server_flavor']))
    if not parsed['token'] and not (parsed['client_id'] and parsed['client_secret']):
        raise ValueError('give token, or client_id and client_secret (with username and password for the password grant)')
    if bool(parsed['username']) != bool(parsed['password']):
        raise ValueError('username and password go together')
    for name in ('validate_certs', 'emit_initial'):
        value = args.get(name)
        try:
            parsed[name] = boolean(value, strict=True) if value is not None else name == 'validate_certs'
        except TypeError:
            raise ValueError('%s must be a boolean, not %r' % (name, value))
    parsed['timeout'] = _number(args, 'timeout', DEFAULT_TIMEOUT, minimum_exclusive=0)
    parsed['interval'] = _number(args, 'interval', DEFAULT_INTERVAL, minimum_exclusive=0)
    parsed['max_polls'] = _number(args, 'max_polls', 0, minimum=0, integer=True)
    parsed['device_types'] = _string_list(args, 'device_types')
    events = _string_list(args, 'events', EVENT_KINDS)
    if events is not None and not events:
        raise ValueError('events must name at least one of %s' % ', '.join(EVENT_KINDS))
    parsed['events'] = events or list(EVENT_KINDS)
    return parsed


# ---------------------------------------------------------------------------- devices


def device_rows(devices):
    """{enrolment id: row} of a scan of GET /devices (one row per enrolment)."""
    rows = {}
    for device in devices:
        info = device.get('enrolmentInfo') or {}
        if info.get('id') is None:
            continue
        rows[info['id']] = {
            'type': device.get('type'),
            'id': device.get('deviceIdentifier'),
            'name': device.get('name'),
            'status': info.get('status'),
            'owner': info.get('owner'),
            'ownership': info.get('ownership'),
            'updated': info.get('dateOfLastUpdate'),
        }
    return rows


def _device(row):
    return dict((key, row.get(key)) for key in ('type', 'id', 'name', 'status', 'owner', 'ownership'))


def diff_devices(previous, current):
    """(events, merged rows): what changed from one scan to the next, by enrolment.

    A new enrolment is ``enrolled`` (a REMOVED one is nothing); REMOVED again active is ``enrolled``;
    active to REMOVED ``disenrolled``; any other status change ``status_changed``. A row missing from
    ``current`` stays as it was (scans of an unordered list can miss rows; rows are never deleted).
    """
    events = []
    merged = dict(previous)
    for enrolment_id, row in current.items():
        before = previous.get(enrolment_id)
        merged[enrolment_id] = row
        old_status = before['status'] if before else None
        if before is None:
            kind = None if row['status'] == 'REMOVED' else 'enrolled'
        elif old_status == row['status']:
            kind = None
        elif row['status'] == 'REMOVED':
            kind = 'disenrolled'
        elif old_status == 'REMOVED':
            kind = 'enrolled'
        else:
            kind = 'status_changed'
        if kind:
            events.append((kind, enrolment_id, row, old_status))
    return events, merged


# ---------------------------------------------------------------------------- events


def event_id(*parts):
    """The same change gives the same id (restarts and reruns included)."""
    return str(uuid.uuid5(UUID_NAMESPACE, '|'.join('' if p is None else str(p) for p in parts)))


def make_event(kind, device, previous_status=None, operation=None, key=()):
    return {'iots': {'event': kind, 'device': device, 'previous_status': previous_status, 'operation': operation}, 'meta': {'uuid': event_id(kind, *key)}}


def server_time(response, default):
    """Epoch seconds of the answer's Date header (the server's clock), or ``default``."""
    try:
        moment = email.utils.parsedate_to_datetime(response.headers.get('Date'))
    except (TypeError, ValueError, IndexError, AttributeError):
        return default
    return default if moment is None or moment.tzinfo is None else moment.timestamp()


def http_date(seconds):
    return email.utils.formatdate(seconds, usegmt=True)


# ---------------------------------------------------------------------------- the poller


class Poller(object):
    """One IoTS server's changes; ``poll`` sends about one request per 100 devices plus the activities pages."""

    def __init__(self, args, client=None, clock=time.time):
        self.args = args
        self.options = OptionAdapter.from_dict(args)
        self.client = client or client_from_options(self.options)
        self.clock = clock
        self.kinds = set(args['events'])
        self.watch_devices = bool(self.kinds & set(DEVICE_KINDS))
        self.watch_operations = bool(self.kinds & set(OPERATION_KINDS))
        needs = list(_device_api.scopes_needed('list_devices'))
        if self.watch_operations:
            needs.append('get-activity')
        self.needs = needs
        self.token = None
        self.devices = None  # enrolment id -> row, after the baseline
        self.watermark: float = 0.0  # server time of the previous activities query (set by the baseline scan)
        self.seen = {}  # (activity id, type, device id, status) -> server time first seen
        self.polls = 0

    def new_token(self):
        """A token for exactly the scopes the chosen events need, through the collection's OAuth code."""
        # renew=False: the source renews an expired token itself, between polls, and logs it (failure()).
        self.token = _access_token.access_token(self.client, self.options, self.needs, renew=False)
        return self.token

    def poll(self):
        """The events since the previous poll ([] for the baseline unless emit_initial)."""
        if self.token is None:
            self.new_token()
        baseline = self.polls == 0
        # The device scan's result is kept only when the whole poll worked: a failure loses no change.
        events, devices = self._scan_devices()
        if self.watch_operations:
            self.devices, previous = devices, self.devices
            try:
                events.extend(self._scan_operations(baseline))
            except Exception:
                self.devices = previous
                raise
        self.devices = devices
        self.polls += 1
        return [event for event in events if event['iots']['event'] in self.kinds]

    def _scan_devices(self):
        """(events, the new device state); the state is not changed here."""
        types = self.args['device_types'] or [None]
        current = {}
        for device_type in types:
            current.update(device_rows(_device_api.list_devices(self.client, self.token, device_type=device_type)))
        if self.devices is None:
            if not self.args['emit_initial']:
                return [], current
            return [
                make_event('enrolled', _device(row), key=(self.client.base_url, enrolment_id, None, row['status'], row['updated']))
                for enrolment_id, row in current.items()
                if row['status'] != 'REMOVED'
            ], current
        changes, merged = diff_devices(self.devices, current)
        return [
            make_event(kind, _device(row), previous_status=old, key=(self.client.base_url, enrolment_id, old, row['status'], row['updated']))
            for kind, enrolment_id, row, old in changes
        ], merged

    def _activities(self, since):
        """Every row of GET /activities updated after ``since`` (epoch s) and the server's time."""
        rows, now = [], None
        scopes = _device_api.CALL_SCOPES['get_activity']
        query = [('since', http_date(since))]
        try:
            for response, data in _api.page_answers(self.client, self.token, scopes, '/activities', 'activities', query, expected=(200, 304)):
                if now is None:
                    now = server_time(response, self.clock())
                for activity in data.get('activities') or []:
                    for entry in activity.get('activityStatus') or []:
                        rows.append((activity, entry))
        except IotsError as exc:
            if exc.status == 401 and ADMIN_ONLY in (exc.description or ''):
                exc.hint = (
                    'operation events need a user with the admin role (GET /activities is admin only): '
                    'use an admin account, or leave operation_completed and operation_failed out of '
                    'events.'
                )
            raise
        return rows, now

    def _scan_operations(self, baseline):
        if baseline:
            local = self.clock()
            rows, now = self._activities(local - OVERLAP)
            if abs(now - local) > 1:  # the server's clock differs: mark what it has in the window as seen
                rows, now = self._activities(now - OVERLAP)
        else:
            rows, now = self._activities(self.watermark - OVERLAP)
        self.watermark = now
        events = []
        for activity, entry in rows:
            kind = OPERATION_RESULTS.get(entry.get('status'))
            identifier = entry.get('deviceIdentifier') or {}
            device_type, device_id = identifier.get('type'), identifier.get('id')
            if not kind or (self.args['device_types'] and device_type not in self.args['device_types']):
                continue
            key = (activity.get('activityId'), device_type, device_id, entry.get('status'))
            if key in self.seen:
                continue
            self.seen[key] = now
            if baseline and not self.args['emit_initial']:
                continue
            events.append(
                make_event(
                    kind,
                    self._operation_device(device_type, device_id),
                    operation={
                        'activity_id': activity.get('activityId'),
                        'code': activity.get('code'),
                        'status': entry.get('status'),
                        'response': _last_response(entry),
                    },
                    key=(self.client.base_url,) + key + (entry.get('updatedTimestamp'),),
                )
            )
        # Rows first seen before this query's window cannot come back: forget them.
        horizon = now - 2 * OVERLAP
        for key in [k for k, first in self.seen.items() if first < horizon]:
            del self.seen[key]
        return events

    def _operation_device(self, device_type, device_id):
        """The device as the last scan saw it (its latest enrolment), else its type and id only."""
        found = None
        for row in (self.devices or {}).values():
            if row['type'] == device_type and row['id'] == device_id:
                if found is None or (row['updated'] or 0) >= (found['updated'] or 0):
                    found = row
        return _device(found) if found else _device({'type': device_type, 'id': device_id})

    def failure(self, exc):
        """What to do about an error of ``poll``: get a new token, retry later, or stop."""
        if not isinstance(exc, IotsError) or isinstance(exc, (IotsOptionError, IotsScopeError)):
            return 'fatal'
        if exc.status == 401 and str(exc.error) in ('900901', '900902') and not self.args['token']:
            return 'token'
        if exc.status is None:
            return 'fatal' if 'TLS verification failed' in exc.message else 'retry'
        return 'retry' if exc.status >= 500 else 'fatal'

    def backoff(self, failures):
        """Seconds to wait after ``failures`` failed polls in a row: doubling from the interval, capped."""
        return min(self.args['interval'] * 2 ** max(failures - 1, 0), max(MAX_BACKOFF, self.args['interval']))


def _last_response(entry):
    responses = entry.get('responses') or []
    return responses[-1].get('response') if responses and isinstance(responses[-1], dict) else None
