# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The only place that relies on ansible-core internals: two speed-ups for lookups, switchable.

Ansible forks a fresh worker for every (host, task) and loads the lookup there from scratch.
Some of the costs of that load are paid again and again for the same result; this package
avoids them, and is the only code of the collection that touches ansible-core internals.

1. Option definitions (``SavedOptionDefinitions``). The plugin loader parses a plugin's
   DOCUMENTATION and doc fragments as YAML in every worker (15 to 40 ms) and files the result
   with ``C.config.initialize_plugin_configuration_definitions``; it skips the parse when
   ``C.config.has_configuration_definition`` says the plugin is known. The first worker saves
   the parsed definitions (``plugin.option_definitions``) as JSON under ANSIBLE_HOME, in a
   private file named after a hash of everything the parse depends on; later workers register
   that copy before the loader looks. Internals: those two ConfigManager methods, and the fact
   that the loader consults them. On ansible-core 2.19+ the parse tags values with their
   origin; a JSON copy has no tags, which only changes where an error about a *default* says
   it came from (tests/unit/plugins/plugin_utils/test_core_internals.py proves the values equal).
2. Bytecode (``load_modules``). The collection loader compiles module_utils and plugin_utils
   modules from source in every worker and keeps no ``.pyc``
   (``_AnsibleCollectionPkgLoaderBase.get_code``). ``load_modules`` loads our own modules with
   importlib's file loader, which keeps bytecode in ``__pycache__``, and registers them under
   their usual names, so every later import of them gets the same module; several modules at
   once come from one file of their code objects in this package's ``__pycache__`` (see
   ``_bytecode``). Internal: the collection loader's ``ansible_collections.<ns>.<name>`` package
   layout on disk.
   This package's ``__init__`` is compiled from source too (about 40 microseconds a line of code in
   a fresh worker), so it holds only the switch and the loader, and loads its other modules
   (``_bytecode``: ``load_modules``; ``_option_definitions``: internal 1) with bytecode as well.

Any exception in either falls back to Ansible's normal path (parse the docs, import as usual);
a read-only install or ANSIBLE_HOME only costs the speed. The environment variable
``IOTS_BEARER_CORE_SHIMS=false`` turns both off (documented in the iots_bearer lookup and the
token caching guide).
"""

import importlib
import importlib.util
import os
import sys

SWITCH = 'IOTS_BEARER_CORE_SHIMS'
PACKAGE = 'ansible_collections.wso2.iots.plugins'
PLUGINS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def enabled(environ=None):
    """False when the switch turns the shortcuts off (``false``, ``no``, ``off`` or ``0``)."""
    value = (os.environ if environ is None else environ).get(SWITCH, '')
    return value.strip().lower() not in ('false', 'no', 'off', '0', 'n', 'f')


def source_path(fullname):
    return os.path.join(PLUGINS_DIR, *fullname[len(PACKAGE) + 1:].split('.')) + '.py'


def load_with_bytecode(fullname):
    """Import one of our modules with importlib's file loader (which keeps bytecode); may raise anything."""
    parent, dummy, leaf = fullname.rpartition('.')
    spec = importlib.util.spec_from_file_location(fullname, source_path(fullname))
    module = sys.modules[fullname] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    setattr(importlib.import_module(parent), leaf, module)
    return module


try:
    if enabled():
        load_with_bytecode(__name__ + '._bytecode')
except Exception:  # pylint: disable=broad-except
    pass  # imported as usual below
from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals._bytecode import load_modules  # noqa: E402

(_option_definitions,) = load_modules(('plugin_utils._core_internals._option_definitions',))
DEFINITIONS_DIR = _option_definitions.DEFINITIONS_DIR
STALE_DEFINITIONS_AGE = _option_definitions.STALE_DEFINITIONS_AGE
SavedOptionDefinitions = _option_definitions.SavedOptionDefinitions
