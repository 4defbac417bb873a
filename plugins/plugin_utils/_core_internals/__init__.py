# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The only place that relies on ansible-core internals: two speed-ups for lookups, switchable.

Ansible forks a fresh worker for every (host, task) and loads the lookup there from scratch.
Some of the costs of that load are paid again and again for the same result; this package
avoids them, and is the only code of the collection that touches ansible-core internals.

1. Option definitions (``_option_definitions.SavedOptionDefinitions``). The plugin loader parses a plugin's
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
   This package's ``__init__`` is compiled from source too, in every worker, so it holds only
   the switch and loads ``_bytecode`` with its bytecode; ``_option_definitions`` (internal 1)
   comes with the modules of the caller's bundle (the lookup names it first).

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


def enabled(environ=None):
    """False when the switch turns the shortcuts off (``false``, ``no``, ``off`` or ``0``)."""
    value = (os.environ if environ is None else environ).get(SWITCH, '')
    return value.strip().lower() not in ('false', 'no', 'off', '0', 'n', 'f')


def _import_bytecode_module():
    """``_bytecode`` with its own bytecode when the switch allows; else, or on any failure, as usual."""
    name = __name__ + '._bytecode'
    if enabled():
        try:
            spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(__file__), '_bytecode.py'))
            sys.modules[name] = module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]  # a file spec
            spec.loader.exec_module(module)  # type: ignore[union-attr]  # a file spec has a loader
            return module
        except Exception:  # pylint: disable=broad-except
            sys.modules.pop(name, None)
    return importlib.import_module(name)


_bytecode = _import_bytecode_module()
load_modules = _bytecode.load_modules
