# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: the sha256 of every file under the given paths, taken on the controller.

    - file_digests:
        paths: ["{{ cache_dir }}"]
      register: before        # before.digests: {path: sha256}

Taken between tasks of one run, so a playbook can prove that a file stayed exactly as it was.
"""

import hashlib
import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        digests = {}
        for top in self._task.args.get('paths') or []:
            for directory, dummy, names in os.walk(top):
                for name in names:
                    path = os.path.join(directory, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        with open(path, 'rb') as handle:
                            digests[path] = hashlib.sha256(handle.read()).hexdigest()
        result.update(changed=False, digests=digests)
        return result
