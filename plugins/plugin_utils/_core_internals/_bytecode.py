# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Internal 2 of the package docstring: ``load_modules``, our modules with their bytecode."""

import importlib
import sys

from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals import PACKAGE, enabled, load_with_bytecode


def debug(message):
    from ansible.utils.display import Display
    Display().vvvv('wso2.iots: %s; using the usual Ansible path' % message)


def load_modules(names):
    """Import ``names`` (e.g. ``plugin_utils._token_cache``, dependencies first) keeping their bytecode.

    Returns the modules, however they were loaded: with the switch off, or on any failure, a
    module is imported the usual way.
    """
    return [_load_module('%s.%s' % (PACKAGE, name)) for name in names]


def _load_module(fullname):
    module = sys.modules.get(fullname)
    if module is not None:
        return module
    if enabled():
        try:
            return load_with_bytecode(fullname)
        except Exception as exc:  # pylint: disable=broad-except
            debug('%s not loaded from bytecode (%s)' % (fullname, exc))
    return importlib.import_module(fullname)
