# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.vault_vars in real ansible-playbook runs: every way to give the vault secret,
idempotence, check and diff mode, the vault id choice, refusals, and parallel hosts.

The playbooks are in playbooks/action_vault_vars/. The action needs no server; the emulator
fixture only comes with the harness.
"""

import os
import stat
import uuid

import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

pytestmark = pytest.mark.integration

WRITE = 'action_vault_vars/write.yml'
REFUSE = 'action_vault_vars/refuse.yml'
PASSWORD = 'vault-password-for-tests'
OTHER_PASSWORD = 'a-different-vault-password'


def secret_data():
    """Values that are unique to the test, so finding one in the output means it leaked."""
    return {
        'iots_url': 'https://iots.example.com:8243',
        'iots_client_id': 'cid-%s' % uuid.uuid4().hex,
        'iots_client_secret': 'secret-%s' % uuid.uuid4().hex,
    }


@pytest.fixture
def password_file(tmp_path):
    def make(password=PASSWORD, name='vault-password'):
        path = tmp_path / name
        path.write_text(password + '\n')
        path.chmod(0o600)
        return str(path)

    return make


@pytest.fixture
def vars_file(tmp_path):
    return str(tmp_path / 'vault' / 'credentials.yml')


def decrypt(path, password=PASSWORD):
    with open(path, 'rb') as handle:
        return yaml.safe_load(VaultLib([('any', VaultSecret(password.encode()))]).decrypt(handle.read()))


def first_line(path):
    with open(path, 'rb') as handle:
        return handle.readline().decode().strip()


def read_bytes(path):
    with open(path, 'rb') as handle:
        return handle.read()


def assert_not_in(values, output):
    for value in values:
        assert value not in output


class TestVaultSecretSources(object):
    def test_vault_id_with_a_password_file(self, run_playbook, recap, password_file, vars_file):
        data = secret_data()
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=['--vault-id', 'iots@' + password_file()])
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 1
        assert first_line(vars_file) == '$ANSIBLE_VAULT;1.2;AES256;iots'
        assert stat.S_IMODE(os.stat(vars_file).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(vars_file)).st_mode) == 0o700
        assert decrypt(vars_file) == data
        raw = read_bytes(vars_file)
        for value in data.values():
            assert value.encode() not in raw

    def test_vault_password_file_option(self, run_playbook, password_file, vars_file):
        data = secret_data()
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=['--vault-password-file', password_file()])
        assert result.rc == 0, result
        assert first_line(vars_file) == '$ANSIBLE_VAULT;1.1;AES256'
        assert decrypt(vars_file) == data

    def test_password_script(self, run_playbook, tmp_path, vars_file):
        script = tmp_path / 'vault-pass.sh'
        script.write_text('#!/bin/sh\necho %s\n' % PASSWORD)
        script.chmod(0o700)
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': secret_data()}, args=['--vault-id', 'iots@' + str(script)])
        assert result.rc == 0, result
        assert first_line(vars_file).endswith(';iots')

    def test_vault_client_script(self, run_playbook, tmp_path, vars_file):
        """A *-client script is asked for the password of the vault id it is given."""
        script = tmp_path / 'secrets-client'
        script.write_text('#!/bin/sh\n[ "$1" = "--vault-id" ] && [ "$2" = "iots" ] && echo %s\n' % PASSWORD)
        script.chmod(0o700)
        data = secret_data()
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=['--vault-id', 'iots@' + str(script)])
        assert result.rc == 0, result
        assert decrypt(vars_file) == data


class TestIdempotence(object):
    def test_second_run_changes_nothing_and_keeps_the_file(self, run_playbook, recap, password_file, vars_file):
        data = secret_data()
        args = ['--vault-id', 'iots@' + password_file()]
        assert run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=args).rc == 0
        before = (read_bytes(vars_file), os.stat(vars_file).st_ino)
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=args)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 0
        assert (read_bytes(vars_file), os.stat(vars_file).st_ino) == before

    def test_parallel_hosts_write_once(self, run_playbook, recap, password_file, vars_file):
        """Without run_once, five forks race for the file; the lock makes exactly one write."""
        data = secret_data()
        result = run_playbook(
            WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data, 'vv_run_once': False}, args=['--vault-id', 'iots@' + password_file()], hosts=5, forks=5
        )
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 1
        assert decrypt(vars_file) == data
        assert os.listdir(os.path.dirname(vars_file)) == ['credentials.yml']


class TestCheckAndDiff(object):
    def test_check_mode_writes_nothing(self, run_playbook, recap, password_file, vars_file):
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': secret_data()}, args=['--vault-id', 'iots@' + password_file()], check=True)
        assert result.rc == 0, result
        assert recap(result.output)['changed'] == 1
        assert not os.path.exists(os.path.dirname(vars_file))

    def test_diff_shows_key_names_and_no_value(self, run_playbook, password_file, vars_file):
        data = secret_data()
        args = ['--vault-id', 'iots@' + password_file()]
        assert run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=args).rc == 0
        before = read_bytes(vars_file)
        new = dict(data, iots_client_secret='rotated-%s' % uuid.uuid4().hex)
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': new}, args=args, check=True, diff=True, verbosity=3)
        assert result.rc == 0, result
        assert '-iots_client_secret: <old value hidden>' in result.output
        assert '+iots_client_secret: <new value hidden>' in result.output
        assert ' iots_client_id: <unchanged>' in result.output
        assert_not_in(list(data.values())[1:] + [new['iots_client_secret']], result.output)
        assert read_bytes(vars_file) == before


class TestVaultIdChoice(object):
    def test_two_vault_ids_without_a_choice_fail_clearly(self, run_playbook, password_file, vars_file):
        args = ['--vault-id', 'iots@' + password_file(), '--vault-id', 'other@' + password_file(OTHER_PASSWORD, 'o')]
        result = run_playbook(
            REFUSE,
            extra_vars={'vv_path': vars_file, 'vv_data': secret_data(), 'vv_expected_error': r'2 vault ids are loaded \(iots, other\) and none is chosen'},
            args=args,
        )
        assert result.rc == 0, result
        assert not os.path.exists(vars_file)

    def test_the_vault_id_option_chooses(self, run_playbook, password_file, vars_file):
        args = ['--vault-id', 'iots@' + password_file(), '--vault-id', 'other@' + password_file(OTHER_PASSWORD, 'o')]
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': secret_data(), 'vv_vault_id': 'other'}, args=args)
        assert result.rc == 0, result
        assert first_line(vars_file).endswith(';other')
        decrypt(vars_file, OTHER_PASSWORD)

    def test_the_configured_encrypt_identity_chooses(self, run_playbook, password_file, vars_file):
        args = ['--vault-id', 'iots@' + password_file(), '--vault-id', 'other@' + password_file(OTHER_PASSWORD, 'o')]
        result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': secret_data()}, args=args, env={'ANSIBLE_VAULT_ENCRYPT_IDENTITY': 'other'})
        assert result.rc == 0, result
        assert first_line(vars_file).endswith(';other')

    def test_no_vault_secret_fails_clearly(self, run_playbook, vars_file):
        result = run_playbook(
            REFUSE,
            extra_vars={'vv_path': vars_file, 'vv_data': secret_data(), 'vv_expected_error': 'No vault secret is loaded, so the file cannot be encrypted'},
        )
        assert result.rc == 0, result
        assert not os.path.exists(vars_file)


class TestRefusal(object):
    def test_a_file_encrypted_with_another_password_is_left_untouched(self, run_playbook, password_file, vars_file):
        data = secret_data()
        assert (
            run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=['--vault-id', 'iots@' + password_file(OTHER_PASSWORD, 'o')]).rc == 0
        )
        before = read_bytes(vars_file)
        expected = (
            r'^Cannot decrypt .* with the loaded vault secrets \(vault ids: iots; the file says iots\): '
            r'Decryption failed.* The file is left untouched'
        )
        result = run_playbook(
            REFUSE, extra_vars={'vv_path': vars_file, 'vv_data': secret_data(), 'vv_expected_error': expected}, args=['--vault-id', 'iots@' + password_file()]
        )
        assert result.rc == 0, result
        assert read_bytes(vars_file) == before
        assert os.listdir(os.path.dirname(vars_file)) == ['credentials.yml']

    def test_a_plaintext_file_is_left_untouched(self, run_playbook, password_file, vars_file):
        os.makedirs(os.path.dirname(vars_file))
        with open(vars_file, 'w') as handle:
            handle.write('iots_client_secret: plain\n')
        result = run_playbook(
            REFUSE,
            extra_vars={'vv_path': vars_file, 'vv_data': secret_data(), 'vv_expected_error': 'is not an Ansible Vault file; refusing to overwrite it'},
            args=['--vault-id', 'iots@' + password_file()],
        )
        assert result.rc == 0, result
        assert read_bytes(vars_file) == b'iots_client_secret: plain\n'


def test_verbose_output_holds_no_value(run_playbook, password_file, vars_file):
    data = secret_data()
    result = run_playbook(WRITE, extra_vars={'vv_path': vars_file, 'vv_data': data}, args=['--vault-id', 'iots@' + password_file()], verbosity=4, diff=True)
    assert result.rc == 0, result
    assert_not_in(list(data.values())[1:] + [PASSWORD], result.output)
