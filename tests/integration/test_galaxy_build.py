# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What users get: the tarball that ``ansible-galaxy collection build`` makes from the work tree.

It must hold the collection and nothing of the development set-up (tests, the emulator, scripts,
benchmarks, CI and lint configuration, virtualenvs), and a collection installed from it must
document every plugin and role through ansible-doc.
"""

import os
import shutil
import subprocess
import sys
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Top-level paths of the work tree that are for developers only (galaxy.yml build_ignore).
DEVELOPMENT_ONLY = (
    'tests',
    'scripts',
    'benchmarks',
    '.ci',
    'noxfile.py',
    'antsibull-nox.toml',
    'ruff.toml',
    '.pylintrc',
    '.mypy.ini',
    'pytest.ini',
    '.ansible-lint',
    '.yamllint',
    '.gitignore',
    '.git',
    '.venv',
    '.venvs',
    '.build',
    '.nox',
    '.tox',
    '.pytest_cache',
    '.ansible',
    '.coverage',
    '.ruff_cache',
    '.mypy_cache',
    'playbooks/vault',
)


def clean_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(ANSIBLE_HOME=str(tmp_path / 'ansible-home'), ANSIBLE_NOCOLOR='1')
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    return env


def run(cmd, tmp_path):
    completed = subprocess.run(cmd, env=clean_env(tmp_path), capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL, check=False)
    assert completed.returncode == 0, '%s failed (%d):\n%s%s' % (' '.join(cmd), completed.returncode, completed.stdout, completed.stderr)
    return completed


@pytest.fixture(scope='module')
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp('galaxy-build')
    completed = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', str(out)], out)
    tarballs = [name for name in os.listdir(str(out)) if name.endswith('.tar.gz')]
    assert len(tarballs) == 1, completed.stdout
    return out, os.path.join(str(out), tarballs[0])


@pytest.fixture(scope='module')
def members(build):
    with tarfile.open(build[1]) as tarball:
        # only a leading './' goes: lstrip('./') also took the dot of '.git' or '.coverage', and
        # no dot-folder could fail test_tarball_leaves_out_development_files
        return [member.name[2:] if member.name.startswith('./') else member.name for member in tarball.getmembers()]


def test_tarball_is_named_after_the_collection_version(build):
    import yaml

    with open(os.path.join(REPO, 'galaxy.yml')) as stream:
        galaxy = yaml.safe_load(stream)
    assert os.path.basename(build[1]) == 'wso2-iots-%s.tar.gz' % galaxy['version']


@pytest.mark.parametrize('path', DEVELOPMENT_ONLY)
def test_tarball_leaves_out_development_files(members, path):
    shipped = [name for name in members if name == path or name.startswith(path + '/')]
    assert not shipped, '%s should be in galaxy.yml build_ignore: %s' % (path, shipped[:5])


def test_tarball_holds_nothing_git_ignores(members):
    """Tools' leftovers in the work tree (coverage data, lint caches, the vault file the example
    playbooks write) are ignored by git and must not ship either: a list that misses one fails here.
    The repository's ignore rules only (not a developer's global ones); tracked files may ship."""
    git = shutil.which('git')
    inside = git and subprocess.run([git, 'rev-parse', '--is-inside-work-tree'], cwd=REPO, capture_output=True, text=True, check=False)
    if not inside or inside.stdout.strip() != 'true':
        pytest.skip('not a git work tree that git here can read')
    files = [name for name in members if os.path.isfile(os.path.join(REPO, name))]
    completed = subprocess.run(
        [git, '-c', 'core.excludesFile=/dev/null', 'check-ignore', '--stdin'], cwd=REPO, input='\n'.join(files), capture_output=True, text=True, check=False
    )
    assert completed.returncode in (0, 1), completed.stderr  # 1: nothing ignored
    assert completed.stdout.split() == [], 'git ignores these, galaxy.yml build_ignore should too'


def test_tarball_has_no_bytecode_emulator_or_fragments(members):
    unwanted = [
        name
        for name in members
        if name.endswith(('.pyc', '.tar.gz')) or '__pycache__' in name or 'iots_emulator' in name or name.startswith('changelogs/fragments/')
    ]
    assert not unwanted


@pytest.mark.parametrize(
    'path',
    [
        'MANIFEST.json',
        'FILES.json',
        'README.md',
        'meta/runtime.yml',
        'meta/execution-environment.yml',
        'meta/ee-requirements.txt',
        'requirements.txt',
        'LICENSES/GPL-3.0-or-later.txt',
        'LICENSES/BSD-2-Clause.txt',
        'plugins/modules/iots_token.py',
        'plugins/module_utils/_client.py',
    ],
)
def test_tarball_has_the_collection(members, path):
    assert path in members


def test_tarball_ships_every_plugin_of_the_work_tree(members):
    for directory, _dirs, files in os.walk(os.path.join(REPO, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                relative = os.path.relpath(os.path.join(directory, name), REPO)
                assert relative in members


def test_installed_collection_documents_every_plugin_and_role(build, tmp_path):
    tarball = build[1]
    collections = tmp_path / 'collections'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(collections), tarball], tmp_path)
    installed = collections / 'ansible_collections' / 'wso2' / 'iots'
    assert (installed / 'MANIFEST.json').is_file()
    assert not (installed / 'tests').exists()
    completed = run([sys.executable, os.path.join(REPO, 'tests', 'harness', 'doc_every_plugin.py'), str(collections)], tmp_path)
    assert ', 0 failures' in completed.stdout, completed.stdout
    assert 'ok   module wso2.iots.iots_token' in completed.stdout
