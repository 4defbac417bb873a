# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wso2.iots.iots_token against an independent RFC 6749 server (oauthlib), not the IoTS emulator.

Needs oauthlib (tests/integration/requirements.txt); skipped without it.
"""

import pytest

pytest.importorskip('oauthlib')

from rfc6749_server import Rfc6749Server  # noqa: E402  (needs oauthlib)

CLIENT_ID = 'ansible-rfc6749-client'
CLIENT_SECRET = 'Client-Secret-4f1c9a'
USERNAME = 'alice'
PASSWORD = 'Alice-Password-93b2e7'


@pytest.fixture(scope='module')
def rfc_server():
    server = Rfc6749Server(clients={CLIENT_ID: CLIENT_SECRET}, users={USERNAME: PASSWORD}, scopes=['devices:read', 'devices:write']).start()
    yield server
    server.stop()


@pytest.mark.newest_core  # what iots_token says to another server: the collection's code
def test_password_and_refresh_grants_against_an_oauthlib_server(run_playbook, recap, rfc_server):
    rfc_server.reset_counts()
    result = run_playbook(
        'module_iots_token/rfc6749.yml',
        {
            'rfc_url': rfc_server.url,
            'rfc_ca_path': rfc_server.ca_path,
            'rfc_token_path': rfc_server.token_path,
            'rfc_client_id': CLIENT_ID,
            'rfc_client_secret': CLIENT_SECRET,
            'rfc_username': USERNAME,
            'rfc_password': PASSWORD,
        },
    )
    assert result.rc == 0, result.output[-12000:]
    assert recap(result.output)['failed'] == 0
    counts = rfc_server.counts()
    # login, fallback, wrong secret, wrong password, unknown scope
    assert counts['password:200'] == 2
    assert counts['password'] == 5
    # refresh, refresh again, superseded (x2: without and with the fallback)
    assert counts['refresh_token:200'] == 2
    assert counts['refresh_token:400'] == 2
    assert counts['client_credentials:400'] == 1
    assert PASSWORD not in result.output and CLIENT_SECRET not in result.output
