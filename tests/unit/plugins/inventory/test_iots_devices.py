# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_devices inventory plugin: source files, options, host and group names, unsafe values, cache.

The server is the in-process IoTS emulator (the ``iots`` fixture of tests/unit/plugins/conftest.py),
the model of IoTS the module tests use too; ``iots.sent`` records every request. Answers the emulator
cannot give (a device row without a type) come from ``http_fakes`` at the HTTP layer.
"""

import shutil

import pytest
import requests
import yaml

import ansible.plugins.inventory as inventory_base
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.wso2.iots.plugins.inventory import iots_devices

from http_fakes import answer  # pylint: disable=import-error

EVIL = "{{ lookup('pipe', 'id') }}"
OMIT = object()  # a parse() option left out of the source file


def device(device_type, identifier, name=None, owner='admin', properties=None):
    """A Device row as GET /devices gives it, for the tests of the plugin's own functions."""
    data = {
        'id': 1,
        'type': device_type,
        'deviceIdentifier': identifier,
        'enrolmentInfo': {'id': 1, 'dateOfEnrolment': 1, 'dateOfLastUpdate': 1000, 'status': 'ACTIVE', 'owner': owner, 'ownership': 'COPE'},
        'properties': [{'name': k, 'value': v} for k, v in (properties or {}).items()],
    }
    if name is not None:
        data['name'] = name
    return data


def seed(iots, device_type, identifier, **fields):
    """One device of the emulated IoTS (owner admin, COPE, ACTIVE unless given); its numeric id."""
    return iots.emu.seed_devices(device_type, [identifier], **fields)[0]


def asked_devices(iots):
    """(type, status, ownership, user) of each GET /devices the plugin sent."""
    return [
        tuple(sent.query.get(key) for key in ('type', 'status', 'ownership', 'user')) for sent in iots.sent if (sent.method, sent.path) == ('GET', '/devices')
    ]


def sent_to(iots, path):
    return [sent for sent in iots.sent if sent.path == path]


def member_reads(iots):
    """The group ids whose members the plugin read."""
    return sorted(int(sent.path.split('/')[3]) for sent in iots.sent if sent.path.startswith('/groups/id/') and sent.path.endswith('/devices'))


def register_app(iots, name):
    answer_ = requests.post(
        iots.emu.url + '/api-application-registration/register',
        auth=(iots.args['username'], iots.args['password']),
        json={'applicationName': name, 'tags': ['device_management']},
        verify=iots.emu.ca_path,
        timeout=30,
    )
    answer_.raise_for_status()
    return answer_.json()


@pytest.fixture
def extra_vars(monkeypatch):
    """The extra variables (-e) that the plugin sees."""
    values = {}
    monkeypatch.setattr(inventory_base, 'load_extra_vars', lambda loader: dict(values))
    return values


@pytest.fixture
def parse(tmp_path, iots, extra_vars):
    """Write a source file (connected to the emulator), parse it with a fresh plugin, return the inventory."""

    def run(config=None, name='iots_devices.yml', cache=True, **options):
        source = dict(dict(iots.args, plugin='wso2.iots.iots_devices'), **(config or {}))
        source.update(options)
        source = dict((key, value) for key, value in source.items() if value is not OMIT)
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


def test_another_plugin_name_is_not_ours(parse, iots):
    with pytest.raises(AnsibleError, match='Incorrect plugin name'):
        parse(plugin='community.general.other')
    assert iots.sent == []


# ---------------------------------------------------------------------------- hosts, variables, groups


def test_each_device_is_a_host_with_its_variables_and_groups(parse, iots):
    seed(iots, 'android', 'a1', name='Lobby tablet', properties={'model': 'T5', 'osVersion': '13'})
    seed(iots, 'virtual_firealarm', 'f1', owner='alice', ownership='BYOD')
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
    assert variables['iots_device']['deviceIdentifier'] == 'a1' and variables['iots_device']['enrolmentInfo']['owner'] == 'admin'
    assert variables['ansible_connection'] == 'local'
    assert 'iots_device_groups' not in variables  # groups were not read
    assert hosts_of(inventory, 'iots_type_android') == ['android_a1']
    assert hosts_of(inventory, 'iots_type_virtual_firealarm') == ['virtual_firealarm_f1']
    assert hosts_of(inventory, 'iots_status_active') == ['android_a1', 'virtual_firealarm_f1']
    assert host_vars(inventory, 'virtual_firealarm_f1')['iots_device_owner'] == 'alice'


def test_the_default_reads_active_devices_of_every_type_with_one_token(parse, iots):
    parse()
    assert iots.token_requests == [['devices:view']]
    assert asked_devices(iots) == [(None, 'ACTIVE', None, None)]
    assert [sent.path for sent in iots.sent] == ['/token', '/devices']


def test_filters_reach_the_server_once_per_type_and_status(parse, iots):
    parse(device_types=['android', 'virtual_firealarm'], statuses=['active', 'INACTIVE'], owner='alice', ownership='byod')
    assert asked_devices(iots) == [
        ('android', 'ACTIVE', 'BYOD', 'alice'),
        ('android', 'INACTIVE', 'BYOD', 'alice'),
        ('virtual_firealarm', 'ACTIVE', 'BYOD', 'alice'),
        ('virtual_firealarm', 'INACTIVE', 'BYOD', 'alice'),
    ]


def test_an_empty_status_list_means_every_status(parse, iots):
    seed(iots, 'android', 'a1', status='REMOVED')
    inventory = parse(statuses=[])
    assert asked_devices(iots) == [(None, None, None, None)]
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
def test_bad_filters_fail_before_any_request_naming_the_source(parse, iots, tmp_path, options, words):
    with pytest.raises(AnsibleError) as caught:
        parse(**options)
    message = str(caught.value)
    assert 'wso2.iots.iots_devices inventory source %s: ' % (tmp_path / 'iots_devices.yml') in message
    assert words in message
    assert iots.sent == []


def test_a_re_enrolled_device_is_one_host_in_its_latest_enrolment(parse, iots):
    seed(iots, 'android', 'a1', status='REMOVED', owner='bob')
    with iots.emu.state.lock:  # enrolled again by another owner: a second enrolment row of the same device
        iots.emu.state.devices.enrol('carbon.super', 'android', 'a1', 'alice', 'COPE', iots.emu.state.now() + 10)
    seed(iots, 'android', 'a2')
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


def test_device_identifiers_are_made_safe_host_names(parse, iots):
    seed(iots, 'android', '00:1A:2B:3C')
    seed(iots, 'android', 'room 4/b')
    assert sorted(parse().hosts) == ['android_00_1A_2B_3C', 'android_room_4_b']


def test_hostname_template_renders_with_the_host_variables(parse, iots):
    seed(iots, 'android', 'a1', name='Lobby tablet')
    seed(iots, 'android', 'a2')
    inventory = parse(hostname_template='{{ iots_device_name | default(iots_device_id, true) }}')
    assert sorted(inventory.hosts) == ['Lobby_tablet', 'a2']


def test_two_devices_with_one_host_name_are_both_kept_with_a_warning(parse, iots, capsys):
    seed(iots, 'android', 'a:1')
    second = seed(iots, 'android', 'a_1')
    inventory = parse()
    assert sorted(inventory.hosts) == ['android_a_1', 'android_a_1_%d' % second]
    assert host_vars(inventory, 'android_a_1_%d' % second)['iots_device_id'] == 'a_1'
    assert 'two devices make the host name android_a_1' in capsys.readouterr().err


def test_a_device_without_type_or_identifier_is_left_out(tmp_path, server, extra_vars):
    """An answer the emulator never gives: a device row without its type or identifier."""
    row = {'id': 2, 'type': 'android', 'deviceIdentifier': 'a2', 'enrolmentInfo': {'id': 2, 'status': 'ACTIVE', 'owner': 'admin', 'ownership': 'COPE'}}
    server.side_effect = [
        answer(200, {'access_token': 'bearer-1', 'refresh_token': 'r', 'scope': 'perm:devices:view', 'token_type': 'Bearer', 'expires_in': 3600}),
        answer(200, {'devices': [{'id': 1, 'type': 'android'}, row], 'count': 2}),
    ]
    path = tmp_path / 'iots_devices.yml'
    path.write_text(yaml.safe_dump({'plugin': 'wso2.iots.iots_devices', 'url': 'https://iots.example.com:8243', 'client_id': 'cid', 'client_secret': 'cs'}))
    inventory = InventoryData()
    inventory_loader.get('wso2.iots.iots_devices').parse(inventory, DataLoader(), str(path), cache=False)
    assert sorted(inventory.hosts) == ['android_a2']


# ---------------------------------------------------------------------------- unsafe values


def test_server_values_are_never_evaluated_as_templates(parse, iots):
    seed(iots, 'android', 'a1', name=EVIL, owner=EVIL, properties={EVIL: EVIL})
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


def three_devices_in_groups(iots):
    """a1, a2, a3 (COPE devices) and the groups Lobby (a1, a2), warehouse (a2) and the system's own COPE
    group (IoTS puts every COPE device in it); the group ids."""
    for n in (1, 2, 3):
        seed(iots, 'android', 'a%d' % n)
    ids = dict((group['name'].lower(), group['id']) for group in iots.emu.groups())
    ids.update(
        lobby=iots.emu.seed_group('Lobby', members=[('android', 'a1'), ('android', 'a2')]),
        warehouse=iots.emu.seed_group('warehouse', members=[('android', 'a2')]),
    )
    return ids


def test_with_groups_reads_each_group_once_and_skips_system_groups(parse, iots):
    ids = three_devices_in_groups(iots)
    inventory = parse(with_groups=True)
    assert len(sent_to(iots, '/groups')) == 1
    assert member_reads(iots) == sorted([ids['lobby'], ids['warehouse']])  # not COPE
    assert iots.token_requests == [['devices:view', 'groups:devices', 'groups:groups']]
    assert hosts_of(inventory, 'iots_group_lobby') == ['android_a1', 'android_a2']
    assert hosts_of(inventory, 'iots_group_warehouse') == ['android_a2']
    assert 'iots_group_cope' not in inventory.groups
    assert host_vars(inventory, 'android_a2')['iots_device_groups'] == ['Lobby', 'warehouse']
    assert host_vars(inventory, 'android_a3')['iots_device_groups'] == []


def test_device_groups_keeps_the_members_of_the_named_groups(parse, iots):
    ids = three_devices_in_groups(iots)
    inventory = parse(device_groups=['warehouse', 'COPE'])
    assert member_reads(iots) == sorted([ids['warehouse'], ids['cope']])
    assert sorted(inventory.hosts) == ['android_a1', 'android_a2', 'android_a3']
    inventory = parse(device_groups=['warehouse'])
    assert sorted(inventory.hosts) == ['android_a2']
    assert hosts_of(inventory, 'iots_group_warehouse') == ['android_a2']


def test_an_unknown_group_fails_before_the_devices_are_read(parse, iots):
    three_devices_in_groups(iots)
    with pytest.raises(AnsibleError, match="device_groups: no IoTS group named 'lobby'; the groups this user can see are: Lobby, warehouse"):
        parse(device_groups=['lobby'])
    assert asked_devices(iots) == []


# ---------------------------------------------------------------------------- constructed


def test_compose_groups_and_keyed_groups_work_on_the_device_variables(parse, iots):
    seed(iots, 'android', 'a1', properties={'model': 'T5'})
    seed(iots, 'android', 'a2', ownership='BYOD')
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


def test_strict_makes_a_bad_compose_expression_an_error(parse, iots):
    seed(iots, 'android', 'a1')
    assert 'x' not in host_vars(parse(compose={'x': 'no_such_variable + 1'}), 'android_a1')
    with pytest.raises(AnsibleError, match='inventory source .*Could not set x for host android_a1'):
        parse(compose={'x': 'no_such_variable + 1'}, strict=True)


# ---------------------------------------------------------------------------- templated options


def test_options_may_be_templates_of_extra_variables(parse, iots, extra_vars):
    extra_vars.update(vault_secret=iots.args['client_secret'], vault_url=iots.args['url'], kinds=['android'])
    parse(url='{{ vault_url }}', client_secret='{{ vault_secret }}', device_types='{{ kinds }}')
    assert len(iots.token_requests) == 1  # the rendered secret and URL reached the token endpoint
    assert asked_devices(iots) == [('android', 'ACTIVE', None, None)]


def test_a_templated_ca_path_is_the_rendered_path(parse, iots, extra_vars, monkeypatch, tmp_path):
    """Not "<cwd>/" + the rendered text: the template is the one written in the file."""
    monkeypatch.setenv('HOME', str(tmp_path))
    shutil.copy(iots.args['ca_path'], str(tmp_path / 'ca.pem'))
    extra_vars.update(iots_ca=iots.args['ca_path'], home_ca='~/ca.pem', no_ca='')
    parse(ca_path='{{ iots_ca }}')
    parse(ca_path='{{ home_ca }}')  # as the path type expands a plain value
    with pytest.raises(AnsibleError) as caught:
        parse(ca_path='{{ no_ca }}')  # empty: the system CAs, which do not know the emulator's CA
    assert 'TLS verification failed' in str(caught.value)


def test_an_undefined_variable_in_an_option_is_named_without_its_value(parse, iots):
    with pytest.raises(AnsibleError) as caught:
        parse(client_secret='{{ vault_missing }}')
    assert 'option client_secret: cannot render its template' in str(caught.value)
    assert 'vault_missing' in str(caught.value)
    assert iots.sent == []


def test_an_empty_ca_path_variable_means_the_system_cas(parse, iots, monkeypatch):
    # AWX sets every variable of a credential's injector, an empty field as "". The system CAs do not
    # know the emulator's CA, so TLS verification fails; a named file that does not exist fails by name.
    def failure(**options):
        with pytest.raises(AnsibleError) as caught:
            parse(**options)
        return str(caught.value)

    monkeypatch.setenv('IOTS_CA_PATH', '')
    assert 'TLS verification failed' in failure(ca_path=OMIT)
    monkeypatch.setenv('IOTS_CA_PATH', '/etc/pki/iots.pem')
    assert 'ca_path /etc/pki/iots.pem does not exist' in failure(ca_path=OMIT)
    assert 'TLS verification failed' in failure(ca_path='')
    monkeypatch.setenv('IOTS_CA_PATH', '')
    assert 'ca_path /etc/pki/other.pem does not exist' in failure(ca_path='/etc/pki/other.pem')  # the file wins over the environment
    monkeypatch.setenv('IOTS_CA_PATH', iots.args['ca_path'])
    parse(ca_path=OMIT)


def test_an_empty_ca_path_reaches_the_client_as_unset(parse, iots, monkeypatch):
    """What the shared client_from_options hands IotsClient, not only what TLS then does with it."""
    from ansible_collections.wso2.iots.plugins.module_utils import _client

    seen = []
    real = _client.IotsClient

    def recording_client(url, **kwargs):
        seen.append(kwargs['ca_path'])
        return real(url, **kwargs)

    monkeypatch.setattr(_client, 'IotsClient', recording_client)
    monkeypatch.setenv('IOTS_CA_PATH', '')
    for options in ({'ca_path': OMIT}, {'ca_path': ''}):
        with pytest.raises(AnsibleError):
            parse(**options)
    monkeypatch.setenv('IOTS_CA_PATH', '/etc/pki/iots.pem')
    with pytest.raises(AnsibleError):
        parse(ca_path='')  # the file's empty value wins over the environment
    assert seen == [None, None, None]
    parse(ca_path=iots.args['ca_path'])
    assert seen[-1] == iots.args['ca_path']


def test_a_given_token_is_used_without_a_grant(parse, iots):
    with pytest.raises(AnsibleError) as caught:
        parse(token='abc-token')
    assert iots.token_requests == [] and 'HTTP 401' in str(caught.value) and 'abc-token' not in str(caught.value)


# ---------------------------------------------------------------------------- errors


def test_a_server_error_is_one_line_naming_the_source_without_the_secret(parse, iots, tmp_path):
    iots.emu.set_fault('api', 'status', status=500, times=1)
    with pytest.raises(AnsibleError) as caught:
        parse()
    message = str(caught.value)
    assert message.startswith('wso2.iots.iots_devices inventory source %s: GET ' % (tmp_path / 'iots_devices.yml'))
    assert '/api/device-mgt/v1.0/devices' in message and 'HTTP 500' in message
    assert iots.args['client_secret'] not in message and iots.args['password'] not in message
    assert 'Traceback' not in message and '\n' not in message


# ---------------------------------------------------------------------------- cache


@pytest.fixture
def cached(tmp_path):
    return {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(tmp_path / 'cache')}


def test_a_cache_hit_asks_nothing_and_builds_the_same_inventory(parse, iots, cached):
    three_devices_in_groups(iots)
    first = parse(cached, with_groups=True, keyed_groups=[{'key': 'iots_device_id', 'prefix': 'id'}])
    asked = len(iots.sent)
    iots.emu.reset(state=True)  # the server forgets everything: only the cache can answer
    second = parse(cached, with_groups=True, keyed_groups=[{'key': 'iots_device_id', 'prefix': 'id'}])
    assert len(iots.sent) == asked
    assert sorted(second.hosts) == sorted(first.hosts) == ['android_a1', 'android_a2', 'android_a3']
    assert hosts_of(second, 'iots_group_lobby') == ['android_a1', 'android_a2']
    assert hosts_of(second, 'id_a3') == ['android_a3']


def test_flush_cache_reads_the_server_again(parse, iots, cached):
    for n in (1, 2, 3):
        seed(iots, 'android', 'a%d' % n)
    parse(cached)
    for n in (2, 3):
        iots.emu.set_device_status('android', 'a%d' % n, 'INACTIVE')
    inventory = parse(cached, cache=False)  # what --flush-cache passes
    assert sorted(inventory.hosts) == ['android_a1']
    assert len(asked_devices(iots)) == 2
    assert sorted(parse(cached).hosts) == ['android_a1']  # the refreshed entry
    assert len(asked_devices(iots)) == 2


def test_a_cache_entry_for_other_filters_or_another_client_or_user_is_not_used(parse, iots, cached):
    # Other users see other devices: who asks is part of what an entry answers.
    seed(iots, 'android', 'a1')
    parse(cached)
    parse(cached)
    assert len(iots.token_requests) == 1
    parse(cached, statuses=['ACTIVE', 'INACTIVE'])
    assert len(iots.token_requests) == 2
    other = register_app(iots, 'inventory_other_client')
    parse(cached, client_id=other['client_id'], client_secret=other['client_secret'])
    assert len(iots.token_requests) == 3
    iots.emu.state.access.tenant('carbon.super').add_user('alice', 'alice-pass', 'Alice', 'L', 'alice@example.com')
    with pytest.raises(AnsibleError):  # alice may not list devices; what matters is that she was asked for
        parse(cached, client_id=other['client_id'], client_secret=other['client_secret'], username='alice', password='alice-pass')
    assert len(iots.token_requests) == 4


def test_without_cache_every_parse_asks(parse, iots):
    parse()
    parse()
    assert len(iots.token_requests) == 2


# ---------------------------------------------------------------------------- words instead of an empty inventory


def test_an_unknown_device_type_is_an_error_naming_the_known_ones(parse, iots):
    seed(iots, 'android', 'a1')
    with pytest.raises(AnsibleError) as caught:
        parse(device_types=['android', 'andriod'])
    message = str(caught.value)
    assert "device_types: 'andriod' is not a device type of this server; it knows: android, virtual_firealarm." in message
    assert asked_devices(iots) == []  # before the long part
    assert iots.token_requests == [['device-types:types', 'devices:view']]


def test_known_device_types_cost_one_type_list(parse, iots):
    for n in (1, 2, 3):
        seed(iots, 'android', 'a%d' % n)
    assert sorted(parse(device_types=['android']).hosts) == ['android_a1', 'android_a2', 'android_a3']
    assert len(sent_to(iots, '/device-types')) == 1
    parse()
    assert len(sent_to(iots, '/device-types')) == 1  # no filter, no type list


@pytest.mark.parametrize(
    'key, words',
    [
        ('device_type', 'device_type (did you mean device_types?) is no option of this plugin'),
        ('stauses', 'stauses (did you mean statuses?) is no option'),
        ('zzz', 'zzz is no option of this plugin; its options: ansible-doc -t inventory wso2.iots.iots_devices'),
    ],
)
def test_an_unknown_key_in_the_source_is_an_error_naming_it(parse, iots, key, words):
    with pytest.raises(AnsibleError) as caught:
        parse(**{key: ['android']})
    assert words in ' '.join(str(caught.value).split())
    assert iots.sent == []


# ---------------------------------------------------------------------------- breaks that once went unseen


def test_no_server_value_is_a_trusted_template():
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
