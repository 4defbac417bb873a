# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the plugin unit tests (pytest also puts this folder on sys.path, for http_fakes).

``server`` fakes the HTTP layer (``http_fakes`` answers), for the faults only it can make.
``iots`` is the in-process IoTS emulator (tests/emulator), the one model of IoTS the module and
inventory tests share: a fresh IoTS 3.2.0 per test (one emulator per test file, its state reset), an
API application of its own, and the connection options a plugin needs to get its token from it
(``iots.args``). The emulator answers every request; ``iots.sent`` records what was sent (the scopes
of its token requests, for ``iots.token_requests``), and ``iots.after`` changes the emulator between
two requests of a run. ``retry_sleeps`` records the client's waits between retries instead of sleeping.
"""

import os
import time
from unittest import mock
from urllib.parse import parse_qsl

import pytest
import requests

from ansible_collections.wso2.iots.plugins.module_utils import _client
from ansible_collections.wso2.iots.plugins.module_utils._client import IotsClient
from ansible_collections.wso2.iots.plugins.module_utils._scopes import SCOPES

from iots_emulator.store import (  # pylint: disable=import-error
    DEFAULT_OPERATION_IN_PROGRESS,
    DEFAULT_OPERATION_PENDING,
    DEFAULT_REFRESH_TOKEN_VALIDITY,
    DEFAULT_TOKEN_VALIDITY,
)
from playbook_harness import emulator_fixtures  # pylint: disable=import-error


@pytest.fixture
def server():
    """The HTTP layer: set ``server.return_value``/``side_effect`` to http_fakes answers; read ``call_args_list``."""
    with mock.patch.object(requests.Session, 'request', autospec=True) as patched:
        yield patched


@pytest.fixture
def retry_sleeps(monkeypatch):
    """The client's waits between retries, recorded instead of slept."""
    sleeps = []

    def client_without_waits(*args, **kwargs):
        kwargs['sleep'] = sleeps.append
        return IotsClient(*args, **kwargs)

    monkeypatch.setattr(_client, 'IotsClient', client_without_waits)
    return sleeps


# ---------------------------------------------------------------------------- the emulator as IoTS

# The device admin's password is no word a result shows: Ansible masks every no_log value in a result,
# so with IoTS's default admin/admin a group owner "admin" would read VALUE_SPECIFIED_IN_NO_LOG_PARAMETER.
ADMIN, ADMIN_PASSWORD = 'admin', 'device-admin-secret'
USERS = {ADMIN: {'password': ADMIN_PASSWORD, 'admin': True, 'subscribe': True, 'scopes': '*'}}

emulator, emu = emulator_fixtures(scope='module', users=USERS)  # stopped after each file: the token-cache tests fork with no thread left

LOGICAL_SCOPE = dict((names['iots'], logical) for logical, names in SCOPES.items())
API_PATH = '/api/device-mgt/v1.0'


@pytest.fixture
def no_iots_environment(monkeypatch):
    """No IOTS_* variable of the test's environment reaches a module."""
    for name in list(os.environ):
        if name.startswith('IOTS_'):
            monkeypatch.delenv(name)


class Sent(object):
    """One request a plugin sent: its method, its path below the API context (or /token), its query
    parameters (a dict), its form or JSON."""

    def __init__(self, method, url, kwargs):
        path = '/' + url.split('://', 1)[-1].split('/', 1)[-1].split('?', 1)[0]
        self.method = method
        self.path = path[len(API_PATH) :] if path.startswith(API_PATH) else path
        self.query = dict(parse_qsl(url.split('?', 1)[1])) if '?' in url else {}
        self.data = kwargs.get('data')
        self.json = kwargs.get('json')

    def __repr__(self):
        return '%s %s' % (self.method, self.path)


class EmulatedIots(object):
    """A fresh emulated IoTS for one test; see the module docstring."""

    def __init__(self, emulator):
        self.emu = emulator
        self.sent = []
        self.triggers = []
        emulator.reset(state=True)
        # Its whole configuration too (a test may have changed the shared emulator's): IoTS 3.2.0, default validities.
        emulator.configure(
            version='3.2.0',
            token_validity=DEFAULT_TOKEN_VALIDITY,
            refresh_token_validity=DEFAULT_REFRESH_TOKEN_VALIDITY,
            operation_pending=DEFAULT_OPERATION_PENDING,
            operation_in_progress=DEFAULT_OPERATION_IN_PROGRESS,
        )
        keys = requests.post(
            emulator.url + '/api-application-registration/register',
            auth=(ADMIN, ADMIN_PASSWORD),
            json={'applicationName': 'device_module_tests', 'tags': ['device_management']},
            verify=emulator.ca_path,
            timeout=30,
        ).json()
        self.args = dict(
            url=emulator.url,
            ca_path=emulator.ca_path,
            client_id=keys['client_id'],
            client_secret=keys['client_secret'],
            username=ADMIN,
            password=ADMIN_PASSWORD,
        )
        emulator.reset()  # the registration is not the test's request

    # ------------------------------------------------------------------ what the modules sent

    def record(self, method, url, kwargs):
        """Called after each answer: note the request, then run the ``after`` actions that are due."""
        sent = Sent(method, url, kwargs)
        self.sent.append(sent)
        for trigger in list(self.triggers):
            if trigger['request'] == (sent.method, sent.path):
                trigger['left'] -= 1
                if trigger['left'] == 0:
                    self.triggers.remove(trigger)
                    trigger['action']()

    @property
    def token_requests(self):
        """The logical scope names (``_scopes``) of each token request, in the order sent."""
        requests_sent = [sent for sent in self.sent if sent.path == '/token']
        return [sorted(LOGICAL_SCOPE[name] for name in dict(sent.data).get('scope', '').split()) for sent in requests_sent]

    def after(self, method, path, count, action):
        """Call ``action()`` once the ``count``-th ``method path`` request (path below the API context) was answered."""
        self.triggers.append(dict(request=(method, path), left=count, action=action))

    # ------------------------------------------------------------------ the emulator's view

    def counts(self):
        return self.emu.counts()

    def count(self, route):
        """Requests that reached one route, e.g. ``'GET /devices'``."""
        return self.counts()[route]

    @property
    def writes(self):
        """Device-management API requests other than GET: the writes that reached IoTS."""
        return self.count('api:write')

    @property
    def requests(self):
        """Every token and API request that reached IoTS."""
        counts = self.counts()
        return counts['token'] + counts['api']

    def seed(self, device_type, device_id, **fields):
        return self.emu.seed_devices(device_type, [device_id], **fields)[0]

    def device(self, device_type, device_id):
        """The device as GET /devices/{type}/{id} shows it (its latest enrolment), or None."""
        for device in self.emu.devices():
            if (device['type'], device['deviceIdentifier']) == (device_type, device_id):
                return device
        return None

    def status(self, device_type, device_id):
        device = self.device(device_type, device_id)
        return device['enrolmentInfo']['status'] if device else None

    def group(self, name):
        """The group named ``name`` with its members as sorted (type, id) pairs, or None."""
        for group in self.emu.groups():
            if group['name'] == name:
                return dict(group, devices=sorted((d['type'], d['id']) for d in group['devices']))
        return None


@pytest.fixture
def iots(emu, monkeypatch, retry_sleeps, no_iots_environment):
    """A fresh emulated IoTS for a device module test (see EmulatedIots)."""
    server = EmulatedIots(emu)
    real_request = requests.Session.request

    def request(session, method, url, **kwargs):
        response = real_request(session, method, url, **kwargs)
        server.record(method, url, kwargs)
        return response

    monkeypatch.setattr(requests.Session, 'request', request)
    return server


class Clock(object):
    """Time that moves only when a module sleeps: the module's clock and the emulator's."""

    def __init__(self):
        self.now = time.time()
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(emu, monkeypatch):
    fake = Clock()
    monkeypatch.setattr(emu.state, 'now', fake)
    return fake
