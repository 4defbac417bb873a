# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The version matrix: unit and integration tests on every ansible-core release that
meta/runtime.yml claims (requires_ansible) up to the newest, and sanity on the newest.

Run it with ``scripts/test --matrix`` (which installs nox), or ``nox`` / ``nox -s "tests(2.16)"``
from the test virtualenv. Interpreters come from PATH or pyenv (scripts/find_pythons.py); nox never
downloads one, and a missing interpreter is an error, so no release is skipped without notice.
"""

import os
import re
import sys

import nox
import nox.command

REPO = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(REPO, 'scripts'))
import find_pythons  # noqa: E402  pylint: disable=wrong-import-position

# ansible-core release -> the Python its tests run on. Each is a controller Python that release
# supports (2.16/2.17: 3.10-3.12, 2.18/2.19: 3.11-3.13, 2.20/2.21: 3.12-3.14), chosen so that every
# interpreter from 3.10 to 3.13 is used at least once.
MATRIX = {
    '2.16': '3.10',
    '2.17': '3.11',
    '2.18': '3.12',
    '2.19': '3.13',
    '2.20': '3.12',
    '2.21': '3.13',
}
NEWEST = max(MATRIX, key=lambda release: tuple(int(part) for part in release.split('.')))

nox.options.default_venv_backend = 'venv'
nox.options.download_python = 'never'
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = 'yes'
nox.options.sessions = ['tests', 'sanity']

TEST_REQUIREMENTS = ['-r', 'tests/unit/requirements.txt', '-r', 'tests/integration/requirements.txt']


def claimed_releases():
    """Every ansible-core minor release from requires_ansible's minimum to the newest in MATRIX."""
    with open(os.path.join(REPO, 'meta', 'runtime.yml')) as runtime:
        match = re.search(r"""^requires_ansible:\s*['"]?>=\s*2\.(\d+)""", runtime.read(), re.MULTILINE)
    if not match:
        raise RuntimeError("meta/runtime.yml: requires_ansible is not of the form '>=2.N.0'")
    return ['2.%d' % minor for minor in range(int(match.group(1)), int(NEWEST.split('.')[1]) + 1)]


_MISSING = sorted(set(claimed_releases()) - set(MATRIX))
if _MISSING:
    raise RuntimeError('meta/runtime.yml claims ansible-core %s, which noxfile.py MATRIX does not test' % ', '.join(_MISSING))

# ansible-test and nox look for python3.X on PATH; pyenv's shims there only run the active version.
_PYTHONS_DIR = os.path.join(REPO, '.build', 'pythons')
find_pythons.link(_PYTHONS_DIR, sorted(set(MATRIX.values())))
os.environ['PATH'] = _PYTHONS_DIR + os.pathsep + os.environ.get('PATH', '')


def pytest_suites():
    """[(folder, workers)] in scripts/test's order (scripts/pytest-suites.txt)."""
    suites = []
    with open(os.path.join(REPO, 'scripts', 'pytest-suites.txt')) as listing:
        for line in listing:
            fields = line.split('#', 1)[0].split()
            if fields:
                suites.append((fields[1], int(fields[2]) if len(fields) > 2 else 1))
    return suites


@nox.session
@nox.parametrize(('python', 'ansible_core'), [nox.param(python, core, id=core) for core, python in MATRIX.items()])
def tests(session, ansible_core):
    """Every pytest suite (unit, emulator, integration, reliability) with one ansible-core release."""
    session.install('ansible-core~=%s.0' % ansible_core, *TEST_REQUIREMENTS)
    session.run('python', '-c', 'import ansible, sys; print("ansible-core", ansible.__version__, "on Python", sys.version.split()[0])')
    suites = [(folder, workers) for folder, workers in pytest_suites() if os.path.isdir(os.path.join(REPO, folder))]
    if not suites:
        session.error('none of the folders in scripts/pytest-suites.txt exists: no tests to run')
    failed = []
    for folder, workers in suites:
        workers = int(os.environ.get('IOTS_TEST_WORKERS', workers))
        xdist = ['-n', str(workers)] if workers > 1 else []
        # Each suite runs even when one before it failed; the session fails at the end.
        try:
            session.run('python', '-m', 'pytest', '-p', 'no:cacheprovider', *xdist, folder, *session.posargs,
                        env={'PYTHONDONTWRITEBYTECODE': '1'})
        except nox.command.CommandFailed:
            failed.append(folder)
    if failed:
        session.error('failed: %s' % ', '.join(failed))


@nox.session(python=MATRIX[NEWEST])
def sanity(session):
    """ansible-test sanity with the newest ansible-core, as scripts/test runs it."""
    session.install('ansible-core~=%s.0' % NEWEST)
    session.run('python', os.path.join('scripts', 'sanity.py'), *session.posargs)
