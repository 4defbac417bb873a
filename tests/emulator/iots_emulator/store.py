# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Everything the emulated server remembers, behind one lock.

Applications live in their tenant admin's namespace (APIM Store), tokens in rows like
IDN_OAUTH2_ACCESS_TOKEN (one row per access token, a refresh token may span several rows),
devices per tenant. Handlers take ``state.lock`` around each read-modify-write.
"""

import collections
import secrets
import string
import threading
import time
import uuid

from .device_types import DeviceTypeStore
from .devices import OWNERSHIPS, STATUSES, DeviceStore
from .directory import SUPER_TENANT, Directory
from .groups import GroupStore
from .operations import OperationStore
from .policies import PolicyStore
from .users import AccessStore

SUPPORTED_VERSIONS = ('3.2.0', '3.3', 'entgra')  # entgra: Entgra 7.x, see entgra.py
# identity.xml of IoTS 3.2.0
DEFAULT_TOKEN_VALIDITY = 3600
DEFAULT_REFRESH_TOKEN_VALIDITY = 15552000
TIMESTAMP_SKEW = 300

SEED_DEVICE_TYPES = ('android', 'virtual_firealarm')
# Seconds an operation's device status stays PENDING, then IN_PROGRESS, before it is COMPLETED.
DEFAULT_OPERATION_PENDING = 1.0
DEFAULT_OPERATION_IN_PROGRESS = 1.0

COUNT_KEYS = (
    'register',
    'unregister',
    'token',
    'token:password',
    'token:refresh_token',
    'token:client_credentials',
    'token:other',
    'revoke',
    'api',
    'not_found',
    'control',
)

ACTIVE, INACTIVE, EXPIRED, REVOKED = 'ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED'

_KEY_ALPHABET = string.ascii_letters + string.digits


def new_key(length=28):
    """An APIM-looking consumer key/secret: 28 random base62 characters."""
    return ''.join(secrets.choice(_KEY_ALPHABET) for position in range(length))


def new_token():
    return str(uuid.uuid4())


class Application(object):
    def __init__(self, tenant, name, owner, tags, saas, validity_period):
        self.tenant = tenant
        self.name = name
        self.owner = owner  # the tenant admin: /register always acts as them
        self.tags = set(tags)
        self.saas = saas  # isAllowedToAllDomains: users of any tenant may get tokens
        self.validity_period = validity_period
        self.client_id = new_key()
        self.client_secret = new_key()

    def describe(self):
        """For the control endpoint and tests; never the secret."""
        return {
            'tenant': self.tenant,
            'application_name': self.name,
            'client_id': self.client_id,
            'tags': sorted(self.tags),
            'owner': self.owner.qualified,
            'saas': self.saas,
        }


class TokenRow(object):
    def __init__(self, client_id, user, scopes, issued, validity, refresh, refresh_issued, refresh_validity, grant_type):
        self.access = new_token()
        self.client_id = client_id
        self.user = user
        self.scopes = tuple(scopes)
        self.issued = issued
        self.validity = validity
        self.refresh = refresh or new_token()
        self.refresh_issued = refresh_issued
        self.refresh_validity = refresh_validity
        self.grant_type = grant_type
        self.state = ACTIVE

    @property
    def key(self):
        return (self.client_id, self.user.qualified, ' '.join(self.scopes))

    def reusable_millis(self, now):
        """OAuth2Util.getTokenExpireTimeMillis: > 0 while the server hands this token out again."""
        access_left = (self.issued + self.validity - (now + TIMESTAMP_SKEW)) * 1000
        refresh_left = (self.refresh_issued + self.refresh_validity - (now + TIMESTAMP_SKEW)) * 1000
        if access_left > 1000 and refresh_left > 1000:
            return int(access_left)
        return 0

    def refresh_usable(self, now):
        """OAuth2Util.getRefreshTokenExpireTimeMillis > 0."""
        return (self.refresh_issued + self.refresh_validity - (now + TIMESTAMP_SKEW)) * 1000 > 1000

    def valid_for_api(self, now):
        """Key validation accepts a token until validity + skew (getAccessTokenExpireMillis)."""
        return self.state == ACTIVE and (self.issued + self.validity - (now - TIMESTAMP_SKEW)) * 1000 > 1000


class Fault(object):
    KINDS = ('latency', 'status', 'xml_fault', 'html', 'truncated_json', 'empty', 'drop', 'hang', 'invalid_body')
    ENDPOINTS = ('register', 'token', 'revoke', 'api', 'all')

    def __init__(self, endpoint, kind, times=None, latency=None, status=None):
        if endpoint not in self.ENDPOINTS:
            raise ValueError('fault endpoint must be one of %s, not %r' % (', '.join(self.ENDPOINTS), endpoint))
        if kind not in self.KINDS:
            raise ValueError('fault kind must be one of %s, not %r' % (', '.join(self.KINDS), kind))
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError('times must be a positive integer or None (until cleared)')
        if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float)) or latency < 0):
            raise ValueError('latency must be a number of seconds')
        if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
            raise ValueError('status must be an HTTP status code')
        self.endpoint = endpoint
        self.kind = kind
        self.times = times
        self.latency = float(latency if latency is not None else (1.0 if kind == 'latency' else 0))
        self.status = status if status is not None else 500

    def describe(self):
        return {'endpoint': self.endpoint, 'kind': self.kind, 'times': self.times, 'latency': self.latency, 'status': self.status}


class State(object):
    def __init__(self, users=None, version='3.2.0', token_validity=DEFAULT_TOKEN_VALIDITY, refresh_token_validity=DEFAULT_REFRESH_TOKEN_VALIDITY):
        self.lock = threading.RLock()
        self.directory = Directory(users)
        self.version = '3.2.0'
        self.token_validity = DEFAULT_TOKEN_VALIDITY
        self.refresh_token_validity = DEFAULT_REFRESH_TOKEN_VALIDITY
        self.operation_pending = DEFAULT_OPERATION_PENDING
        self.operation_in_progress = DEFAULT_OPERATION_IN_PROGRESS
        # Entgra applies a role's new permissions in a thread after answering (user_api.py); tests may set it.
        self.role_update_delay = 0.0
        self.configure(version=version, token_validity=token_validity, refresh_token_validity=refresh_token_validity)
        self.counts = collections.Counter()
        self.faults = []
        self.forget()

    @staticmethod
    def now():
        return time.time()

    # ------------------------------------------------------------------ configuration

    def configure(self, version=None, token_validity=None, refresh_token_validity=None, operation_pending=None, operation_in_progress=None):
        with self.lock:
            if version is not None:
                version = str(version)
                if version not in SUPPORTED_VERSIONS:
                    raise ValueError('version must be one of %s, not %r' % (', '.join(SUPPORTED_VERSIONS), version))
                self.version = version
            for name, value in (('token_validity', token_validity), ('refresh_token_validity', refresh_token_validity)):
                if value is not None:
                    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                        raise ValueError('%s must be a positive number of seconds' % name)
                    setattr(self, name, value)
            for name, value in (('operation_pending', operation_pending), ('operation_in_progress', operation_in_progress)):
                if value is not None:
                    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                        raise ValueError('%s must be a number of seconds >= 0' % name)
                    setattr(self, name, float(value))
            return self.config()

    def config(self):
        return {
            'version': self.version,
            'token_validity': self.token_validity,
            'refresh_token_validity': self.refresh_token_validity,
            'operation_pending': self.operation_pending,
            'operation_in_progress': self.operation_in_progress,
        }

    # ------------------------------------------------------------------ state

    def forget(self):
        """Back to the initial seed: no applications, no tokens, no devices."""
        with self.lock:
            self.apps = {}  # (tenant, name) -> Application
            self.apps_by_client = {}
            self.tokens_by_access = {}
            self.tokens_by_refresh = {}  # refresh -> [rows], oldest first
            self.latest = {}  # (client_id, user, scopes) -> newest row
            self.device_types = list(SEED_DEVICE_TYPES)
            self.type_definitions = DeviceTypeStore(self.device_types)
            self.policies = PolicyStore()
            self.devices = DeviceStore()
            self.groups = GroupStore()
            self.groups.ensure_system_groups(SUPER_TENANT)
            self.operations = OperationStore()
            # Users made through the users API go, and the directory's own are as they were.
            self.directory.restore()
            self.access = AccessStore(self.directory)

    def reset(self, state=False):
        with self.lock:
            self.counts.clear()
            self.faults = []
            if state:
                self.forget()

    def count(self, *keys):
        with self.lock:
            for key in keys:
                self.counts[key] += 1

    def count_snapshot(self, always=()):
        with self.lock:
            result = dict((key, 0) for key in COUNT_KEYS + tuple(always))
            result.update(self.counts)
            return result

    # ------------------------------------------------------------------ faults

    def set_fault(self, endpoint, kind, times=None, latency=None, status=None):
        fault = Fault(endpoint, kind, times=times, latency=latency, status=status)
        with self.lock:
            self.faults = [f for f in self.faults if f.endpoint != endpoint]
            self.faults.append(fault)
        return fault.describe()

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def take_fault(self, endpoint):
        """The fault for this request, if any; uses up one of its ``times``."""
        with self.lock:
            # A fault for this endpoint wins over one for 'all'; unknown URLs only see 'all'.
            for wanted in (endpoint, 'all') if endpoint else ('all',):
                for fault in self.faults:
                    if fault.endpoint == wanted:
                        if fault.times is not None:
                            fault.times -= 1
                            if fault.times <= 0:
                                self.faults.remove(fault)
                        return fault
        return None

    def fault_snapshot(self):
        with self.lock:
            return [f.describe() for f in self.faults]

    # ------------------------------------------------------------------ tokens

    def add_token(self, row):
        with self.lock:
            self.tokens_by_access[row.access] = row
            self.tokens_by_refresh.setdefault(row.refresh, []).append(row)
            self.latest[row.key] = row

    def latest_for_refresh(self, refresh):
        rows = self.tokens_by_refresh.get(refresh)
        return rows[-1] if rows else None

    def expire_tokens(self, refresh=False):
        """Every issued access token (and refresh token, when asked) is past its lifetime now."""
        with self.lock:
            now = self.now()
            for row in self.tokens_by_access.values():
                row.issued = min(row.issued, now - row.validity - TIMESTAMP_SKEW - 2)
                if refresh:
                    row.refresh_issued = min(row.refresh_issued, now - row.refresh_validity - TIMESTAMP_SKEW - 2)
            return len(self.tokens_by_access)

    # ------------------------------------------------------------------ views for tests

    def app_snapshot(self):
        with self.lock:
            return [app.describe() for app in self.apps.values()]

    def device_snapshot(self):
        """Each device as GET /devices/{type}/{id} shows it (its latest enrolment), with its tenant."""
        with self.lock:
            return [dict(device.to_json(), tenant=device.tenant) for device in self.devices.devices()]

    def group_snapshot(self):
        with self.lock:
            return [
                dict(group.to_json(), tenant=group.tenant, devices=[{'id': d.identifier, 'type': d.type} for d in group.members.values()])
                for group in self.groups.by_id.values()
            ]

    # ------------------------------------------------------------------ devices (also the seeding API)

    def enrol_device(self, tenant, device_type, identifier, owner, ownership, name=None, description=None, properties=None, status='ACTIVE'):
        """One enrolment, as POST /device/agent/enroll makes it: the device joins its ownership's group."""
        with self.lock:
            enrolment = self.devices.enrol(
                tenant, device_type, identifier, owner, ownership, self.now(), name=name, description=description, properties=properties, status=status
            )
            self.groups.join_system_group(enrolment.device, ownership)
            return enrolment

    def seed_devices(
        self, device_type, ids, owner='admin', ownership='COPE', status='ACTIVE', name=None, properties=None, description=None, tenant=SUPER_TENANT
    ):
        """Enrol many new devices without HTTP; returns their numeric ids."""
        if ownership not in OWNERSHIPS:
            raise ValueError('ownership must be one of %s, not %r' % (', '.join(OWNERSHIPS), ownership))
        if status not in STATUSES:
            raise ValueError('status must be one of %s, not %r' % (', '.join(STATUSES), status))
        ids = [str(identifier) for identifier in ids]
        if len(set(ids)) != len(ids):
            raise ValueError('ids must not repeat')
        with self.lock:
            if device_type not in self.device_types:
                raise ValueError('unknown device type %r; known: %s' % (device_type, ', '.join(self.device_types)))
            created = self.devices.seed(tenant, device_type, ids, owner, ownership, status, name, description, properties, self.now())
            self.groups.ensure_system_groups(tenant)
            system_group = self.groups.named(tenant, ownership)
            for device in created:
                system_group.members[device.id] = device
            return [device.id for device in created]

    def seed_group(self, name, description='', owner='admin', members=(), tenant=SUPER_TENANT):
        """A group with members [(type, id), ...] of enrolled devices; returns its id."""
        with self.lock:
            if self.groups.named(tenant, name) is not None:
                raise ValueError('a group named %r exists already' % name)
            found = []
            for device_type, identifier in members:
                device = self.devices.find(tenant, device_type, str(identifier))
                if device is None:
                    raise ValueError('no device %s/%s to put in group %r' % (device_type, identifier, name))
                found.append(device)
            group = self.groups.create(tenant, name, description, owner)
            for device in found:
                group.members[device.id] = device
            return group.id

    def set_device_status(self, device_type, device_id, status, tenant=SUPER_TENANT):
        """The status of a device's latest enrolment, as the device-status task (DeviceStatusMonitoringTask),
        the reactivation on an operation fetch and a user's removal set it: ``updateEnrollmentStatus`` writes
        STATUS only, so ``dateOfLastUpdate`` stays (EnrollmentDAOImpl). Returns the previous status."""
        if status not in STATUSES:
            raise ValueError('status must be one of %s, not %r' % (', '.join(STATUSES), status))
        with self.lock:
            device = self.devices.find(tenant, device_type, str(device_id))
            if device is None:
                raise ValueError('no device %s/%s' % (device_type, device_id))
            enrolment = device.latest
            previous, enrolment.status = enrolment.status, status
            return previous

    def add_device_type(self, name):
        with self.lock:
            if name not in self.device_types:
                self.device_types.append(name)
            return list(self.device_types)

    def set_operation_result(self, device_type, device_id, status='ERROR', response=None, tenant=SUPER_TENANT):
        """Operations sent to this device from now on end in ``status`` (ERROR, COMPLETED or, never
        ending, IN_PROGRESS) with ``response`` as the device's answer."""
        with self.lock:
            self.operations.set_result(tenant, device_type, str(device_id), status, response)
