# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""wso2.iots.vault_vars: keep a vars file encrypted with the vault secret of the running playbook.

Runs on the controller only. The vault secrets come from the loader of the run, so any way of
giving them works (--vault-id, a password file, a prompt, a client script, an AWX vault
credential). The file is compared in plaintext, so a second run with the same data changes
nothing; a write is atomic and happens under a lock on the directory. Documentation:
plugins/modules/vault_vars.py.
"""

import errno
import fcntl
import keyword
import os
import stat
import tempfile
import time
from collections.abc import Mapping

import yaml

from ansible import constants as C
from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.parsing.vault import VaultLib, is_encrypted, parse_vaulttext_envelope
from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    data=dict(type='dict', required=True),
    vault_id=dict(type='str'),
    mode=dict(type='raw', default='0600'),
)

# Another writer holds the lock for milliseconds; waiting longer means something is stuck.
LOCK_TIMEOUT = 30.0
LOCK_POLL = 0.05

FILE_HEADER = '# Written by wso2.iots.vault_vars; view or edit it with ansible-vault.\n'

# Vaulted values in task data: AnsibleVaultEncryptedUnicode (ansible-core <= 2.18) is a Sequence
# of characters and EncryptedString (2.19+) is not a str; str() gives the plaintext of both.
_ENCRYPTED_TYPE_NAMES = frozenset(('AnsibleVaultEncryptedUnicode', 'EncryptedString'))

UNCHANGED = '<unchanged>'
OLD_HIDDEN = '<old value hidden>'
NEW_HIDDEN = '<new value hidden>'


# ---------------------------------------------------------------------------- data

def plain_data(value, where='data'):
    """A copy of ``value`` made of plain Python types that yaml.safe_dump accepts.

    ansible-core 2.19+ hands task arguments over as tagged subclasses of str/int/dict/list,
    which the safe dumper refuses; older cores may pass vaulted values. Errors name the
    place and the type, never the value.
    """
    if value is None or isinstance(value, bool):
        return value
    if any(cls.__name__ in _ENCRYPTED_TYPE_NAMES for cls in type(value).__mro__):
        return _plain_str(str(value))
    if isinstance(value, str):
        return _plain_str(value)
    if isinstance(value, bytes):
        return _plain_str(to_text(value, errors='surrogate_or_strict'))
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise AnsibleActionFail('%s has a key of type %s; vars file keys must be strings.'
                                        % (where, type(key).__name__))
            copy[_plain_str(key)] = plain_data(item, '%s.%s' % (where, key))
        return copy
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_data(item, '%s[%d]' % (where, index)) for index, item in enumerate(value)]
    raise AnsibleActionFail('%s is a %s, which a YAML vars file cannot hold; use strings, numbers, '
                            'booleans, lists and dicts.' % (where, type(value).__name__))


def _plain_str(text):
    # str() is not enough: AnsibleUnsafeText (ansible-core <= 2.18) returns itself from __str__.
    return str.__str__(text)


def check_variable_names(data):
    bad = sorted(key for key in data if not key.isidentifier() or keyword.iskeyword(key))
    if bad:
        raise AnsibleActionFail('data keys must be valid variable names; these are not: %s' % ', '.join(bad))


def render_yaml(data):
    """The plaintext of the vars file: a comment, then the data as block YAML, keys sorted."""
    try:
        return FILE_HEADER + yaml.safe_dump(data, default_flow_style=False, sort_keys=True,
                                            allow_unicode=True, explicit_start=True, width=1000)
    except yaml.YAMLError as exc:
        # The exception quotes the value it could not dump; the value may be a secret.
        raise AnsibleActionFail('data cannot be written as YAML (%s).' % type(exc).__name__)


def parse_mode(mode):
    """An octal mode given as '0600', '600' or an integer (as the file module takes it)."""
    if isinstance(mode, bool):
        raise AnsibleActionFail('mode must be an octal number such as "0600", not %r' % (mode,))
    if isinstance(mode, int):
        value = mode
    else:
        text = to_text(mode).strip()
        try:
            value = int(text, 8)
        except ValueError:
            raise AnsibleActionFail('mode must be an octal number such as "0600", not %r' % (text,))
    if value < 0 or value > 0o7777:
        raise AnsibleActionFail('mode %o is out of range' % value)
    return value


def changed_variable_names(current, desired):
    """Names of the keys that are added, removed or have another value."""
    return sorted(key for key in set(current) | set(desired)
                  if key not in current or key not in desired or current[key] != desired[key])


def _marker(key, mine, other, hidden):
    if key in other and other[key] == mine[key]:
        return UNCHANGED
    return hidden


def key_names_diff(path, current, desired, before_state, after_state):
    """A diff that shows which keys change, never a value.

    ``before_state``/``after_state`` are '(vault id X, mode 0600)' descriptions, or None when
    the file does not exist; they appear as the first line so a re-key or chmod is visible.
    """
    def lines(mine, other, state, hidden):
        if state is None:
            return ''
        text = '# %s\n' % state
        for key in sorted(mine):
            text += '%s: %s\n' % (key, _marker(key, mine, other, hidden))
        return text

    return {
        'before_header': path,
        'after_header': path,
        'before': lines(current, desired, before_state, OLD_HIDDEN),
        'after': lines(desired, current, after_state, NEW_HIDDEN),
    }


def describe_state(vault_id, mode):
    return 'vault id %s, mode %04o' % (vault_id, mode)


# ---------------------------------------------------------------------------- vault ids

def loaded_vault_ids(secrets):
    """The distinct vault ids of the loaded secrets, in load order."""
    ids = []
    for vault_id, dummy in secrets or []:
        if vault_id not in ids:
            ids.append(vault_id)
    return ids


def choose_vault_secret(secrets, requested_id=None, configured_id=None):
    """(vault id, secret) to encrypt with.

    The vault_id option wins, then the configured encrypt identity
    (C.DEFAULT_VAULT_ENCRYPT_IDENTITY), then the only loaded id. Several ids and no choice
    is an error: guessing could lock the file to a password the next run does not have.
    """
    ids = loaded_vault_ids(secrets)
    if not ids:
        raise AnsibleActionFail(
            'No vault secret is loaded, so the file cannot be encrypted. Run ansible-playbook with '
            '--vault-id <id>@prompt, --vault-id <id>@<password file or client script>, or '
            '--vault-password-file (in AWX/AAP: attach a Vault credential).')
    if requested_id:
        wanted, source = requested_id, 'vault_id'
    elif configured_id:
        wanted, source = configured_id, 'the configured vault encrypt identity (ANSIBLE_VAULT_ENCRYPT_IDENTITY)'
    elif len(ids) == 1:
        wanted, source = ids[0], None
    else:
        raise AnsibleActionFail(
            '%d vault ids are loaded (%s) and none is chosen to encrypt with. Set vault_id (the '
            'wso2.iots.credentials role: iots_vault_id) or ANSIBLE_VAULT_ENCRYPT_IDENTITY to one of them.'
            % (len(ids), ', '.join(ids)))
    for vault_id, secret in secrets:
        if vault_id == wanted:
            return vault_id, secret
    raise AnsibleActionFail('%s is %r, but the loaded vault ids are: %s. Pass --vault-id %s@<source>.'
                            % (source, wanted, ', '.join(ids), wanted))


# ---------------------------------------------------------------------------- file access

class CurrentFile(object):
    """What is on disk now: absent, or decrypted data with its vault id and mode."""

    def __init__(self, exists=False, data=None, vault_id=None, mode=None):
        self.exists = exists
        self.data = data if data is not None else {}
        self.vault_id = vault_id
        self.mode = mode


def read_current(path, vault):
    """Read and decrypt ``path``; refuse (raise) for anything we must not overwrite."""
    try:
        with open(path, 'rb') as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise AnsibleActionFail('%s exists and is not a regular file; refusing to replace it.' % path)
            b_content = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return CurrentFile()
        if exc.errno == errno.EISDIR:
            raise AnsibleActionFail('%s is a directory; path must name a file.' % path)
        raise AnsibleActionFail('Cannot read %s: %s' % (path, exc.strerror or to_native(exc)))
    mode = stat.S_IMODE(info.st_mode)
    if not b_content.strip():
        # An empty file (e.g. made by touch or mkstemp) holds nothing to protect.
        return CurrentFile(exists=True, vault_id=None, mode=mode)
    if not is_encrypted(b_content):
        raise AnsibleActionFail(
            '%s exists and is not an Ansible Vault file; refusing to overwrite it (it may hold other '
            'data, or secrets in plaintext). Move it away, or encrypt it with ansible-vault encrypt.' % path)
    header_id = _header_vault_id(b_content)
    try:
        b_plaintext, used_id, dummy = vault.decrypt_and_get_vault_id(b_content)
    except AnsibleError as exc:
        loaded = ', '.join(loaded_vault_ids(vault.secrets)) or 'none'
        raise AnsibleActionFail(
            'Cannot decrypt %s with the loaded vault secrets (vault ids: %s; the file says %s): %s '
            'The file is left untouched. Run with the vault secret it was encrypted with, or move it away.'
            % (path, loaded, header_id, _first_line(exc)))
    try:
        data = yaml.safe_load(to_text(b_plaintext, errors='surrogate_or_strict'))
    except yaml.YAMLError as exc:
        raise AnsibleActionFail('%s decrypts, but is not plain YAML (%s); refusing to overwrite it.'
                                % (path, _first_line(getattr(exc, 'problem', None) or exc)))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AnsibleActionFail('%s decrypts, but holds a %s, not a mapping of variables; refusing to overwrite it.'
                                % (path, type(data).__name__))
    # The header names the id; the secret that worked may carry another label (a re-key).
    vault_id = header_id if header_id == used_id else used_id
    return CurrentFile(exists=True, data=data, vault_id=vault_id, mode=mode)


def _header_vault_id(b_content):
    try:
        return to_text(parse_vaulttext_envelope(b_content)[3])
    except (AnsibleError, ValueError, IndexError):
        return 'no vault id'


def _first_line(exc):
    text = to_text(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DirectoryLock(object):
    """An exclusive flock on the directory itself: no lock file appears next to the vars file.

    The kernel drops the lock when the process dies, so a crashed run leaves nothing stale.
    """

    def __init__(self, directory, timeout=None):
        self.directory = directory
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.directory, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    self.__exit__(None, None, None)
                    raise
            if time.monotonic() >= deadline:
                self.__exit__(None, None, None)
                raise AnsibleActionFail('Another process has held the lock on %s for %g seconds; giving up.'
                                        % (self.directory, self.timeout))
            time.sleep(LOCK_POLL)

    def __exit__(self, *exc_info):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def write_atomically(path, b_content, mode, directory_fd=None):
    """Temp file in the same directory, fsync, chmod, rename: readers see the old or the new file."""
    directory = os.path.dirname(path)
    fd, temp_path = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(b_content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise
    if directory_fd is not None:
        # Make the rename itself durable.
        os.fsync(directory_fd)


def make_private_directories(directory):
    """Create ``directory`` and every missing parent with mode 0700.

    os.makedirs applies its mode to the last directory only; the parents would get the umask default.
    """
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # made by a parallel run a moment ago
            pass


def remove_dead_temp_files(path):
    """Delete the temp files of ``path`` that killed writers left behind; call it holding the DirectoryLock.

    A writer holds the lock for as long as its temp file exists, so under the lock every such
    file is dead. They hold vault ciphertext and would otherwise stay beside the vars file (and
    end up in git).
    """
    directory, name = os.path.split(path)
    prefix = '.%s.' % name
    for candidate in os.listdir(directory):
        if candidate.startswith(prefix) and candidate.endswith('.tmp'):
            try:
                os.unlink(os.path.join(directory, candidate))
            except OSError:
                pass


# ---------------------------------------------------------------------------- the action

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

        secrets = self._vault_secrets()
        vault_id, secret = choose_vault_secret(secrets, args.get('vault_id'), C.DEFAULT_VAULT_ENCRYPT_IDENTITY)
        vault = VaultLib(secrets)

        if self._task.check_mode:
            current = read_current(path, vault)
            return self._result(path, vault_id, mode, current, desired, wrote=False)

        directory = os.path.dirname(path)
        try:
            make_private_directories(directory)
            with DirectoryLock(directory) as lock:
                # Decide under the lock: another run may just have written the same file.
                current = read_current(path, vault)
                result = self._result(path, vault_id, mode, current, desired, wrote=False)
                if not result['changed']:
                    return result
                remove_dead_temp_files(path)
                if current.exists and current.data == desired and current.vault_id == vault_id:
                    os.chmod(path, mode)
                else:
                    b_vaulttext = VaultLib().encrypt(to_bytes(plaintext, errors='surrogate_or_strict'),
                                                     secret, vault_id=vault_id)
                    write_atomically(path, b_vaulttext, mode, directory_fd=lock.fd)
                result['wrote'] = True
                return result
        except (IOError, OSError) as exc:
            raise AnsibleActionFail('Cannot write %s: %s' % (path, exc.strerror or to_native(exc)))

    def _absolute_path(self, path):
        """Relative paths are relative to the playbook directory, as for vars_files."""
        if not os.path.isabs(path):
            path = os.path.join(self._loader.get_basedir(), path)
        # Write through a symlink to its target, instead of replacing the link.
        return os.path.realpath(path)

    def _vault_secrets(self):
        # A list of (vault id, VaultSecret), the same attribute in ansible-core 2.16 to 2.21.
        return list(getattr(self._loader._vault, 'secrets', None) or [])

    def _result(self, path, vault_id, mode, current, desired, wrote):
        names = changed_variable_names(current.data, desired) if current.exists else sorted(desired)
        changed = (not current.exists or bool(names) or current.vault_id != vault_id or current.mode != mode)
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
