# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the reliability tests share: the users, the secret scanner, file hashes, ansible-playbook runs
(on top of tests/harness/playbook_harness.py, which the integration suite uses too).

Imported by conftest.py and the test modules (pytest puts this directory on sys.path).
"""

import base64
import collections
import hashlib
import json
import os
import secrets
import socket
from urllib.parse import quote_plus

from playbook_harness import EMULATOR_PACKAGE_DIR, ansible_environment, run_ansible_playbook, write_inventory

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')

# Passwords nobody would type, with characters that change under URL and Base64 encoding, so a
# leak can never hide behind a user name or an encoding.
ADMIN_PASSWORD = 'Adm+' + secrets.token_urlsafe(30) + '/='
OPERATOR_PASSWORD = 'Op3r+' + secrets.token_urlsafe(30) + '/='
GUEST_PASSWORD = 'Gu3st+' + secrets.token_urlsafe(30) + '/='
VAULT_PASSWORD = 'Va+' + secrets.token_urlsafe(30)
# Passwords of a user iots_user manages: IoTS takes 5 to 30 characters without blanks.
MANAGED_USER_PASSWORD = 'Us+' + secrets.token_urlsafe(18)
MANAGED_USER_NEW_PASSWORD = 'Nu+' + secrets.token_urlsafe(18)
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

    answer = requests.post(
        emulator.url + REGISTER_PATH,
        auth=(username, password),
        timeout=10,
        json={'applicationName': name, 'tags': ['device_management']},
        verify=emulator.ca_path,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json(), application_name=name)


def password_grant(emulator, app, scopes=('perm:devices:view',), username='admin', password=ADMIN_PASSWORD):
    import requests

    answer = requests.post(
        emulator.url + '/token',
        auth=(app['client_id'], app['client_secret']),
        timeout=10,
        data={'grant_type': 'password', 'username': username, 'password': password, 'scope': ' '.join(scopes)},
        verify=emulator.ca_path,
    )
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
        found = {
            ADMIN_PASSWORD: 'admin password',
            OPERATOR_PASSWORD: 'operator password',
            GUEST_PASSWORD: 'guest password',
            VAULT_PASSWORD: 'vault password',
            MANAGED_USER_PASSWORD: 'managed user password',
            MANAGED_USER_NEW_PASSWORD: 'managed user new password',
        }
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
                    if row.access.count('.') == 2:
                        # A JWT (Entgra): its signature alone still marks a leak that was cut or wrapped.
                        found[row.access.rsplit('.', 1)[1]] = 'access token (JWT signature)'
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


def run_case_outcomes(items):
    """{case id: {'id', 'result', 'counts'}} from the registered items of a looped run_case task (each the
    module's result with the emulator's counts of that case added). An item without counts is a case whose
    emulator control failed (ignore_errors kept the loop going): that fails the test, naming the case."""
    outcomes = {}
    for item in items:
        if 'counts' not in item:
            raise AssertionError('case %s: run_case could not reset, arm or count the emulator: %s' % (item.get('case_id'), item.get('msg')))
        result = dict((k, v) for k, v in item.items() if k not in ('case_id', 'counts', 'ansible_loop_var', '_ansible_item_label'))
        outcomes[item['case_id']] = {'id': item['case_id'], 'result': result, 'counts': item['counts']}
    return outcomes


def total(hits):
    return sum(hits.values())


# ---------------------------------------------------------------------------- ansible-playbook


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
        env = ansible_environment(
            self.ansible_home,
            self.local_temp,
            {
                'HOME': self.home,
                'XDG_CACHE_HOME': os.path.join(self.home, '.cache'),
                # modules run on the controller (ansible_connection=local): their temp files land here
                'ANSIBLE_REMOTE_TMP': self.remote_temp,
                # for the emulator_control action plugin next to the playbooks
                'PYTHONPATH': EMULATOR_PACKAGE_DIR,
                # internal_poll_interval: the main process polls its workers every 10 ms, not every 1 ms
                'ANSIBLE_CONFIG': os.path.join(HERE, 'ansible.cfg'),
            },
        )
        env.update(extra or {})
        return env

    def run(self, playbook, extra_vars=None, env=None, hosts=1, **options):
        path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)
        variables = {'emulator_url': self.emulator.url, 'emulator_ca_path': self.emulator.ca_path, 'capture_dir': self.captures}
        variables.update(extra_vars or {})
        number = len(self.results)
        inventory = write_inventory(os.path.join(self.workdir, 'inventory-%d.ini' % hosts), hosts)
        result = run_ansible_playbook(
            path, inventory, self.environment(env), variables=variables, vars_file=os.path.join(self.workdir, 'extra-vars-%d.json' % number), **options
        )
        with open(os.path.join(self.workdir, 'run-%d.log' % number), 'w') as handle:
            handle.write(result.output)
        self.results.append(result)
        return result

    def outcomes(self, name):
        """What a playbook wrote to the capture dir with its final ``copy`` task."""
        with open(os.path.join(self.captures, name)) as handle:
            return json.load(handle)


# ---------------------------------------------------------------------------- the summary table


def row_result(row):
    """A category's verdict: pass only when its tests passed and every case tried survived with no
    secret found; a category that tallied nothing did not run."""
    if row is None or row['tried'] == 0:
        return 'not run'
    passed = not row['failed'] and row['survived'] == row['tried'] and row['secrets'] == 0
    return 'pass' if passed else 'FAIL'


def required(categories, args, suite_dir, narrowed):
    """Every category is required when the whole suite runs (no -k, -m, --deselect or narrower path)."""
    whole = bool(args) and all(os.path.abspath(arg) == suite_dir for arg in args) and not narrowed
    return tuple(categories) if whole else ()
