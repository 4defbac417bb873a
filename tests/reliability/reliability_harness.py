# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the reliability tests share: the users, the secret scanner, file hashes, ansible-playbook runs.

Imported by conftest.py and the test modules (pytest puts this directory on sys.path).
"""

import base64
import collections
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from urllib.parse import quote_plus

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
EMULATOR_PACKAGE_DIR = os.path.join(REPO, 'tests', 'emulator')
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
BIN = os.path.dirname(sys.executable)

# Passwords nobody would type, with characters that change under URL and Base64 encoding, so a
# leak can never hide behind a user name or an encoding.
ADMIN_PASSWORD = 'Adm+' + secrets.token_urlsafe(30) + '/='
OPERATOR_PASSWORD = 'Op3r+' + secrets.token_urlsafe(30) + '/='
GUEST_PASSWORD = 'Gu3st+' + secrets.token_urlsafe(30) + '/='
VAULT_PASSWORD = 'Va+' + secrets.token_urlsafe(30)
OPERATOR_SCOPES = ['perm:device-types:types', 'perm:devices:details', 'perm:devices:view']
USERS = {
    'admin': {'password': ADMIN_PASSWORD, 'admin': True, 'subscribe': True, 'scopes': '*'},
    'operator': {'password': OPERATOR_PASSWORD, 'subscribe': True, 'scopes': OPERATOR_SCOPES},
    'guest': {'password': GUEST_PASSWORD, 'subscribe': False, 'scopes': []},
}
REGISTER_PATH = '/api-application-registration/register'


def closed_port():
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------- the server, directly

def register_app(emulator, name, username='admin', password=ADMIN_PASSWORD):
    """Register ``name`` with requests (not the collection) and return its keys and name."""
    import requests
    answer = requests.post(emulator.url + REGISTER_PATH, auth=(username, password), timeout=10,
                           json={'applicationName': name, 'tags': ['device_management']}, verify=emulator.ca_path)
    assert answer.status_code == 201, answer.text
    return dict(answer.json(), application_name=name)


def password_grant(emulator, app, scopes=('perm:devices:view',), username='admin', password=ADMIN_PASSWORD):
    import requests
    answer = requests.post(emulator.url + '/token', auth=(app['client_id'], app['client_secret']), timeout=10,
                           data={'grant_type': 'password', 'username': username, 'password': password,
                                 'scope': ' '.join(scopes)}, verify=emulator.ca_path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def write_vault_file(path, data, vault_id='iots', password=VAULT_PASSWORD):
    """A vars file as wso2.iots.vault_vars writes it, encrypted with ``password``."""
    import yaml
    from ansible.parsing.vault import VaultLib, VaultSecret
    secret = VaultSecret(password.encode('utf-8'))
    text = yaml.safe_dump(data, default_flow_style=False, explicit_start=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(VaultLib([(vault_id, secret)]).encrypt(text.encode('utf-8'), secret, vault_id=vault_id))
    os.chmod(path, 0o600)


def read_vault_file(path, password=VAULT_PASSWORD):
    import yaml
    from ansible.parsing.vault import VaultLib, VaultSecret
    with open(path, 'rb') as handle:
        return yaml.safe_load(VaultLib([('any', VaultSecret(password.encode('utf-8')))]).decrypt(handle.read()))


# ---------------------------------------------------------------------------- files

def files_under(paths, exclude=()):
    """Every regular file under ``paths`` (files or directories), except below ``exclude``."""
    exclude = [os.path.abspath(p) for p in exclude]
    for top in paths:
        if not os.path.exists(top):
            continue
        if os.path.isfile(top):
            yield top
            continue
        for directory, subdirs, names in os.walk(top):
            subdirs[:] = [d for d in subdirs if os.path.join(directory, d) not in exclude]
            for name in names:
                path = os.path.join(directory, name)
                if path not in exclude and os.path.isfile(path) and not os.path.islink(path):
                    yield path


def file_hashes(*paths):
    """{path: sha256} of every file under ``paths``: equal before and after means nothing changed."""
    hashes = {}
    for path in files_under(paths):
        with open(path, 'rb') as handle:
            hashes[path] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


# ---------------------------------------------------------------------------- secrets

class KnownSecrets(object):
    """Every secret of the session: user and vault passwords, and all the emulator ever issued.

    Read from the emulator's own records at the moment of the scan, so every client secret,
    access token and refresh token it handed out is included, whichever task got it. Each is
    also searched in the encodings a careless client would print it in: URL encoding (form
    bodies) and the Base64 of an HTTP Basic header.
    """

    def __init__(self, *emulators):
        self.emulators = list(emulators)
        self.extra = {}

    def add(self, value, label):
        self.extra[value] = label

    def values(self):
        """{secret text: label}."""
        found = {ADMIN_PASSWORD: 'admin password', OPERATOR_PASSWORD: 'operator password',
                 GUEST_PASSWORD: 'guest password', VAULT_PASSWORD: 'vault password'}
        for user, spec in USERS.items():
            basic = base64.b64encode(('%s:%s' % (user, spec['password'])).encode()).decode()
            found[basic] = 'Basic header of %s' % user
        for emulator in self.emulators:
            state = emulator.state
            with state.lock:
                for app in state.apps.values():
                    found[app.client_secret] = 'client secret'
                    basic = base64.b64encode(('%s:%s' % (app.client_id, app.client_secret)).encode()).decode()
                    found[basic] = 'Basic header of a client'
                for row in state.tokens_by_access.values():
                    found[row.access] = 'access token'
                    found[row.refresh] = 'refresh token'
        found.update(self.extra)
        for value, label in list(found.items()):
            encoded = quote_plus(value)
            if encoded != value:
                found[encoded] = label + ' (URL-encoded)'
        return found

    def count(self, texts=(), paths=(), exclude=()):
        """{where: occurrences} of any secret in ``texts`` and in the files under ``paths``."""
        known = self.values()
        hits = collections.Counter()
        for index, text in enumerate(texts):
            for value, label in known.items():
                found = text.count(value)
                if found:
                    hits['%s in output %d' % (label, index)] += found
        for path in files_under(paths, exclude):
            try:
                with open(path, 'rb') as handle:
                    data = handle.read()
            except OSError:
                continue
            for value, label in known.items():
                found = data.count(value.encode('utf-8'))
                if found:
                    hits['%s in %s' % (label, path)] += found
        return dict(hits)


def total(hits):
    return sum(hits.values())


# ---------------------------------------------------------------------------- ansible-playbook

class PlaybookResult(object):
    def __init__(self, args, completed, seconds):
        self.args = args
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.seconds = seconds

    def __repr__(self):
        return 'PlaybookResult(rc=%s, %.1f s)\n%s' % (self.rc, self.seconds, self.output[-6000:])

    def shows(self, text):
        """Whether the output holds ``text``, also when wrapped: ansible-core <= 2.18 wraps
        warnings at 79 columns when stdout is not a terminal, breaking at spaces and hyphens."""
        return re.sub(r'\s+', '', text) in re.sub(r'\s+', '', self.output)


class PlaybookRunner(object):
    """ansible-playbook in an environment of its own; keeps every output for the leak scan.

    HOME, ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP and ANSIBLE_REMOTE_TMP are private to the test, so
    whatever a run leaves on disk (module temp files, per-run caches, ~/.cache) is where
    ``scanned_dirs`` says.
    Playbooks write their registered outcomes into ``captures`` (excluded from the scan: it
    holds the values on purpose).
    """

    def __init__(self, emulator, workdir):
        self.emulator = emulator
        self.workdir = workdir
        self.home = os.path.join(workdir, 'home')
        self.ansible_home = os.path.join(workdir, 'ansible-home')
        self.local_temp = os.path.join(workdir, 'ansible-tmp')
        self.remote_temp = os.path.join(workdir, 'remote-tmp')
        self.captures = os.path.join(workdir, 'captures')
        for path in (self.home, self.ansible_home, self.local_temp, self.remote_temp, self.captures):
            os.makedirs(path, exist_ok=True)
        self.results = []

    @property
    def scanned_dirs(self):
        return [self.home, self.ansible_home, self.local_temp, self.remote_temp]

    @property
    def outputs(self):
        return [result.output for result in self.results]

    def environment(self, extra=None):
        env = dict((k, v) for k, v in os.environ.items()
                   if not k.startswith(('ANSIBLE_', 'IOTS_'))
                   and k not in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'))
        env.update({
            'HOME': self.home,
            'XDG_CACHE_HOME': os.path.join(self.home, '.cache'),
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_HOME': self.ansible_home,
            'ANSIBLE_LOCAL_TEMP': self.local_temp,
            # modules run on the controller (ansible_connection=local): their temp files land here
            'ANSIBLE_REMOTE_TMP': self.remote_temp,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_HOST_KEY_CHECKING': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            # for the emulator_control action plugin next to the playbooks
            'PYTHONPATH': EMULATOR_PACKAGE_DIR,
            'PATH': BIN + os.pathsep + os.environ.get('PATH', ''),
        })
        env.update(extra or {})
        return env

    def inventory(self, hosts):
        path = os.path.join(self.workdir, 'inventory-%d.ini' % hosts)
        lines = ['[iots_hosts]'] + ['host%04d ansible_connection=local' % i for i in range(hosts)]
        lines += ['', '[all:vars]', 'ansible_python_interpreter=%s' % sys.executable]
        with open(path, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        return path

    def run(self, playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, args=(),
            hosts=1, forks=None, timeout=600):
        path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)
        variables = {'emulator_url': self.emulator.url, 'emulator_ca_path': self.emulator.ca_path,
                     'capture_dir': self.captures}
        variables.update(extra_vars or {})
        vars_file = os.path.join(self.workdir, 'extra-vars-%d.json' % len(self.results))
        with open(vars_file, 'w') as handle:
            json.dump(variables, handle)
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', self.inventory(hosts), path, '-e', '@' + vars_file]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        if forks:
            cmd += ['--forks', str(forks)]
        cmd += list(args)
        started = time.monotonic()
        completed = subprocess.run(cmd, env=self.environment(env), cwd=os.path.dirname(path), capture_output=True,
                                   text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        result = PlaybookResult(cmd, completed, time.monotonic() - started)
        with open(os.path.join(self.workdir, 'run-%d.log' % len(self.results)), 'w') as handle:
            handle.write(result.output)
        self.results.append(result)
        return result

    def outcomes(self, name):
        """What a playbook wrote to the capture dir with its final ``copy`` task."""
        with open(os.path.join(self.captures, name)) as handle:
            return json.load(handle)


def play_recap(output):
    """PLAY RECAP totals summed over hosts: {'ok': n, 'changed': n, 'failed': n, ...}."""
    totals = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith('PLAY RECAP'):
            in_recap = True
            continue
        if in_recap and ':' in line and '=' in line:
            for field in line.split(':', 1)[1].split():
                key, dummy, value = field.partition('=')
                if value.isdigit():
                    totals[key] = totals.get(key, 0) + int(value)
    return totals
