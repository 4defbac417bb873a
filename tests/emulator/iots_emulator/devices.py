# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Devices and their enrolments, as carbon-device-mgt 3.0.240 keeps them (DM_DEVICE, DM_ENROLMENT).

A device row (numeric ``id``, type, identifier, name, description, properties) has one or more
enrolment rows (owner, ownership, status). ``GET /devices`` lists one row per enrolment;
``GET /devices/{type}/{id}`` shows the latest (``ORDER BY DATE_OF_LAST_UPDATE DESC``).
No HTTP here: the handlers in device_api.py and the seeding API call these functions under
``state.lock``.
"""

import collections

OWNERSHIPS = ('BYOD', 'COPE')
STATUSES = ('CREATED', 'ACTIVE', 'INACTIVE', 'UNREACHABLE', 'UNCLAIMED', 'SUSPENDED', 'BLOCKED', 'REMOVED', 'DISENROLLMENT_REQUESTED')


def clean_properties(properties):
    """Device properties as [{name, value}]: a list of such dicts, or a dict name -> value (seeding)."""
    if isinstance(properties, dict):
        return [{'name': str(name), 'value': None if value is None else str(value)} for name, value in properties.items()]
    return [{'name': p.get('name'), 'value': p.get('value')} for p in (properties or []) if isinstance(p, dict)]


class Enrolment(object):
    def __init__(self, enrolment_id, device, owner, ownership, status, now):
        self.id = enrolment_id
        self.device = device
        self.owner = owner
        self.ownership = ownership
        self.status = status
        self.enrolled = now
        self.updated = now

    def to_json(self):
        """Device JSON with this enrolment as its enrolmentInfo."""
        return self.device.to_json(self)


class Device(object):
    """One DM_DEVICE row; ``enrolments`` oldest first."""

    def __init__(self, device_id, tenant, device_type, identifier, name=None, description=None, properties=()):
        self.id = device_id
        self.tenant = tenant
        self.type = device_type
        self.identifier = identifier
        self.name = name
        self.description = description
        self.properties = clean_properties(properties)
        self.enrolments = []

    @property
    def key(self):
        return (self.tenant, self.type, self.identifier)

    @property
    def latest(self):
        """The enrolment GET /devices/{type}/{id} shows: the last updated (the newest on a tie)."""
        return max(self.enrolments, key=lambda e: (e.updated, e.id))

    # The status, owner and ownership of the latest enrolment (what a client sees first).
    @property
    def status(self):
        return self.latest.status

    @property
    def owner(self):
        return self.latest.owner

    @property
    def ownership(self):
        return self.latest.ownership

    def to_json(self, enrolment=None):
        """org.wso2.carbon.device.mgt.common.Device through Gson: Java field names, nulls left out."""
        enrolment = enrolment or self.latest
        data = collections.OrderedDict()
        data['id'] = self.id
        if self.name is not None:
            data['name'] = self.name
        data['type'] = self.type
        if self.description is not None:
            data['description'] = self.description
        data['deviceIdentifier'] = self.identifier
        data['enrolmentInfo'] = collections.OrderedDict(
            (
                ('id', enrolment.id),
                ('dateOfEnrolment', int(enrolment.enrolled * 1000)),
                ('dateOfLastUpdate', int(enrolment.updated * 1000)),
                ('ownership', enrolment.ownership),
                ('status', enrolment.status),
                ('owner', enrolment.owner),
            )
        )
        data['properties'] = [dict(p) for p in self.properties]
        return data


class DeviceStore(object):
    """Every device of every tenant; ``rows`` holds the enrolments in the order they were made."""

    def __init__(self):
        self.by_key = {}  # (tenant, type, identifier) -> Device
        self.rows = []  # every Enrolment, oldest first
        self.next_device_id = 1
        self.next_enrolment_id = 1

    def find(self, tenant, device_type, identifier):
        return self.by_key.get((tenant, device_type, identifier))

    def __len__(self):
        return len(self.by_key)

    def devices(self):
        return list(self.by_key.values())

    def _new_enrolment(self, device, owner, ownership, status, now):
        enrolment = Enrolment(self.next_enrolment_id, device, owner, ownership, status, now)
        self.next_enrolment_id += 1
        device.enrolments.append(enrolment)
        self.rows.append(enrolment)
        return enrolment

    def enrol(self, tenant, device_type, identifier, owner, ownership, now, name=None, description=None, properties=None, status='ACTIVE'):
        """enrollDevice: a new device, or a known one enrolled again. Returns the active Enrolment.

        A known device keeps its numeric id. The same owner with the same ownership reactivates the
        existing enrolment; another owner or ownership adds an enrolment row (DeviceManagementProviderServiceImpl).
        """
        device = self.find(tenant, device_type, identifier)
        if device is None:
            device = Device(self.next_device_id, tenant, device_type, identifier, name, description, properties or ())
            self.next_device_id += 1
            self.by_key[device.key] = device
            return self._new_enrolment(device, owner, ownership, status, now)
        device.name, device.description = name, description
        if properties is not None:
            device.properties = clean_properties(properties)
        for enrolment in device.enrolments:
            if enrolment.owner == owner and enrolment.ownership == ownership:
                enrolment.status = status
                enrolment.updated = now
                return enrolment
        return self._new_enrolment(device, owner, ownership, status, now)

    def seed(self, tenant, device_type, identifiers, owner, ownership, status, name, description, properties, now):
        """Many new devices at once (no HTTP): ``name`` may hold ``{id}`` for the identifier."""
        created = []
        for identifier in identifiers:
            if self.find(tenant, device_type, identifier) is not None:
                raise ValueError('device %s/%s exists already' % (device_type, identifier))
            device_name = name.replace('{id}', identifier) if isinstance(name, str) else name
            enrolment = self.enrol(
                tenant, device_type, identifier, owner, ownership, now, name=device_name, description=description, properties=properties or (), status=status
            )
            created.append(enrolment.device)
        return created

    def listed(self, tenant, owner=None, device_type=None, status=None, ownership=None, name=None, members=None):
        """The enrolment rows GET /devices returns, in order: one per enrolment.

        ``name`` is a prefix (SQL ``LIKE 'name%'``); ``members`` a set of device ids (groupId).
        """
        selected = []
        for row in self.rows:
            device = row.device
            if device.tenant != tenant or (owner and row.owner != owner):
                continue
            if (device_type and device.type != device_type) or (status and row.status != status):
                continue
            if (ownership and row.ownership != ownership) or (members is not None and device.id not in members):
                continue
            if name and not (device.name or '').startswith(name):
                continue
            selected.append(row)
        return selected
