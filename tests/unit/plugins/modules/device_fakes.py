# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An in-memory IoTS behind the functions of _device_api, for the device module unit tests.

``FakeIots.install(monkeypatch)`` replaces every _device_api function the modules call and the
token function, records each call (``calls``, ``writes``) and the scopes asked for
(``token_requests``). ``fail_on`` makes a call raise an IotsError, to test faults mid-run.
"""

import copy
import os

import pytest

from ansible_collections.wso2.iots.plugins.module_utils import _device_api, _resource
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError

API = 'https://iots.example.com:8243/api/device-mgt/v1.0'
TOKEN = '5d1c3b2e-4a4f-3c1e-9f0a-6b7c8d9e0f1a'


@pytest.fixture(autouse=True)
def no_iots_environment(monkeypatch):
    """No IOTS_* variable of the test's environment reaches a module (import it into a test file)."""
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)


WRITES = ('enroll_device', 'modify_device', 'disenroll_device', 'create_group', 'update_group', 'delete_group',
          'add_group_devices', 'remove_group_devices', 'send_operation')


def device(device_type, device_id, name=None, status='ACTIVE', ownership='COPE', owner='admin', description=None,
           properties=None, number=1):
    found = {
        'id': number, 'name': name or device_id, 'type': device_type, 'deviceIdentifier': device_id,
        'enrolmentInfo': {'id': number, 'ownership': ownership, 'status': status, 'owner': owner,
                          'dateOfEnrolment': 1764412800000, 'dateOfLastUpdate': 1764412800000 + number},
        'properties': [{'name': k, 'value': v} for k, v in sorted((properties or {}).items())],
    }
    if description is not None:
        found['description'] = description
    return found


class FakeIots(object):
    def __init__(self, device_types=('android', 'virtual_firealarm')):
        self.types = list(device_types)
        self.rows = []
        self.groups = []
        self.members = {}
        self.activities = {}
        self.calls = []
        self.token_requests = []
        self.fail_on = {}  # function name -> (after how many successful calls, IotsError)

    # ------------------------------------------------------------------ set-up and results

    def add(self, device_type, device_id, **fields):
        row = device(device_type, device_id, number=len(self.rows) + 1, **fields)
        self.rows.append(row)
        return row

    def add_group(self, name, description='', owner='admin', members=()):
        group = {'id': len(self.groups) + 1, 'name': name, 'description': description, 'owner': owner}
        self.groups.append(group)
        self.members[group['id']] = list(members)
        return group

    def find(self, device_type, device_id):
        rows = [r for r in self.rows if (r['type'], r['deviceIdentifier']) == (device_type, device_id)]
        return rows[-1] if rows else None

    def status(self, device_type, device_id):
        found = self.find(device_type, device_id)
        return found['enrolmentInfo']['status'] if found else None

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def count(self, name):
        return len([call for call in self.calls if call[0] == name])

    def install(self, monkeypatch):
        for name in ('list_devices', 'get_device', 'device_types', 'find_group', 'group_devices', 'get_activity') + WRITES:
            monkeypatch.setattr(_device_api, name, self._recorded(name))
        monkeypatch.setattr(_resource, "access_token", self.access_token)
        return self

    def _recorded(self, name):
        method = getattr(self, name)

        def call(client, token, *args, **kwargs):
            assert token == TOKEN, 'a device API call without the bearer token'
            self.calls.append((name, args, kwargs))
            after, error = self.fail_on.get(name, (None, None))
            if error is not None:
                if after <= 0:
                    raise error
                self.fail_on[name] = (after - 1, error)
            return method(*args, **kwargs)
        return call

    def access_token(self, client, options, scopes):
        self.token_requests.append(list(scopes))
        if options('token'):
            return options('token')
        return TOKEN

    # ------------------------------------------------------------------ the device API

    def list_devices(self, device_type=None, status=None, ownership=None, owner=None, name=None, group_id=None,
                     page_size=100):
        found = []
        for row in self.rows:
            info = row['enrolmentInfo']
            if ((device_type and row['type'] != device_type) or (status and info['status'] != status)
                    or (ownership and info['ownership'] != ownership) or (owner and info['owner'] != owner)
                    or (name and not row['name'].startswith(name))
                    or (group_id is not None and (row['type'], row['deviceIdentifier']) not in self.members.get(group_id, []))):
                continue
            found.append(copy.deepcopy(row))
        return found

    def get_device(self, device_type, device_id):
        return copy.deepcopy(self.find(device_type, device_id))

    def device_types(self):
        return list(self.types)

    def enroll_device(self, device_type, device_id, name=None, description=None, ownership='COPE', properties=None):
        if device_type not in self.types:
            raise IotsError("POST %s/device/agent/enroll answered HTTP 200 false: IoTS has no device type %r. "
                            "The server knows: %s." % (API, device_type, ', '.join(self.types)), status=200)
        existing = self.find(device_type, device_id)
        if existing and existing['enrolmentInfo']['status'] == 'ACTIVE':
            raise IotsError('POST %s/device/agent/enroll failed: HTTP 400 An active enrolment exists.' % API,
                            status=400)
        if existing:
            existing.update(name=name, description=description)
            existing['enrolmentInfo']['status'] = 'ACTIVE'
        else:
            self.add(device_type, device_id, name=name, ownership=ownership, description=description,
                     properties=properties)

    def modify_device(self, device_type, device_id, name=None, description=None, properties=None):
        existing = self.find(device_type, device_id)
        for key, value in (('name', name), ('description', description)):
            if value is not None:
                existing[key] = value
        if properties is not None:
            existing['properties'] = [{'name': k, 'value': v} for k, v in sorted(properties.items())]

    def disenroll_device(self, device_type, device_id):
        existing = self.find(device_type, device_id)
        if existing:
            existing['enrolmentInfo']['status'] = 'REMOVED'

    def find_group(self, name):
        for group in self.groups:
            if group['name'] == name:
                return copy.deepcopy(group)
        return None

    def create_group(self, name, description=''):
        return copy.deepcopy(self.add_group(name, description))

    def update_group(self, group_id, name, description, owner):
        group = [g for g in self.groups if g['id'] == group_id][0]
        group.update(name=name, description=description, owner=owner)

    def delete_group(self, group_id):
        self.groups = [g for g in self.groups if g['id'] != group_id]
        self.members.pop(group_id, None)  # as IoTS: a deleted group lists no devices

    def group_devices(self, group_id):
        return [copy.deepcopy(self.find(*key)) for key in self.members.get(group_id, [])]

    def add_group_devices(self, group_id, keys):
        self.members[group_id].extend(keys)

    def remove_group_devices(self, group_id, keys):
        self.members[group_id] = [key for key in self.members[group_id] if key not in keys]

    def send_operation(self, device_type, device_ids, code, operation_type='COMMAND', payload=None):
        statuses = []
        for device_id in device_ids:
            valid = self.status(device_type, device_id) not in (None, 'REMOVED')
            statuses.append({'deviceIdentifier': {'id': device_id, 'type': device_type},
                             'status': 'PENDING' if valid else 'INVALID'})
        activity = {'activityId': 'ACTIVITY_%d' % (len(self.activities) + 1), 'code': code, 'type': operation_type,
                    'createdTimeStamp': 'Sun Nov 29 16:00:00 UTC 2026', 'activityStatus': statuses}
        self.activities[activity['activityId']] = [activity]
        return copy.deepcopy(activity)

    def progress(self, activity_id, *steps):
        """The answers of later GET /activities/{id}: each step maps device id -> status (or (status, response))."""
        first = self.activities[activity_id][0]
        for step in steps:
            answer = copy.deepcopy(first)
            for entry in answer['activityStatus']:
                value = step.get(entry['deviceIdentifier']['id'], entry['status'])
                status, response = value if isinstance(value, tuple) else (value, None)
                entry['status'] = status
                if response:
                    entry['responses'] = [{'response': response}]
            self.activities[activity_id].append(answer)

    def get_activity(self, activity_id):
        answers = self.activities[activity_id]
        if len(answers) > 1:
            answers.pop(0)
        return copy.deepcopy(answers[0])
