# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/provision.yml as AWX runs a job: through ansible-runner (the library AWX and AAP run
every job with) in process isolation (bubblewrap), with a credential of the custom type in
docs/awx/iots_credential_type.yml applied as AWX applies it, and an AWX Vault credential.

AWX renders each ``env`` injector with the credential's inputs (Jinja2), writes each ``file``
injector to a file of the job's private data dir and gives its path as ``tower.filename``, and
renders ``extra_vars`` injectors into the job's extra vars. A Vault credential with a vault id
puts ``--vault-id <id>@prompt`` on the command line and answers the prompt through ansible-runner's
``passwords``. The credentials themselves come from playbooks/bootstrap.yml, run outside AWX as
docs/awx/README.md says; the vault file stays in the "project", as the AWX guide allows.
"""

import base64
import json
import os
import shutil
import subprocess
import sys

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
import pytest
import yaml

from playbook_harness import REPO, ansible_environment, emulator_fixtures, run_ansible_playbook, write_inventory

ansible_runner = pytest.importorskip('ansible_runner')

CREDENTIAL_TYPE = os.path.join(REPO, 'docs', 'awx', 'iots_credential_type.yml')
VAULT_ID = 'iots'
VAULT_PASSWORD = 'awx-vault-password-7c1e0f'
# The job template's extra vars: provision.yml's uri tasks take the gateway and its CA from the
# credential, as the AWX guide shows (the vault file's iots_url is the workstation's).
JOB_EXTRA_VARS = {'iots_url': "{{ lookup('ansible.builtin.env', 'IOTS_URL') }}", 'iots_ca_path': "{{ lookup('ansible.builtin.env', 'IOTS_CA_PATH') }}"}

emulator, emu = emulator_fixtures()

# One ansible-runner job from the keyword arguments of ansible_runner.run, given as JSON on stdin.
RUN_JOB = 'import json, sys, ansible_runner; ansible_runner.run(**json.load(sys.stdin))'


class JobRecord(object):
    """What ansible-runner recorded of a finished job (artifacts/<ident>/): its status, rc, stdout
    and events, as ansible_runner.Runner gives them."""

    def __init__(self, artifacts):
        self.artifacts = artifacts
        self.status = (artifacts / 'status').read_text().strip()
        self.rc = int((artifacts / 'rc').read_text().strip())

    @property
    def stdout(self):
        return open(str(self.artifacts / 'stdout'))

    @property
    def events(self):
        files = sorted((self.artifacts / 'job_events').glob('*.json'), key=lambda path: int(path.name.split('-', 1)[0]))
        return [json.loads(path.read_text()) for path in files]


@pytest.fixture(autouse=True, scope='module')
def bubblewrap():
    if not shutil.which('bwrap'):
        pytest.fail(
            'bubblewrap (bwrap) is missing: ansible-runner needs it for process isolation, as AWX does. '
            'The awx session installs it with apt-get when run as root; else install the bubblewrap package.'
        )


def credential_type():
    with open(CREDENTIAL_TYPE) as stream:
        return yaml.safe_load(stream)


def apply_injectors(injectors, inputs, private_data_dir):
    """(env, extra_vars) as AWX builds them from a credential: every declared input is set (an
    empty field as ''), file injectors are written first so the others can name tower.filename."""
    sandbox = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    context = dict(inputs)
    files = {}
    for name, template in (injectors.get('file') or {}).items():
        path = os.path.join(private_data_dir, 'env', 'awx-credential-%s' % name.replace('template', 'file'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
            handle.write(sandbox.from_string(template).render(**context))
        files[name.split('.', 1)[1] if '.' in name else 'filename'] = path
    context['tower'] = context['awx'] = {'filename': files.get('filename')}
    context['tower'].update(files)
    env = dict((key, sandbox.from_string(value).render(**context)) for key, value in (injectors.get('env') or {}).items())
    extra_vars = dict((key, sandbox.from_string(value).render(**context)) for key, value in (injectors.get('extra_vars') or {}).items())
    return env, extra_vars


def secrets_of(emulator_state, *extra):
    """Every secret the emulator handed out or holds, in plain, URL and Basic-header forms."""
    found = set(extra)
    with emulator_state.lock:
        for app in emulator_state.apps.values():
            found.add(app.client_secret)
            found.add(base64.b64encode(('%s:%s' % (app.client_id, app.client_secret)).encode()).decode())
        for row in emulator_state.tokens_by_access.values():
            found.update((row.access, row.refresh))
    return sorted(value for value in found if value)


@pytest.fixture
def project(emu, tmp_path):
    emu.reset(state=True)  # no application, token or device of an earlier test
    """The AWX project, where AWX checks it out (<private data dir>/project): playbooks/, plus the
    vault file that bootstrap.yml wrote outside AWX (encrypted with the AWX Vault credential's id)."""
    project = tmp_path / 'job' / 'project'
    shutil.copytree(os.path.join(REPO, 'playbooks'), str(project), ignore=shutil.ignore_patterns('vault'))
    password_file = tmp_path / 'vault-password'
    password_file.write_text(VAULT_PASSWORD + '\n')
    credentials_file = project / 'vault' / 'iots_credentials.yml'
    env = ansible_environment(tmp_path / 'home', tmp_path / 'tmp')
    result = run_ansible_playbook(
        str(project / 'bootstrap.yml'),
        write_inventory(tmp_path / 'hosts.ini'),
        env,
        variables={'iots_url': emu.url, 'iots_ca_path': emu.ca_path, 'iots_credentials_file': str(credentials_file), 'iots_vault_id': VAULT_ID},
        vars_file=tmp_path / 'bootstrap-vars.json',
        args=['--vault-id', '%s@%s' % (VAULT_ID, password_file)],
    )
    assert result.rc == 0, result
    with open(str(credentials_file)) as handle:
        assert handle.readline().startswith('$ANSIBLE_VAULT;1.2;AES256;%s' % VAULT_ID)
    # What the docs tell the AWX admin to paste into the credential: ansible-vault view of the file.
    viewed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-vault'), 'view', '--vault-id', '%s@%s' % (VAULT_ID, password_file), str(credentials_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    keys = yaml.safe_load(viewed.stdout)
    password_file.unlink()
    return project, credentials_file, (keys['iots_client_id'], keys['iots_client_secret'])


def run_job(emu, project, tmp_path, injectors=None):
    """provision.yml through ansible-runner with process isolation: (runner, private data dir)."""
    project, credentials_file, (client_id, client_secret) = project
    with open(emu.ca_path) as handle:
        inputs = {'url': emu.url, 'client_id': client_id, 'client_secret': client_secret, 'username': '', 'password': '', 'ca_cert': handle.read()}
    private_data_dir = tmp_path / 'job'
    (private_data_dir / 'inventory').mkdir()
    (private_data_dir / 'inventory' / 'hosts').write_text('localhost ansible_connection=local\n')
    env, injected_extra_vars = apply_injectors(injectors or credential_type()['injectors'], inputs, str(private_data_dir))
    base_env = ansible_environment(private_data_dir / 'ansible-home', private_data_dir / 'tmp')
    # What the execution environment provides: ansible-playbook on PATH, the collection installed.
    env.update((key, base_env[key]) for key in ('PATH', 'ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_PYTHON_INTERPRETER'))
    extra_vars = dict(JOB_EXTRA_VARS, iots_credentials_file=str(credentials_file), **injected_extra_vars)
    ident = 'job'
    kwargs = dict(
        private_data_dir=str(private_data_dir),
        ident=ident,
        playbook='provision.yml',
        inventory=str(private_data_dir / 'inventory' / 'hosts'),
        envvars=env,
        extravars=extra_vars,
        cmdline='--vault-id %s@prompt' % VAULT_ID,
        passwords={r'Vault password \(%s\):\s*?$' % VAULT_ID: VAULT_PASSWORD},
        # bubblewrap shows the job only /usr, /etc, /bin, /opt and its private data dir (AWX's
        # process isolation); the paths an execution environment would hold are shown read-only:
        # this Python and its ansible-core, and the collection.
        process_isolation=True,
        process_isolation_executable='bwrap',
        process_isolation_ro_paths=sorted({sys.prefix, os.path.realpath(sys.base_prefix), REPO}),
        quiet=True,
        timeout=300,
    )
    # ansible-runner forks the job through a pty. This test process is multi-threaded (the
    # emulator serves from a thread), and forking such a process is unsafe (Python 3.12+ warns), so
    # ansible-runner runs in a process of its own, as in AWX's worker; the job's record is read
    # back from the artifacts it writes, as AWX reads it.
    subprocess.run([sys.executable, '-c', RUN_JOB], input=json.dumps(kwargs), text=True, check=True, timeout=360)
    return JobRecord(private_data_dir / 'artifacts' / ident), private_data_dir


def test_the_injector_names_are_the_ones_the_collection_reads():
    """The env injectors feed the lookup's and the modules' IOTS_* fallbacks: a renamed injector
    would leave the job without its connection settings."""
    assert sorted(credential_type()['injectors']['env']) == [
        'IOTS_CA_PATH',
        'IOTS_CLIENT_ID',
        'IOTS_CLIENT_SECRET',
        'IOTS_PASSWORD',
        'IOTS_URL',
        'IOTS_USERNAME',
    ]


def test_provision_as_an_awx_job(emu, project, tmp_path):
    expected = sorted(device['device_id'] for device in yaml.safe_load(open(os.path.join(REPO, 'playbooks', 'group_vars', 'all', 'iots.yml')))['iots_devices'])
    emu.reset()
    runner, private_data_dir = run_job(emu, project, tmp_path)
    events = list(runner.events)
    assert (runner.status, runner.rc) == ('successful', 0), runner.stdout.read()[-6000:]
    stats = [event for event in events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1 and not stats[0]['event_data'].get('failures'), stats
    assert not [event for event in events if event['event'] in ('runner_on_failed', 'runner_on_unreachable')]
    assert emu.counts()['token'] == 1, emu.counts()
    assert sorted(device['deviceIdentifier'] for device in emu.devices()) == expected
    # The job ran in the sandbox: bubblewrap is on the command line ansible-runner kept.
    with open(str(runner.artifacts / 'command')) as handle:
        assert 'bwrap' in handle.read()
    # No secret in any event or in any file the job left (artifacts, env, inventory).
    secrets = secrets_of(emu.state, VAULT_PASSWORD)
    leaks = [(event['event'], secret[:6]) for event in events for secret in secrets if secret in repr(event)]
    for directory, _dirs, files in os.walk(str(private_data_dir)):
        for name in files:
            path = os.path.join(directory, name)
            if path.startswith(str(private_data_dir / 'env')):
                continue  # AWX's own inputs to the job (the passwords it answers prompts with)
            with open(path, 'rb') as handle:
                data = handle.read()
            if name == 'command':
                # ansible-runner's record of the job's environment holds the injected variables
                # by design, as AWX's job_env does; the command line must not.
                data = json.dumps(json.loads(data.decode())['command']).encode()
            leaks += [(os.path.relpath(path, str(private_data_dir)), secret[:6]) for secret in secrets if secret.encode() in data]
    assert not leaks, leaks


@pytest.mark.parametrize('name', ['IOTS_URL', 'IOTS_CA_PATH'])
def test_the_job_fails_when_an_injector_is_renamed(emu, project, tmp_path, name):
    """The case that proves the test above can fail: an injector the job reads, under another name.
    (The client keys also come from the project's vault file, so only the static test above guards
    IOTS_CLIENT_ID and IOTS_CLIENT_SECRET.)"""
    injectors = credential_type()['injectors']
    injectors['env'][name.replace('IOTS_', 'IOTS_GATEWAY_')] = injectors['env'].pop(name)
    runner, _private_data_dir = run_job(emu, project, tmp_path, injectors=injectors)
    assert runner.status == 'failed' and runner.rc != 0
    assert not [device for device in emu.devices() if device['deviceIdentifier'].startswith('firealarm-')]


def test_ansible_builder_context_installs_our_requirements(tmp_path):
    """``ansible-builder create`` for an EE that holds wso2.iots: the build context installs the
    collection, introspects it and pip-installs what it found; introspecting the collection as that
    step will (meta/execution-environment.yml) finds every line of meta/ee-requirements.txt."""
    context = tmp_path / 'context'
    definition = tmp_path / 'execution-environment.yml'
    collection = tmp_path / 'collection-requirements.yml'
    collection.write_text('collections:\n  - name: %s\n    type: dir\n' % REPO)
    definition.write_text(
        yaml.safe_dump({'version': 3, 'images': {'base_image': {'name': 'quay.io/ansible/awx-ee:latest'}}, 'dependencies': {'galaxy': str(collection)}})
    )
    builder = os.path.join(os.path.dirname(sys.executable), 'ansible-builder')
    completed = subprocess.run(
        [builder, 'create', '-f', str(definition), '-c', str(context), '--output-filename', 'Containerfile'],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with open(str(context / 'Containerfile')) as containerfile:
        steps = containerfile.read()
    for step in (
        'ansible-galaxy collection install',
        'introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt',
        '/output/scripts/assemble',
        '/output/scripts/install-from-bindep',
    ):
        assert step in steps, steps
    assert (context / '_build' / 'requirements.yml').read_text() == collection.read_text()

    introspect = subprocess.run(
        [builder, 'introspect', '--sanitize', os.path.join(REPO, '.build', 'collections')], capture_output=True, text=True, timeout=300, check=False
    )
    assert introspect.returncode == 0, introspect.stderr
    with open(os.path.join(REPO, 'meta', 'ee-requirements.txt')) as ours:
        wanted = [line.split('#')[0].split('>')[0].split('=')[0].strip() for line in ours if line.split('#')[0].strip()]
    assert wanted
    for name in wanted:
        assert [line for line in introspect.stdout.splitlines() if line.lstrip("- '").startswith(name + ' ') and '# from collection wso2.iots' in line], (
            introspect.stdout
        )
