# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The rules of a device, as the user wants it and as IoTS shows it: checks, comparison, bodies.

No requests here. Every rule about what a valid device, a device list or a property value is lives
here once, and the modules check their options with it at their boundary (``Resource.check``);
``_device_api`` sends what it is given. ``spec`` is a checked dict with the option names of
wso2.iots.iots_device (device_type, device_id, name, description, ownership, properties, state);
``current`` is the Device JSON IoTS answered (GSON field names), or None when IoTS does not know it.
"""

from ansible_collections.wso2.iots.plugins.module_utils._device_api import OWNERSHIPS, properties_body, properties_dict
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique

STATES = ('present', 'absent')
DEFAULT_STATE = 'present'
DEFAULT_OWNERSHIP = 'COPE'
REMOVED = 'REMOVED'
MAX_TYPE_NAME = 45  # @Size(max = 45) of the path parameters that carry a device type name

ENROLLED = 'enrolled'
MODIFIED = 'modified'
DISENROLLED = 'disenrolled'
NONE = 'none'
ACTIONS = (ENROLLED, MODIFIED, DISENROLLED, NONE)


def _identifier(value, option, what):
    if not isinstance(value, str) or not value.strip():
        raise IotsOptionError('%s must be a non-empty string; got %r.' % (option, value))
    if '/' in value:
        raise IotsOptionError('%s %r contains "/": IoTS cannot address such a %s in a URL path.' % (option, value, what))
    if value != value.strip():
        raise IotsOptionError('%s %r has leading or trailing white space.' % (option, value))
    return value


def validate_device_id(value, option='device_id'):
    """A device identifier IoTS can address: a non-empty string without "/"."""
    return _identifier(value, option, 'device')


def validate_device_type(value, option='device_type'):
    """The one device type name rule: a name IoTS accepts (``^[^ /]+$``, DeviceTypeManagementAdminServiceImpl
    .addDeviceType) and can address (at most 45 characters, the @Size of the path parameters that carry it)."""
    _identifier(value, option, 'device type')
    if ' ' in value:
        raise IotsOptionError('%s %r has a space: IoTS accepts device type names matching ^[^ /]+$.' % (option, value))
    if len(value) > MAX_TYPE_NAME:
        raise IotsOptionError('%s %r is longer than %d characters, the longest device type name IoTS can address.' % (option, value, MAX_TYPE_NAME))
    return value


def property_text(value, option):
    """A property value as IoTS keeps it: text (YAML gives numbers and booleans); None stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    raise IotsOptionError('%s must be a string, number or boolean, not a %s.' % (option, type(value).__name__))


def check_properties(properties, option='properties'):
    """``properties`` as {name: text or None}, or None when not given."""
    if properties is None:
        return None
    if not isinstance(properties, dict):
        raise IotsOptionError('%s must be a mapping of property name to value, e.g. {floor: "2"}, not a %s.' % (option, type(properties).__name__))
    checked = {}
    for name, value in properties.items():
        if not isinstance(name, str) or not name.strip():
            raise IotsOptionError('%s: property names must be non-empty strings, got %r.' % (option, name))
        checked[name] = property_text(value, '%s.%s' % (option, name))
    return checked


def check_device(item, where='', defaults=None):
    """One device of the options, checked; ``defaults`` gives ownership and state where the item has none."""
    prefix = where + '.' if where else ''
    if not isinstance(item, dict):
        raise IotsOptionError('%s must be a mapping with device_type and device_id.' % where)
    defaults = defaults or {}
    spec = dict(
        device_type=validate_device_type(item.get('device_type'), prefix + 'device_type'),
        device_id=validate_device_id(item.get('device_id'), prefix + 'device_id'),
        name=item.get('name'),
        description=item.get('description'),
        ownership=item.get('ownership') or defaults.get('ownership') or DEFAULT_OWNERSHIP,
        properties=check_properties(item.get('properties'), prefix + 'properties'),
        state=item.get('state') or defaults.get('state') or DEFAULT_STATE,
    )
    if spec['ownership'] not in OWNERSHIPS:
        raise IotsOptionError('%sownership must be one of %s, got %r.' % (prefix, ', '.join(OWNERSHIPS), spec['ownership']))
    if spec['state'] not in STATES:
        raise IotsOptionError('%sstate must be one of %s, got %r.' % (prefix, ', '.join(STATES), spec['state']))
    return spec


def check_device_keys(items, option='devices'):
    """The checked (type, id) keys of a list of {device_type, device_id}, each once."""
    keys = []
    for index, item in enumerate(items):
        where = '%s[%d]' % (option, index)
        if not isinstance(item, dict):
            raise IotsOptionError('%s must be a mapping with device_type and device_id.' % where)
        keys.append((validate_device_type(item.get('device_type'), where + '.device_type'), validate_device_id(item.get('device_id'), where + '.device_id')))
    return check_unique(keys, option, 'device', '/'.join)


def check_devices(items, option='devices', defaults=None):
    """Every device of a bulk run, checked, each once."""
    specs = [check_device(item, '%s[%d]' % (option, index), defaults) for index, item in enumerate(items)]
    check_unique([device_key(spec) for spec in specs], option, 'device', '/'.join)
    return specs


def device_key(spec):
    return (spec['device_type'], spec['device_id'])


def status_of(device):
    return ((device or {}).get('enrolmentInfo') or {}).get('status')


def is_enrolled(device):
    """Known to IoTS and not disenrolled."""
    return device is not None and status_of(device) != REMOVED


def differences(spec, current):
    """The compared fields whose wanted value differs from IoTS's; only what the user gave counts."""
    changed = []
    if spec['name'] is not None and spec['name'] != current.get('name'):
        changed.append('name')
    if spec['description'] is not None and spec['description'] != current.get('description'):
        changed.append('description')
    if spec['properties']:
        have = properties_dict(current)
        if any(have.get(name) != value for name, value in spec['properties'].items()):
            changed.append('properties')
    return changed


def plan(spec, current):
    """The action that brings ``current`` to ``spec``: enrolled, modified, disenrolled or none."""
    if spec['state'] == 'absent':
        return DISENROLLED if is_enrolled(current) else NONE
    if not is_enrolled(current):
        return ENROLLED
    return MODIFIED if differences(spec, current) else NONE


def ownership_conflict(spec, current):
    """A warning when an enrolled device has another ownership: only enrolling again changes it."""
    info = (current or {}).get('enrolmentInfo') or {}
    if spec['state'] == 'present' and is_enrolled(current) and info.get('ownership') not in (None, spec['ownership']):
        return 'Device %s/%s is enrolled as %s, not %s; IoTS changes the ownership only when the device is enrolled again (disenrol it first).' % (
            spec['device_type'],
            spec['device_id'],
            info.get('ownership'),
            spec['ownership'],
        )
    return None


def enrol_args(spec):
    """The keyword arguments of _device_api.enroll_device; the name defaults to the device id."""
    return dict(
        name=spec['name'] if spec['name'] is not None else spec['device_id'],
        description=spec['description'],
        ownership=spec['ownership'],
        properties=spec['properties'] or None,
    )


def modify_args(spec, current):
    """The keyword arguments of _device_api.modify_device: IoTS's values with the wanted ones over them.

    Properties the user did not name are sent back unchanged, so that an agent's own survive.
    """
    properties = properties_dict(current)
    properties.update(spec['properties'] or {})
    return dict(
        name=spec['name'] if spec['name'] is not None else current.get('name'),
        description=spec['description'] if spec['description'] is not None else current.get('description'),
        properties=properties,
    )


def predicted(spec, current, action):
    """The Device JSON IoTS would show after ``action`` (check mode; the ids IoTS assigns are missing)."""
    # IoTS's device as it is for no change, and a shallow copy otherwise: nothing below changes a nested
    # object in place (a deep copy of 1000 devices cost a bulk run more than its own planning).
    if action in (NONE, DISENROLLED):
        return current if action == NONE and is_enrolled(current) else {}
    device = dict(current) if current else {}
    # Enrolling a disenrolled device again keeps the device and the properties IoTS knows.
    wanted = modify_args(spec, current) if current else enrol_args(spec)
    if action == ENROLLED:
        wanted['name'] = enrol_args(spec)['name']
        info = dict(device.get('enrolmentInfo') or {}, ownership=spec['ownership'], status='ACTIVE')
        device.update(type=spec['device_type'], deviceIdentifier=spec['device_id'], enrolmentInfo=info)
    device.update((key, wanted[key]) for key in ('name', 'description') if wanted[key] is not None)
    device['properties'] = properties_body(wanted['properties'] or {})
    return device


def view(device):
    """What a diff shows of a device: the fields a user manages, without IoTS bookkeeping."""
    if not is_enrolled(device):
        return {}
    info = device.get('enrolmentInfo') or {}
    shown = dict(
        device_type=device.get('type'),
        device_id=device.get('deviceIdentifier'),
        name=device.get('name'),
        description=device.get('description'),
        ownership=info.get('ownership'),
        status=info.get('status'),
        properties=properties_dict(device),
    )
    return dict((key, value) for key, value in shown.items() if value is not None)
