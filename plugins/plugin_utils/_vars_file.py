# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The vault-encrypted vars file of the vault_vars action: its content, what is on disk, what changes.

Task data becomes plain YAML (render_yaml), the file on disk is read and decrypted
(read_current), and the two are compared by key names only (changed_variable_names,
key_names_diff), so no value ever reaches a diff or a message.
"""

import errno
import keyword
import os
import stat
from collections.abc import Mapping

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.parsing.vault import is_encrypted, parse_vaulttext_envelope

from ansible_collections.wso2.iots.plugins.plugin_utils._vault_secrets import loaded_vault_ids

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
                raise AnsibleActionFail('%s has a key of type %s; vars file keys must be strings.' % (where, type(key).__name__))
            copy[_plain_str(key)] = plain_data(item, '%s.%s' % (where, key))
        return copy
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_data(item, '%s[%d]' % (where, index)) for index, item in enumerate(value)]
    raise AnsibleActionFail('%s is a %s, which a YAML vars file cannot hold; use strings, numbers, booleans, lists and dicts.' % (where, type(value).__name__))


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
        return FILE_HEADER + yaml.safe_dump(data, default_flow_style=False, sort_keys=True, allow_unicode=True, explicit_start=True, width=1000)
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
    return sorted(key for key in set(current) | set(desired) if key not in current or key not in desired or current[key] != desired[key])


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


# ---------------------------------------------------------------------------- file access


class CurrentFile(object):
    """What is on disk now: absent, or decrypted data with its vault id and mode."""

    def __init__(self, exists=False, data=None, vault_id=None, mode=None):
        self.exists = exists
        self.data = data if data is not None else {}
        self.vault_id = vault_id
        self.mode = mode


def read_current(path, vault):
    """Read ``path`` and decrypt it with ``vault`` (a VaultCodec); refuse (raise) what we must not overwrite."""
    try:
        with open(path, 'rb') as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise AnsibleActionFail('%s exists and is not a regular file; refusing to replace it.' % path)
            b_content = handle.read()
    except OSError as exc:
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
            'data, or secrets in plaintext). Move it away, or encrypt it with ansible-vault encrypt.' % path
        )
    header_id = _header_vault_id(b_content)
    try:
        b_plaintext, used_id = vault.decrypt_with_vault_id(b_content)
    except AnsibleError as exc:
        loaded = ', '.join(loaded_vault_ids(vault.secrets)) or 'none'
        raise AnsibleActionFail(
            'Cannot decrypt %s with the loaded vault secrets (vault ids: %s; the file says %s): %s '
            'The file is left untouched. Run with the vault secret it was encrypted with, or move it away.' % (path, loaded, header_id, _first_line(exc))
        )
    try:
        data = yaml.safe_load(to_text(b_plaintext, errors='surrogate_or_strict'))
    except yaml.YAMLError as exc:
        raise AnsibleActionFail(
            '%s decrypts, but is not plain YAML (%s); refusing to overwrite it.' % (path, _first_line(getattr(exc, 'problem', None) or exc))
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AnsibleActionFail('%s decrypts, but holds a %s, not a mapping of variables; refusing to overwrite it.' % (path, type(data).__name__))
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
