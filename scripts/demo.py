# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo (scripts/demo runs it in nox's demo session): the IoTS emulator on 127.0.0.1 with its
own CA, then playbooks/bootstrap.yml (register, keep the keys in a vault file) and
playbooks/provision.yml (enrol devices with one cached bearer token) against it, with a throwaway
vault password, and a summary. Everything it writes is in a temporary folder, removed at the end.

    demo.py [--keep] [ANSIBLE-PLAYBOOK-ARGS...]
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
from iots_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


def main(args):
    keep = '--keep' in args
    playbook_args = [arg for arg in args if arg != '--keep']
    work = tempfile.mkdtemp(prefix='wso2-iots-demo.')
    collections = os.path.join(REPO, '.build', 'collections')
    link = os.path.join(collections, 'ansible_collections', 'wso2', 'iots')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections,
        ANSIBLE_HOME=os.path.join(work, 'ansible-home'),
        ANSIBLE_LOCAL_TEMP=os.path.join(work, 'ansible-tmp'),
        ANSIBLE_RETRY_FILES_ENABLED='0',
    )
    vault_password = os.path.join(work, 'vault-password')
    with os.fdopen(os.open(vault_password, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
        handle.write(secrets.token_urlsafe(32) + '\n')
    credentials = os.path.join(work, 'iots_credentials.yml')
    status = 0
    with Emulator(port=0, state_dir=os.path.join(work, 'emulator')) as emulator:
        print('IoTS emulator on %s (CA certificate %s)' % (emulator.url, emulator.ca_path), flush=True)
        for name in ('bootstrap', 'provision', 'configure'):
            print('\n==== ansible-playbook playbooks/%s.yml' % name, flush=True)
            command = [
                'ansible-playbook',
                '-i',
                'inventory/localhost.yml',
                'playbooks/%s.yml' % name,
                '-e',
                'iots_url=%s' % emulator.url,
                '-e',
                'iots_ca_path=%s' % emulator.ca_path,
                '-e',
                'iots_credentials_file=%s' % credentials,
                '--vault-password-file',
                vault_password,
            ]
            if subprocess.run(command + playbook_args, cwd=REPO, env=env, stdin=subprocess.DEVNULL, check=False).returncode:
                status = 1
                break
        devices = ['%s/%s' % (device['type'], device['deviceIdentifier']) for device in emulator.devices()]
        token_requests = emulator.counts()['token']
    print('\n==== summary\nemulator:         %s\ntoken requests:   %d\ndevices enrolled: %s' % (emulator.url, token_requests, ', '.join(devices) or 'none'))
    if os.path.exists(credentials):
        with open(credentials) as handle:
            print('credentials file: %s, first line %s' % (credentials, handle.readline().strip()))
    if keep:
        print('kept %s' % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print('scripts/demo: %s' % ('FAILED (see the output above)' if status else 'done'))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
