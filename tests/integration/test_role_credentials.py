# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wso2.iots.credentials role and the example playbooks against the emulator over HTTPS.

Each test registers its own application name, so tests do not share keys; the rotation tests
reset the emulator's state, which is how "the secret changed on the server" looks from outside.
"""

import os
import stat
import uuid

import pytest
import requests
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible.parsing.vault import VaultLib, VaultSecret

from playbook_harness import run_ansible_playbook

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(REPO, 'playbooks')
AWX_CREDENTIAL_TYPE = os.path.join(REPO, 'docs', 'awx', 'iots_credential_type.yml')
ROLE = 'role_credentials/credentials.yml'
USE = 'role_credentials/use_credentials.yml'
PASSWORD = 'vault-password-for-role-tests'
OTHER_PASSWORD = 'another-vault-password'
SCOPES = ['perm:device:enroll', 'perm:devices:view']


@pytest.fixture
def vault_args(tmp_path):
    """args for run_playbook: --vault-id <id>@<file with password>."""

    def make(vault_id='iots', password=PASSWORD):
        path = tmp_path / ('vault-password-%s-%s' % (vault_id, len(password)))
        path.write_text(password + '\n')
        path.chmod(0o600)
        return ['--vault-id', '%s@%s' % (vault_id, path)]

    return make


@pytest.fixture
def setup(tmp_path):
    """The extra vars of one test: its own application and credentials file."""
    return {
        'iots_application_name': 'ansible_test_%s' % uuid.uuid4().hex[:12],
        'iots_credentials_file': str(tmp_path / 'inventory' / 'group_vars' / 'iots_credentials.yml'),
        'iots_scopes': SCOPES,
    }


def decrypt(path, password=PASSWORD):
    with open(path, 'rb') as handle:
        return yaml.safe_load(VaultLib([('any', VaultSecret(password.encode()))]).decrypt(handle.read()))


def read_bytes(path):
    with open(path, 'rb') as handle:
        return handle.read()


def server_keys(emu, application_name):
    """The keys IoTS hands out for the name (registering it again returns the same keys)."""
    answer = requests.post(
        emu.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': application_name, 'tags': ['device_management']},
        verify=emu.ca_path,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def client_credentials_token(emu, keys):
    answer = requests.post(
        emu.url + '/token',
        auth=(keys['client_id'], keys['client_secret']),
        data={'grant_type': 'client_credentials', 'scope': ' '.join(SCOPES)},
        verify=emu.ca_path,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()['access_token']


class TestBootstrap(object):
    def test_first_run_registers_and_writes_second_run_changes_nothing(self, emu, run_playbook, recap, setup, vault_args):
        path = setup['iots_credentials_file']
        first = run_playbook(ROLE, extra_vars=setup, args=vault_args())
        assert first.rc == 0, first
        assert recap(first.output)['changed'] == 2  # the registration and the file
        keys = server_keys(emu, setup['iots_application_name'])
        assert decrypt(path) == {'iots_url': emu.url, 'iots_client_id': keys['client_id'], 'iots_client_secret': keys['client_secret']}
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        raw = read_bytes(path)
        assert raw.startswith(b'$ANSIBLE_VAULT;1.2;AES256;iots\n')
        assert keys['client_secret'].encode() not in raw and keys['client_id'].encode() not in raw

        emu.reset()
        second = run_playbook(ROLE, extra_vars=setup, args=vault_args())
        assert second.rc == 0, second
        assert recap(second.output)['changed'] == 0
        assert read_bytes(path) == raw
        counts = emu.counts()
        assert counts['register'] == 1 and counts['token:client_credentials'] == 1
        assert counts['token:password'] == 0

    def test_runs_once_whatever_the_inventory(self, emu, run_playbook, recap, setup, vault_args):
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args(), hosts=4, forks=4)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 2
        assert emu.counts()['register'] == 1
        assert emu.counts()['token'] == 1

    def test_no_secret_in_verbose_output(self, emu, run_playbook, setup, vault_args):
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args(), verbosity=3, diff=True)
        assert result.rc == 0, result
        keys = server_keys(emu, setup['iots_application_name'])
        token = client_credentials_token(emu, keys)  # the same token the role got: IoTS reuses it
        for secret in (keys['client_secret'], token, PASSWORD):
            assert secret not in result.output
        assert '+iots_client_secret: <new value hidden>' in result.output

    @pytest.mark.newest_core  # the scope check's message: the collection's code
    def test_missing_scopes_fail_early_and_write_nothing(self, emu, run_playbook, setup, vault_args):
        setup['iots_scopes'] = ['perm:devices:view', 'perm:no-such-scope']
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args())
        assert result.rc != 0
        assert 'IoTS did not grant 1 of the 2 requested scopes to the application: perm:no-such-scope' in result.output
        assert not os.path.exists(setup['iots_credentials_file'])

    @pytest.mark.newest_core  # an error answer: the collection's code
    def test_a_user_who_may_not_register_fails_clearly(self, emu, run_playbook, setup, vault_args):
        setup.update(credentials_username='guest', credentials_password='guest')
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args())
        assert result.rc != 0
        assert 'HTTP 403' in result.output and 'may not register applications' in result.output
        assert not os.path.exists(setup['iots_credentials_file'])


class TestCheckMode(object):
    def test_check_mode_without_a_file_sends_and_writes_nothing(self, emu, run_playbook, recap, setup, vault_args):
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args(), check=True, diff=True)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] >= 1
        assert not os.path.exists(os.path.dirname(setup['iots_credentials_file']))
        counts = emu.counts()
        assert counts['register'] == 0 and counts['token'] == 0

    def test_check_mode_after_bootstrap_reports_no_change_and_predicts_a_new_url(self, emu, run_playbook, recap, setup, vault_args):
        # One bootstrap for both check-mode runs: neither writes, so the second starts from it too.
        assert run_playbook(ROLE, extra_vars=setup, args=vault_args()).rc == 0
        before = read_bytes(setup['iots_credentials_file'])
        emu.reset()
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args(), check=True)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 0
        assert read_bytes(setup['iots_credentials_file']) == before
        assert emu.counts()['register'] == 0 and emu.counts()['token'] == 0

        # a new URL: check mode predicts the change to the file and writes nothing
        moved = dict(setup, iots_url=emu.url + '/')
        result = run_playbook(ROLE, extra_vars=moved, args=vault_args(), check=True, diff=True)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 1
        assert '+iots_url: <new value hidden>' in result.output
        assert read_bytes(setup['iots_credentials_file']) == before


class TestVaultSecrets(object):
    def test_two_vault_ids_need_iots_vault_id(self, emu, run_playbook, setup, vault_args):
        args = vault_args() + vault_args('other', OTHER_PASSWORD)
        result = run_playbook(ROLE, extra_vars=setup, args=args)
        assert result.rc != 0
        assert '2 vault ids are loaded (iots, other) and none is chosen to encrypt with' in result.output
        assert 'iots_vault_id' in result.output
        assert not os.path.exists(setup['iots_credentials_file'])

        chosen = run_playbook(ROLE, extra_vars=dict(setup, iots_vault_id='other'), args=args)
        assert chosen.rc == 0, chosen
        assert read_bytes(setup['iots_credentials_file']).startswith(b'$ANSIBLE_VAULT;1.2;AES256;other\n')
        assert decrypt(setup['iots_credentials_file'], OTHER_PASSWORD)['iots_url'] == emu.url

    def test_a_file_encrypted_by_another_password_fails_and_stays(self, emu, run_playbook, setup, vault_args):
        assert run_playbook(ROLE, extra_vars=setup, args=vault_args(password=OTHER_PASSWORD)).rc == 0
        before = read_bytes(setup['iots_credentials_file'])
        emu.reset()
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args())
        assert result.rc != 0
        assert 'Decryption failed (no vault secrets were found that could decrypt)' in result.output
        assert read_bytes(setup['iots_credentials_file']) == before
        assert emu.counts()['register'] == 0

    def test_no_vault_secret_fails_before_registering(self, emu, run_playbook, setup):
        result = run_playbook(ROLE, extra_vars=setup)
        assert result.rc != 0
        assert 'No vault secret is loaded' in result.output
        assert not os.path.exists(setup['iots_credentials_file'])


class TestSecretChangedOnServer(object):
    def test_the_role_rewrites_the_file_with_the_new_keys(self, emu, run_playbook, recap, setup, vault_args):
        assert run_playbook(ROLE, extra_vars=setup, args=vault_args()).rc == 0
        old = decrypt(setup['iots_credentials_file'])
        emu.reset(state=True)  # IoTS forgets the application: the next registration yields new keys
        result = run_playbook(ROLE, extra_vars=setup, args=vault_args(), diff=True)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 2
        new = decrypt(setup['iots_credentials_file'])
        keys = server_keys(emu, setup['iots_application_name'])
        assert new['iots_client_id'] == keys['client_id'] != old['iots_client_id']
        assert new['iots_client_secret'] == keys['client_secret'] != old['iots_client_secret']
        assert '-iots_client_id: <old value hidden>' in result.output

    def test_rotate_playbook_replaces_rejected_keys_only(self, emu, run_playbook, recap, setup, vault_args):
        assert run_playbook(os.path.join(PLAYBOOKS, 'bootstrap.yml'), extra_vars=setup, args=vault_args()).rc == 0
        path = setup['iots_credentials_file']
        before = read_bytes(path)

        emu.reset()
        unchanged = run_playbook(os.path.join(PLAYBOOKS, 'rotate.yml'), extra_vars=setup, args=vault_args())
        assert unchanged.rc == 0, unchanged
        assert recap(unchanged.output)['changed'] == 0
        assert 'IoTS accepts the stored client credentials; nothing to rotate.' in unchanged.output
        assert emu.counts()['register'] == 0
        assert read_bytes(path) == before

        old = decrypt(path)
        emu.reset(state=True)
        rotated = run_playbook(os.path.join(PLAYBOOKS, 'rotate.yml'), extra_vars=setup, args=vault_args())
        assert rotated.rc == 0, rotated
        assert 'IoTS rejects the stored client credentials' in rotated.output
        assert 'invalid_client' in rotated.output
        assert old['iots_client_secret'] not in rotated.output
        assert decrypt(path)['iots_client_id'] != old['iots_client_id']
        assert emu.counts()['register'] == 1


class TestLaterPlaybooks(object):
    def test_the_lookup_needs_nothing_but_the_file(self, emu, run_playbook, setup, vault_args):
        assert run_playbook(ROLE, extra_vars=setup, args=vault_args()).rc == 0
        emu.reset()
        result = run_playbook(USE, extra_vars={'iots_credentials_file': setup['iots_credentials_file']}, args=vault_args())
        assert result.rc == 0, result
        counts = emu.counts()
        assert counts['token:client_credentials'] == 1 and counts['token:password'] == 0
        assert counts['register'] == 0

    def test_bootstrap_then_provision_the_example_playbooks(self, emu, run_playbook, recap, setup, vault_args):
        devices = [{'type': 'virtual_firealarm', 'id': 'fa-%s' % uuid.uuid4().hex[:8], 'name': 'Alarm %d' % n} for n in range(3)]
        bootstrap = run_playbook(os.path.join(PLAYBOOKS, 'bootstrap.yml'), extra_vars=setup, args=vault_args())
        assert bootstrap.rc == 0, bootstrap
        assert recap(bootstrap.output)['changed'] == 2

        emu.reset()
        # provision.yml's own iots_scopes (group_vars): its device modules need more than SCOPES.
        extra = {'iots_credentials_file': setup['iots_credentials_file'], 'iots_devices': devices}
        provision = run_playbook(os.path.join(PLAYBOOKS, 'provision.yml'), extra_vars=extra, args=vault_args())
        assert provision.rc == 0, provision
        assert recap(provision.output)['changed'] == 1  # one task, three enrolments
        enrolled = dict((d['deviceIdentifier'], d) for d in emu.devices())
        for device in devices:
            assert enrolled[device['id']]['enrolmentInfo']['status'] == 'ACTIVE'
            assert enrolled[device['id']]['name'] == device['name']
        counts = emu.counts()
        assert counts['token:client_credentials'] == 1 and counts['token:password'] == 0
        assert counts['register'] == 0

        again = run_playbook(os.path.join(PLAYBOOKS, 'provision.yml'), extra_vars=extra, args=vault_args())
        assert again.rc == 0, again
        assert recap(again.output)['changed'] == 0
        for device in devices:
            assert device['id'] in again.output


class TestAwxCredentialType(object):
    """docs/awx/iots_credential_type.yml, injected the way AWX does it, feeds the lookup alone."""

    @staticmethod
    def injected_environment(inputs, ca_file):
        """AWX's CredentialType.inject_credential: a sandbox renders every env injector; absent fields are empty."""
        with open(AWX_CREDENTIAL_TYPE) as handle:
            credential_type = yaml.safe_load(handle)
        declared = [field['id'] for field in credential_type['inputs']['fields']]
        assert set(inputs) <= set(declared)
        for required in credential_type['inputs']['required']:
            assert inputs.get(required), required
        sandbox = ImmutableSandboxedEnvironment()
        namespace = dict((name, value) for name, value in inputs.items() if value)
        with open(ca_file, 'w') as handle:
            handle.write(sandbox.from_string(credential_type['injectors']['file']['template']).render(**namespace))
        namespace['tower'] = type('TowerNamespace', (object,), {'filename': ca_file})
        return dict((name, sandbox.from_string(template).render(**namespace)) for name, template in credential_type['injectors']['env'].items())

    def run_job(self, ansible_env, inventory, environment):
        # No extra vars: the job gets its settings from the injected environment only.
        return run_ansible_playbook(
            os.path.join(HERE, 'playbooks', 'role_credentials', 'awx_job.yml'), inventory(1), dict(ansible_env, **environment), timeout=300
        )

    def test_client_keys_from_the_vault_file(self, emu, ansible_env, inventory, tmp_path):
        keys = server_keys(emu, 'ansible_test_awx_%s' % uuid.uuid4().hex[:8])
        with open(emu.ca_path) as handle:
            ca_cert = handle.read()
        environment = self.injected_environment(
            {'url': emu.url, 'client_id': keys['client_id'], 'client_secret': keys['client_secret'], 'ca_cert': ca_cert}, str(tmp_path / 'injected-ca.pem')
        )
        assert environment['IOTS_USERNAME'] == environment['IOTS_PASSWORD'] == ''
        emu.reset()
        job = self.run_job(ansible_env, inventory, environment)
        assert job.rc == 0, job
        counts = emu.counts()
        assert counts['token:client_credentials'] == 1 and counts['token:password'] == 0

    def test_user_and_password_only(self, emu, ansible_env, inventory, tmp_path):
        with open(emu.ca_path) as handle:
            ca_cert = handle.read()
        environment = self.injected_environment(
            {'url': emu.url, 'username': 'admin', 'password': 'admin', 'ca_cert': ca_cert}, str(tmp_path / 'injected-ca.pem')
        )
        environment['IOTS_APPLICATION_NAME'] = 'ansible_test_awx_%s' % uuid.uuid4().hex[:8]
        job = self.run_job(ansible_env, inventory, environment)
        assert job.rc == 0, job
        counts = emu.counts()
        assert counts['register'] == 1 and counts['token:password'] == 1
