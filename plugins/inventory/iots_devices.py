# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: iots_devices
short_description: The devices enrolled in WSO2 IoT Server as Ansible hosts and groups
version_added: 1.0.0
author:
  - wso2.iots contributors (@wso2-iots)
description:
  - Reads the devices enrolled in a WSO2 IoT Server (IoTS) 3.2.x or Entgra server and makes each one an Ansible
    host, with groups by device type, by status and by IoTS device group.
  - The inventory source is a YAML file whose name is C(iots_devices.yml) or C(iots_devices.yaml), or ends in
    C(.iots_devices.yml) or C(.iots_devices.yaml), and whose O(plugin) key is C(wso2.iots.iots_devices).
  - >-
    Every page of C(GET /api/device-mgt/v1.0/devices) is read, 100 devices per request, once for each
    combination of O(device_types) and O(statuses). With O(with_groups) or O(device_groups), the plugin also
    reads the group list and then the members of each group, one request per group (not per device).
  - >-
    Hosts are named C(<type>_<deviceIdentifier>) (see O(hostname_template)). Each host gets the variables
    C(iots_device) (the device as IoTS returns it), C(iots_device_type), C(iots_device_id) (the
    C(deviceIdentifier)), C(iots_device_name), C(iots_device_status), C(iots_device_owner),
    C(iots_device_ownership), C(iots_device_properties) (a dict of the device properties), C(iots_device_groups)
    (the names of the IoTS groups the device is in, when groups were read) and C(ansible_connection=local),
    because IoTS knows no address of a device. Set another connection with O(compose) or host_vars.
  - >-
    Groups: C(iots_type_<type>), C(iots_status_<status>) and, for every group read, C(iots_group_<name>),
    lower case, with every character other than a letter, a digit or C(_) replaced by C(_). O(compose),
    O(groups) and O(keyed_groups) work on the variables above.
  - >-
    Every value that comes from the server is marked unsafe: device names, properties and group names are set
    by device owners and agents, so a device named {{ lookup('pipe', 'id') }} keeps that name as text and is
    never evaluated.
  - >-
    The access token: O(token) when given (no token request at all), else the password grant with O(username)
    and O(password), else the client_credentials grant with O(client_id) and O(client_secret). The token must
    hold C(perm:devices:view) (Entgra 5.0.31 and later C(dm:devices:view)); with groups also
    C(perm:groups:groups) and C(perm:groups:devices) (Entgra C(gm:groups:view) and C(gm:devices:view)); with
    O(device_types) also C(perm:device-types:types) (Entgra C(dm:device-type:view)). A requested scope that the
    server does not grant is an error that names it.
  - >-
    Every option may be a template, for example a variable given with C(-e @vault.yml), or the
    P(wso2.iots.iots_bearer#lookup) lookup for O(token). Templates are rendered with the extra
    variables only: inventory sources are read before any play or host variable exists.
  - The C(requests) library is imported only when the server is asked; a run served by the inventory cache sends no
    request.
requirements:
  - requests (on the controller)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - wso2.iots.connection
  - wso2.iots.connection.plugins
  - wso2.iots.access_token
  - wso2.iots.access_token.plugins
options:
  plugin:
    description:
      - The name of this plugin; it selects the plugin for the inventory source file.
    type: str
    required: true
    choices: [wso2.iots.iots_devices]
  device_types:
    description:
      - Only devices of these types, for example C(android). An empty list means every type.
      - A type the server does not know is an error that names the types it knows (one request for the type list).
    type: list
    elements: str
    default: []
  statuses:
    description:
      - Only devices whose enrolment has one of these statuses.
      - One of C(CREATED), C(ACTIVE), C(INACTIVE), C(UNREACHABLE), C(UNCLAIMED), C(SUSPENDED), C(BLOCKED),
        C(REMOVED), C(DISENROLLMENT_REQUESTED); lower case is accepted.
      - An empty list means every status, including C(REMOVED) (disenrolled) devices.
    type: list
    elements: str
    default: [ACTIVE]
  owner:
    description:
      - Only devices of this user. IoTS lets only a device administrator list other users' devices; everybody
        else sees their own devices only.
    type: str
  ownership:
    description:
      - Only devices with this ownership, C(BYOD) or C(COPE).
    type: str
  device_groups:
    description:
      - Only devices that are members of at least one of these IoTS device groups (by name).
      - An unknown group name is an error.
      - Named C(device_groups) because O(groups) is the option of the constructed features.
    type: list
    elements: str
    default: []
  with_groups:
    description:
      - Read every device group the user can see (except the system groups C(BYOD) and C(COPE) owned by
        C(wso2.system.user), which IoTS fills by ownership) and their members, and make the groups
        C(iots_group_<name>) and the variable C(iots_device_groups).
      - Costs one request for the group list and one for the members of each group.
    type: bool
    default: false
  hostname_template:
    description:
      - A Jinja2 template for the host name, rendered with the host variables above, for example
        C({{ iots_device_name }}).
      - The default names a host C(<type>_<deviceIdentifier>).
      - Every character of the result other than a letter, a digit, C(_), C(.) or C(-) becomes C(_). When two
        devices get the same name, the second one gets C(_<IoTS id>) appended and a warning says so.
    type: str
notes:
  - >-
    Enable the plugin with C(enable_plugins) in the C([inventory]) section of C(ansible.cfg) only if you limit
    the list; by default the C(auto) plugin finds it through the O(plugin) key.
  - >-
    Options set with environment variables (C(IOTS_URL), C(IOTS_TOKEN), ...) or in the C([wso2_iots]) section of
    C(ansible.cfg) are the same as for the P(wso2.iots.iots_bearer#lookup) lookup. The variables named in
    C(vars:) entries are read from extra variables (C(-e)) only.
  - >-
    The cache (O(cache=true)) keeps what the server answered, not the hosts: O(compose), O(groups),
    O(keyed_groups) and O(hostname_template) apply to cached data too. A cache entry made with other filters,
    another O(url) or another user is not used. C(--flush-cache) reads the server again.
seealso:
  - ref: ansible_collections.wso2.iots.docsite.inventory_guide
    description: The inventory guide, with an AWX inventory source.
  - plugin: wso2.iots.iots_bearer
    plugin_type: lookup
'''

EXAMPLES = r'''
# iots_devices.yml: every ACTIVE device, grouped by type and status
plugin: wso2.iots.iots_devices
url: https://iots.example.com:8243
ca_path: /etc/pki/iots-gateway.pem
client_id: "{{ vault_iots_client_id }}"          # ansible-inventory -i iots_devices.yml -e @vault.yml --graph
client_secret: "{{ vault_iots_client_secret }}"

---
# lobby.iots_devices.yml: Android devices of two groups, named after the device, cached for an hour
plugin: wso2.iots.iots_devices
device_types: [android]
device_groups: [lobby, warehouse]
with_groups: true
hostname_template: "{{ iots_device_name | default(iots_device_id, true) }}"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/iots_inventory
cache_timeout: 3600
keyed_groups:
  - key: iots_device_ownership | lower
    prefix: ownership
  - key: iots_device_properties.model | default('unknown')
    prefix: model
groups:
  tablets: "'tablet' in (iots_device_properties.kind | default(''))"
compose:
  os_version: iots_device_properties.osVersion | default(omit)

---
# token.iots_devices.yml: a token from the lookup (url, username and password from IOTS_* variables)
plugin: wso2.iots.iots_devices
token: "{{ lookup('wso2.iots.iots_bearer', 'perm:devices:view') }}"
statuses: [ACTIVE, INACTIVE, UNREACHABLE]
'''

import os
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.path import unfrackpath
from ansible.utils.unsafe_proxy import wrap_var

# Pure functions over data; the HTTP side (and requests with it) is imported on a cache miss only.
from ansible_collections.wso2.iots.plugins.module_utils import _device_api
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter

SOURCE_NAMES = ('iots_devices.yml', 'iots_devices.yaml')
SOURCE_SUFFIXES = tuple('.' + name for name in SOURCE_NAMES)

# IoTS puts every device into the group BYOD or COPE of this owner; its console hides them.
SYSTEM_GROUP_OWNER = 'wso2.system.user'

# The logical scopes (plugins/module_utils/_scopes.py) of each kind of read.
DEVICE_SCOPES = tuple(_device_api.scopes_needed('list_devices'))
TYPE_SCOPES = tuple(_device_api.scopes_needed('device_types'))
GROUP_SCOPES = tuple(_device_api.scopes_needed('list_groups', 'group_devices'))

# Options that may hold a template (a vault variable, a lookup); the rest are plain settings.
TEMPLATED_OPTIONS = (
    'url',
    'ca_path',
    'username',
    'password',
    'client_id',
    'client_secret',
    'token',
    'token_path',
    'owner',
    'ownership',
    'device_types',
    'statuses',
    'device_groups',
)

# Bumped when the cached data changes shape, so an old entry is read as a miss.
CACHE_FORMAT = 1

_UNSAFE_HOST_CHARACTERS = re.compile(r'[^A-Za-z0-9_.-]')
_UNSAFE_GROUP_CHARACTERS = re.compile(r'[^A-Za-z0-9_]')


def safe_host_name(name):
    """A host name that host patterns and the INI/YAML formats take as it is."""
    return _UNSAFE_HOST_CHARACTERS.sub('_', name)


def safe_group_name(prefix, value):
    """``prefix`` + ``value`` in lower case, usable as a group name (and a variable name)."""
    return prefix + _UNSAFE_GROUP_CHARACTERS.sub('_', value.lower())


def device_key(device):
    return (device.get('type'), device.get('deviceIdentifier'))


def latest_enrolments(devices):
    """One entry per device, its latest enrolment, in the server's order; rows without type or id are dropped.

    IoTS lists one row per enrolment: a device enrolled again by another owner or with another
    ownership is listed twice.
    """
    rows = [device for device in devices if isinstance(device, dict)]
    return [device for key, device in _device_api.latest_devices(rows).items() if all(isinstance(part, str) and part for part in key)]


def host_variables(device, group_names=None):
    """The variables of one device's host, every server value marked unsafe."""
    enrolment = device.get('enrolmentInfo') or {}
    variables = {
        'iots_device': device,
        'iots_device_type': device.get('type'),
        'iots_device_id': device.get('deviceIdentifier'),
        'iots_device_name': device.get('name'),
        'iots_device_status': enrolment.get('status'),
        'iots_device_owner': enrolment.get('owner'),
        'iots_device_ownership': enrolment.get('ownership'),
        'iots_device_properties': _device_api.properties_dict(device),
    }
    if group_names is not None:
        variables['iots_device_groups'] = sorted(group_names)
    variables = dict((name, wrap_var(value)) for name, value in variables.items())
    variables['ansible_connection'] = 'local'
    return variables


class Query(object):
    """What one inventory source asks the server for, checked before any request."""

    def __init__(self, option):
        self.url = option('url')
        self.device_types = _names(option('device_types'), 'device_types')
        self.statuses = [status.upper() for status in _names(option('statuses'), 'statuses')]
        unknown = [status for status in self.statuses if status not in _device_api.STATUSES]
        if unknown:
            raise AnsibleError(
                'statuses: %s %s not an IoTS device status; use %s.'
                % (', '.join(unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(_device_api.STATUSES))
            )
        self.owner = option('owner') or None
        ownership = option('ownership') or None
        if ownership is not None:
            ownership = str(ownership).upper()
            if ownership not in _device_api.OWNERSHIPS:
                raise AnsibleError('ownership: %r is not BYOD or COPE.' % option('ownership'))
        self.ownership = ownership
        self.device_groups = _names(option('device_groups'), 'device_groups')
        self.with_groups = bool(option('with_groups'))
        # Who asks: a non-admin user sees other devices. Never a secret.
        self.identity = option('username') or option('client_id') or None

    @property
    def reads_groups(self):
        return self.with_groups or bool(self.device_groups)

    @property
    def scopes(self):
        return DEVICE_SCOPES + (TYPE_SCOPES if self.device_types else ()) + (GROUP_SCOPES if self.reads_groups else ())

    def fingerprint(self):
        """What a cache entry must have been made for to answer this query (no secrets in it)."""
        return {
            'url': str(self.url).rstrip('/'),
            'device_types': sorted(self.device_types),
            'statuses': sorted(self.statuses),
            'owner': self.owner,
            'ownership': self.ownership,
            'device_groups': sorted(self.device_groups),
            'with_groups': self.with_groups,
            'identity': self.identity,
        }


def _names(value, option):
    """A list option of non-empty strings, without duplicates, in the given order."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AnsibleError('%s must be a list of names, not %r.' % (option, value))
    items = []
    for item in value:
        # "{{ kinds }}" is read as the list ["{{ kinds }}"], and rendered as [[...]]
        items.extend(item if isinstance(item, (list, tuple)) else [item])
    names = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise AnsibleError('%s must be a list of non-empty names; %r is not one.' % (option, item))
        if item.strip() not in names:
            names.append(item.strip())
    return names


def _http_modules():
    """The HTTP side of the collection, imported on a cache miss only (a cache hit never loads requests)."""
    from ansible_collections.wso2.iots.plugins.module_utils import _access_token, _client

    return _client, _access_token, _device_api


def read_server(query, option, warn):
    """Everything the inventory needs from IoTS, as plain data that a cache plugin can keep.

    The device types and groups are read before the devices, so an unknown type or group name
    fails before the long part (IoTS lists no device for an unknown type, without a word).
    """
    client_api, token_api, device_api = _http_modules()
    client = client_api.client_from_options(option)
    if client.warning:
        warn(client.warning)
    token = token_api.access_token(client, option, list(query.scopes))
    if query.device_types:
        _check_device_types(device_api, client, token, query)
    groups = {}
    if query.reads_groups:
        groups = _group_members(device_api, client, token, query)
    devices = []
    for device_type in query.device_types or [None]:
        for status in query.statuses or [None]:
            devices.extend(device_api.list_devices(client, token, device_type=device_type, status=status, ownership=query.ownership, owner=query.owner))
    return {'format': CACHE_FORMAT, 'query': query.fingerprint(), 'devices': devices, 'groups': groups}


def _check_device_types(device_api, client, token, query):
    known = device_api.device_types(client, token)
    unknown = [name for name in query.device_types if name not in known]
    if unknown:
        raise AnsibleError(
            'device_types: %s %s not a device type of this server; it knows: %s.'
            % (', '.join(repr(name) for name in unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(sorted(known)) or 'none')
        )


def _group_members(device_api, client, token, query):
    """{group name: [[type, deviceIdentifier], ...]} of the groups the query reads."""
    listed = device_api.list_groups(client, token)
    by_name = dict((group.get('name'), group) for group in listed if isinstance(group, dict))
    missing = [name for name in query.device_groups if name not in by_name]
    if missing:
        known = sorted(name for name, group in by_name.items() if isinstance(name, str) and group.get('owner') != SYSTEM_GROUP_OWNER)
        raise AnsibleError(
            'device_groups: no IoTS group named %s; the groups this user can see are: %s.'
            % (', '.join(repr(name) for name in missing), ', '.join(known) or 'none')
        )
    if query.with_groups:
        selected = [
            name for name, group in by_name.items() if isinstance(name, str) and (group.get('owner') != SYSTEM_GROUP_OWNER or name in query.device_groups)
        ]
    else:
        selected = list(query.device_groups)
    members = {}
    for name in sorted(selected):
        found = device_api.group_devices(client, token, by_name[name]['id'])
        members[name] = [list(device_key(device)) for device in found if isinstance(device, dict)]
    return members


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'wso2.iots.iots_devices'

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._config = {}
        self._rendered = {}
        self.options = None  # the OptionAdapter of a parsed source

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        name = os.path.basename(path)
        if name in SOURCE_NAMES or name.endswith(SOURCE_SUFFIXES):
            return True
        self.display.vvv('wso2.iots.iots_devices skips %s: the file name must be iots_devices.yml or end in .iots_devices.yml (or .yaml)' % path)
        return False

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        try:
            self._config = self._read_config_data(path)
            self._check_keys()
            self._render_options()
            self.options = OptionAdapter.from_ansible_plugin(self, written=self._config, getter=self._rendered_option)
            query = Query(self.options)
            data = self._server_data(path, query, cache)
            self._populate(data, query)
        except (AnsibleError, IotsError) as exc:
            # One line that names the source; the server's words are already in it, a traceback is not.
            raise AnsibleParserError('wso2.iots.iots_devices inventory source %s: %s' % (path, _message(exc))) from None

    # ------------------------------------------------------------------ options

    def _check_keys(self):
        """A key of the source file that is no option is an error: Ansible would ignore it silently."""
        unknown = sorted(name for name in self._config if name not in self.option_definitions)
        if unknown:
            import difflib  # the error path only

            words = []
            for name in unknown:
                close = difflib.get_close_matches(name, list(self.option_definitions), n=1)
                words.append('%s%s' % (name, ' (did you mean %s?)' % close[0] if close else ''))
            raise AnsibleError(
                '%s %s no option of this plugin; its options: ansible-doc -t inventory %s' % (', '.join(words), 'is' if len(unknown) == 1 else 'are', self.NAME)
            )

    def _render_options(self):
        """Render the options that hold templates, with the extra variables (what netbox's inventory does)."""
        self._rendered = {}
        self.templar.available_variables = self._vars or {}
        for name in TEMPLATED_OPTIONS:
            # As written in the file: Ansible's path type has made "{{ ca }}" of ca_path "<cwd>/{{ ca }}".
            value = self._config[name] if name in self._config else self.get_option(name)
            if not self.templar.is_template(value):
                continue
            try:
                rendered = self.templar.template(value)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                # The template text is in the file; its value (perhaps a password) is never shown.
                raise AnsibleError('option %s: cannot render its template: %s' % (name, _message(exc))) from None
            if rendered and self.option_definitions[name].get('type') == 'path':
                rendered = unfrackpath(rendered, follow=False)  # what the path type does to a plain value
            self._rendered[name] = rendered

    def _rendered_option(self, name):
        """An option's value, rendered; KeyError for an option this ansible-core or collection does not define."""
        if name in self._rendered:
            return self._rendered[name]
        return self.get_option(name)

    # ------------------------------------------------------------------ data

    def _server_data(self, path, query, cache):
        """The server's answer: from the inventory cache when allowed and made for this query, else fetched."""
        use_cache = self.get_option('cache')
        key = self.get_cache_key(path)
        if use_cache and cache:
            try:
                data = self._cache[key]
            except KeyError:
                data = None
            if _answers(data, query):
                self.display.vvv('wso2.iots.iots_devices: %s served from the inventory cache' % path)
                return data
        data = read_server(query, self.options, self.display.warning)
        if use_cache:
            self._cache[key] = data
        return data

    def _populate(self, data, query):
        memberships = {}
        for group_name, members in data['groups'].items():
            for member in members:
                memberships.setdefault(tuple(member), []).append(group_name)
        wanted = None
        if query.device_groups:
            wanted = set(tuple(member) for name in query.device_groups for member in data['groups'].get(name, ()))
        for group_name in data['groups']:
            self.inventory.add_group(safe_group_name('iots_group_', group_name))

        strict = self.get_option('strict')
        taken = set()
        for device in latest_enrolments(data['devices']):
            key = device_key(device)
            if wanted is not None and key not in wanted:
                continue
            variables = host_variables(device, memberships.get(key, []) if query.reads_groups else None)
            host = self._host_name(device, variables, taken)
            if host is None:
                continue
            taken.add(host)
            self.inventory.add_host(host)
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
            for group in self._own_groups(variables, memberships.get(key, ())):
                self.inventory.add_child(self.inventory.add_group(group), host)
            self._set_composite_vars(self.get_option('compose'), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, host, strict=strict)

    @staticmethod
    def _own_groups(variables, group_names):
        groups = [safe_group_name('iots_type_', variables['iots_device_type'])]
        if isinstance(variables['iots_device_status'], str):
            groups.append(safe_group_name('iots_status_', variables['iots_device_status']))
        groups.extend(safe_group_name('iots_group_', name) for name in group_names)
        return groups

    def _host_name(self, device, variables, taken):
        template = self.get_option('hostname_template')
        if template:
            self.templar.available_variables = variables
            try:
                name = self.templar.template(template)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                raise AnsibleError(
                    'hostname_template: cannot render it for the device %s %s: %s' % (device.get('type'), device.get('deviceIdentifier'), _message(exc))
                )
            name = '' if name is None else to_native(name)
        else:
            name = '%s_%s' % device_key(device)
        name = safe_host_name(name)
        if not name:
            self.display.warning(
                'wso2.iots.iots_devices: the device %s %s gets an empty host name from hostname_template; it is left out.' % device_key(device)
            )
            return None
        if name in taken:
            unique = '%s_%s' % (name, device.get('id'))
            self.display.warning(
                'wso2.iots.iots_devices: two devices make the host name %s; the device %s %s is '
                'named %s.' % (name, device.get('type'), device.get('deviceIdentifier'), unique)
            )
            if unique in taken:
                self.display.warning('wso2.iots.iots_devices: the host name %s is taken as well; the device is left out.' % unique)
                return None
            name = unique
        return name


def _answers(data, query):
    """Whether a cache entry was made for this query by this version of the plugin."""
    return (
        isinstance(data, dict)
        and data.get('format') == CACHE_FORMAT
        and data.get('query') == query.fingerprint()
        and isinstance(data.get('devices'), list)
        and isinstance(data.get('groups'), dict)
    )


def _message(exc):
    """The one-line message of an error, without the 'ERROR!' decoration or a traceback."""
    text = to_native(exc) if isinstance(exc, IotsError) else (getattr(exc, 'message', None) or to_native(exc))
    return ' '.join(to_native(text).split())
