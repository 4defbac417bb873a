# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the iots_role and iots_user tests share: the emulator's caller and an application registered as it.

The caller's password is not ``admin``: Ansible masks every no_log value wherever it appears in a result,
and ``admin`` is also the name of a role and a user the tests look for.
"""

import requests

ADMIN_PASSWORD = 'Adm1n-pass'
USERS = {'admin': {'password': ADMIN_PASSWORD, 'admin': True, 'scopes': '*'}}


def register(emu, name, entgra=False):
    """client_id and client_secret of an application of the admin (Entgra needs supportedGrantTypes)."""
    body = {'applicationName': name, 'tags': ['device_management']}
    if entgra:
        body['supportedGrantTypes'] = ['password', 'refresh_token']
    answer = requests.post(emu.url + '/api-application-registration/register', auth=('admin', ADMIN_PASSWORD), json=body, verify=emu.ca_path, timeout=30)
    answer.raise_for_status()
    return answer.json()


def connection(emu, keys, flavor='iots', password=ADMIN_PASSWORD):
    """A module's connection options for the emulator ``emu``, as admin (whose password the emulator was made with)."""
    return dict(
        url=emu.url,
        ca_path=emu.ca_path,
        client_id=keys['client_id'],
        client_secret=keys['client_secret'],
        username='admin',
        password=password,
        server_flavor=flavor,
    )
