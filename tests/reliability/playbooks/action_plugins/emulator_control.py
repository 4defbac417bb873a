# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: reset the emulator, arm a fault, read the request counts.

The same calls as ansible.builtin.uri to /_emulator/*, made in the worker with the emulator's
own client (PYTHONPATH=tests/emulator), because a uri module run costs a module process each
time and the fault playbooks make about two hundred of them.

    - emulator_control:
        url: "{{ emulator_url }}"
        ca_path: "{{ emulator_ca_path }}"
        reset: true                                   # zero the counts, clear the faults
        clear_faults: false                           # true: clear the faults, keep the counts
        fault: {endpoint: token, kind: status, status: 503}   # optional
        reset_after: false                            # true: read the counts, then zero them
      register: control                               # control.counts: the counts
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

FAULT_KEYS = ('endpoint', 'kind', 'times', 'latency', 'status')


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        from iots_emulator import EmulatorControl

        args = self._task.args
        control = EmulatorControl(args['url'], args['ca_path'], timeout=10)
        try:
            if args.get('reset'):
                control.reset()
            if args.get('clear_faults'):
                control.clear_faults()
            fault = args.get('fault')
            if fault:
                result['faults'] = control.set_fault(**dict((k, fault[k]) for k in FAULT_KEYS if fault.get(k) is not None))
            result['counts'] = control.counts()
            if args.get('reset_after'):
                control.reset()
        except Exception as exc:
            raise AnsibleActionFail('emulator control failed: %s' % exc)
        result['changed'] = False
        return result
