# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_devices inventory plugin: source files, options, host and group names, unsafe values, cache.

The server is a fake of the shared device API (_device_api, _access_token, _options), put where
the plugin imports them on a cache miss; every call to it is recorded.
"""

import pytest
import yaml

import ansible.plugins.inventory as inventory_base
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.wso2.iots.plugins.inventory import iots_devices
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError

URL = 'https://iots.example.com:8243'
SECRET = 'client-secret-4711'
EVIL = "{{ lookup('pipe', 'id') }}"


def device(device_type, identifier, status='ACTIVE', name=None, owner='admin', ownership='COPE', properties=None, number=1, updated=1000):
    data = {
        'id': number,
        'type': device_type,
        'deviceIdentifier': identifier,
        'enrolmentInfo': {'id': number, 'dateOfEnrolment': 1, 'dateOfLastUpdate': updated, 'status': status, 'owner': owner, 'ownership': ownership},
        'properties': [{'name': k, 'value': v} for k, v in (properties or {}).items()],
    }
    if name is not None:
        data['name'] = name
    return data


class FakeServer(object):
    """The shared device API as the plugin calls it, answering from lists; records every call."""

    def __init__(self, devices=(), groups=None, fail=None):
        self.devices = list(devices)
        self.groups = groups or {}  # name -> (owner, [(type, id)])
        self.fail = fail
        self.types = ['android', 'virtual_firealarm']
        self.calls = []
        self.options = {}

    # _options
    def client_from_options(self, option):
        self.options = dict((name, option(name)) for name in ('url', 'ca_path', 'password', 'client_id', 'client_secret', 'token'))
        self.calls.append(('client',))
        return type('Client', (), {'warning': None})()

    # _access_token
    def access_token(self, client, option, scopes):
        self.calls.append(('token', tuple(scopes)))
        return option('token') or 'bearer-1'

    # _device_api
    def list_devices(self, client, token, device_type=None, status=None, ownership=None, owner=None, **kwargs):
        self.calls.append(('devices', device_type, status, ownership, owner))
        if self.fail:
            raise self.fail
        wanted = {'type': device_type, 'status': status, 'ownership': ownership, 'owner': owner}
        return [d for d in self.devices if all(value is None or dict(d, **d.get('enrolmentInfo', {})).get(key) == value for key, value in wanted.items())]

    def device_types(self, client, token):
        self.calls.append(('types',))
        return list(self.types)

    def list_groups(self, client, token, **kwargs):
        self.calls.append(('groups',))
        return [
            {'id': index + 1, 'name': name, 'description': '', 'owner': owner} for index, (name, (owner, members)) in enumerate(sorted(self.groups.items()))
        ]

    def group_devices(self, client, token, group_id, **kwargs):
        self.calls.append(('members', group_id))
        name = sorted(self.groups)[group_id - 1]
        return [{'type': t, 'deviceIdentifier': i, 'id': 0} for t, i in self.groups[name][1]]

    def requests(self, kind=None):
        return [call for call in self.calls if call[0] != 'client' and (kind is None or call[0] == kind)]


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer()
    monkeypatch.setattr(iots_devices, '_http_modules', lambda: (fake, fake, fake))
    return fake


@pytest.fixture
def extra_vars(monkeypatch):
    """The extra variables (-e) that the plugin sees."""
    values = {}
    monkeypatch.setattr(inventory_base, 'load_extra_vars', lambda loader: dict(values))
    return values


@pytest.fixture
def parse(tmp_path, server, extra_vars):
    """Write a source file, parse it with a fresh plugin, return the inventory."""

    def run(config=None, name='iots_devices.yml', cache=True, **options):
        source = dict({'plugin': 'wso2.iots.iots_devices', 'url': URL, 'client_id': 'cid', 'client_secret': SECRET}, **(config or {}))
        source.update(options)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(source))
        inventory = InventoryData()
        plugin = inventory_loader.get('wso2.iots.iots_devices')
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        try:  # as the InventoryManager does after a parse
            plugin.update_cache_if_changed()
        except AttributeError:  # no cache configured
            pass
        return inventory

    return run


def hosts_of(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def host_vars(inventory, host):
    return inventory.get_host(host).get_vars()


# ---------------------------------------------------------------------------- the source file


@pytest.mark.parametrize(
    'name, accepted',
    [
        ('iots_devices.yml', True),
        ('iots_devices.yaml', True),
        ('prod.iots_devices.yml', True),
        ('prod.iots_devices.yaml', True),
        ('my_iots_devices.yml', False),
        ('iots_devices.json', False),
        ('inventory.yml', False),
        ('iots_devices.yml.bak', False),
    ],
)
def test_verify_file_accepts_the_plugin_file_names_only(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text('plugin: wso2.iots.iots_devices\n')
    assert inventory_loader.get('wso2.iots.iots_devices').verify_file(str(path)) is accepted


def test_verify_file_refuses_a_missing_file(tmp_path):
    assert not inventory_loader.get('wso2.iots.iots_devices').verify_file(str(tmp_path / 'iots_devices.yml'))


def test_another_plugin_name_is_not_ours(parse, server):
    with pytest.raises(AnsibleError, match='Incorrect plugin name'):
        parse(plugin='community.general.other')
    assert server.requests() == []


# ---------------------------------------------------------------------------- hosts, variables, groups


def test_each_device_is_a_host_with_its_variables_and_groups(parse, server):
    server.devices = [
        device('android', 'a1', name='Lobby tablet', properties={'model': 'T5', 'osVersion': '13'}),
        device('virtual_firealarm', 'f1', owner='alice', ownership='BYOD', number=2),
    ]
    inventory = parse()
    assert sorted(inventory.hosts) == ['android_a1', 'virtual_firealarm_f1']
    variables = host_vars(inventory, 'android_a1')
    assert variables['iots_device_type'] == 'android'
    assert variables['iots_device_id'] == 'a1'
    assert variables['iots_device_name'] == 'Lobby tablet'
    assert variables['iots_device_status'] == 'ACTIVE'
    assert variables['iots_device_owner'] == 'admin'
    assert variables['iots_device_ownership'] == 'COPE'
    assert variables['iots_device_properties'] == {'model': 'T5', 'osVersion': '13'}
    assert variables['iots_device'] == server.devices[0]
    assert variables['ansible_connection'] == 'local'
    assert 'iots_device_groups' not in variables  # groups were not read
    assert hosts_of(inventory, 'iots_type_android') == ['android_a1']
    assert hosts_of(inventory, 'iots_type_virtual_firealarm') == ['virtual_firealarm_f1']
    assert hosts_of(inventory, 'iots_status_active') == ['android_a1', 'virtual_firealarm_f1']
    assert host_vars(inventory, 'virtual_firealarm_f1')['iots_device_owner'] == 'alice'


def test_the_default_reads_active_devices_of_every_type_with_one_token(parse, server):
    parse()
    assert server.requests() == [('token', ('devices:view',)), ('devices', None, 'ACTIVE', None, None)]
    assert server.options['client_secret'] == SECRET


def test_filters_reach_the_server_once_per_type_and_status(parse, server):
    parse(device_types=['android', 'virtual_firealarm'], statuses=['active', 'INACTIVE'], owner='alice', ownership='byod')
    assert server.requests('devices') == [
        ('devices', 'android', 'ACTIVE', 'BYOD', 'alice'),
        ('devices', 'android', 'INACTIVE', 'BYOD', 'alice'),
        ('devices', 'virtual_firealarm', 'ACTIVE', 'BYOD', 'alice'),
        ('devices', 'virtual_firealarm', 'INACTIVE', 'BYOD', 'alice'),
    ]


def test_an_empty_status_list_means_every_status(parse, server):
    server.devices = [device('android', 'a1', status='REMOVED')]
    inventory = parse(statuses=[])
    assert server.requests('devices') == [('devices', None, None, None, None)]
    assert hosts_of(inventory, 'iots_status_removed') == ['android_a1']


@pytest.mark.parametrize(
    'options, words',
    [
        ({'statuses': ['ACTIVE', 'ENABLED']}, "statuses: ENABLED is not an IoTS device status; use CREATED, ACTIVE"),
        ({'statuses': ['GONE', 'LOST']}, 'statuses: GONE, LOST are not an IoTS device status'),
        ({'ownership': 'corporate'}, "ownership: 'corporate' is not BYOD or COPE"),
        ({'device_types': ['android', '']}, 'device_types must be a list of non-empty names'),
    ],
)
def test_bad_filters_fail_before_any_request_naming_the_source(parse, server, tmp_path, options, words):
    with pytest.raises(AnsibleError) as caught:
        parse(**options)
    message = str(caught.value)
    assert 'wso2.iots.iots_devices inventory source %s: ' % (tmp_path / 'iots_devices.yml') in message
    assert words in message
    assert server.requests() == []


def test_a_re_enrolled_device_is_one_host_in_its_latest_enrolment(parse, server):
    server.devices = [
        device('android', 'a1', status='REMOVED', owner='bob', number=1, updated=500),
        device('android', 'a1', status='ACTIVE', owner='alice', number=1, updated=900),
        device('android', 'a2', number=2),
    ]
    inventory = parse(statuses=[])
    assert sorted(inventory.hosts) == ['android_a1', 'android_a2']
    assert host_vars(inventory, 'android_a1')['iots_device_owner'] == 'alice'
    assert 'iots_status_removed' not in inventory.groups


# ---------------------------------------------------------------------------- host and group names


@pytest.mark.parametrize(
    'value, expected',
    [
        ('android_a1', 'android_a1'),
        ('android_00:1A:2b', 'android_00_1A_2b'),
        ('x_a b/c[1]', 'x_a_b_c_1_'),
        ('x_' + EVIL, 'x____lookup__pipe____id_____'),
        ('x_ünï', 'x__n_'),
    ],
)
def test_safe_host_name(value, expected):
    assert iots_devices.safe_host_name(value) == expected


@pytest.mark.parametrize(
    'prefix, value, expected',
    [
        ('iots_type_', 'android', 'iots_type_android'),
        ('iots_status_', 'DISENROLLMENT_REQUESTED', 'iots_status_disenrollment_requested'),
        ('iots_group_', 'Lobby Screens-2', 'iots_group_lobby_screens_2'),
        ('iots_group_', 'a.b', 'iots_group_a_b'),
    ],
)
def test_safe_group_name(prefix, value, expected):
    assert iots_devices.safe_group_name(prefix, value) == expected


def test_device_identifiers_are_made_safe_host_names(parse, server):
    server.devices = [device('android', '00:1A:2B:3C'), device('android', 'room 4/b', number=2)]
    assert sorted(parse().hosts) == ['android_00_1A_2B_3C', 'android_room_4_b']


def test_hostname_template_renders_with_the_host_variables(parse, server):
    server.devices = [device('android', 'a1', name='Lobby tablet'), device('android', 'a2', number=2)]
    inventory = parse(hostname_template='{{ iots_device_name | default(iots_device_id, true) }}')
    assert sorted(inventory.hosts) == ['Lobby_tablet', 'a2']


def test_two_devices_with_one_host_name_are_both_kept_with_a_warning(parse, server, capsys):
    server.devices = [device('android', 'a:1', number=7), device('android', 'a_1', number=8)]
    inventory = parse()
    assert sorted(inventory.hosts) == ['android_a_1', 'android_a_1_8']
    assert host_vars(inventory, 'android_a_1_8')['iots_device_id'] == 'a_1'
    assert 'two devices make the host name android_a_1' in capsys.readouterr().err


def test_a_device_without_type_or_identifier_is_left_out(parse, server):
    server.devices = [{'id': 1, 'type': 'android'}, device('android', 'a2', number=2)]
    assert sorted(parse().hosts) == ['android_a2']


# ---------------------------------------------------------------------------- unsafe values


def test_server_values_are_never_evaluated_as_templates(parse, server):
    server.devices = [device('android', 'a1', name=EVIL, owner=EVIL, properties={EVIL: EVIL})]
    inventory = parse(hostname_template='{{ iots_device_name }}')
    host = inventory.get_host('___lookup__pipe____id_____')
    templar = Templar(loader=DataLoader(), variables=host.get_vars())
    for expression in (
        '{{ iots_device_name }}',
        '{{ iots_device_owner }}',
        '{{ iots_device.name }}',
        '{{ iots_device_properties[iots_device_name] }}',
        '{{ iots_device_properties.keys() | first }}',
    ):
        assert templar.template(_trusted(expression)) == EVIL


def _trusted(text):
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core < 2.19: every string is a template source
        return text
    return trust_as_template(text)


# ---------------------------------------------------------------------------- groups

GROUPS = {
    'Lobby': ('admin', [('android', 'a1'), ('android', 'a2')]),
    'warehouse': ('admin', [('android', 'a2')]),
    'COPE': ('wso2.system.user', [('android', 'a1'), ('android', 'a2'), ('android', 'a3')]),
}


def three_devices():
    return [device('android', 'a%d' % n, number=n) for n in (1, 2, 3)]


def test_with_groups_reads_each_group_once_and_skips_system_groups(parse, server):
    server.devices, server.groups = three_devices(), GROUPS
    inventory = parse(with_groups=True)
    assert server.requests('groups') == [('groups',)]
    assert sorted(call[1] for call in server.requests('members')) == [2, 3]  # Lobby, warehouse; not COPE
    assert server.requests('token') == [('token', ('devices:view', 'groups:devices', 'groups:groups'))]
    assert hosts_of(inventory, 'iots_group_lobby') == ['android_a1', 'android_a2']
    assert hosts_of(inventory, 'iots_group_warehouse') == ['android_a2']
    assert 'iots_group_cope' not in inventory.groups
    assert host_vars(inventory, 'android_a2')['iots_device_groups'] == ['Lobby', 'warehouse']
    assert host_vars(inventory, 'android_a3')['iots_device_groups'] == []


def test_device_groups_keeps_the_members_of_the_named_groups(parse, server):
    server.devices, server.groups = three_devices(), GROUPS
    inventory = parse(device_groups=['warehouse', 'COPE'])
    assert sorted(call[1] for call in server.requests('members')) == [1, 3]
    assert sorted(inventory.hosts) == ['android_a1', 'android_a2', 'android_a3']
    inventory = parse(device_groups=['warehouse'])
    assert sorted(inventory.hosts) == ['android_a2']
    assert hosts_of(inventory, 'iots_group_warehouse') == ['android_a2']


def test_an_unknown_group_fails_before_the_devices_are_read(parse, server):
    server.devices, server.groups = three_devices(), GROUPS
    with pytest.raises(AnsibleError, match="device_groups: no IoTS group named 'lobby'; the groups this user can see are: Lobby, warehouse"):
        parse(device_groups=['lobby'])
    assert server.requests('devices') == []


# ---------------------------------------------------------------------------- constructed


def test_compose_groups_and_keyed_groups_work_on_the_device_variables(parse, server):
    server.devices = [device('android', 'a1', properties={'model': 'T5'}), device('android', 'a2', ownership='BYOD', number=2)]
    inventory = parse(
        compose={'model': "iots_device_properties.model | default('none')", 'ansible_connection': "'ssh'"},
        groups={'tablets': "iots_device_properties.model is defined"},
        keyed_groups=[{'key': 'iots_device_ownership | lower', 'prefix': 'ownership'}],
    )
    assert host_vars(inventory, 'android_a1')['model'] == 'T5'
    assert host_vars(inventory, 'android_a2')['model'] == 'none'
    assert host_vars(inventory, 'android_a1')['ansible_connection'] == 'ssh'
    assert hosts_of(inventory, 'tablets') == ['android_a1']
    assert hosts_of(inventory, 'ownership_cope') == ['android_a1']
    assert hosts_of(inventory, 'ownership_byod') == ['android_a2']


def test_strict_makes_a_bad_compose_expression_an_error(parse, server):
    server.devices = [device('android', 'a1')]
    assert 'x' not in host_vars(parse(compose={'x': 'no_such_variable + 1'}), 'android_a1')
    with pytest.raises(AnsibleError, match='inventory source .*Could not set x for host android_a1'):
        parse(compose={'x': 'no_such_variable + 1'}, strict=True)


# ---------------------------------------------------------------------------- templated options


def test_options_may_be_templates_of_extra_variables(parse, server, extra_vars):
    extra_vars.update(vault_secret=SECRET, vault_url=URL, kinds=['android'])
    parse(url='{{ vault_url }}', client_secret='{{ vault_secret }}', device_types='{{ kinds }}')
    assert server.options['client_secret'] == SECRET
    assert server.options['url'] == URL
    assert server.requests('devices') == [('devices', 'android', 'ACTIVE', None, None)]


def test_a_templated_ca_path_is_the_rendered_path(parse, server, extra_vars, monkeypatch, tmp_path):
    """Not "<cwd>/" + the rendered text: the template is the one written in the file."""
    monkeypatch.setenv('HOME', str(tmp_path))
    extra_vars.update(iots_ca='/etc/pki/iots.pem', home_ca='~/ca.pem', no_ca='')
    parse(ca_path='{{ iots_ca }}')
    assert server.options['ca_path'] == '/etc/pki/iots.pem'
    parse(ca_path='{{ home_ca }}')
    assert server.options['ca_path'] == str(tmp_path / 'ca.pem')  # as the path type expands a plain value
    parse(ca_path='{{ no_ca }}')
    assert server.options['ca_path'] is None


def test_an_undefined_variable_in_an_option_is_named_without_its_value(parse, server):
    with pytest.raises(AnsibleError) as caught:
        parse(client_secret='{{ vault_missing }}')
    assert 'option client_secret: cannot render its template' in str(caught.value)
    assert 'vault_missing' in str(caught.value)
    assert server.requests() == []


def test_an_empty_ca_path_variable_means_the_system_cas(parse, server, monkeypatch):
    # AWX sets every variable of a credential's injector, an empty field as "".
    monkeypatch.setenv('IOTS_CA_PATH', '')
    parse()
    assert server.options['ca_path'] is None
    monkeypatch.setenv('IOTS_CA_PATH', '/etc/pki/iots.pem')
    parse()
    assert server.options['ca_path'] == '/etc/pki/iots.pem'
    parse(ca_path='')
    assert server.options['ca_path'] is None
    monkeypatch.setenv('IOTS_CA_PATH', '')
    parse(ca_path='/etc/pki/other.pem')  # the file wins over the environment
    assert server.options['ca_path'] == '/etc/pki/other.pem'


def test_an_empty_ca_path_reaches_the_client_as_unset(parse, server, monkeypatch):
    """The shared client_from_options, not the fake's, makes the client: what IotsClient gets."""
    from ansible_collections.wso2.iots.plugins.module_utils import _client

    seen = []

    def recording_client(url, **kwargs):
        seen.append(kwargs['ca_path'])
        return type('Client', (), {'warning': None})()

    monkeypatch.setattr(_client, 'IotsClient', recording_client)
    monkeypatch.setattr(server, 'client_from_options', _client.client_from_options)
    monkeypatch.setenv('IOTS_CA_PATH', '')
    parse()
    parse(ca_path='')
    monkeypatch.setenv('IOTS_CA_PATH', '/etc/pki/iots.pem')
    parse(ca_path='')  # the file's empty value wins over the environment
    assert seen == [None, None, None]
    parse(ca_path='/etc/pki/other.pem')
    assert seen[-1] == '/etc/pki/other.pem'


def test_a_given_token_is_passed_to_the_token_code(parse, server):
    parse(token='abc-token')
    assert server.options['token'] == 'abc-token'


# ---------------------------------------------------------------------------- errors


def test_a_server_error_is_one_line_naming_the_source_without_the_secret(parse, server, tmp_path):
    server.fail = IotsError(
        'GET %s/api/device-mgt/v1.0/devices failed: HTTP 500 Internal server error.' % URL, hint='IoTS failed on its side; its log says why.'
    )
    with pytest.raises(AnsibleError) as caught:
        parse()
    message = str(caught.value)
    assert message.startswith('wso2.iots.iots_devices inventory source %s: GET ' % (tmp_path / 'iots_devices.yml'))
    assert 'HTTP 500 Internal server error. IoTS failed on its side' in message
    assert SECRET not in message
    assert 'Traceback' not in message


# ---------------------------------------------------------------------------- cache


@pytest.fixture
def cached(tmp_path):
    return {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(tmp_path / 'cache')}


def test_a_cache_hit_asks_nothing_and_builds_the_same_inventory(parse, server, cached):
    server.devices, server.groups = three_devices(), GROUPS
    first = parse(cached, with_groups=True, keyed_groups=[{'key': 'iots_device_id', 'prefix': 'id'}])
    asked = len(server.requests())
    server.devices, server.groups = [], {}
    second = parse(cached, with_groups=True, keyed_groups=[{'key': 'iots_device_id', 'prefix': 'id'}])
    assert len(server.requests()) == asked
    assert sorted(second.hosts) == sorted(first.hosts) == ['android_a1', 'android_a2', 'android_a3']
    assert hosts_of(second, 'iots_group_lobby') == ['android_a1', 'android_a2']
    assert hosts_of(second, 'id_a3') == ['android_a3']


def test_flush_cache_reads_the_server_again(parse, server, cached):
    server.devices = three_devices()
    parse(cached)
    server.devices = three_devices()[:1]
    inventory = parse(cached, cache=False)  # what --flush-cache passes
    assert sorted(inventory.hosts) == ['android_a1']
    assert len(server.requests('devices')) == 2
    assert sorted(parse(cached).hosts) == ['android_a1']  # the refreshed entry
    assert len(server.requests('devices')) == 2


def test_a_cache_entry_for_other_filters_is_not_used(parse, server, cached):
    server.devices = three_devices()
    parse(cached)
    parse(cached, statuses=['ACTIVE', 'INACTIVE'])
    parse(cached, client_id='other-client')
    assert len(server.requests('token')) == 3


def test_without_cache_every_parse_asks(parse, server):
    parse()
    parse()
    assert len(server.requests('token')) == 2


# ---------------------------------------------------------------------------- words instead of an empty inventory


def test_an_unknown_device_type_is_an_error_naming_the_known_ones(parse, server):
    server.devices = three_devices()
    with pytest.raises(AnsibleError) as caught:
        parse(device_types=['android', 'andriod'])
    message = str(caught.value)
    assert "device_types: 'andriod' is not a device type of this server; it knows: android, virtual_firealarm." in message
    assert server.requests('devices') == []  # before the long part
    assert server.requests('token') == [('token', ('devices:view', 'device-types:types'))]


def test_known_device_types_cost_one_type_list(parse, server):
    server.devices = three_devices()
    assert sorted(parse(device_types=['android']).hosts) == ['android_a1', 'android_a2', 'android_a3']
    assert server.requests('types') == [('types',)]
    parse()
    assert server.requests('types') == [('types',)]  # no filter, no type list


@pytest.mark.parametrize(
    'key, words',
    [
        ('device_type', 'device_type (did you mean device_types?) is no option of this plugin'),
        ('stauses', 'stauses (did you mean statuses?) is no option'),
        ('zzz', 'zzz is no option of this plugin; its options: ansible-doc -t inventory wso2.iots.iots_devices'),
    ],
)
def test_an_unknown_key_in_the_source_is_an_error_naming_it(parse, server, key, words):
    with pytest.raises(AnsibleError) as caught:
        parse(**{key: ['android']})
    assert words in ' '.join(str(caught.value).split())
    assert server.requests() == []


# ---------------------------------------------------------------------------- breaks that once went unseen


def test_a_cache_entry_of_another_user_or_client_is_not_used(parse, server, cached):
    # Other users see other devices: who asks is part of what an entry answers.
    server.devices = three_devices()
    parse(cached)
    parse(cached)
    assert len(server.requests('token')) == 1
    parse(cached, client_id='other-client')
    assert len(server.requests('token')) == 2
    parse(cached, client_id='other-client', username='alice', password='pw')
    assert len(server.requests('token')) == 3
    parse(cached, client_id='other-client', username='alice', password='pw')
    assert len(server.requests('token')) == 3


def test_no_server_value_is_a_trusted_template(server):
    """2.16 to 2.18 template every str that is not AnsibleUnsafe: the plugin's wrap_var is what keeps a
    device's {{ ... }} text there, and this fails without it. 2.19+ template only what is tagged trusted;
    there wrap_var only removes that tag, which no server value has, so removing it changes nothing
    (the playbook test in tests/integration catches the 2.19+ break: the plugin claiming trust)."""
    try:
        from ansible.template import is_trusted_as_template
    except ImportError:  # ansible-core < 2.19
        from ansible.utils.unsafe_proxy import AnsibleUnsafe

        def is_trusted_as_template(value):
            return not isinstance(value, AnsibleUnsafe)

    variables = iots_devices.host_variables(device('android', 'a1', name=EVIL, owner=EVIL, properties={EVIL: EVIL}), [EVIL])

    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    found = [text for name, value in variables.items() if name != 'ansible_connection' for text in strings(value)]
    assert EVIL in found and 'a1' in found
    assert [text for text in found if is_trusted_as_template(text)] == []
