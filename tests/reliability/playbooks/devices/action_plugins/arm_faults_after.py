# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: fault the emulator after a number of API requests, in one call instead of four.

It reads the counts so far (the requests of a check-mode probe of the task: its reads), zeroes
them, lets every token request and the first ``passed`` API requests through (latency faults of
0 s), and arms ``fault`` for every request after them. ``passed`` is ``pass_api`` when given, else
the probe's API requests plus ``pass_writes``; ``hold`` adds a second fault: the next request waits
``hold`` seconds, then is answered normally.

    - arm_faults_after:
        url: "{{ emulator_url }}"
        ca_path: "{{ emulator_ca_path }}"
        fault: {kind: status, status: 500}     # or hold: 3
        pass_writes: 3                         # or pass_api: 0 (no probe ran)
      register: armed                          # armed.probe: the probe's counts; armed.passed
"""

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
        try:
            probe = control.counts()
            control.reset()
            if args.get('pass_api') is not None:
                passed = int(args['pass_api'])
            else:
                passed = probe['api'] + int(args.get('pass_writes') or 0)
            control.fault_after(passed, fault=args.get('fault'), hold=args.get('hold'))
        except Exception as exc:
            raise AnsibleActionFail('arming the emulator failed: %s' % exc)
        result.update(changed=False, probe=probe, passed=passed)
        return result
