# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The run's vault secrets: where they are, which one encrypts, and encrypting and decrypting with them.

The token cache and the vault_vars action choose the secret the same way, so a vars file and
a cache entry written in one run are encrypted with the same vault id.
"""

VAULT_HEADER = b'$ANSIBLE_VAULT'
ENCRYPT_IDENTITY_SETTING = 'the configured vault encrypt identity (ANSIBLE_VAULT_ENCRYPT_IDENTITY)'


class NoVaultSecret(Exception):
    """No loaded secret may be used to encrypt; the message says why, for the user."""

    def __init__(self, message, loaded_ids=(), wanted_id=None):
        super(NoVaultSecret, self).__init__(message)
        self.loaded_ids = list(loaded_ids)
        self.wanted_id = wanted_id


def loader_vault_secrets(loader):
    """The (vault id, VaultSecret) pairs of the run, as the loader holds them (ansible-core 2.16 to 2.21).

    DataLoader has no public getter for them; ``loader._vault.secrets`` has been the same since
    2.4, and this is the one place that reads it. No secret loaded (or another layout): an empty list.
    """
    vault = getattr(loader, '_vault', None)
    return [(vault_id, secret) for vault_id, secret in (getattr(vault, 'secrets', None) or []) if secret is not None]


def loaded_vault_ids(secrets):
    """The distinct vault ids of the loaded secrets, in load order."""
    ids = []
    for vault_id, dummy in secrets or []:
        if vault_id not in ids:
            ids.append(vault_id)
    return ids


def choose_vault_secret(secrets, wanted_id=None, configured_id=None, option='vault_id'):
    """(vault id, secret) to encrypt with; raises NoVaultSecret.

    The option (``option`` names it in messages) wins, then the configured encrypt identity
    (C.DEFAULT_VAULT_ENCRYPT_IDENTITY), then the only loaded id; the first secret of an id
    loaded twice is used. A named id that is not loaded, or several ids and no choice, is
    refused: guessing could lock the data to a password the next run does not have.
    """
    ids = loaded_vault_ids(secrets)
    if not ids:
        raise NoVaultSecret('no vault secret is loaded')
    if wanted_id:
        wanted, source = wanted_id, option
    elif configured_id:
        wanted, source = configured_id, ENCRYPT_IDENTITY_SETTING
    elif len(ids) == 1:
        wanted, source = ids[0], None
    else:
        raise NoVaultSecret(
            '%d vault ids are loaded (%s) and none is chosen to encrypt with; set %s or '
            'ANSIBLE_VAULT_ENCRYPT_IDENTITY to one of them' % (len(ids), ', '.join(ids), option),
            ids,
        )
    for vault_id, secret in secrets:
        if vault_id == wanted:
            return vault_id, secret
    raise NoVaultSecret('%s is %r, but the loaded vault ids are: %s' % (source, wanted, ', '.join(ids)), ids, wanted)


def is_vault_data(data):
    return data.startswith(VAULT_HEADER)


class VaultCodec(object):
    """Decrypts with any loaded vault secret; encrypts with the chosen (vault id, secret), if any."""

    def __init__(self, secrets, encrypt_with=None):
        self.secrets = list(secrets or [])
        self.encrypt_with = encrypt_with

    @property
    def can_encrypt(self):
        return self.encrypt_with is not None

    def encrypt(self, plaintext):
        from ansible.parsing.vault import VaultLib

        vault_id, secret = self.encrypt_with
        return VaultLib().encrypt(plaintext, secret, vault_id=vault_id)

    def decrypt(self, data):
        return self.decrypt_with_vault_id(data)[0]

    def decrypt_with_vault_id(self, data):
        """(plaintext, id of the secret that decrypted it); raises AnsibleError when none does."""
        from ansible.parsing.vault import VaultLib

        plaintext, vault_id, dummy = VaultLib(self.secrets).decrypt_and_get_vault_id(data)
        return plaintext, vault_id
