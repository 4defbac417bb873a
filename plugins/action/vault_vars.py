# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.vault_vars: keep a vars file encrypted with the vault secret of the running playbook.

Runs on the controller only. The vault secrets come from the loader of the run, so any way of
giving them works (--vault-id, a password file, a prompt, a client script, an AWX vault
credential). The file is compared in plaintext, so a second run with the same data changes
nothing; a write is atomic and happens under a lock on the directory. The file format lives in
plugin_utils/_vars_file.py; documentation: plugins/modules/vault_vars.py.
"""

import os

import yaml

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

from ansible_collections.wso2.iots.plugins.plugin_utils._private_files import (
    LockTimeout,
    exclusive_lock,
    make_private_directories,
    write_private_file,
)
from ansible_collections.wso2.iots.plugins.plugin_utils._vars_file import (
    changed_variable_names,
    check_variable_names,
    describe_state,
    key_names_diff,
    parse_mode,
    plain_data,
    read_current,
    render_yaml,
)
from ansible_collections.wso2.iots.plugins.plugin_utils._vault_secrets import (
    NoVaultSecret,
    VaultCodec,
    choose_vault_secret,
    loader_vault_secrets,
)

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    data=dict(type='dict', required=True),
    vault_id=dict(type='str'),
    mode=dict(type='raw', default='0600'),
)

# Another writer holds the lock for milliseconds; waiting longer means something is stuck.
LOCK_TIMEOUT = 30.0
HOW_TO_LOAD_A_SECRET = (
    'No vault secret is loaded, so the file cannot be encrypted. Run ansible-playbook with '
    '--vault-id <id>@prompt, --vault-id <id>@<password file or client script>, or '
    '--vault-password-file (in AWX/AAP: attach a Vault credential).'
)


def encryption_secret(secrets, requested_id):
    """(vault id, secret) to encrypt the file with; an AnsibleActionFail that says what to do otherwise."""
    try:
        return choose_vault_secret(secrets, requested_id, C.DEFAULT_VAULT_ENCRYPT_IDENTITY)
    except NoVaultSecret as exc:
        if not exc.loaded_ids:
            raise AnsibleActionFail(HOW_TO_LOAD_A_SECRET)
        if exc.wanted_id:
            raise AnsibleActionFail('%s. Pass --vault-id %s@<source>.' % (exc, exc.wanted_id))
        raise AnsibleActionFail('%s (in the wso2.iots.credentials role: iots_vault_id).' % exc)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        super(ActionModule, self).run(tmp, task_vars)
        del tmp

        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path = self._absolute_path(args['path'])
        mode = parse_mode(args['mode'])
        desired = plain_data(args['data'])
        check_variable_names(desired)
        plaintext = render_yaml(desired)
        # Compare what a reader will get back, not what we were given (tuples, key order, ...).
        desired = yaml.safe_load(plaintext)

        secrets = loader_vault_secrets(self._loader)
        vault_id, secret = encryption_secret(secrets, args.get('vault_id'))
        vault = VaultCodec(secrets, (vault_id, secret))

        if self._task.check_mode:
            current = read_current(path, vault)
            return self._result(path, vault_id, mode, current, desired, wrote=False)

        directory, name = os.path.split(path)
        try:
            make_private_directories(directory)
            with exclusive_lock(directory, LOCK_TIMEOUT):
                # Decide under the lock: another run may just have written the same file.
                current = read_current(path, vault)
                result = self._result(path, vault_id, mode, current, desired, wrote=False)
                if not result['changed']:
                    return result
                if current.exists and current.data == desired and current.vault_id == vault_id:
                    os.chmod(path, mode)
                else:
                    # Every writer holds the lock while its temp file exists: under it, any left is dead.
                    write_private_file(directory, name, vault.encrypt(to_bytes(plaintext, errors='surrogate_or_strict')), mode=mode, dead_after=0)
                result['wrote'] = True
                return result
        except LockTimeout:
            raise AnsibleActionFail('Another process has held the lock on %s for %g seconds; giving up.' % (directory, LOCK_TIMEOUT))
        except OSError as exc:
            raise AnsibleActionFail('Cannot write %s: %s' % (path, exc.strerror or to_native(exc)))

    def _absolute_path(self, path):
        """Relative paths are relative to the playbook directory, as for vars_files."""
        if not os.path.isabs(path):
            path = os.path.join(self._loader.get_basedir(), path)
        # Write through a symlink to its target, instead of replacing the link.
        return os.path.realpath(path)

    def _result(self, path, vault_id, mode, current, desired, wrote):
        names = changed_variable_names(current.data, desired) if current.exists else sorted(desired)
        changed = not current.exists or bool(names) or current.vault_id != vault_id or current.mode != mode
        result = {
            'changed': changed,
            'path': path,
            'vault_id': vault_id,
            'mode': '%04o' % mode,
            'variables': sorted(desired),
            'changed_variables': names,
            'wrote': wrote,
        }
        if self._task.diff and changed:
            before_state = describe_state(current.vault_id, current.mode) if current.exists else None
            result['diff'] = key_names_diff(path, current.data, desired, before_state, describe_state(vault_id, mode))
        return result
