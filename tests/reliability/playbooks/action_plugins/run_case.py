# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only action: one case of a module in one task: reset the emulator, arm a fault, run the
module, read the emulator's counts.

    - run_case:
        module: wso2.iots.iots_token                  # the module under test
        module_args: "{{ case.args }}"                 # its options, passed as they are
        url: "{{ emulator_url }}"                      # the emulator to reset and count
        ca_path: "{{ emulator_ca_path }}"
        fault: {endpoint: token, kind: status, status: 503}   # optional, armed after the reset
        after: {fault: {kind: status, status: 500}, pass_writes: 3}   # optional, instead of fault
      loop: "{{ cases }}"
      register: outcomes      # each item: the module's own result, plus counts: the emulator's counts

``after`` faults every request after the task's reads (and ``pass_writes`` writes), as
arm_faults_after does: the module first runs in check mode, which only reads, to count its API
requests; with ``pass_api`` that number is given and no probe runs.

The module runs exactly as a task of its own runs it (the same ActionBase._execute_module that the
``normal`` action uses: an AnsiballZ payload, a module process, the task's no_log and check mode);
its result is the task's result, with ``counts`` added. The emulator is reset before the module
and read right after it, in the same task, so the counts are those of this case alone, and a
looped task needs no include, no second action and no set_fact per case. The emulator's client
is kept for the next item of the loop (the items run one after another in one worker process).
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

FAULT_KEYS = ('endpoint', 'kind', 'times', 'latency', 'status')
_CONTROLS = {}


def _control(url, ca_path):
    from iots_emulator import EmulatorControl

    if (url, ca_path) not in _CONTROLS:
        _CONTROLS[(url, ca_path)] = EmulatorControl(url, ca_path, timeout=10)
    return _CONTROLS[(url, ca_path)]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        control = _control(args['url'], args['ca_path'])
        try:
            control.reset()
            fault = args.get('fault')
            if fault:
                control.set_fault(**dict((k, fault[k]) for k in FAULT_KEYS if fault.get(k) is not None))
        except Exception as exc:
            raise AnsibleActionFail('emulator control failed: %s' % exc)
        after = args.get('after')
        if after:
            if after.get('pass_api') is not None:
                passed = int(after['pass_api'])
            else:
                self._module(args, task_vars, check_mode=True)
                passed = self._counts(control, reset=True)['api'] + int(after.get('pass_writes') or 0)
            try:
                control.fault_after(passed, fault=after.get('fault'))
            except Exception as exc:
                raise AnsibleActionFail('arming the emulator failed: %s' % exc)
        result = self._module(args, task_vars)
        result['counts'] = self._counts(control)
        return result

    def _module(self, args, task_vars, check_mode=None):
        """The module's result, run as the task would run it (in check mode if asked)."""
        task_check_mode = self._task.check_mode
        if check_mode is not None:
            self._task.check_mode = check_mode
        try:
            return self._execute_module(module_name=args['module'], module_args=dict(args.get('module_args') or {}), task_vars=task_vars)
        finally:
            self._task.check_mode = task_check_mode
            self._remove_tmp_path(self._connection._shell.tmpdir)

    @staticmethod
    def _counts(control, reset=False):
        try:
            counts = control.counts()
            if reset:
                control.reset()
            return counts
        except Exception as exc:
            raise AnsibleActionFail('emulator control failed: %s' % exc)
