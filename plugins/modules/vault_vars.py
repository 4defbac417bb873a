# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin plugins/action/vault_vars.py does all the work on the controller.

DOCUMENTATION = r'''
---
module: vault_vars
short_description: Write a vars file encrypted with the vault secret of the running playbook
version_added: 1.0.0
description:
  - Writes O(data) as a YAML vars file encrypted with Ansible Vault, on the controller, so a later
    play can load it with C(vars_files) or M(ansible.builtin.include_vars).
  - Encrypts with a vault secret the playbook already has, however it was given
    (C(--vault-id), a password file, a prompt, a client script, an AWX/AAP Vault credential).
    The password itself is never needed as a variable.
  - Idempotent. The existing file is decrypted and compared in plaintext; it is rewritten only
    when the data, the vault id or the mode differ. A rewrite uses a new random salt, so an
    unchanged file keeps its ciphertext (and its place in git) as it is.
  - The write is atomic (temporary file in the same directory, fsync, rename) and runs under an
    exclusive C(flock) on the directory, so parallel runs neither interleave nor leave a lock file.
  - Never overwrites a file it cannot decrypt, a file that is not vault-encrypted (except an
    empty one), or a vault file that does not hold a YAML mapping; the task fails and the file
    stays as it is.
  - The results never contain the data, only key names. The diff shows key names with
    C(<unchanged>), C(<old value hidden>) or C(<new value hidden>).
options:
  path:
    description:
      - The vars file to write, on the controller.
      - A relative path is relative to the playbook directory, as for C(vars_files).
      - A symlink is followed and its target is written.
      - Missing parent directories are created with mode C(0700).
    type: path
    required: true
  data:
    description:
      - The variables to store. The file holds exactly these keys; keys that are in the file but
        not in O(data) are removed.
      - Keys must be valid variable names. Values may be strings, numbers, booleans, null, lists
        and dicts.
    type: dict
    required: true
  vault_id:
    description:
      - Vault id to encrypt with, for example C(iots); it must be one of the loaded vault ids.
      - When not set, the configured encrypt identity (E(ANSIBLE_VAULT_ENCRYPT_IDENTITY), C(vault_encrypt_identity)
        in C(ansible.cfg)) is used, then the only loaded vault id.
      - When several vault ids are loaded and none is chosen, the task fails.
      - A file encrypted with another vault id is re-encrypted with this one (reported as changed).
    type: str
  mode:
    description:
      - Permissions of the file, as an octal number.
      - A file with other permissions is changed to these (without rewriting it when the content is the same).
    type: raw
    default: '0600'
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - action_common_attributes.files
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Decrypts and compares the existing file, reports whether it would change, and writes nothing.
  diff_mode:
    support: full
    details: Shows key names only, never a value. C(no_log) on the task hides the diff as well.
  platform:
    support: full
    platforms: posix
    details: Runs on the controller, whatever the host of the task is; no connection to the host is made.
  safe_file_operations:
    support: full
  vault:
    support: full
    details: Decrypts the existing file with the vault secrets of the run, to compare it; it is the only file read.
notes:
  - Use C(run_once) when the task runs for many hosts; every host would otherwise write the same file.
  - Without a loaded vault secret the task fails; it never writes plaintext.
  - To read the file back, give the playbook that reads it the same vault secret.
  - In AWX/AAP, a file written into a job's project checkout is lost when the job ends; feed the
    values through a custom credential type instead (see the collection's C(docs/awx)).
seealso:
  - name: Ansible Vault
    description: Encrypting content with Ansible Vault.
    link: https://docs.ansible.com/ansible/latest/vault_guide/index.html
  - module: ansible.builtin.include_vars
author:
  - wso2.iots contributors (@wso2-iots)
'''

EXAMPLES = r'''
- name: Store the IoTS client credentials, encrypted with the vault id "iots"
  wso2.iots.vault_vars:
    path: "{{ playbook_dir }}/group_vars/all/iots_credentials.yml"
    data:
      iots_url: "{{ iots_url }}"
      iots_client_id: "{{ registration.client_id }}"
      iots_client_secret: "{{ registration.client_secret }}"
    vault_id: iots
  run_once: true

- name: Use whatever single vault secret the run has (for example --vault-password-file)
  wso2.iots.vault_vars:
    path: secrets/app.yml
    data:
      app_token: "{{ new_token }}"
  run_once: true
'''

RETURN = r'''
path:
  description: The absolute path of the file (after following a symlink).
  returned: always
  type: str
  sample: /srv/ansible/group_vars/all/iots_credentials.yml
vault_id:
  description: The vault id the file is (or, in check mode, would be) encrypted with.
  returned: always
  type: str
  sample: iots
mode:
  description: The permissions of the file, octal.
  returned: always
  type: str
  sample: '0600'
variables:
  description: The names of the variables in the file, sorted. Never their values.
  returned: always
  type: list
  elements: str
  sample: [iots_client_id, iots_client_secret, iots_url]
changed_variables:
  description: The names of the variables that were (or would be) added, removed or given another value.
  returned: always
  type: list
  elements: str
  sample: [iots_client_secret]
wrote:
  description: Whether the file was written or its mode changed on disk. Always V(false) in check mode.
  returned: always
  type: bool
  sample: true
'''
