# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each default is defined once in code; the argument spec and every document that states it agree."""

import yaml

from ansible_collections.wso2.iots.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.wso2.iots.plugins.lookup import iots_bearer
from ansible_collections.wso2.iots.plugins.module_utils._client import DEFAULT_TIMEOUT
from ansible_collections.wso2.iots.plugins.module_utils._oauth import DEFAULT_TAGS, DEFAULT_TOKEN_PATH
from ansible_collections.wso2.iots.plugins.module_utils._options import CONNECTION_ARGSPEC
from ansible_collections.wso2.iots.plugins.plugin_utils._token_cache import CACHE_MODES, DEFAULT_REFRESH_BEFORE, ENCRYPT_MODES

CONNECTION_DOCS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
LOOKUP_DOCS = yaml.safe_load(iots_bearer.DOCUMENTATION)['options']


def test_connection_defaults_come_from_the_code_that_uses_them():
    assert CONNECTION_ARGSPEC['token_path']['default'] == DEFAULT_TOKEN_PATH == CONNECTION_DOCS['token_path']['default']
    assert CONNECTION_ARGSPEC['timeout']['default'] == DEFAULT_TIMEOUT == CONNECTION_DOCS['timeout']['default']
    assert CONNECTION_ARGSPEC['validate_certs']['default'] is CONNECTION_DOCS['validate_certs']['default'] is True


def test_every_argspec_default_is_documented_as_it_is():
    for name, spec in CONNECTION_ARGSPEC.items():
        assert CONNECTION_DOCS[name].get('default') == spec.get('default'), name
        assert CONNECTION_DOCS[name]['type'] == spec['type'], name


def test_lookup_defaults_are_the_code_defaults():
    assert LOOKUP_DOCS['tags']['default'] == list(DEFAULT_TAGS)
    assert LOOKUP_DOCS['refresh_before']['default'] == DEFAULT_REFRESH_BEFORE
    assert tuple(LOOKUP_DOCS['cache']['choices']) == CACHE_MODES
    assert tuple(LOOKUP_DOCS['cache_encrypt']['choices']) == ENCRYPT_MODES
