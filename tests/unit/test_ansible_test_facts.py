# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sanity session's only reads of ansible-test internals still work with the installed ansible-test,
and say what to update when they do not."""

import os
import re
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'tests', 'sanity'))

import ansible_test  # noqa: E402  pylint: disable=wrong-import-order
import ansible_test_facts  # noqa: E402  pylint: disable=import-error

INSTALLED = os.path.dirname(ansible_test.__file__)


def test_python_versions_of_the_installed_ansible_test():
    remote_only, controller = ansible_test_facts.python_versions(INSTALLED)
    assert remote_only and controller
    assert all(re.match(r'^\d+\.\d+$', version) for version in remote_only + controller)


def test_pip_version_of_the_installed_ansible_test():
    assert [int(part) for part in ansible_test_facts.pip_version(INSTALLED).split('.')][0] >= 20


def test_a_moved_file_names_what_to_update(tmp_path):
    with pytest.raises(ansible_test_facts.ChangedInternals, match='update tests/sanity/ansible_test_facts.py'):
        ansible_test_facts.python_versions(str(tmp_path))
    (tmp_path / '_internal').mkdir()
    (tmp_path / '_internal' / 'python_requirements.py').write_text("pip = '25.2'\n")
    with pytest.raises(ansible_test_facts.ChangedInternals, match="no longer pins pip"):
        ansible_test_facts.pip_version(str(tmp_path))
