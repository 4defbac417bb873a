# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Device-type definitions (DM_DEVICE_TYPE with its DEVICE_TYPE_META) of carbon-device-mgt 3.0.240, without HTTP.

Facts: iots-policies-device-types.md section 1 (``core/util/DeviceManagerUtil.registerDeviceType``,
``core/dao/impl/DeviceTypeDAOImpl.java``): the parsed ``DeviceTypeMetaDefinition`` is stored as
``new Gson().toJson(meta)`` and parsed back, so it reads back as sent except that unknown keys are
dropped, nulls left out, booleans always present and a feature's ``id`` is 0. The plugin types
(android, virtual_firealarm) have no meta definition. Entgra's meta adds ``longLivedToken`` (false)
and ``storeVisibilityEnabled`` (true) (section 5).
"""

import re

NAME_PATTERN = re.compile(r'^[^ /]+$')  # DeviceTypeManagementAdminServiceImpl.addDeviceType

# DeviceTypeMetaDefinition's fields: (name, kind); booleans default to false.
_META_FIELDS = (
    ('properties', list),
    ('features', list),
    ('claimable', bool),
    ('pushNotificationConfig', dict),
    ('policyMonitoringEnabled', bool),
    ('initialOperationConfig', dict),
    ('license', dict),
    ('description', str),
)
_ENTGRA_BOOLEANS = (('longLivedToken', False), ('storeVisibilityEnabled', True))
_FEATURE_FIELDS = ('code', 'name', 'description', 'deviceType', 'metadataEntries')
_PUSH_FIELDS = ('type', 'isScheduled', 'properties')
_LICENSE_FIELDS = ('provider', 'name', 'version', 'language', 'validFrom', 'validTo', 'text')


def _pick(data, fields):
    return dict((key, data[key]) for key in fields if isinstance(data, dict) and data.get(key) is not None)


def _feature(feature):
    stored = {'id': 0}
    stored.update(_pick(feature, _FEATURE_FIELDS))
    entries = stored.get('metadataEntries')
    if isinstance(entries, list):
        # Gson's Object parsing turns every JSON number into a double (inferred).
        stored['metadataEntries'] = [
            dict(entry, value=float(entry['value']))
            if isinstance(entry, dict) and isinstance(entry.get('value'), int) and not isinstance(entry.get('value'), bool)
            else entry
            for entry in entries
        ]
    return stored


def stored_meta(meta, entgra=False):
    """The meta definition as the server reads it back after storing ``meta``."""
    stored = {}
    for key, kind in _META_FIELDS:
        value = meta.get(key)
        if kind is bool:
            stored[key] = bool(value)
        elif value is not None:
            stored[key] = value
    if 'features' in stored:
        stored['features'] = [_feature(feature) for feature in stored['features'] if isinstance(feature, dict)]
    if 'pushNotificationConfig' in stored:
        push = _pick(stored['pushNotificationConfig'], _PUSH_FIELDS)
        push['isScheduled'] = bool(push.get('isScheduled'))
        stored['pushNotificationConfig'] = push
    if 'license' in stored:
        stored['license'] = _pick(stored['license'], _LICENSE_FIELDS)
    if entgra:
        for key, default in _ENTGRA_BOOLEANS:
            stored[key] = bool(meta.get(key, default))
    return stored


def cleared_meta(meta):
    """``clearMetaEntryInfo`` of the list reads: no initialOperationConfig, the push config cut to its type."""
    cleared = dict((key, value) for key, value in meta.items() if key != 'initialOperationConfig')
    if 'pushNotificationConfig' in cleared:
        cleared['pushNotificationConfig'] = {'type': cleared['pushNotificationConfig'].get('type'), 'isScheduled': False}
    return cleared


class DeviceType(object):
    def __init__(self, type_id, name, meta):
        self.id = type_id
        self.name = name
        self.meta = meta  # None for a plugin type (android, virtual_firealarm)

    def to_json(self, cleared=False):
        data = {'id': self.id, 'name': self.name}
        if self.meta is not None:
            data['deviceTypeMetaDefinition'] = cleared_meta(self.meta) if cleared else self.meta
        return data


class DeviceTypeStore(object):
    """The definitions by name; ``names`` is the State's list of known types (enrolment checks it)."""

    def __init__(self, names):
        self.names = names
        self.by_name = {}
        self.next_id = 1
        for name in names:
            self.ensure(name)

    def ensure(self, name):
        """The type ``name`` (a plugin type without meta when new)."""
        if name not in self.by_name:
            self.by_name[name] = DeviceType(self.next_id, name, None)
            self.next_id += 1
        if name not in self.names:
            self.names.append(name)
        return self.by_name[name]

    def get(self, name):
        if name in self.names:
            return self.ensure(name)
        return None

    def all(self):
        return [self.ensure(name) for name in self.names]

    def define(self, name, meta):
        device_type = self.ensure(name)
        device_type.meta = meta
        return device_type

    def delete(self, name):
        self.by_name.pop(name, None)
        if name in self.names:
            self.names.remove(name)
