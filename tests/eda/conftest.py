# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the event source's suite: one emulator per module with an admin whose password is easy to find
in a log, its application keys, and the source's ``main`` loaded from its file as ansible-rulebook loads it."""

import os
import runpy

import pytest

from gateway_client import Gateway
from iots_emulator import Emulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The working tree's file (ansible-rulebook runs it with runpy too; the collection tree of tests/conftest.py
# is claimed by ansible-core's path hook, which runpy would ask first).
SOURCE = os.path.join(REPO, 'extensions', 'eda', 'plugins', 'event_source', 'device_events.py')
PASSWORD = 'Pw-9f3c1e7a-secret'
USERS = {
    'admin': {'password': PASSWORD, 'admin': True, 'scopes': '*'},
    'viewer': {'password': PASSWORD + '-v', 'admin': False, 'subscribe': True, 'scopes': ['perm:devices:view', 'perm:get-activity']},
}


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    emu = Emulator(port=0, state_dir=str(tmp_path_factory.mktemp('emulator')), users=USERS).start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    emulator.reset()
    emulator.configure(token_validity=3600, operation_pending=0, operation_in_progress=0)
    yield emulator
    emulator.clear_faults()


@pytest.fixture(scope='module')
def keys(emulator):
    gateway = Gateway(emulator)
    client = gateway.keys(user=('admin', PASSWORD))
    gateway.session.close()
    return client


@pytest.fixture
def args(emu, keys):
    """The source's arguments for the module's emulator: the password grant as admin, polling fast."""
    return {'url': emu.url, 'ca_path': emu.ca_path, 'client_id': keys[0], 'client_secret': keys[1], 'username': 'admin', 'password': PASSWORD, 'interval': 0.1}


@pytest.fixture(scope='module')
def main():
    return runpy.run_path(SOURCE)['main']
