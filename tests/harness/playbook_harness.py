# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the integration and reliability suites share: the emulator fixtures, and real
ansible-playbook runs against the working tree as wso2.iots in an environment of their own.

tests/conftest.py puts this folder on sys.path.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from iots_emulator import Emulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
# The test-only actions that reset the emulator, arm its faults and read its counts from a play
# (emulator_control, run_case), and the emulator's package, whose client they use.
CONTROL_ACTIONS = os.path.join(REPO, 'tests', 'reliability', 'playbooks', 'action_plugins')
EMULATOR_PACKAGE_DIR = os.path.join(REPO, 'tests', 'emulator')
BIN = os.path.dirname(sys.executable)
ANSIBLE_PLAYBOOK = os.path.join(BIN, 'ansible-playbook')


# ---------------------------------------------------------------------------- the emulator


def emulator_fixtures(scope='session', **options):
    """The fixtures ``emulator`` (one per ``scope``, Emulator(**options)) and ``emu`` (the same one
    with counters and faults cleared, IoTS 3.2.0, one-hour tokens; applications and tokens are kept).

    In a conftest.py: ``emulator, emu = emulator_fixtures(users=USERS)``; a test module can
    override them with its own (``scope='module'``).
    """

    @pytest.fixture(scope=scope)
    def emulator(tmp_path_factory):
        server = Emulator(port=0, state_dir=str(tmp_path_factory.mktemp('emulator')), **options).start()
        yield server
        server.stop()

    @pytest.fixture
    def emu(emulator):
        emulator.reset()
        emulator.configure(version='3.2.0', token_validity=3600)
        yield emulator
        emulator.clear_faults()

    return emulator, emu


# ---------------------------------------------------------------------------- ansible-playbook


def control_environment():
    """The environment of a playbook that uses those actions, wherever it lives."""
    return {'ANSIBLE_ACTION_PLUGINS': CONTROL_ACTIONS, 'PYTHONPATH': EMULATOR_PACKAGE_DIR}


class PlaybookResult(object):
    def __init__(self, args, completed, seconds):
        self.args = args
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr
        self.seconds = seconds

    def __repr__(self):
        return 'PlaybookResult(rc=%s, %.1f s)\n%s' % (self.rc, self.seconds, self.output[-6000:])

    def shows(self, text):
        """Whether the output holds ``text``, also when wrapped: ansible-core <= 2.18 wraps
        warnings at 79 columns when stdout is not a terminal, breaking at spaces and hyphens."""
        return re.sub(r'\s+', '', text) in re.sub(r'\s+', '', self.output)


def register_application(emulator, name, tags=('device_management',)):
    """Register an API application with the emulator as admin, straight over HTTP; its client_id and client_secret."""
    import requests

    answer = requests.post(
        emulator.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': name, 'tags': list(tags)},
        verify=emulator.ca_path,
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()


def ansible_environment(ansible_home, local_temp, extra=None):
    """os.environ without ANSIBLE_*, IOTS_* and CA-bundle variables, plus the settings every run
    needs: the working tree as wso2.iots, its own ANSIBLE_HOME and local temp dir, no colour."""
    env = dict(
        (key, value)
        for key, value in os.environ.items()
        if not key.startswith(('ANSIBLE_', 'IOTS_')) and key not in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR')
    )
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_HOME': str(ansible_home),
            'ANSIBLE_LOCAL_TEMP': str(local_temp),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_HOST_KEY_CHECKING': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'PATH': BIN + os.pathsep + os.environ.get('PATH', ''),
        }
    )
    env.update(extra or {})
    return env


def write_inventory(path, hosts=1):
    """An inventory of ``hosts`` local hosts (group iots_hosts), all on the controller."""
    lines = ['[iots_hosts]'] + ['host%04d ansible_connection=local' % i for i in range(hosts)]
    lines += ['', '[all:vars]', 'ansible_python_interpreter=%s' % sys.executable]
    with open(str(path), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return str(path)


def run_ansible_playbook(playbook, inventory, env, variables=None, vars_file=None, check=False, diff=False, verbosity=0, forks=None, args=(), timeout=600):
    """ansible-playbook from the playbook's folder, with ``variables`` as extra vars (written to
    ``vars_file``, never to the command line: they may hold passwords)."""
    cmd = [ANSIBLE_PLAYBOOK, '-i', inventory, playbook]
    if variables is not None:
        with open(str(vars_file), 'w') as handle:
            json.dump(variables, handle)
        cmd += ['-e', '@%s' % vars_file]
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
    completed = subprocess.run(
        cmd, env=env, cwd=os.path.dirname(playbook), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
    )
    return PlaybookResult(cmd, completed, time.monotonic() - started)


def unwrap_unsafe(value):
    """ansible-inventory's JSON with {"__ansible_unsafe": text} (a string not trusted as a template) as text."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, unwrap_unsafe(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap_unsafe(item) for item in value]
    return value


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
