# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Faults survived: every broken answer of the gateway, against the modules, the lookup and the role.

Each stream (one component against one endpoint's faults) is one ansible-playbook run of
playbooks/faults.yml against an emulator of its own, and the streams run side by side. For each
case the playbook arms the fault, runs the component, and reads the emulator's counts (a module's
case in one run_case task, with the options module_args() gives); this file judges the outcomes:

* the task fails with one line that names the URL, the HTTP status (when the server answered),
  the server's own words and what to do, with no traceback;
* only what is safe is retried: 502, 503, 504 and a dropped connection reach the server three
  times, a 500, a 401, a broken 200 and a timeout once;
* the persistent token cache and the role's vault file are byte for byte as they were;
* no secret appears in the output or in the outcomes.
"""

import os
import re
import threading
import time

import pytest

from iots_emulator import Emulator
from reliability_harness import (
    ADMIN_PASSWORD,
    USERS,
    KnownSecrets,
    PlaybookRunner,
    VAULT_PASSWORD,
    closed_port,
    file_hashes,
    files_under,
    password_grant,
    register_app,
    run_case_outcomes,
    total,
    write_vault_file,
)

pytestmark = pytest.mark.reliability

TIMEOUT = 2
RETRIED = 3  # the first attempt and DEFAULT_RETRIES (2) more

# name, fault to arm (None: the URL or the CA is what fails), requests that must reach the
# endpoint, what the message must say about the answer, and what it must say to do.
KINDS = [
    ('500', {'kind': 'status', 'status': 500}, 1, r'failed: HTTP 500 (101500: Runtime Error|false \(the server reported an internal failure)', r'log'),
    ('502', {'kind': 'status', 'status': 502}, RETRIED, r'failed: HTTP 502 101503: Runtime Error', r'Tried 3 times\.$'),
    ('503', {'kind': 'status', 'status': 503}, RETRIED, r'failed: HTTP 503 101503: Runtime Error', r'Tried 3 times\.$'),
    ('504', {'kind': 'status', 'status': 504}, RETRIED, r'failed: HTTP 504 101504: Runtime Error', r'Tried 3 times\.$'),
    ('xml_fault', {'kind': 'xml_fault'}, 1, r'failed: HTTP 500 101500: Runtime Error', r'log'),
    ('html', {'kind': 'html'}, 1, r'failed: HTTP 500 HTML page: Apache Tomcat/7\.0\.85 - Error report', r'log'),
    (
        'truncated_json',
        {'kind': 'truncated_json'},
        1,
        r'answered HTTP 200 but its body is not the expected JSON \(malformed JSON of \d+ characters',
        r'cut off',
    ),
    ('empty', {'kind': 'empty'}, 1, r'answered HTTP 200 but its body is not the expected JSON \(empty body\)', r'cut off'),
    ('drop', {'kind': 'drop'}, RETRIED, r'failed: the connection was closed in the middle of the answer', r'Tried 3 times\.$'),
    ('hang', {'kind': 'hang'}, 1, r'failed: no answer within %d s \(timeout\)' % TIMEOUT, r'raise timeout'),
    ('refused', None, 0, r'failed: connection failed \(connection refused\)', r'Check that url points at the IoTS gateway .* Tried 3 times\.$'),
    ('tls', None, 0, r'failed: TLS verification failed \(certificate verify failed: self-signed certificate\)', r'ca_path'),
    # Not a fault but an answer about the request (a wrong password or client secret): never retried.
    ('401', None, 1, r'failed: HTTP 401 ', r'Check username and password|Check client_id and client_secret|client_secret is wrong'),
]
KIND = dict((kind[0], kind) for kind in KINDS)
SERVER_KINDS = [kind[0] for kind in KINDS if kind[1] is not None]

PATHS = {'register': '/api-application-registration/register', 'token': '/token', 'revoke': '/revoke'}

# Each stream: one component against one endpoint's faults (its own emulator).
STREAMS = [
    # name, component (tasks/fault_<component>.yml), faulted endpoint, kinds, table category
    ('iots_app_register', 'iots_app_register', 'register', [k[0] for k in KINDS], 'faults: modules'),
    ('iots_token', 'iots_token', 'token', [k[0] for k in KINDS], 'faults: modules'),
    ('iots_token_absent', 'iots_token_absent', 'revoke', [k[0] for k in KINDS], 'faults: modules'),
    ('iots_bearer', 'lookup', 'token', [k[0] for k in KINDS], 'faults: lookup'),
    ('iots_bearer_register', 'lookup_register', 'register', SERVER_KINDS + ['401'], 'faults: lookup'),
    ('role_register', 'role', 'register', [k[0] for k in KINDS], 'faults: role'),
    # The role's second request: one kind of each family (the answer handling is the modules').
    ('role_token', 'role', 'token', ['500', '503', 'truncated_json', 'drop'], 'faults: role'),
]

# IoTS (RFC 7009) answers a revocation with 200 and an empty body; any 200 means revoked.
REVOKED_ANYWAY = ('truncated_json', 'empty')


# The module streams' modules, and their options for a case (a run_case task each; the lookup and the
# role run in tasks/fault_<component>.yml).
MODULES = {'iots_app_register': 'wso2.iots.iots_app_register', 'iots_token': 'wso2.iots.iots_token', 'iots_token_absent': 'wso2.iots.iots_token'}


def module_args(component, case, app, token_to_revoke=None):
    """The module's options in a case (its run_case task): the wrong password or client secret only in
    the 401 case."""
    wrong = '-wrong' if case.get('wrong') else ''
    args = {'url': case['url'], 'ca_path': case['ca_path'], 'timeout': case['timeout']}
    if component == 'iots_app_register':
        args.update(username='admin', password=ADMIN_PASSWORD + wrong, application_name=app['application_name'], client_id=app['client_id'])
    elif component == 'iots_token':
        args.update(
            client_id=app['client_id'], client_secret=app['client_secret'] + wrong, username='admin', password=ADMIN_PASSWORD, scopes=['perm:devices:view']
        )
    else:
        args.update(client_id=app['client_id'], client_secret=app['client_secret'] + wrong, state='absent', token=token_to_revoke)
    return args


def make_case(stream, kind_name, emulator):
    name, fault, dummy, dummy, dummy = KIND[kind_name]
    case = {'id': '%s %s' % (stream, kind_name), 'kind': kind_name, 'url': emulator.url, 'ca_path': emulator.ca_path, 'timeout': TIMEOUT}
    if fault is not None:
        case['fault'] = dict(fault, endpoint=dict((s[0], s[2]) for s in STREAMS)[stream])
    elif name == 'refused':
        case['url'] = 'https://127.0.0.1:%d' % closed_port()
    elif name == 'tls':
        case['ca_path'] = ''  # the default: validate_certs true with the system CA bundle
    elif name == '401':
        case['wrong'] = True  # the password (registration) or the client secret (token, revoke) is wrong
    return case


def run_streams(emulator, workdir):
    """Every stream in its own ansible-playbook run, all at once, each against an emulator of its own."""
    password_file = os.path.join(workdir, 'vault-password')
    with open(password_file, 'w') as handle:
        handle.write(VAULT_PASSWORD)
    emulators, runs = [], {}
    try:
        for name, component, _endpoint, kinds, dummy in STREAMS:
            # The session emulator's state dir holds its certificate: every stream reuses it.
            emu = Emulator(port=0, state_dir=emulator.state_dir, users=USERS).start()
            emulators.append(emu)
            app = register_app(emu, 'rel_faults_%s' % name)
            stream = {
                'name': name,
                'component': component,
                'emulator_url': emu.url,
                'emulator_ca_path': emu.ca_path,
                'app': app,
                'cases': [make_case(name, kind, emu) for kind in kinds],
            }
            runner = PlaybookRunner(emu, os.path.join(workdir, name))
            if component == 'iots_token_absent':
                stream['token_to_revoke'] = password_grant(emu, app)['access_token']
            if component in MODULES:
                stream['module'] = MODULES[component]
                for case in stream['cases']:
                    case['module_args'] = module_args(component, case, app, stream.get('token_to_revoke'))
            if component == 'lookup':
                stream.update(baseline=True, cache_dir=os.path.join(runner.workdir, 'bearer-cache'))
                stream['watched'] = [stream['cache_dir']]
            if component == 'role':
                stream['credentials_file'] = os.path.join(runner.workdir, 'group_vars', 'all', 'iots_credentials.yml')
                write_vault_file(
                    stream['credentials_file'], {'iots_url': emu.url, 'iots_client_id': app['client_id'], 'iots_client_secret': app['client_secret']}
                )
            runs[name] = {'stream': stream, 'runner': runner, 'emulator': emu, 'files_before': file_hashes(stream.get('credentials_file', '/nonexistent'))}

        def run_stream(name):
            runs[name]['result'] = runs[name]['runner'].run(
                'faults.yml',
                {'stream': runs[name]['stream'], 'admin_password': ADMIN_PASSWORD},
                env={'IOTS_TIMEOUT': str(TIMEOUT)},
                args=['--vault-id', 'iots@' + password_file],
            )

        threads = [threading.Thread(target=run_stream, args=(name,)) for name in runs]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started

        known = KnownSecrets(emulator, *emulators)
        for name, run in runs.items():
            runner = run['runner']
            path = os.path.join(runner.captures, name + '.json')
            run['captured'] = runner.outcomes(name + '.json') if os.path.exists(path) else None
            run['files_after'] = file_hashes(run['stream'].get('credentials_file', '/nonexistent'))
            texts = runner.outputs + [open(p).read() for p in files_under([runner.captures])]
            run['secrets'] = known.count(texts=texts, paths=runner.scanned_dirs + list(run['files_after']))
        return runs, wall
    finally:
        for emu in emulators:
            emu.stop()


def judge(stream_name, endpoint, outcome):
    """The list of what is wrong with one outcome (empty: the case was survived)."""
    problems = []
    result, counts = outcome['result'], outcome['counts']
    kind = outcome['id'].split(' ', 1)[1]
    dummy, dummy, requests, said, to_do = KIND[kind]
    if stream_name == 'role_token' or (stream_name == 'role_register' and kind not in ('refused', 'tls')):
        # The role registers first (with the stored client id), then proves the keys with a token.
        expected_counts = {'register': requests if endpoint == 'register' else 1, 'token': requests if endpoint == 'token' else 0}
    else:
        expected_counts = {endpoint: requests}
        if stream_name == 'iots_bearer_register':
            expected_counts['token'] = 0  # no keys, no token request
    for key, value in expected_counts.items():
        if counts[key] != value:
            problems.append('%s requests reached %s, expected %s' % (counts[key], key, value))

    if stream_name == 'iots_token_absent' and kind in REVOKED_ANYWAY:
        if result.get('failed') or not result.get('revoked'):
            problems.append('a 200 answer to /revoke is a revocation: %r' % result)
        return problems

    msg = result.get('msg') or ''
    if not result.get('failed'):
        problems.append('did not fail')
    if '\n' in msg.strip():
        problems.append('message has more than one line')
    if re.search(r'Traceback|File "/', repr(result)):
        problems.append('a traceback in the result')
    url = r'POST https://127\.0\.0\.1:\d+%s ' % re.escape(PATHS[endpoint])
    if not re.search(url + said, msg):
        problems.append('message does not say %r' % (url + said))
    if not re.search(to_do, msg):
        problems.append('message does not say what to do (%r)' % to_do)
    return problems


def verdicts(runs, category):
    """{case id: problems} of every case of the category's streams (no problems: survived)."""
    found = {}
    for name, _component, endpoint, kinds, stream_category in STREAMS:
        if stream_category != category:
            continue
        run = runs[name]
        if run['captured'] is None:
            found[name + ': the run stopped before its end'] = [repr(run['result'])]
            continue
        by_id = dict((o['id'], o) for o in run['captured']['outcomes'])
        by_id.update(run_case_outcomes(run['captured']['module_cases']))
        for kind in kinds:
            case_id = '%s %s' % (name, kind)
            found[case_id] = judge(name, endpoint, by_id[case_id]) if case_id in by_id else ['not run']
    return found


def report(tally, category, found, secrets, note=None):
    survived = sum(1 for problems in found.values() if not problems)
    tally(category, len(found), survived, secrets, note=note)
    return dict((case, problems) for case, problems in found.items() if problems)


def cache_unchanged(runs):
    """The lookup's persistent cache, byte for byte as the baseline left it, and encrypted."""
    captured = runs['iots_bearer']['captured'] or {'before': {}, 'after': {}}
    problems = []
    if not any(path.endswith('.json') for path in captured['before']):
        problems.append('the baseline wrote no persistent cache entry')
    if captured['before'] != captured['after']:
        problems.append('the persistent cache changed: %r -> %r' % (captured['before'], captured['after']))
    for path in captured['before']:
        if path.endswith('.json'):
            with open(path, 'rb') as handle:
                if not handle.read().startswith(b'$ANSIBLE_VAULT'):
                    problems.append('%s is not vault-encrypted' % path)
    return problems


# One test, not one per component: all streams run at once, and pytest-xdist would otherwise run
# a module-scoped fixture once per worker.
def test_every_fault_is_survived_by_the_modules_the_lookup_and_the_role(emulator, tmp_path, tally):
    runs, wall = run_streams(emulator, str(tmp_path))
    failures = {}
    for category in ('faults: modules', 'faults: lookup', 'faults: role'):
        names = [s[0] for s in STREAMS if s[4] == category]
        found = verdicts(runs, category)
        if category == 'faults: lookup':
            found['persistent cache byte for byte as before'] = cache_unchanged(runs)
        if category == 'faults: role':
            for name in names:
                unchanged = runs[name]['files_before'] and runs[name]['files_before'] == runs[name]['files_after']
                found['%s: vault file byte for byte as before' % name] = [] if unchanged else ['the vault file changed']
        secrets = dict((k, v) for name in names for k, v in runs[name]['secrets'].items())
        note = None
        if category == 'faults: modules':
            note = '%d fault streams, one ansible-playbook run each, side by side in %.0f s' % (len(STREAMS), wall)
        failures.update(report(tally, category, found, total(secrets), note=note))
        if secrets:
            failures['%s: secrets found' % category] = secrets
    assert not failures, failures
