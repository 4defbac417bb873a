# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The vault_vars action plugin, run as Ansible runs it, with real vault secrets and real files.

The plugin is loaded through action_loader with a DataLoader holding real VaultSecrets, so
encryption, decryption and the vault id choice are Ansible's own; only the task is a stub.
"""

import contextlib
import fcntl
import json
import os
import stat
from unittest import mock

import pytest
import yaml

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret, parse_vaulttext_envelope
from ansible.plugins.loader import action_loader
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.wso2.iots.plugins.action import vault_vars
from ansible_collections.wso2.iots.plugins.action.vault_vars import encryption_secret as choose_vault_secret
from ansible_collections.wso2.iots.plugins.plugin_utils import _vars_file
from ansible_collections.wso2.iots.plugins.plugin_utils._vars_file import (
    NEW_HIDDEN,
    OLD_HIDDEN,
    UNCHANGED,
    plain_data,
)

CLIENT_SECRET = 'cs-5ecr3t-value-0123456789'
NEW_CLIENT_SECRET = 'cs-r0tated-value-9876543210'
DATA = {
    'iots_url': 'https://iots.example.com:8243',
    'iots_client_id': 'cid-abcdef',
    'iots_client_secret': CLIENT_SECRET,
}
IOTS = ('iots', VaultSecret(b'iots-vault-password'))
OTHER = ('other', VaultSecret(b'another-vault-password'))


class StubTask(object):
    """The attributes of a Task that an action plugin reads."""

    def __init__(self, args, check_mode=False, diff=False):
        self.args = args
        self.check_mode = check_mode
        self.diff = diff
        self.async_val = 0
        self.action = 'wso2.iots.vault_vars'


@pytest.fixture
def basedir(tmp_path):
    path = tmp_path / 'playbooks'
    path.mkdir()
    return path


@pytest.fixture
def run(basedir):
    """run(args, secrets=[IOTS], check_mode=False, diff=False) -> the action's result."""

    def run_action(args, secrets=(IOTS,), check_mode=False, diff=False):
        loader = DataLoader()
        loader.set_basedir(str(basedir))
        loader.set_vault_secrets(list(secrets))
        action = action_loader.get(
            'wso2.iots.vault_vars',
            task=StubTask(dict(args), check_mode=check_mode, diff=diff),
            connection=mock.MagicMock(),
            play_context=mock.MagicMock(),
            loader=loader,
            templar=None,
            shared_loader_obj=None,
        )
        return action.run(task_vars={})

    return run_action


def decrypt(path, secrets=(IOTS,)):
    with open(path, 'rb') as handle:
        b_vaulttext = handle.read()
    return yaml.safe_load(VaultLib(list(secrets)).decrypt(b_vaulttext))


def header(path):
    with open(path, 'rb') as handle:
        return handle.readline().decode().strip()


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read_bytes(path):
    with open(path, 'rb') as handle:
        return handle.read()


def assert_no_values(result, values):
    """Nothing the task returns (diff included) may contain a stored value."""
    text = json.dumps(result, sort_keys=True)
    for value in values:
        assert value not in text


# ---------------------------------------------------------------------------- vault id choice


class TestVaultIdChoice(object):
    def test_the_option_wins_over_the_configured_identity_and_load_order(self):
        assert choose_vault_secret([OTHER, IOTS], 'iots')[0] == 'iots'

    def test_the_configured_encrypt_identity_comes_next(self, monkeypatch):
        monkeypatch.setattr(vault_vars.C, 'DEFAULT_VAULT_ENCRYPT_IDENTITY', 'other')
        assert choose_vault_secret([IOTS, OTHER], None)[0] == 'other'

    def test_the_only_loaded_id_is_used_without_being_named(self):
        assert choose_vault_secret([IOTS], None) == IOTS

    def test_the_same_id_loaded_twice_counts_once_and_the_first_secret_is_used(self):
        first = ('iots', VaultSecret(b'first'))
        second = ('iots', VaultSecret(b'second'))
        assert choose_vault_secret([first, second], None)[1] is first[1]

    def test_several_ids_without_a_choice_fail_naming_them_and_the_fix(self):
        with pytest.raises(AnsibleActionFail) as error:
            choose_vault_secret([IOTS, OTHER], None)
        message = str(error.value)
        assert '2 vault ids are loaded (iots, other)' in message
        assert 'iots_vault_id' in message and 'ANSIBLE_VAULT_ENCRYPT_IDENTITY' in message

    def test_an_id_that_is_not_loaded_fails_naming_the_loaded_ones(self):
        with pytest.raises(AnsibleActionFail) as error:
            choose_vault_secret([IOTS], 'prod')
        assert "vault_id is 'prod', but the loaded vault ids are: iots" in str(error.value)

    def test_a_configured_id_that_is_not_loaded_says_where_it_came_from(self, monkeypatch):
        monkeypatch.setattr(vault_vars.C, 'DEFAULT_VAULT_ENCRYPT_IDENTITY', 'prod')
        with pytest.raises(AnsibleActionFail) as error:
            choose_vault_secret([IOTS], None)
        assert 'ANSIBLE_VAULT_ENCRYPT_IDENTITY' in str(error.value)

    def test_no_loaded_secret_fails_and_explains_how_to_give_one(self):
        with pytest.raises(AnsibleActionFail) as error:
            choose_vault_secret([], None)
        assert '--vault-id' in str(error.value)

    def test_the_configured_identity_is_read_from_ansible_config(self, run, basedir, monkeypatch):
        monkeypatch.setattr(vault_vars.C, 'DEFAULT_VAULT_ENCRYPT_IDENTITY', 'other')
        result = run({'path': 'creds.yml', 'data': DATA}, secrets=[IOTS, OTHER])
        assert result['vault_id'] == 'other'
        assert header(str(basedir / 'creds.yml')) == '$ANSIBLE_VAULT;1.2;AES256;other'

    def test_no_secret_in_the_run_fails_and_writes_nothing(self, run, basedir):
        with pytest.raises(AnsibleActionFail):
            run({'path': 'creds.yml', 'data': DATA}, secrets=[])
        assert not (basedir / 'creds.yml').exists()

    def test_the_default_vault_id_writes_a_header_without_an_id(self, run, basedir):
        secret = ('default', VaultSecret(b'pw'))
        result = run({'path': 'creds.yml', 'data': DATA}, secrets=[secret])
        assert result['vault_id'] == 'default'
        assert header(str(basedir / 'creds.yml')) == '$ANSIBLE_VAULT;1.1;AES256'
        assert run({'path': 'creds.yml', 'data': DATA}, secrets=[secret])['changed'] is False


# ---------------------------------------------------------------------------- writing and comparing


class TestWrite(object):
    def test_first_run_writes_an_encrypted_0600_file_that_decrypts_to_the_data(self, run, basedir):
        result = run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'iots'})
        path = str(basedir / 'creds.yml')
        assert result['changed'] is True and result['wrote'] is True
        assert result['path'] == path
        assert result['variables'] == ['iots_client_id', 'iots_client_secret', 'iots_url']
        assert file_mode(path) == 0o600
        assert header(path) == '$ANSIBLE_VAULT;1.2;AES256;iots'
        raw = read_bytes(path)
        for value in DATA.values():
            assert value.encode() not in raw
        assert decrypt(path) == DATA
        assert_no_values(result, DATA.values())

    def test_the_plaintext_starts_with_a_comment_and_sorted_keys(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        with open(str(basedir / 'creds.yml'), 'rb') as handle:
            plaintext = VaultLib([IOTS]).decrypt(handle.read()).decode()
        assert plaintext.startswith('# Written by wso2.iots.vault_vars')
        assert [line.split(':')[0] for line in plaintext.splitlines()[2:]] == sorted(DATA)

    def test_second_run_with_the_same_data_changes_nothing_on_disk(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        path = str(basedir / 'creds.yml')
        before = (read_bytes(path), os.stat(path).st_ino, os.stat(path).st_mtime_ns)
        result = run({'path': 'creds.yml', 'data': dict(DATA)})
        assert result['changed'] is False and result['wrote'] is False
        assert result['changed_variables'] == []
        assert (read_bytes(path), os.stat(path).st_ino, os.stat(path).st_mtime_ns) == before

    def test_comparison_is_on_values_not_on_ciphertext_or_key_order(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        reordered = dict(reversed(list(DATA.items())))
        assert run({'path': 'creds.yml', 'data': reordered})['changed'] is False

    def test_a_changed_value_rewrites_and_names_only_that_key(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        new = dict(DATA, iots_client_secret=NEW_CLIENT_SECRET)
        result = run({'path': 'creds.yml', 'data': new})
        assert result['changed'] is True
        assert result['changed_variables'] == ['iots_client_secret']
        assert decrypt(str(basedir / 'creds.yml')) == new

    def test_keys_not_in_data_are_removed(self, run, basedir):
        run({'path': 'creds.yml', 'data': dict(DATA, stale=1)})
        result = run({'path': 'creds.yml', 'data': DATA})
        assert result['changed_variables'] == ['stale']
        assert decrypt(str(basedir / 'creds.yml')) == DATA

    def test_another_vault_id_re_encrypts_the_same_data(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'other'}, secrets=[IOTS, OTHER])
        result = run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'iots'}, secrets=[IOTS, OTHER])
        assert result['changed'] is True and result['changed_variables'] == []
        assert header(str(basedir / 'creds.yml')).endswith(';iots')
        assert run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'iots'}, secrets=[IOTS, OTHER])['changed'] is False

    def test_a_wrong_mode_is_fixed_without_rewriting_the_content(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        path = str(basedir / 'creds.yml')
        os.chmod(path, 0o644)
        content, inode = read_bytes(path), os.stat(path).st_ino
        result = run({'path': 'creds.yml', 'data': DATA})
        assert result['changed'] is True and result['changed_variables'] == []
        assert file_mode(path) == 0o600
        assert (read_bytes(path), os.stat(path).st_ino) == (content, inode)

    @pytest.mark.parametrize('mode', ['0640', '640', 0o640])
    def test_mode_takes_octal_strings_and_numbers(self, run, basedir, mode):
        result = run({'path': 'creds.yml', 'data': DATA, 'mode': mode})
        assert result['mode'] == '0640'
        assert file_mode(str(basedir / 'creds.yml')) == 0o640

    @pytest.mark.parametrize('mode', ['u=rw', '0999', True])
    def test_a_mode_that_is_not_octal_fails(self, run, mode):
        with pytest.raises(AnsibleActionFail, match='mode'):
            run({'path': 'creds.yml', 'data': DATA, 'mode': mode})

    def test_relative_paths_are_relative_to_the_playbook_directory(self, run, basedir):
        result = run({'path': 'group_vars/all/creds.yml', 'data': DATA})
        assert result['path'] == str(basedir / 'group_vars' / 'all' / 'creds.yml')
        assert file_mode(str(basedir / 'group_vars' / 'all')) == 0o700
        assert file_mode(str(basedir / 'group_vars')) == 0o700  # the parent it made too, whatever the umask

    def test_a_symlink_is_followed_and_stays_a_symlink(self, run, basedir, tmp_path):
        target = tmp_path / 'real.yml'
        link = basedir / 'creds.yml'
        link.symlink_to(target)
        result = run({'path': str(link), 'data': DATA})
        assert result['path'] == str(target)
        assert link.is_symlink() and decrypt(str(link)) == DATA

    def test_an_empty_existing_file_is_replaced(self, run, basedir):
        (basedir / 'creds.yml').write_text('')
        assert run({'path': 'creds.yml', 'data': DATA})['changed'] is True
        assert decrypt(str(basedir / 'creds.yml')) == DATA

    def test_values_keep_their_yaml_types(self, run, basedir):
        data = {
            'count': 3,
            'ratio': 0.5,
            'enabled': False,
            'nothing': None,
            'octal': '0600',
            'hosts': ['a', 'b'],
            'nested': {'k': ['v', 1]},
            'tuple_value': ('x', 'y'),
        }
        run({'path': 'types.yml', 'data': data})
        stored = decrypt(str(basedir / 'types.yml'))
        assert stored == dict(data, tuple_value=['x', 'y'])
        assert run({'path': 'types.yml', 'data': data})['changed'] is False

    @pytest.mark.parametrize('key', ['not-a-name', '1st', 'class', 'has space'])
    def test_keys_must_be_variable_names(self, run, basedir, key):
        with pytest.raises(AnsibleActionFail, match='valid variable names'):
            run({'path': 'creds.yml', 'data': {key: 'value'}})
        assert not (basedir / 'creds.yml').exists()

    def test_unknown_options_fail(self, run):
        with pytest.raises(AnsibleActionFail, match='Unsupported parameters'):
            run({'path': 'creds.yml', 'data': DATA, 'content': 'x'})


# ---------------------------------------------------------------------------- refusing to overwrite


class TestRefuse(object):
    def test_a_file_encrypted_with_another_password_is_left_untouched(self, run, basedir):
        path = basedir / 'creds.yml'
        run({'path': 'creds.yml', 'data': DATA}, secrets=[('iots', VaultSecret(b'the-old-password'))])
        before = read_bytes(str(path))
        with pytest.raises(AnsibleActionFail) as error:
            run({'path': 'creds.yml', 'data': dict(DATA, iots_client_secret=NEW_CLIENT_SECRET)})
        message = str(error.value)
        assert message.startswith('Cannot decrypt %s with the loaded vault secrets (vault ids: iots; the file says iots)' % path)
        assert 'left untouched' in message
        assert read_bytes(str(path)) == before
        assert sorted(os.listdir(str(basedir))) == ['creds.yml']

    def test_check_mode_also_reports_an_undecryptable_file(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA}, secrets=[OTHER])
        with pytest.raises(AnsibleActionFail, match='Cannot decrypt'):
            run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'iots'}, secrets=[IOTS], check_mode=True)

    def test_a_plaintext_file_is_never_overwritten(self, run, basedir):
        path = basedir / 'creds.yml'
        path.write_text('iots_client_secret: %s\n' % CLIENT_SECRET)
        with pytest.raises(AnsibleActionFail) as error:
            run({'path': 'creds.yml', 'data': DATA})
        assert 'is not an Ansible Vault file; refusing to overwrite it' in str(error.value)
        assert CLIENT_SECRET not in str(error.value)
        assert path.read_text() == 'iots_client_secret: %s\n' % CLIENT_SECRET

    def test_a_vault_file_that_is_not_a_mapping_is_never_overwritten(self, run, basedir):
        path = basedir / 'cert.yml'
        path.write_bytes(VaultLib().encrypt(b'- just\n- a list\n', IOTS[1], vault_id='iots'))
        with pytest.raises(AnsibleActionFail, match='holds a list, not a mapping'):
            run({'path': 'cert.yml', 'data': DATA})

    def test_a_directory_is_not_a_vars_file(self, run, basedir):
        (basedir / 'creds.yml').mkdir()
        with pytest.raises(AnsibleActionFail, match='is a directory'):
            run({'path': 'creds.yml', 'data': DATA})


# ---------------------------------------------------------------------------- check mode and diff


class TestCheckAndDiff(object):
    def test_check_mode_on_a_missing_file_predicts_a_change_and_creates_nothing(self, run, basedir):
        result = run({'path': 'new/creds.yml', 'data': DATA}, check_mode=True)
        assert result['changed'] is True and result['wrote'] is False
        assert not (basedir / 'new').exists()

    def test_check_mode_on_a_changed_value_leaves_the_file_as_it_is(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        path = str(basedir / 'creds.yml')
        before = read_bytes(path)
        result = run({'path': 'creds.yml', 'data': dict(DATA, iots_client_secret=NEW_CLIENT_SECRET)}, check_mode=True)
        assert result['changed'] is True and result['changed_variables'] == ['iots_client_secret']
        assert read_bytes(path) == before

    def test_check_mode_on_an_unchanged_file_reports_no_change(self, run):
        run({'path': 'creds.yml', 'data': DATA})
        assert run({'path': 'creds.yml', 'data': DATA}, check_mode=True)['changed'] is False

    def test_diff_shows_key_names_only(self, run, basedir):
        run({'path': 'creds.yml', 'data': dict(DATA, removed_key='gone-value')})
        new = dict(DATA, iots_client_secret=NEW_CLIENT_SECRET, added_key='added-value')
        result = run({'path': 'creds.yml', 'data': new}, diff=True, check_mode=True)
        diff = result['diff']
        assert diff['before'].splitlines() == [
            '# vault id iots, mode 0600',
            'iots_client_id: ' + UNCHANGED,
            'iots_client_secret: ' + OLD_HIDDEN,
            'iots_url: ' + UNCHANGED,
            'removed_key: ' + OLD_HIDDEN,
        ]
        assert diff['after'].splitlines() == [
            '# vault id iots, mode 0600',
            'added_key: ' + NEW_HIDDEN,
            'iots_client_id: ' + UNCHANGED,
            'iots_client_secret: ' + NEW_HIDDEN,
            'iots_url: ' + UNCHANGED,
        ]
        assert diff['before_header'] == diff['after_header'] == str(basedir / 'creds.yml')
        assert_no_values(result, list(DATA.values()) + [NEW_CLIENT_SECRET, 'added-value', 'gone-value'])

    def test_diff_of_a_new_file_has_an_empty_before(self, run):
        diff = run({'path': 'creds.yml', 'data': DATA}, diff=True)['diff']
        assert diff['before'] == ''
        assert 'iots_client_secret: ' + NEW_HIDDEN in diff['after']

    def test_diff_shows_a_vault_id_or_mode_change(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'other'}, secrets=[IOTS, OTHER])
        os.chmod(str(basedir / 'creds.yml'), 0o644)
        diff = run({'path': 'creds.yml', 'data': DATA, 'vault_id': 'iots'}, secrets=[IOTS, OTHER], diff=True)['diff']
        assert diff['before'].splitlines()[0] == '# vault id other, mode 0644'
        assert diff['after'].splitlines()[0] == '# vault id iots, mode 0600'

    def test_no_diff_without_diff_mode_or_without_a_change(self, run):
        assert 'diff' not in run({'path': 'creds.yml', 'data': DATA})
        assert 'diff' not in run({'path': 'creds.yml', 'data': DATA}, diff=True)


# ---------------------------------------------------------------------------- atomic write and lock


class TestAtomicWrite(object):
    def test_the_new_file_is_complete_and_0600_before_it_is_renamed_into_place(self, run, basedir, monkeypatch):
        seen = []
        real_replace = os.replace

        def inspect_replace(source, destination):
            seen.append((os.path.dirname(source), file_mode(source), decrypt(source), os.path.exists(destination)))
            return real_replace(source, destination)

        monkeypatch.setattr(vault_vars.os, 'replace', inspect_replace)
        run({'path': 'creds.yml', 'data': DATA})
        assert seen == [(str(basedir), 0o600, DATA, False)]

    def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(self, run, basedir, monkeypatch):
        run({'path': 'creds.yml', 'data': DATA})
        path = str(basedir / 'creds.yml')
        before = read_bytes(path)

        def disk_full(fd):
            raise OSError(28, 'No space left on device')

        monkeypatch.setattr(vault_vars.os, 'fsync', disk_full)
        with pytest.raises(AnsibleActionFail) as error:
            run({'path': 'creds.yml', 'data': dict(DATA, iots_client_secret=NEW_CLIENT_SECRET)})
        assert str(error.value) == 'Cannot write %s: No space left on device' % path
        assert read_bytes(path) == before
        assert os.listdir(str(basedir)) == ['creds.yml']

    def test_a_rewrite_removes_the_temporary_files_of_killed_writers(self, run, basedir):
        run({'path': 'creds.yml', 'data': DATA})
        # what a writer killed between mkstemp and rename leaves; another file's temp file is not ours
        for name in ('.creds.yml.k1ll3d.tmp', '.creds.yml.4gain.tmp', '.other.yml.k1ll3d.tmp'):
            (basedir / name).write_bytes(b'$ANSIBLE_VAULT;1.2;AES256;iots\n3132')
        run({'path': 'creds.yml', 'data': dict(DATA, iots_client_secret=NEW_CLIENT_SECRET)})
        assert sorted(os.listdir(str(basedir))) == ['.other.yml.k1ll3d.tmp', 'creds.yml']
        assert decrypt(str(basedir / 'creds.yml'))['iots_client_secret'] == NEW_CLIENT_SECRET

    def test_the_write_waits_for_the_directory_lock(self, run, basedir, monkeypatch):
        monkeypatch.setattr(vault_vars, 'LOCK_TIMEOUT', 0.2)
        fd = os.open(str(basedir), os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with pytest.raises(AnsibleActionFail, match='held the lock on %s for 0.2 seconds' % basedir):
                run({'path': 'creds.yml', 'data': DATA})
            assert not (basedir / 'creds.yml').exists()
        finally:
            os.close(fd)
        assert run({'path': 'creds.yml', 'data': DATA})['changed'] is True
        assert os.listdir(str(basedir)) == ['creds.yml']

    def test_the_decision_is_taken_under_the_lock(self, run, basedir, monkeypatch):
        """A writer that finished while we waited for the lock makes our write unnecessary."""
        real_lock = vault_vars.exclusive_lock

        @contextlib.contextmanager
        def other_writer_wins(directory, timeout):
            with real_lock(directory, timeout) as fd:
                path = str(basedir / 'creds.yml')
                if not os.path.exists(path):
                    with open(path, 'wb') as handle:
                        handle.write(VaultLib().encrypt(_vars_file.render_yaml(DATA).encode(), IOTS[1], vault_id='iots'))
                    os.chmod(path, 0o600)
                yield fd

        monkeypatch.setattr(vault_vars, 'exclusive_lock', other_writer_wins)
        result = run({'path': 'creds.yml', 'data': DATA})
        assert result['changed'] is False and result['wrote'] is False


# ---------------------------------------------------------------------------- plain data


class TestPlainData(object):
    def test_tagged_values_of_ansible_core_2_19_become_plain_types(self, run, basedir):
        datatag = pytest.importorskip('ansible.module_utils._internal._datatag')
        tags = pytest.importorskip('ansible._internal._datatag._tags')
        origin = tags.Origin(path='/x.yml', line_num=1)
        tagged = datatag.AnsibleTagHelper.tag(
            {
                'iots_client_secret': datatag.AnsibleTagHelper.tag(CLIENT_SECRET, [origin]),
                'count': datatag.AnsibleTagHelper.tag(3, [origin]),
                'items': datatag.AnsibleTagHelper.tag(['a'], [origin]),
            },
            [origin],
        )
        plain = plain_data(tagged)
        assert plain == {'iots_client_secret': CLIENT_SECRET, 'count': 3, 'items': ['a']}
        assert [plain.__class__, plain['iots_client_secret'].__class__, plain['count'].__class__] == [dict, str, int]
        assert run({'path': 'tagged.yml', 'data': tagged})['changed'] is True
        assert decrypt(str(basedir / 'tagged.yml'))['iots_client_secret'] == CLIENT_SECRET

    def test_unsafe_values_become_plain_types(self, run, basedir):
        """Templated task args are AnsibleUnsafeText on ansible-core <= 2.18, whose str() is itself."""
        wrapped = wrap_var({'iots_client_secret': CLIENT_SECRET, 'items': ['a', b'b'], 'nested': {'k': 'v'}})
        plain = plain_data(wrapped)
        assert plain == {'iots_client_secret': CLIENT_SECRET, 'items': ['a', 'b'], 'nested': {'k': 'v'}}
        assert [item.__class__ for item in [plain['iots_client_secret']] + plain['items'] + list(plain)] == [str] * 6
        # Through the action without the bytes item: ansible-core 2.16's argument validation deep-copies
        # its arguments, and AnsibleUnsafeBytes cannot be copied on Python 3.10 (a core bug, not ours).
        wrapped = wrap_var({'iots_client_secret': CLIENT_SECRET, 'items': ['a'], 'nested': {'k': 'v'}})
        assert run({'path': 'unsafe.yml', 'data': wrapped})['changed'] is True
        assert decrypt(str(basedir / 'unsafe.yml'))['iots_client_secret'] == CLIENT_SECRET

    def test_a_value_yaml_cannot_dump_is_not_quoted_in_the_error(self, monkeypatch):
        class Refused(str):
            pass

        monkeypatch.setattr(_vars_file, '_plain_str', Refused)
        with pytest.raises(AnsibleActionFail) as error:
            _vars_file.render_yaml(plain_data({'iots_client_secret': CLIENT_SECRET}))
        assert str(error.value) == 'data cannot be written as YAML (RepresenterError).'

    def test_a_vaulted_value_is_stored_as_its_plaintext(self):
        vaulttext = VaultLib().encrypt(CLIENT_SECRET.encode(), IOTS[1], vault_id='iots').decode()
        try:
            from ansible.parsing.vault import EncryptedString, VaultSecretsContext
        except ImportError:  # ansible-core <= 2.18
            from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode

            value = AnsibleVaultEncryptedUnicode(vaulttext)
            value.vault = VaultLib([IOTS])
            assert plain_data({'secret': value}) == {'secret': CLIENT_SECRET}
            return
        # EncryptedString decrypts with the run's secrets; give it ours for this test only.
        with mock.patch.object(VaultSecretsContext, '_current', VaultSecretsContext([IOTS])):
            assert plain_data({'secret': EncryptedString(ciphertext=vaulttext)}) == {'secret': CLIENT_SECRET}

    def test_an_unsupported_type_is_named_without_its_value(self):
        class Opaque(object):
            def __repr__(self):
                return CLIENT_SECRET

        with pytest.raises(AnsibleActionFail) as error:
            plain_data({'nested': {'odd': Opaque()}})
        assert str(error.value).startswith('data.nested.odd is a Opaque')
        assert CLIENT_SECRET not in str(error.value)

    def test_non_string_keys_fail(self):
        with pytest.raises(AnsibleActionFail, match='key of type int'):
            plain_data({1: 'x'})


def test_the_header_of_a_written_file_parses_as_a_vault_envelope(run, basedir):
    run({'path': 'creds.yml', 'data': DATA})
    envelope = parse_vaulttext_envelope(read_bytes(str(basedir / 'creds.yml')))
    assert envelope[2:] == ('AES256', 'iots')
