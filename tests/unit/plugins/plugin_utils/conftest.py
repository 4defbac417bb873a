# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the token cache tests: an empty memory tier and a stand-in for Ansible's local temp dir."""

import pytest

from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache


@pytest.fixture(autouse=True)
def empty_memory():
    _token_cache.forget_memory()
    yield
    _token_cache.forget_memory()


@pytest.fixture
def run_tmp(tmp_path):
    """A stand-in for C.DEFAULT_LOCAL_TMP (created 0700 by Ansible)."""
    path = tmp_path / 'ansible-local-1'
    path.mkdir(mode=0o700)
    return str(path)
