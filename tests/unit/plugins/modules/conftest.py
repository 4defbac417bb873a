# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's main() as Ansible would, with IoTS answers injected at requests.Session.request.

``run_module(module, args, check_mode=False, diff=False)`` gives the parsed JSON result exactly as
Ansible receives it (after Ansible's own no_log masking), plus the raw stdout for leak checks.
``iots_http(*outcomes)`` plays answers, one per request, and records what was sent. An outcome is
a tuple ``(status, body[, content_type[, headers]])`` (dict and list bodies become JSON), a
``requests.Response``, or an exception to raise.

``iots`` (the in-process IoTS emulator) and ``retry_sleeps`` are in ``tests/unit/plugins/conftest.py``,
which the inventory tests share.
"""

import contextlib
import json
from unittest import mock

import pytest
import requests

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS


from http_fakes import answer  # pylint: disable=import-error

try:
    from ansible.module_utils import _internal as module_internals
except ImportError:  # ansible-core < 2.19
    module_internals = None

try:
    from ansible.module_utils.testing import patch_module_args as _patch_module_args
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def _patch_module_args(args):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))):
            yield


# The _ansible_* keys this ansible-core knows. Older releases fail a module on an unknown one
# (_ansible_inject_invocation exists from 2.21; before it, every result carries its invocation).
_KNOWN_INTERNAL_ARGS = frozenset('_ansible_%s' % name for name in PASS_VARS)


def patch_module_args(args):
    """ansible.module_utils.testing.patch_module_args, for every claimed ansible-core release."""
    return _patch_module_args(dict((key, value) for key, value in args.items() if not key.startswith('_ansible_') or key in _KNOWN_INTERNAL_ARGS))


@pytest.fixture
def module_args():
    """patch_module_args for test modules (a conftest cannot be imported by name)."""
    return patch_module_args


class ModuleRun(object):
    def __init__(self, exit_code, stdout):
        self.exit_code = exit_code
        self.stdout = stdout
        self.result = json.loads(stdout)

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)

    def __contains__(self, key):
        return key in self.result

    @property
    def failed(self):
        return bool(self.result.get('failed'))

    @property
    def warnings(self):
        """Warning texts: plain strings before ansible-core 2.19, summaries with an event after."""
        texts = []
        for warning in self.result.get('warnings', []):
            if isinstance(warning, dict):
                warning = (warning.get('event') or {}).get('msg') or warning.get('msg')
            texts.append(warning)
        return texts


@pytest.fixture(autouse=True)
def running_as_module():
    """Module-side behaviour for every module test, even after other tests imported controller code.

    From ansible-core 2.19, importing any controller package flips a process-wide flag that sends
    module warnings to the controller's display instead of the module result.
    """
    if module_internals is None or not hasattr(module_internals, 'is_controller'):
        yield
        return
    with mock.patch.object(module_internals, 'is_controller', False):
        yield


@pytest.fixture
def run_module(capsys):
    def run(module, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_inject_invocation=True)
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exited:
                module.main()
        stdout = capsys.readouterr().out
        return ModuleRun(exited.value.code, stdout)

    return run


class HttpRecorder(object):
    """What the modules sent, and the answers they get, in order (the last one repeats)."""

    def __init__(self, outcomes):
        self.outcomes = [answer(*outcome) if isinstance(outcome, tuple) else outcome for outcome in outcomes]
        self.calls = []

    def request(self, session, method, url, **kwargs):
        self.calls.append(dict(kwargs, method=method, url=url))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def iots_http(monkeypatch, retry_sleeps):
    def install(*outcomes):
        recorder = HttpRecorder(outcomes)

        def request(session, method, url, **kwargs):
            return recorder.request(session, method, url, **kwargs)

        monkeypatch.setattr(requests.Session, 'request', request)
        return recorder

    return install
