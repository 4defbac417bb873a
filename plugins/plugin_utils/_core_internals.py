# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The only place that relies on ansible-core internals: two speed-ups for lookups, switchable.

Ansible forks a fresh worker for every (host, task) and loads the lookup there from scratch.
Two of the costs of that load are paid again and again for the same result; this module
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
   their usual names, so every later import of them gets the same module. Internal: the
   collection loader's ``ansible_collections.<ns>.<name>`` package layout on disk.

Any exception in either falls back to Ansible's normal path (parse the docs, import as usual);
a read-only install or ANSIBLE_HOME only costs the speed. The environment variable
``IOTS_BEARER_CORE_SHIMS=false`` turns both off (documented in the iots_bearer lookup and the
token caching guide).
"""

import hashlib
import importlib
import importlib.util
import json
import os
import sys
import time

from ansible import constants as C
from ansible.release import __version__ as ansible_version

SWITCH = 'IOTS_BEARER_CORE_SHIMS'
COLLECTION_PACKAGE = 'ansible_collections.wso2.iots.plugins'
PLUGINS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFINITIONS_DIR = ('wso2.iots', 'plugin_options')
# Definition files of other code (an older collection or ansible-core) unused for this long are removed.
STALE_DEFINITIONS_AGE = 24 * 3600


def enabled(environ=None):
    """False when the switch turns the shortcuts off (``false``, ``no``, ``off`` or ``0``)."""
    value = (os.environ if environ is None else environ).get(SWITCH, '')
    return value.strip().lower() not in ('false', 'no', 'off', '0', 'n', 'f')


def _debug(message):
    from ansible.utils.display import Display
    Display().vvvv('wso2.iots: %s; using the usual Ansible path' % message)


# ---------------------------------------------------------------------------- bytecode

def load_modules(names):
    """Import ``names`` (e.g. ``plugin_utils._token_cache``, dependencies first) keeping their bytecode.

    Returns the modules, however they were loaded: with the switch off, or on any failure, a
    module is imported the usual way.
    """
    return [_load_module('%s.%s' % (COLLECTION_PACKAGE, name)) for name in names]


def _load_module(fullname):
    module = sys.modules.get(fullname)
    if module is not None:
        return module
    if enabled():
        try:
            return _load_with_bytecode(fullname)
        except Exception as exc:  # pylint: disable=broad-except
            _debug('%s not loaded from bytecode (%s)' % (fullname, exc))
    return importlib.import_module(fullname)


def _load_with_bytecode(fullname):
    package, dummy, leaf = fullname.rpartition('.')
    parent = importlib.import_module(package)
    path = os.path.join(PLUGINS_DIR, *fullname[len(COLLECTION_PACKAGE) + 1:].split('.')) + '.py'
    spec = importlib.util.spec_from_file_location(fullname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    setattr(parent, leaf, module)
    return module


# ---------------------------------------------------------------------------- option definitions

class SavedOptionDefinitions(object):
    """A plugin's parsed option definitions, shared by the workers of all runs (see the module docstring).

    ``register()`` at import time, ``save(plugin)`` once the plugin has options: it writes the
    copy only when register() found none.
    """

    def __init__(self, plugin_type, module_name, documentation, fragments=(), required=()):
        self.plugin_type = plugin_type
        self.module_name = module_name
        self.documentation = documentation
        self.fragments = fragments
        self.required = set(required)
        self.needs_saving = False

    def path(self):
        """The file for this exact code: a hash of ansible-core's version, the docs and the fragments."""
        digest = hashlib.sha256()
        parts = [ansible_version, self.module_name, self.documentation]
        for fragment in self.fragments:
            with open(os.path.join(PLUGINS_DIR, 'doc_fragments', fragment + '.py'), 'rb') as handle:
                parts.append(handle.read())
        for part in parts:
            digest.update(hashlib.sha256(part if isinstance(part, bytes) else part.encode('utf-8')).digest())
        name = '%s-%s.json' % (self.module_name.rpartition('.')[2], digest.hexdigest()[:32])
        return os.path.join(C.ANSIBLE_HOME, *(DEFINITIONS_DIR + (name,)))

    def register(self):
        """Give Ansible the saved definitions, if there are any for this code; never raises."""
        self.needs_saving = False
        if not enabled():
            return False
        try:
            if C.config.has_configuration_definition(self.plugin_type, self.module_name):
                return True
            definitions = self._read()
            if definitions is None:
                self.needs_saving = True
                return False
            C.config.initialize_plugin_configuration_definitions(self.plugin_type, self.module_name, definitions)
            return True
        except Exception as exc:  # pylint: disable=broad-except
            _debug('saved option definitions not used (%s)' % exc)
            return False

    def _read(self):
        from ansible_collections.wso2.iots.plugins.plugin_utils._private_files import read_private_file
        data = read_private_file(self.path())
        try:
            definitions = json.loads(data.decode('utf-8')) if data else None
        except ValueError:
            return None
        if not isinstance(definitions, dict) or not self.required <= set(definitions):
            return None
        return definitions

    def save(self, plugin):
        """Save ``plugin.option_definitions`` for the workers that load the plugin later; never raises."""
        if not self.needs_saving:
            return
        self.needs_saving = False
        if getattr(plugin, '_load_name', None) != self.module_name:
            return  # loaded under another name (a redirect): its definitions are filed under that one
        from ansible_collections.wso2.iots.plugins.plugin_utils import _private_files
        try:
            path = self.path()
            data = json.dumps(plugin.option_definitions, sort_keys=True).encode('utf-8')
            directory = _private_files.ensure_private_directory(os.path.dirname(path), create_parents=True)
            _private_files.write_private_file(directory, os.path.basename(path), data)
            self._prune(directory, os.path.basename(path))
        except Exception as exc:  # pylint: disable=broad-except
            _debug('option definitions not saved for other workers (%s)' % exc)

    def _prune(self, directory, current):
        """Remove the files of other code that no worker wrote for a day (an upgrade left them)."""
        prefix = current.rpartition('-')[0] + '-'
        limit = time.time() - STALE_DEFINITIONS_AGE
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if name != current and name.startswith(prefix) and name.endswith('.json'):
                try:
                    if os.lstat(path).st_mtime < limit:
                        os.unlink(path)
                except OSError:
                    pass
