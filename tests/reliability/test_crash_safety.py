# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Crash safety: SIGKILL a writer of the token cache or of the role's vault file, at chosen and at random moments.

kill_while_writing.py forks writers that use the collection's own code and kills them at fixed
points (before the temp file is synced, before the rename, after the rename, and for the token
cache while the writer holds the entry's fetch lock), then ROUNDS times at a random moment.
After each kill the file must be exactly the old or the new version, and the writer's lock must
be free at once. Then a real run (the lookup and the role) uses the files that survived, and
the next writes remove the temp files the killed writers left.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache

from reliability_harness import (
    ADMIN_PASSWORD,
    HERE,
    VAULT_PASSWORD,
    register_app,
)

pytestmark = pytest.mark.reliability

ROUNDS = 50
SCOPES = ['perm:devices:view']


def kill_writers(spec):
    completed = subprocess.run(
        [sys.executable, os.path.join(HERE, 'kill_while_writing.py'), json.dumps(spec)], capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def client_credentials_token(emu, app):
    import requests

    answer = requests.post(
        emu.url + '/token',
        auth=(app['client_id'], app['client_secret']),
        timeout=10,
        data={'grant_type': 'client_credentials', 'scope': ' '.join(SCOPES)},
        verify=emu.ca_path,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def judge(report):
    """{round: problem} for every kill whose file was not exactly old or new, or whose lock stayed taken."""
    problems = {}
    for index, kill in enumerate(report['rounds']):
        if kill['version'] not in (0, 1):
            problems['%d (%s)' % (index, kill['how'])] = kill['version']
        elif not kill['lock_free']:
            problems['%d (%s)' % (index, kill['how'])] = 'the lock is still held'
    return problems


FIXED_POINTS = {'before_fsync': 0, 'before_replace': 0, 'after_replace': 1, 'holding_the_fetch_lock': 1}


def fixed_kills(report):
    """{pause point: version found}: before the sync and the rename the old version stays, after it the new one."""
    return dict((kill['how'], kill['version']) for kill in report['rounds'] if kill['how'] in FIXED_POINTS)


def test_sigkill_never_leaves_a_partial_cache_or_vault_file(playbooks, emu, tally, tmp_path, vault_password_file):
    cache_app = register_app(emu, 'rel_crash_cache')
    role_app = register_app(emu, 'rel_crash_role')
    answer = client_credentials_token(emu, cache_app)
    key = _token_cache.cache_key(emu.url + '/token', 'client_credentials', None, cache_app['client_id'], SCOPES)
    now = time.time()
    token = {
        'access_token': answer['access_token'],
        'expires_in': int(answer['expires_in']),
        'token_type': 'Bearer',
        'scopes': SCOPES,
        'grant_used': 'client_credentials',
    }
    entries = [_token_cache.token_entry(key, dict(token, obtained_at=now - 60)), _token_cache.token_entry(key, dict(token, obtained_at=now))]
    cache_dir = tmp_path / 'bearer-cache'
    cache_dir.mkdir(mode=0o700)
    credentials_file = tmp_path / 'inventory' / 'group_vars' / 'iots_credentials.yml'
    credentials_file.parent.mkdir(parents=True)
    stored = {'iots_url': emu.url, 'iots_client_id': role_app['client_id'], 'iots_client_secret': role_app['client_secret']}

    started = time.monotonic()
    cache_report = kill_writers(
        {
            'target': 'token_cache',
            'directory': str(cache_dir),
            'key': key,
            'entries': entries,
            'rounds': ROUNDS,
            'seed': 1,
            'max_delay': 0.05,
            'vault_password': VAULT_PASSWORD,
        }
    )
    vault_report = kill_writers(
        {
            'target': 'vault_file',
            'path': str(credentials_file),
            'data': [dict(stored, iots_comment='old'), stored],
            'rounds': ROUNDS,
            'seed': 2,
            'max_delay': 0.03,
            'vault_password': VAULT_PASSWORD,
        }
    )
    killing = time.monotonic() - started
    next_run = playbooks.run(
        'crash_next_run.yml',
        {
            'cache_app': cache_app,
            'role_app': role_app,
            'cache_dir': str(cache_dir),
            'credentials_file': str(credentials_file),
            'admin_password': ADMIN_PASSWORD,
        },
        args=['--vault-id', 'iots@' + vault_password_file],
    )

    problems = {'token cache': judge(cache_report), 'vault file': judge(vault_report)}
    kills = len(cache_report['rounds']) + len(vault_report['rounds'])
    fixed = len(fixed_kills(cache_report)) + len(fixed_kills(vault_report))
    broken = sum(len(p) for p in problems.values())
    tally(
        'crash safety',
        kills + 1,
        kills - broken + (1 if next_run.rc == 0 else 0),
        0,
        note='%d SIGKILLs (%d at fixed points, %d at random moments) in %.1f s; old version kept %d times, new %d '
        'times; temp files left by killed writers: %d in the cache dir, %d beside the vault file, %d after the '
        'next writes'
        % (
            kills,
            fixed,
            kills - fixed,
            killing,
            sum(1 for r in cache_report['rounds'] + vault_report['rounds'] if r['version'] == 0),
            sum(1 for r in cache_report['rounds'] + vault_report['rounds'] if r['version'] == 1),
            len(cache_report['left_by_kills']),
            len(vault_report['left_by_kills']),
            len(cache_report['left_after_next_write'] + vault_report['left_after_next_write']),
        ),
    )

    assert not problems['token cache'] and not problems['vault file'], problems
    assert fixed_kills(cache_report) == FIXED_POINTS
    assert fixed_kills(vault_report) == dict((k, v) for k, v in FIXED_POINTS.items() if k != 'holding_the_fetch_lock')
    for report in (cache_report, vault_report):
        assert report['next_write_works']
        assert report['left_after_next_write'] == [], 'the next write keeps what killed writers left'
    assert next_run.rc == 0, next_run
