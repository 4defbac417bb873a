# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""OptionAdapter: its two rules (an undefined option reads as None, an empty ca_path as unset) from every source.

The consumers' own tests (test_iots_device_info, test_iots_bearer, test_iots_devices) show that an
empty ca_path reaches the client as None through them.
"""

import os

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter

CA = '/etc/pki/iots-ca.pem'


class FakePlugin(object):
    """``get_option`` and ``get_option_and_origin`` as AnsiblePlugin has them, over {name: (value, origin)}."""

    def __init__(self, **options):
        self.options = options
        self.read = []

    def get_option_and_origin(self, name):
        if name not in self.options:
            raise KeyError(name)
        return self.options[name]

    def get_option(self, name):
        self.read.append(name)
        return self.get_option_and_origin(name)[0]


class FakeModule(object):
    def __init__(self, **params):
        self.params = params


def adapters(**options):
    """The same options through each constructor of a plain source."""
    return [
        OptionAdapter.from_dict(dict(options)),
        OptionAdapter.from_ansible_module(FakeModule(**options)),
        OptionAdapter.wrap(dict(options)),
        OptionAdapter.wrap(dict(options).get),
        OptionAdapter.wrap(dict(options).__getitem__),
    ]


# ---------------------------------------------------------------------------- rule 1: undefined is None


def test_an_undefined_option_reads_as_none_from_every_plain_source():
    for adapter in adapters(url='https://iots'):
        assert adapter.get_option('token') is None
        assert adapter('ca_path') is None
        assert adapter.get_option('url') == 'https://iots'


def test_an_undefined_option_reads_as_none_from_a_plugin():
    plugin = FakePlugin(url=('https://iots', 'default'))
    adapter = OptionAdapter.from_ansible_plugin(plugin)
    assert adapter.get_option('token') is None
    assert adapter.get_option('ca_path') is None  # undefined, and its origin is asked for too


def test_a_getter_error_other_than_key_error_is_not_swallowed():
    def broken(name):
        raise ValueError(name)

    with pytest.raises(ValueError):
        OptionAdapter(broken).get_option('url')


# ---------------------------------------------------------------------------- rule 2: empty ca_path is unset


def test_an_empty_ca_path_reads_as_unset_from_every_plain_source():
    for adapter in adapters(ca_path='', username=''):
        assert adapter.get_option('ca_path') is None
        assert adapter.get_option('username') == ''  # only the options of the rule


def test_other_values_are_read_as_given():
    for adapter in adapters(ca_path=CA, validate_certs=False, timeout=0, tags=[]):
        assert adapter.get_option('ca_path') == CA
        assert adapter.get_option('validate_certs') is False
        assert adapter.get_option('timeout') == 0
        assert adapter.get_option('tags') == []


def test_a_plugin_ca_path_from_an_empty_environment_variable_is_unset(monkeypatch):
    # Ansible's path type has made the current directory of it; the environment still says "".
    monkeypatch.setenv('IOTS_CA_PATH', '')
    plugin = FakePlugin(ca_path=(os.getcwd(), 'env: IOTS_CA_PATH'))
    assert OptionAdapter.from_ansible_plugin(plugin).get_option('ca_path') is None


def test_a_variable_that_beat_an_empty_environment_variable_is_kept_on_2_16(monkeypatch):
    # ansible-core 2.16's get_option_and_origin works the origin out again without the task's variables:
    # it says the environment (and the current directory) although the plugin holds the variable's path.
    monkeypatch.setenv('IOTS_CA_PATH', '')
    plugin = FakePlugin(ca_path=(os.getcwd(), 'env: IOTS_CA_PATH'))
    plugin.get_option = lambda name: '/etc/pki/iots-ca.pem'
    assert OptionAdapter.from_ansible_plugin(plugin).get_option('ca_path') == '/etc/pki/iots-ca.pem'


def test_a_plugin_ca_path_from_elsewhere_is_read_as_given(monkeypatch):
    monkeypatch.setenv('IOTS_CA_PATH', '')  # not where the value came from
    for origin in ('var: iots_ca_path', 'Direct', 'default', None):
        assert OptionAdapter.from_ansible_plugin(FakePlugin(ca_path=(CA, origin))).get_option('ca_path') == CA
    monkeypatch.setenv('IOTS_CA_PATH', CA)
    assert OptionAdapter.from_ansible_plugin(FakePlugin(ca_path=(CA, 'env: IOTS_CA_PATH'))).get_option('ca_path') == CA


def test_a_written_ca_path_decides_by_its_written_value(monkeypatch):
    """An inventory source's file: its "" (or no value) is unset, whatever the environment says."""
    monkeypatch.setenv('IOTS_CA_PATH', CA)
    for empty in ('', None):
        plugin = FakePlugin(ca_path=(os.getcwd(), 'env: IOTS_CA_PATH'))
        assert OptionAdapter.from_ansible_plugin(plugin, written={'ca_path': empty}).get_option('ca_path') is None
        assert plugin.read == []
    monkeypatch.setenv('IOTS_CA_PATH', '')
    plugin = FakePlugin(ca_path=(CA, 'env: IOTS_CA_PATH'))  # what ansible-core 2.16 to 2.18 report for a file's value
    assert OptionAdapter.from_ansible_plugin(plugin, written={'ca_path': CA}).get_option('ca_path') == CA


def test_a_plugin_getter_that_renders_to_empty_is_unset():
    rendered = {'ca_path': ''}
    plugin = FakePlugin(ca_path=('{{ iots_ca }}', 'Direct'), url=('https://iots', 'Direct'))

    def getter(name):
        return rendered[name] if name in rendered else plugin.get_option(name)

    adapter = OptionAdapter.from_ansible_plugin(plugin, written={'ca_path': '{{ iots_ca }}'}, getter=getter)
    assert adapter.get_option('ca_path') is None
    assert adapter.get_option('url') == 'https://iots'
    assert adapter.get_option('token') is None


def test_wrap_keeps_an_adapter():
    adapter = OptionAdapter.from_dict({})
    assert OptionAdapter.wrap(adapter) is adapter


# ---------------------------------------------------------------------------- a real controller plugin


@pytest.fixture
def bearer_lookup(monkeypatch):
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)
    loader = DataLoader()

    def configured(variables=None, **direct):
        plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=loader, templar=Templar(loader=loader))
        plugin.set_own_options(dict({'iots_url': 'https://iots.example.com'}, **(variables or {})), direct)
        return plugin

    return configured


def test_the_lookup_reads_both_rules_through_ansible_config_manager(bearer_lookup, monkeypatch):
    assert bearer_lookup().options.get_option('token') is None  # no such option of the lookup
    assert bearer_lookup().options.get_option('no_such_option') is None
    monkeypatch.setenv('IOTS_CA_PATH', '')
    plugin = bearer_lookup()
    assert plugin.get_option('ca_path') not in ('', None)  # what the path type made of "", so the rule is needed
    assert plugin.options.get_option('ca_path') is None
    assert bearer_lookup(ca_path='').options.get_option('ca_path') is None
    assert bearer_lookup({'iots_ca_path': ''}).options.get_option('ca_path') is None
    assert bearer_lookup({'iots_ca_path': CA}).options.get_option('ca_path') == CA  # a variable beats the environment
    monkeypatch.setenv('IOTS_CA_PATH', CA)
    assert bearer_lookup(ca_path='').options.get_option('ca_path') == CA  # an empty keyword is not given


# ---------------------------------------------------------------------------- a plugin's input


def test_without_empty_drops_the_empty_values_of_the_rule_only():
    definitions = {'ca_path': {'vars': [{'name': 'iots_ca_path'}, {'name': 'ca_path_var'}]}, 'username': {'vars': [{'name': 'iots_username'}]}}
    direct, variables = OptionAdapter.without_empty(
        definitions,
        {'ca_path': '', 'username': '', 'scopes': []},
        {'iots_ca_path': '', 'ca_path_var': CA, 'iots_username': ''},
    )
    assert direct == {'username': '', 'scopes': []}
    assert variables == {'ca_path_var': CA, 'iots_username': ''}
    direct, variables = OptionAdapter.without_empty(definitions, {'ca_path': CA}, {'iots_ca_path': CA})
    assert direct == {'ca_path': CA} and variables == {'iots_ca_path': CA}
