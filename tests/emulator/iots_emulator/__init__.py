# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""An HTTPS emulator of the WSO2 IoT Server 3.2.0 API gateway, for tests, benchmarks and demos.

    from iots_emulator import Emulator
    with Emulator() as emu:
        ...  # emu.url, emu.ca_path, emu.counts(), emu.set_fault(...)
        emu.seed_devices('android', ['a1', 'a2'], ownership='COPE')  # no HTTP
        emu.seed_group('lab', members=[('android', 'a1')])
        emu.counts()['GET /devices'], emu.counts()['POST /device/agent/enroll']

See tests/emulator/README.md for the behaviour, the default users and the fault kinds.
"""

from .control import EmulatorControl, EmulatorControlError
from .directory import DEFAULT_USERS, SCOPE_CATALOGUE
from .server import Emulator

__all__ = ['Emulator', 'EmulatorControl', 'EmulatorControlError', 'DEFAULT_USERS', 'SCOPE_CATALOGUE']
