# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The two facts the sanity session needs from ansible-test that it has no public way to tell.

This is the only code of the collection that reads ansible-test's internal files, and
tests/unit/test_ansible_test_facts.py runs it against the installed ansible-test, so a release
that moves them fails that test with this file's message instead of a sanity run that silently
skips a Python or downloads get-pip from outside PyPI.

* the Python versions ansible-test supports (``_util/target/common/constants.py``: two tuples),
  to tell which module Pythons of tests/config.yml this machine lacks;
* the pip version its virtualenvs install (``_internal/python_requirements.py``), whose get-pip
  script it reads from its cache before it downloads one.
"""

import ast
import os
import re


class ChangedInternals(Exception):
    """ansible-test's files no longer say what this module reads from them."""


def _read(ansible_test, *parts):
    path = os.path.join(ansible_test, *parts)
    try:
        with open(path, encoding='utf-8') as source:
            return path, source.read()
    except OSError as exc:
        raise ChangedInternals('ansible-test has no %s any more (%s): update tests/sanity/ansible_test_facts.py' % (path, exc))


def python_versions(ansible_test):
    """(module-only versions, controller versions), from the tuples of constants.py."""
    path, text = _read(ansible_test, '_util', 'target', 'common', 'constants.py')
    tuples = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            tuples[node.targets[0].id] = node.value
    try:
        return tuple(ast.literal_eval(tuples[name]) for name in ('REMOTE_ONLY_PYTHON_VERSIONS', 'CONTROLLER_PYTHON_VERSIONS'))
    except (KeyError, ValueError) as exc:
        raise ChangedInternals('%s no longer defines the Python version tuples (%s): update tests/sanity/ansible_test_facts.py' % (path, exc))


def pip_version(ansible_test):
    """The pip version ansible-test's virtualenvs get (its get-pip cache file is named after it)."""
    path, text = _read(ansible_test, '_internal', 'python_requirements.py')
    pinned = re.search(r"pip='([0-9.]+)'", text)
    if not pinned:
        raise ChangedInternals("%s no longer pins pip as pip='X.Y': update tests/sanity/ansible_test_facts.py" % path)
    return pinned.group(1)
