# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The install instructions and links name only places that exist (the collection has no public repository yet)."""

import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOT_THERE = 'wso2-iots/ansible-collection-wso2-iots'


def read(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return handle.read()


def test_the_readme_installs_from_a_tarball_and_from_a_checkout():
    readme = read('README.md')
    install = readme[readme.index('## Install') : readme.index('## Use')]
    assert 'ansible-galaxy collection build' in install
    assert re.search(r'ansible-galaxy collection install \S+\.tar\.gz', install)
    assert 'ansible_collections/wso2/iots' in install  # a checkout linked where Ansible looks
    assert 'git+' not in install


def test_no_file_links_to_the_repository_that_does_not_exist():
    for path in (('README.md',), ('galaxy.yml',), ('docs', 'docsite', 'links.yml')):
        assert NOT_THERE not in read(*path), os.path.join(*path)
    for folder, dummy, names in os.walk(os.path.join(REPO, 'plugins')):
        for name in names:
            if name.endswith('.py'):
                with open(os.path.join(folder, name)) as handle:
                    assert NOT_THERE not in handle.read(), name


def test_the_docsite_has_no_edit_link_to_a_missing_repository():
    assert 'edit_on_github' not in read('docs', 'docsite', 'links.yml')
