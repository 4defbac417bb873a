# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: mode, owner and type of everything under the given paths, taken mid-run.

    - file_modes:
        paths: ["{{ cache_dir }}"]
        per_run_cache: true     # also the iots_bearer per-run cache dir of this very run
      register: modes           # modes.files: {path: {"mode": "0600", "uid": 0, "type": "file"}}

The per-run cache lives in Ansible's local temp dir of the run (C.DEFAULT_LOCAL_TMP), which is
deleted when the run ends; a worker sees the same path, so this is the only time to look at it.
"""

import os
import stat

from ansible import constants as C
from ansible.plugins.action import ActionBase


def describe(path):
    info = os.lstat(path)
    kind = 'link' if stat.S_ISLNK(info.st_mode) else 'directory' if stat.S_ISDIR(info.st_mode) else 'file'
    return {'mode': '%04o' % stat.S_IMODE(info.st_mode), 'uid': info.st_uid, 'type': kind}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        paths = list(self._task.args.get('paths') or [])
        if self._task.args.get('per_run_cache'):
            paths.append(os.path.join(C.DEFAULT_LOCAL_TMP, 'wso2_iots_bearer'))
        files = {}
        for top in paths:
            if not os.path.lexists(top):
                continue
            files[top] = describe(top)
            for directory, subdirs, names in os.walk(top):
                for name in subdirs + names:
                    path = os.path.join(directory, name)
                    files[path] = describe(path)
        result.update(changed=False, files=files, euid=os.geteuid())
        return result
