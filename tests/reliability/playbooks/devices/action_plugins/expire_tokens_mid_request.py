# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: wait until a request counter of the emulator reaches a number, then expire every token.

With a latency fault holding that request before IoTS handles it, the token the request carries
expires while it is under way: a 401 in the middle of a run, at a chosen request.

    - expire_tokens_mid_request:
        url: "{{ emulator_url }}"
        ca_path: "{{ emulator_ca_path }}"
        counter: api:write        # a key of the emulator's counts
        reaches: 2
        timeout: 60
"""

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        from iots_emulator import EmulatorControl

        args = self._task.args
        control = EmulatorControl(args['url'], args['ca_path'], timeout=10)
        deadline = time.monotonic() + float(args.get('timeout', 60))
        while control.counts().get(args['counter'], 0) < int(args['reaches']):
            if time.monotonic() > deadline:
                raise AnsibleActionFail('%s never reached %s' % (args['counter'], args['reaches']))
            time.sleep(0.02)
        result['expired'] = control.expire_tokens()
        result['changed'] = False
        return result
