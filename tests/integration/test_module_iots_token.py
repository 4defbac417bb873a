# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wso2.iots.iots_token against the IoTS emulator over HTTPS, through real ansible-playbook runs.

Each test registers its own application (app_name), so no test shares a token with another:
IoTS hands one token to every run of the same client, user and scopes.
"""

import re
import socket

import pytest
import requests

from iots_emulator import Emulator
from playbook_harness import register_application

TARGET = 'module_iots_token/'


def app_name(request):
    """A distinctive application name per test (IoTS finds applications with a LIKE search)."""
    return 'ansible_token_%s' % re.sub(r'[^A-Za-z0-9]+', '_', request.node.name)[:50].strip('_')


def assert_passed(result, recap):
    assert result.rc == 0, result.output[-12000:]
    totals = recap(result.output)
    assert totals.get('failed') == 0 and totals.get('unreachable', 0) == 0, result.output[-12000:]


def test_password_grant_returns_sorted_scopes_and_a_usable_token(run_playbook, recap, emu, request):
    result = run_playbook(TARGET + 'password_grant.yml', {'app_name': app_name(request)})
    assert_passed(result, recap)
    counts = emu.counts()
    # two grants plus the one in check mode: check mode does not skip the grant
    assert counts['token:password'] == 3
    assert counts['api'] == 1


def test_missing_scopes_fail_and_pass_with_allow_partial_scopes(run_playbook, recap, emu, request):
    result = run_playbook(TARGET + 'partial_scopes.yml', {'app_name': app_name(request)})
    assert_passed(result, recap)
    assert result.shows('IoTS did not grant 1 of the 2 requested scopes')  # the warning
    assert result.shows('allow_partial_scopes is true')
    assert recap(result.output)['ignored'] == 2
    assert emu.counts()['token:password'] == 3


def refresh_token(emu, keys):
    """A refresh token of the application with ``keys`` (the server expires it before the run)."""
    token = requests.post(
        emu.url + '/token',
        auth=(keys['client_id'], keys['client_secret']),
        verify=emu.ca_path,
        data={'grant_type': 'password', 'username': 'admin', 'password': 'admin', 'scope': 'perm:devices:view'},
    ).json()
    return token['refresh_token']


@pytest.mark.newest_core  # the token exchange: the collection's code
def test_refresh_sends_no_scope_and_a_rejected_refresh_token_falls_back(run_playbook, recap, emu, request, control_env, failed_cases):
    """One run, each case with its own application: the refresh grant under IoTS 3.2.0 and 3.3
    (one password grant, two refreshes each), and a rejected refresh token (garbage, or expired:
    3.2.0 and 3.3 word the refusal differently) failing without user credentials and falling back
    on the password grant with them."""
    name = app_name(request)
    cases = [
        dict(id='refresh-3.2.0', kind='refresh', version='3.2.0', counts={'password': 1, 'refresh_token': 2}),
        dict(
            id='garbage',
            kind='fallback',
            version='3.2.0',
            rejected_refresh_token='0e5bd1f7-0000-4000-8000-000000000000',
            rejection='HTTP 400 invalid_grant: Provided Authorization Grant is invalid',
            counts={'password': 1, 'refresh_token': 2},
        ),
        dict(id='expired-3.2.0', kind='fallback', version='3.2.0', rejection=re.escape('HTTP 400 invalid_request: Refresh token is expired.')),
        dict(id='refresh-3.3', kind='refresh', version='3.3', counts={'password': 1, 'refresh_token': 2}),
        dict(id='expired-3.3', kind='fallback', version='3.3', rejection=re.escape('HTTP 400 invalid_grant: Refresh token is expired.')),
    ]
    for case in cases:
        case['app'] = register_application(emu, '%s_%s' % (name[:40], case['id'].replace('-', '_').replace('.', '')))
        if case['id'].startswith('expired'):
            case['rejected_refresh_token'] = refresh_token(emu, case['app'])
    emu.expire_tokens(refresh=True)
    result = run_playbook(TARGET + 'refresh.yml', {'cases': cases}, env=control_env)
    assert result.rc == 0, failed_cases(result.output)
    assert_passed(result, recap)
    assert recap(result.output)['ignored'] == 3  # the fallback cases' refreshes without credentials


@pytest.mark.newest_core  # the token exchange: the collection's code
def test_client_credentials_gets_no_refresh_token(run_playbook, recap, emu, request):
    result = run_playbook(TARGET + 'client_credentials.yml', {'app_name': app_name(request)})
    assert_passed(result, recap)
    assert emu.counts()['token:client_credentials'] == 1


@pytest.mark.newest_core  # the token exchange: the collection's code
def test_revoked_token_is_refused_by_the_api(run_playbook, recap, emu, request):
    result = run_playbook(TARGET + 'revoke.yml', {'app_name': app_name(request)})
    assert_passed(result, recap)
    counts = emu.counts()
    # revoke, revoke again, revoke with a wrong secret; the check-mode revocation sent nothing
    assert counts['revoke'] == 3
    assert counts['api'] == 3


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.mark.newest_core  # error answers: the collection's code
def test_each_error_is_one_line_with_url_status_and_the_servers_words(run_playbook, recap, emu, request):
    result = run_playbook(TARGET + 'errors.yml', {'app_name': app_name(request), 'closed_port': closed_port()})
    assert_passed(result, recap)
    assert 'Traceback' not in result.output


TOKEN_URL = r'^POST https://127\.0\.0\.1:\d+/token '

# Each broken answer of /token: the fault, the words the one-line message must hold, and how many
# requests reach /token (503 is retried twice; everything else is answered once).
BROKEN_ANSWERS = [
    dict(id='html', fault=dict(kind='html'), expected=TOKEN_URL + r'failed: HTTP 500 HTML page: '),
    dict(
        id='xml_fault',
        fault=dict(kind='xml_fault'),
        expected=TOKEN_URL + r'failed: HTTP 500 101500: Runtime Error: Error in Sender\. IoTS failed on '
        r'its side; its log \(repository/logs/wso2carbon\.log\) says why\.$',
    ),
    dict(
        id='truncated_json',
        fault=dict(kind='truncated_json'),
        expected=TOKEN_URL + r'answered HTTP 200 but its body is not the expected JSON \(malformed JSON',
    ),
    dict(id='empty', fault=dict(kind='empty'), expected=TOKEN_URL + r'answered HTTP 200 but its body is not the expected JSON \(empty body\)'),
    dict(
        id='invalid_body',
        fault=dict(kind='invalid_body'),
        expected=TOKEN_URL + r'answered HTTP 200 but its body is not the expected JSON \(Service temporarily unavailable',
    ),
    dict(
        id='status503',
        fault=dict(kind='status', status=503),
        expected=TOKEN_URL + r'failed: HTTP 503 101503: Runtime Error: Error connecting to the back end\. .* Tried 3 times\.$',
        requests=3,
    ),
    dict(id='hang', fault=dict(kind='hang'), expected=TOKEN_URL + r'failed: no answer within 2 s \(timeout\)\.', timeout=2),
]


@pytest.mark.newest_core  # error answers: the collection's code
def test_broken_token_answers_fail_with_one_line(run_playbook, recap, emu, request, control_env, failed_cases):
    # One run for every case (each a failed grant, then its checks; an assert names its case).
    cases = [dict(dict(requests=1, timeout=30), **case) for case in BROKEN_ANSWERS]
    result = run_playbook(TARGET + 'faults.yml', {'app_name': app_name(request), 'cases': cases}, env=control_env)
    assert result.rc == 0, failed_cases(result.output)
    assert_passed(result, recap)
    assert recap(result.output)['ignored'] == len(cases)  # every case ran and its grant failed


# ---------------------------------------------------------------------------- no secret in -vvv output

SECRET_PASSWORD = 'Adm1n-Pa55-7f3e9b'


@pytest.fixture
def private_emulator(tmp_path):
    """An emulator whose admin password differs from every user name, so a leak is visible."""
    users = {'admin': {'password': SECRET_PASSWORD, 'admin': True, 'subscribe': True, 'scopes': '*'}}
    emulator = Emulator(port=0, state_dir=str(tmp_path / 'private-emulator'), users=users).start()
    yield emulator
    emulator.stop()


# A returned token, at the top level of a task result as the default callback prints it (indent 4);
# the echoed module arguments sit deeper (invocation.module_args) and must show the placeholder.
TOKEN_KEY_LINE = re.compile(r'^ {4}"(access_token|refresh_token)": "[^"]+",?$')


def test_verbose_output_holds_no_secret_outside_the_returned_tokens(run_playbook, recap, private_emulator, request):
    name = app_name(request)
    result = run_playbook(
        TARGET + 'secrets.yml',
        {'app_name': name, 'admin_password': SECRET_PASSWORD, 'iots_url': private_emulator.url, 'iots_ca_path': private_emulator.ca_path},
        # Echo the module arguments as every ansible-core before 2.21 does, so their masking is checked too.
        verbosity=3,
        env={'ANSIBLE_INJECT_INVOCATION': 'true'},
    )
    assert_passed(result, recap)

    # The emulator's own records (its control views never show secrets).
    client_secrets = [app.client_secret for app in private_emulator.state.apps.values()]
    issued = set()
    for row in private_emulator.state.tokens_by_access.values():
        issued.update(value for value in (row.access, row.refresh) if value)
    assert issued and client_secrets

    output = result.output
    assert SECRET_PASSWORD not in output
    for secret in client_secrets:
        assert secret not in output
    for token in issued:
        for line in output.splitlines():
            if token in line:
                assert TOKEN_KEY_LINE.match(line), line
    # the tokens given to the refresh and revoke tasks are echoed masked, by name
    assert re.search(r'"refresh_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"', output)
    assert re.search(r'"token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"', output)
