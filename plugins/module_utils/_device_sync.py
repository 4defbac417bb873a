# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Bring many devices to the wanted state in one run: read what exists once, write only what differs.

Reading costs one paged list per device type (100 devices a page); writing one request per device
that differs. A write that fails stops the run with a record of every device already done, so a
partial success is never silent (``DeviceSyncError``).
"""

from ansible_collections.wso2.iots.plugins.module_utils import _device_api as device_api
from ansible_collections.wso2.iots.plugins.module_utils._device_spec import (
    ACTIONS,
    DISENROLLED,
    ENROLLED,
    MODIFIED,
    NONE,
    device_key,
    enrol_args,
    modify_args,
    plan,
)
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError

PAGE_SIZE = 100


class DeviceSyncError(IotsError):
    """A request failed in the middle of a run; ``records`` say what was done, ``pending`` what was not."""

    def __init__(self, cause, records, pending):
        done = [r for r in records if r['changed']]
        message = ('%s %d of %d device(s) changed before this failure (%s); %d not attempted. The task result '
                   'lists them in devices and pending.'
                   % (str(cause), len(done), len(records) + len(pending), summary_text(records), len(pending)))
        super(DeviceSyncError, self).__init__(message, url=cause.url, method=cause.method, status=cause.status,
                                              error=cause.error, description=cause.description)
        self.records = records
        self.pending = pending


def existing_devices(client, token, device_types):
    """{(type, id): Device JSON} for every device of these types that IoTS lists, one paged list per type."""
    rows = []
    for device_type in sorted(set(device_types)):
        rows.extend(device_api.list_devices(client, token, device_type=device_type, page_size=PAGE_SIZE))
    # GET /devices lists one row per enrolment; the latest is the one GET /devices/{type}/{id} answers.
    return device_api.latest_devices(rows)


def one_device(client, token, spec):
    """{(type, id): Device JSON} of one device, or {} when IoTS does not know it (one GET)."""
    device = device_api.get_device(client, token, spec['device_type'], spec['device_id'])
    return {device_key(spec): device} if device else {}


def make_plan(specs, existing):
    """[(spec, current or None, action)] in the order of ``specs``."""
    planned = []
    for spec in specs:
        current = existing.get(device_key(spec))
        planned.append((spec, current, plan(spec, current)))
    return planned


def check_device_types(client, token, planned):
    """Fail before any write when a device to enrol has a type IoTS has no plugin for.

    IoTS would answer such an enrolment with HTTP 200 and the body ``false``; one read of
    GET /device-types up front turns that into an error that lists the types IoTS knows.
    """
    wanted = sorted(set(spec['device_type'] for spec, dummy, action in planned if action == ENROLLED))
    if not wanted:
        return
    known = device_api.device_types(client, token)
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise IotsOptionError(unknown_type_message(unknown, known))


def unknown_type_message(unknown, known):
    return ('IoTS has no device type %s (no device-type plugin is installed for it). The types it knows: %s.'
            % (', '.join(repr(name) for name in unknown), ', '.join(sorted(known)) or 'none'))


def write(client, token, spec, current, action):
    """Send the one request of ``action``; nothing for ``none``."""
    if action == ENROLLED:
        device_api.enroll_device(client, token, spec['device_type'], spec['device_id'], **enrol_args(spec))
    elif action == MODIFIED:
        device_api.modify_device(client, token, spec['device_type'], spec['device_id'], **modify_args(spec, current))
    elif action == DISENROLLED:
        device_api.disenroll_device(client, token, spec['device_type'], spec['device_id'])


def record(spec, action, changed):
    return dict(device_type=spec['device_type'], device_id=spec['device_id'], action=action, changed=changed)


def apply_plan(client, token, planned, check_mode=False):
    """Write what differs, in order; returns one record per device.

    In check mode nothing is sent and each record says what would be done.
    """
    records = []
    for index, (spec, current, action) in enumerate(planned):
        if not check_mode:
            try:
                write(client, token, spec, current, action)
            except IotsError as exc:
                failed = dict(record(spec, action, False), failed=True, msg=str(exc))
                pending = [record(s, a, False) for s, dummy, a in planned[index + 1:]]
                raise DeviceSyncError(exc, records + [failed], pending)
        records.append(record(spec, action, action != NONE))
    return records


def summary(records):
    """How many devices each action touched: {enrolled, modified, disenrolled, none}."""
    counts = dict((action, 0) for action in ACTIONS)
    for item in records:
        if not item.get('failed'):
            counts[item['action']] += 1
    return counts


def summary_text(records):
    counts = summary(records)
    return ', '.join('%s %d' % (action, counts[action]) for action in ACTIONS)
