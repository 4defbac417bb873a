# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Pythons the nox sessions need, and which of them this machine has. Standard library only.

    pythons.py          the Pythons of scripts/test's default sessions, found or missing (scripts/test
                        prints this before it makes anything)

noxfile.py imports ``find`` and ``newest`` (the demo session runs on the newest Python found). The
session matrix is read from noxfile.py's text, so it stays in one place; this file never imports nox.
"""

import ast
import glob
import os
import re
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOXFILE = os.path.join(REPO, 'noxfile.py')
TEST_CONFIG = os.path.join(REPO, 'tests', 'config.yml')


def find(version):
    """The interpreter ``python<version>`` on PATH or under pyenv (whose shims run only the active version), or None."""
    found = shutil.which('python' + version)
    if found:
        return found
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    candidates = glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', 'python' + version))
    candidates.sort(key=lambda path: [int(n) for n in re.findall(r'\d+', path.split('/versions/')[1].split('/')[0])])
    return candidates[-1] if candidates else None


def newest(versions):
    """The newest of ``versions`` (``'3.12'``, ...) that this machine has, or None."""
    for version in sorted(versions, key=lambda v: tuple(int(n) for n in v.split('.')), reverse=True):
        if find(version):
            return version
    return None


def noxfile_constants(names=('MATRIX', 'OLDEST', 'NEWEST', 'EDA_PYTHON')):
    """The literal values of ``names`` as noxfile.py assigns them (read, not imported)."""
    with open(NOXFILE) as source:
        tree = ast.parse(source.read(), NOXFILE)
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else node.targets
            given = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(targets, given):
                if isinstance(target, ast.Name) and target.id in names:
                    values[target.id] = ast.literal_eval(value)
    return values


def module_pythons():
    """The module Pythons of tests/config.yml's python_requires ('>=3.9, <3.14'), as X.Y."""
    with open(TEST_CONFIG) as config:
        match = re.search(r"python_requires:\s*'>=\s*3\.(\d+),\s*<\s*3\.(\d+)'", config.read())
    return ['3.%d' % minor for minor in range(int(match.group(1)), int(match.group(2)))] if match else []


def default_session_needs():
    """[(version, what needs it, required)] for the default sessions of noxfile.py and antsibull-nox.toml."""
    constants = noxfile_constants()
    matrix, oldest, newest_core = constants['MATRIX'], constants['OLDEST'], constants['NEWEST']
    needs = {}
    for core in (oldest, newest_core):
        needs.setdefault(matrix[core], []).append('tests-%s' % core)
    needs.setdefault(matrix[newest_core], []).append('sanity, awx, galaxy-import, changelog, shellcheck, benchmarks')
    needs.setdefault(constants['EDA_PYTHON'], []).append('eda (ansible-rulebook)')
    rows = [(version, ', '.join(sessions), True) for version, sessions in needs.items()]
    for version in module_pythons():
        if version not in needs:
            rows.append((version, 'sanity, as a module Python (skipped when missing, an error in CI)', False))
    return sorted(rows, key=lambda row: tuple(int(n) for n in row[0].split('.')))


def main():
    print("scripts/test: the default sessions' Pythons (nox never downloads one; install a missing one with pyenv):")
    missing = []
    for version, sessions, required in default_session_needs():
        path = find(version)
        print('  Python %-5s %-9s %s' % (version, 'found' if path else 'MISSING', sessions))
        if not path and required:
            missing.append(version)
    print('  (antsibull-nox\'s lint, docs-check, extra-checks and ansible-lint run on the Python of .venvs/nox)')
    sys.stdout.flush()
    if missing:
        print('scripts/test: the sessions on Python %s will fail: e.g. pyenv install %s' % (', '.join(missing), ' '.join(missing)), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
