# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the repository importable as ansible_collections.wso2.iots for pytest.

The repository root is the collection. A symlink tree under .build/ gives it the path that
Ansible's collection loader expects, so unit tests, lookup_loader and ansible-playbook see
the working tree itself, not an installed copy.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'wso2', 'iots')


def _collection_tree():
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(REPO, LINK)
        except FileExistsError:  # another xdist worker made it
            pass
    return COLLECTIONS


def _install_collection_finder(path):
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if path not in sys.path:
        sys.path.insert(0, path)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = path
    _AnsibleCollectionFinder(paths=[path], scan_sys_paths=False)._install()


_install_collection_finder(_collection_tree())
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'harness'))  # shared by the playbook suites


def pytest_configure(config):
    # noxfile.py picks tests by these markers for the older ansible-core releases (tests/pytest-suites.txt).
    config.addinivalue_line(
        'markers',
        'every_core: in a suite that runs whole with the newest ansible-core only, a test of what differs by release '
        '(warnings, -vvvv output and no_log masking, inventory building, role and lookup option checks); it runs with every release',
    )
    config.addinivalue_line(
        'markers',
        'newest_core: in a suite that runs with every ansible-core release, a test run with the newest only: '
        'its subject is what a module or plugin says to the server (requests, retries, error answers and their '
        'one-line messages, paging, bulk planning, server flavours, token renewal), which is the collection\'s '
        'code and runs the same under every release (the unit suite runs it under each). Unmarked, on every '
        'release: what ansible-core decides (controller plugins, roles, vault, output and no_log masking, '
        'check and diff mode, module_defaults, the installed docs) and one whole run of each module',
    )
