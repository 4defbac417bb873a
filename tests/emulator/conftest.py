# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Fixtures for the emulator's own tests: one emulator per test module, a small HTTPS client."""

import pytest

from gateway_client import Gateway
from iots_emulator import Emulator


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    emu = Emulator(port=0, state_dir=str(tmp_path_factory.mktemp('emulator'))).start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    """The module's emulator with counts and faults cleared and the 3.2.0 defaults back."""
    emulator.reset()
    emulator.configure(version='3.2.0', token_validity=3600, refresh_token_validity=15552000, operation_pending=1.0, operation_in_progress=1.0)
    yield emulator
    emulator.clear_faults()


@pytest.fixture
def gw(emu):
    gateway = Gateway(emu)
    yield gateway
    gateway.session.close()


@pytest.fixture
def client(gw):
    """(client_id, client_secret) of an application registered for this test only."""
    return gw.keys()
