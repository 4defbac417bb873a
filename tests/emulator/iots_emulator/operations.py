# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Operations and their activities (OperationManagerImpl of carbon-device-mgt 3.0.240), without HTTP.

A device's status in an activity moves PENDING -> IN_PROGRESS -> COMPLETED as time passes: PENDING
for ``operation_pending`` seconds, then IN_PROGRESS for ``operation_in_progress`` seconds (both set
with ``configure``), as if its agent fetched and answered the operation. ``set_operation_result``
makes a device's operations end in ERROR with a response (or stay IN_PROGRESS for ever).
Statuses are computed when read, so nothing runs in the background.
"""

import collections
import time

OPERATION_TYPES = ('CONFIG', 'MESSAGE', 'INFO', 'COMMAND', 'PROFILE', 'POLICY')
SENDABLE_TYPES = ('COMMAND', 'CONFIG', 'PROFILE')  # the others: 406 from DeviceManagementServiceImpl
FINAL_RESULTS = ('COMPLETED', 'ERROR', 'IN_PROGRESS')


def java_date(timestamp):
    """java.util.Date.toString() in UTC: ``Sun Nov 29 16:40:00 UTC 2026`` (Activity.createdTimeStamp)."""
    return time.strftime('%a %b %d %H:%M:%S UTC %Y', time.gmtime(timestamp))


class DeviceOperation(object):
    """One device's part of an activity: the status it starts with and how it ends."""

    def __init__(self, device_type, identifier, status, result=None, response=None):
        self.device_type = device_type
        self.identifier = identifier
        self.status = status  # INVALID (and never changes) or PENDING
        self.result = result or 'COMPLETED'
        self.response = response


class Activity(object):
    def __init__(self, operation_id, tenant, code, operation_type, payload, now, devices):
        self.id = 'ACTIVITY_%d' % operation_id
        self.tenant = tenant
        self.code = code
        self.type = operation_type
        self.payload = payload
        self.created = now
        self.devices = devices

    def status_of(self, device, now, pending, in_progress):
        """(status, updated time or None) of one device at ``now``."""
        if device.status != 'PENDING':
            return device.status, None
        started, finished = self.created + pending, self.created + pending + in_progress
        if now < started:
            return 'PENDING', None
        if now < finished or device.result == 'IN_PROGRESS':
            return 'IN_PROGRESS', started
        return device.result, finished

    def updated_at(self, device, now, pending, in_progress):
        """DM_ENROLMENT_OP_MAPPING.UPDATED_TIMESTAMP of one device at ``now``: set when the mapping row is
        made and on each status change (OperationMappingDAOImpl, GenericOperationDAOImpl.updateOperationStatus)."""
        return self.status_of(device, now, pending, in_progress)[1] or self.created

    def to_json(self, now, pending, in_progress, with_progress=True, only=None, always_updated=False):
        """Activity through Gson; the 201 answer has no responses/updatedTimestamp (nulls left out).

        ``only``: the device parts to show (the activities list shows the mapping rows it selected);
        ``always_updated``: every part carries updatedTimestamp (the list reads it from each row).
        """
        statuses = []
        for device in self.devices if only is None else only:
            entry = collections.OrderedDict()
            entry['deviceIdentifier'] = collections.OrderedDict((('id', device.identifier), ('type', device.device_type)))
            if with_progress:
                status, updated = self.status_of(device, now, pending, in_progress)
            else:
                status, updated = device.status, None
            entry['status'] = status
            if status in ('COMPLETED', 'ERROR') and updated is not None:
                text = (
                    device.response if device.response is not None else ('operation %s completed' % self.code if status == 'COMPLETED' else 'operation failed')
                )
                entry['responses'] = [{'response': text, 'receivedTimeStamp': java_date(updated)}]
            if updated is None and always_updated:
                updated = self.created
            if updated is not None:
                entry['updatedTimestamp'] = java_date(updated)
            statuses.append(entry)
        data = collections.OrderedDict()
        data['activityId'] = self.id
        data['code'] = self.code
        data['type'] = self.type
        data['createdTimeStamp'] = java_date(self.created)
        data['activityStatus'] = statuses
        return data


class OperationStore(object):
    def __init__(self):
        self.activities = {}  # activity id -> Activity
        self.next_id = 1
        self.results = {}  # (tenant, type, identifier) -> (status, response) forced for tests

    def add(self, tenant, code, operation_type, payload, now, device_ops):
        activity = Activity(self.next_id, tenant, code, operation_type, payload, now, device_ops)
        self.next_id += 1
        self.activities[activity.id] = activity
        return activity

    def get(self, tenant, activity_id):
        activity = self.activities.get(activity_id)
        return activity if activity is not None and activity.tenant == tenant else None

    def updated_after(self, tenant, since, now, pending, in_progress):
        """The mapping rows updated strictly after ``since`` (epoch seconds), oldest update first, as
        [(activity, device part, updated)]: GenericOperationDAOImpl.getActivitiesUpdatedAfter compares whole
        seconds (``UPDATED_TIMESTAMP > ?``), orders by UPDATED_TIMESTAMP and pages over these rows."""
        rows = []
        for activity in self.activities.values():
            if activity.tenant != tenant:
                continue
            for device in activity.devices:
                updated = activity.updated_at(device, now, pending, in_progress)
                if int(updated) > since:
                    rows.append((int(updated), int(activity.id.split('_')[1]), activity, device))
        rows.sort(key=lambda row: (row[0], row[1]))
        return [(activity, device, updated) for updated, _number, activity, device in rows]

    def set_result(self, tenant, device_type, identifier, status, response):
        if status not in FINAL_RESULTS:
            raise ValueError('status must be one of %s, not %r' % (', '.join(FINAL_RESULTS), status))
        self.results[(tenant, device_type, identifier)] = (status, response)

    def result_for(self, tenant, device_type, identifier):
        return self.results.get((tenant, device_type, identifier), ('COMPLETED', None))
