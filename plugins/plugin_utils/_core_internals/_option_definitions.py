# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Internal 1 of the package docstring: the saved option definitions (``SavedOptionDefinitions``).

Loaded with bytecode by the package's ``__init__``; every ansible-core internal it relies on is
named there.
"""

import hashlib
import json
import os
import time

from ansible import constants as C
from ansible.release import __version__ as ansible_version

from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals import enabled
from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals._bytecode import PLUGINS_DIR, debug

DEFINITIONS_DIR = ('wso2.iots', 'plugin_options')
# Definition files of other code (an older collection or ansible-core) unused for this long are removed.
STALE_DEFINITIONS_AGE = 24 * 3600


class SavedOptionDefinitions(object):
    """A plugin's parsed option definitions, shared by the workers of all runs (see the package docstring).

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
            debug('saved option definitions not used (%s)' % exc)
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
            debug('option definitions not saved for other workers (%s)' % exc)

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
