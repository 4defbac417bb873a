# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The key flows against both server flavours: the emulator as IoTS 3.2.0 and as Entgra 7.x.

Registration (twice: no change; another grant-type set: Entgra recreates the application and the
module says so), tokens and the lookup, the bootstrap and provision example playbooks (a second run
changes nothing), the role replacing keys Entgra recreated, and bad input refused before any request.
"""

import os
import uuid

import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

# Every release runs the Entgra flavour: its runs show warnings of no_log tasks, a role's warnings, the
# role's vault output and the lookup under no_log, which ansible-core renders. The iots flavour repeats
# what the other suites run on every release (newest_core), and so does the bad-input check.
pytestmark = pytest.mark.integration

ANSIBLE_CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split('.')[:2])

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'playbooks')
PLAYBOOK_DIR = 'server_flavors/'
VAULT_PASSWORD = 'vault-password-for-flavour-tests'

# The emulator's version for each server_flavor, and the scopes a playbook asks for there.
VERSIONS = {'iots': '3.2.0', 'entgra': 'entgra'}
SCOPES = {'iots': ['perm:device:enroll', 'perm:devices:view'], 'entgra': ['dm:device:enroll', 'dm:devices:view']}


@pytest.fixture(params=['entgra', pytest.param('iots', marks=pytest.mark.newest_core)])  # iots: the other suites too
def flavor(request):
    return request.param


@pytest.fixture
def emu(emulator, flavor):
    """The session's emulator in the flavour's mode, counters and faults cleared."""
    emulator.reset()
    emulator.configure(version=VERSIONS[flavor], token_validity=3600)
    yield emulator
    emulator.clear_faults()


@pytest.fixture
def vault_args(tmp_path):
    path = tmp_path / 'vault-password'
    path.write_text(VAULT_PASSWORD + '\n')
    path.chmod(0o600)
    return ['--vault-id', 'iots@%s' % path]


def unique(prefix):
    return '%s_%s' % (prefix, uuid.uuid4().hex[:12])


def decrypt(path):
    with open(path, 'rb') as handle:
        return yaml.safe_load(VaultLib([('any', VaultSecret(VAULT_PASSWORD.encode()))]).decrypt(handle.read()))


def test_register_tokens_lookup_and_recreation(emu, flavor, run_playbook):
    result = run_playbook(
        PLAYBOOK_DIR + 'register.yml', extra_vars={'app_name': unique('it_flavor'), 'flavor_scopes': SCOPES[flavor], 'recreates': flavor == 'entgra'}
    )
    assert result.rc == 0, result
    if flavor == 'entgra':
        assert emu.counts()['register:recreated'] == 1
        if ANSIBLE_CORE >= (2, 19):  # <= 2.18 hides the warnings of a no_log task; register.yml checks them
            assert result.shows('The old client_id and client_secret no longer work')
    else:
        assert emu.counts().get('register:recreated', 0) == 0


@pytest.mark.newest_core  # the module's own input checks: the same under every release
@pytest.mark.parametrize('flavor', ['entgra'])
def test_bad_registration_input_is_refused_before_any_request(emu, run_playbook):
    result = run_playbook(PLAYBOOK_DIR + 'bad_input.yml', extra_vars={'app_name': unique('it_bad')})
    assert result.rc == 0, result
    assert emu.counts()['register'] == 0


def test_bootstrap_then_provision_twice(emu, flavor, run_playbook, recap, vault_args, tmp_path):
    """The example playbooks as they are, with only iots_server_flavor set: their own scopes and devices."""
    emu.reset(state=True)  # the example devices are enrolled from scratch in each flavour
    setup = {
        'iots_application_name': unique('ansible_flavor'),
        'iots_server_flavor': flavor,
        'iots_credentials_file': str(tmp_path / 'vault' / 'iots_credentials.yml'),
    }
    bootstrap = os.path.join(PLAYBOOKS, 'bootstrap.yml')
    first = run_playbook(bootstrap, extra_vars=setup, args=vault_args)
    assert first.rc == 0, first
    assert recap(first.output)['changed'] == 2  # the registration and the file
    again = run_playbook(bootstrap, extra_vars=setup, args=vault_args)
    assert again.rc == 0, again
    assert recap(again.output)['changed'] == 0

    extra = {'iots_credentials_file': setup['iots_credentials_file'], 'iots_server_flavor': flavor}
    provision = os.path.join(PLAYBOOKS, 'provision.yml')
    enrolled = run_playbook(provision, extra_vars=extra, args=vault_args)
    assert enrolled.rc == 0, enrolled
    assert recap(enrolled.output)['changed'] >= 1
    states = dict((d['deviceIdentifier'], d['enrolmentInfo']['status']) for d in emu.devices())
    assert states == {'firealarm-lobby-01': 'ACTIVE', 'firealarm-lab-02': 'ACTIVE'}
    second = run_playbook(provision, extra_vars=extra, args=vault_args)
    assert second.rc == 0, second
    assert recap(second.output)['changed'] == 0
    assert emu.counts()['token:client_credentials'] == 4  # the role's proof twice, then one per provision run


@pytest.mark.parametrize('flavor', ['entgra'])
def test_role_stores_the_keys_entgra_recreated(emu, run_playbook, recap, vault_args, tmp_path):
    setup = {
        'iots_application_name': unique('ansible_recreated'),
        'iots_server_flavor': 'entgra',
        'iots_credentials_file': str(tmp_path / 'vault' / 'iots_credentials.yml'),
    }
    bootstrap = os.path.join(PLAYBOOKS, 'bootstrap.yml')
    assert run_playbook(bootstrap, extra_vars=setup, args=vault_args).rc == 0
    stored = decrypt(setup['iots_credentials_file'])

    # Another tool (or an older playbook) registers the name with another grant set: new keys.
    setup['iots_grant_types'] = ['client_credentials', 'password']
    replaced = run_playbook(bootstrap, extra_vars=setup, args=vault_args)
    assert replaced.rc == 0, replaced
    assert recap(replaced.output)['changed'] == 2
    assert replaced.shows('IoTS returned a new client id for %s' % setup['iots_application_name'])
    renewed = decrypt(setup['iots_credentials_file'])
    assert renewed['iots_client_id'] != stored['iots_client_id']
    assert renewed['iots_client_secret'] != stored['iots_client_secret']
    assert stored['iots_client_secret'] not in replaced.output

    settled = run_playbook(bootstrap, extra_vars=setup, args=vault_args)
    assert settled.rc == 0, settled
    assert recap(settled.output)['changed'] == 0
    assert emu.counts()['register:recreated'] == 1


@pytest.mark.parametrize('flavor', ['entgra'])
def test_lookup_forgets_tokens_of_replaced_keys(emu, run_playbook):
    result = run_playbook(PLAYBOOK_DIR + 'lookup_recreated.yml', extra_vars={'app_name': unique('it_lookup')})
    assert result.rc == 0, result
    counts = emu.counts()
    # the out-of-band registration and the lookup's return to its own grant types
    assert counts['register:recreated'] == 2
    assert counts['token:password'] == 3
