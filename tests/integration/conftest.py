"""Integration harness: one emulator per session, and real ansible-playbook runs against it.

Playbooks live under tests/integration/targets/<target>/. Each run gets its own ANSIBLE_HOME,
local temp dir and inventory, so runs never share a token cache unless a test asks for it.
"""
import json
import re
import os
import subprocess
import sys
import textwrap

import pytest

from iots_emulator import Emulator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGETS = os.path.join(HERE, 'targets')
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.integration


@pytest.fixture(scope='session')
def emulator(tmp_path_factory):
    emu = Emulator(port=0, state_dir=str(tmp_path_factory.mktemp('emulator'))).start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    """The session emulator with counters and faults cleared (apps and tokens are kept)."""
    emulator.reset()
    emulator.configure(version='3.2.0', token_validity=3600)
    yield emulator
    emulator.clear_faults()


class PlaybookResult(object):
    def __init__(self, args, completed):
        self.args = args
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr

    def __repr__(self):
        return 'PlaybookResult(rc=%s)\n%s' % (self.rc, self.output[-4000:])

    def shows(self, text):
        """Whether the output holds ``text``, also when wrapped: ansible-core <= 2.18 wraps
        warnings at 79 columns when stdout is not a terminal, breaking at spaces and hyphens."""
        return re.sub(r'\s+', '', text) in re.sub(r'\s+', '', self.output)


def target_path(*parts):
    return os.path.join(TARGETS, *parts)


@pytest.fixture
def ansible_env(emu, tmp_path):
    """Environment for ansible-playbook: the working tree as wso2.iots, isolated homes."""
    home = tmp_path / 'ansible-home'
    local_tmp = tmp_path / 'ansible-tmp'
    home.mkdir()
    local_tmp.mkdir()
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(('ANSIBLE_', 'IOTS_')):
            del env[key]
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_HOME': str(home),
        'ANSIBLE_LOCAL_TEMP': str(local_tmp),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_HOST_KEY_CHECKING': '0',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
    })
    return env


@pytest.fixture
def inventory(tmp_path):
    """An inventory of N local hosts (default 1), all on the controller."""
    def make(hosts=1):
        path = tmp_path / ('inventory-%d.ini' % hosts)
        lines = ['[iots_hosts]']
        lines += ['host%04d ansible_connection=local' % i for i in range(hosts)]
        lines += ['', '[all:vars]', 'ansible_python_interpreter=%s' % sys.executable]
        path.write_text('\n'.join(lines) + '\n')
        return str(path)
    return make


@pytest.fixture
def run_playbook(emu, ansible_env, inventory, tmp_path):
    """Run ansible-playbook on a target playbook with iots_url / iots_ca_path set.

    ``playbook`` is a path relative to tests/integration/targets/ or absolute.
    """
    def run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None,
            args=(), hosts=1, forks=None, timeout=600):
        path = playbook if os.path.isabs(playbook) else target_path(playbook)
        variables = {'iots_url': emu.url, 'iots_ca_path': emu.ca_path}
        variables.update(extra_vars or {})
        vars_file = tmp_path / 'extra_vars.yml'
        vars_file.write_text(json.dumps(variables))
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory(hosts), path,
               '-e', '@' + str(vars_file)]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        if forks:
            cmd += ['--forks', str(forks)]
        cmd += list(args)
        run_env = dict(ansible_env)
        run_env.update(env or {})
        completed = subprocess.run(cmd, env=run_env, cwd=os.path.dirname(path), capture_output=True,
                                   text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        return PlaybookResult(cmd, completed)
    return run


def play_recap(output):
    """Totals of the PLAY RECAP, summed over hosts: {'ok': n, 'changed': n, 'failed': n, ...}."""
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


def dedent(text):
    return textwrap.dedent(text).lstrip()


@pytest.fixture
def recap():
    """``recap(result.output)`` gives the PLAY RECAP totals."""
    return play_recap
