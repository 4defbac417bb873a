# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run ``ansible-test sanity`` on a copy of the collection, without Docker.

ansible-test wants the collection at .../ansible_collections/wso2/iots, so the files git knows
(tracked, plus untracked but not ignored) are copied to .build/sanity/ansible_collections/wso2/iots.
The copy gets a git repository of its own: ansible-test asks git which files belong to the
collection, and the outer repository ignores .build/.

Every test runs in a virtualenv that ansible-test makes (``--venv``) with the interpreters that
find_pythons.py finds (tests that cover several Pythons skip the ones this machine lacks, with a
warning). Run it with the interpreter of a virtualenv that has ansible-core:

    .venvs/test/bin/python scripts/sanity.py [--copy-only] [ansible-test sanity options...]
"""

import os
import re
import shutil
import subprocess
import sys

import find_pythons

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY = os.path.join(REPO, '.build', 'sanity', 'ansible_collections', 'wso2', 'iots')
PYTHONS = os.path.join(REPO, '.build', 'pythons')
GET_PIP = os.path.join(REPO, 'scripts', 'get_pip_for_ansible_test.py')
# Every Python that some supported ansible-core tests modules or the controller on.
MINORS = ['3.%d' % minor for minor in range(8, 15)]


def collection_files(repo):
    """Relative paths of the files git tracks or would track, as they are in the work tree."""
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=repo,
                            capture_output=True, check=True).stdout.decode('utf-8')
    return sorted(path for path in set(listed.split('\0')) if path and os.path.lexists(os.path.join(repo, path)))


def make_copy(repo=REPO, dest=COPY):
    """Copy the collection to ``dest`` (replacing it) and commit the copy to a repository of its own."""
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for path in collection_files(repo):
        source = os.path.join(repo, path)
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    git = ['git', '-c', 'user.name=scripts/sanity.py', '-c', 'user.email=sanity@localhost', '-c', 'commit.gpgsign=false']
    for command in (['init', '-q'], ['add', '-A'], ['commit', '-q', '--no-verify', '-m', 'snapshot for ansible-test']):
        subprocess.run(git + command, cwd=dest, check=True, stdout=subprocess.DEVNULL)
    return dest


def install_get_pip(ansible_test_dir):
    """Put the get-pip stand-in where ansible-test looks for its cached bootstrap script."""
    requirements = os.path.join(ansible_test_dir, '_internal', 'python_requirements.py')
    with open(requirements) as source:
        match = re.search(r"pip='(\d+(?:\.\d+)*)'", source.read())
    if not match:
        return None
    cached = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % match.group(1).replace('.', '_'))
    with open(GET_PIP) as ours:
        wanted = ours.read()
    current = None
    if os.path.exists(cached):
        with open(cached) as theirs:
            current = theirs.read()
    # A real get-pip script someone saved there by hand stays; an older copy of ours is replaced.
    if current is None or (current != wanted and 'wso2.iots get-pip stand-in' in current):
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        with open(cached + '.tmp', 'w') as target:
            target.write(wanted)
        os.replace(cached + '.tmp', cached)
    return cached


def main(argv):
    copy_only = '--copy-only' in argv
    args = [arg for arg in argv if arg != '--copy-only']
    dest = make_copy()
    print('collection copied to %s' % dest)
    if copy_only:
        return 0

    try:
        import ansible_test
    except ImportError:
        sys.stderr.write('ansible-test is not installed for %s; run this with the test virtualenv\n' % sys.executable)
        return 2
    install_get_pip(os.path.dirname(ansible_test.__file__))
    found = find_pythons.link(PYTHONS, MINORS)
    print('Pythons for ansible-test: %s' % ', '.join(sorted(found, key=lambda minor: int(minor.split('.')[1]))))

    if not any(arg in ('--venv', '--local', '--docker') or arg.startswith(('--docker=', '--controller')) for arg in args):
        args.insert(0, '--venv')
    env = dict(os.environ)
    env['PATH'] = PYTHONS + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    for key in list(env):
        # The copy must be tested as it is, not with a caller's Ansible settings.
        if key.startswith('ANSIBLE_') and key != 'ANSIBLE_TEST_PREFER_PODMAN':
            del env[key]
    ansible_test_cli = os.path.join(os.path.dirname(sys.executable), 'ansible-test')
    command = [ansible_test_cli, 'sanity'] + args
    print('+ %s  (in %s)' % (' '.join(command), dest))
    sys.stdout.flush()
    return subprocess.run(command, cwd=dest, env=env, check=False, stdin=subprocess.DEVNULL).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
