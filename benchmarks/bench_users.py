#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Onboarding N users (default 120) into one role against the IoTS emulator, two ways; prints numbers, asserts nothing.

1. ``bulk``: one wso2.iots.iots_user task with ``users`` (benchmarks/playbooks/users_bulk.yml); the module gets
   its own token.
2. ``loop``: a ``loop`` over single-user wso2.iots.iots_user tasks, one token from the iots_bearer lookup for
   all (users_loop.yml).

Each way starts from an empty emulator and runs twice: the first run creates every user and sets its
password, the second should change nothing. For each run: token requests, user list pages (GET /users),
one-user reads (GET /users/{username}), role reads, creations, password calls, all writes, the playbook's
exit code and changed count, and the wall time. IoTS lists at most 100 user names, so with more than 100
users (admin and the emulator's own users included) the bulk way looks up the others one by one.

    .venvs/test/bin/python benchmarks/bench_users.py                  # 120 users, both ways
    .venvs/test/bin/python benchmarks/bench_users.py --sample 20      # the loop with 20 of them (scaled times)
    .venvs/test/bin/python benchmarks/bench_users.py --users 50 --ways bulk
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'harness'))

# pylint: disable=wrong-import-position
from bench_lookup import ensure_collection_tree  # noqa: E402
from iots_emulator import Emulator  # noqa: E402
from iots_emulator.users import Role  # noqa: E402
from playbook_harness import (  # noqa: E402
    ansible_environment,
    play_recap,
    register_application,
    run_ansible_playbook,
    write_inventory,
)

PLAYBOOKS = {'bulk': os.path.join(HERE, 'playbooks', 'users_bulk.yml'), 'loop': os.path.join(HERE, 'playbooks', 'users_loop.yml')}
LABELS = {'bulk': 'iots_user, users (1 run)', 'loop': 'iots_user in a loop'}
ROLE = 'bench_operators'
# What a single-user run may call: read the user, its roles and the roles, create, set the password, update.
SCOPES = ['perm:admin-users:view', 'perm:roles:details', 'perm:roles:view', 'perm:users:add', 'perm:users:details', 'perm:users:roles', 'perm:users:update']
COLUMNS = (
    ('token', 'token'),
    ('GET /users', 'list pages'),
    ('GET /users/{username}', 'user reads'),
    ('GET /roles/{roleName}', 'role reads'),
    ('POST /users', 'creates'),
    ('POST /admin/users/{username}/credentials', 'passwords'),
    ('api:write', 'writes'),
)


def run_way(way, emulator, work, count):
    """Two runs of one way from an empty emulator: [(counts, recap, rc, seconds), ...]."""
    emulator.reset(state=True)
    emulator.state.access.tenant('carbon.super').roles[ROLE] = Role(ROLE, ['/permission/admin/device-mgt/groups/view'])
    keys = register_application(emulator, 'ansible_bench_users')
    folder = os.path.join(work, way)
    os.makedirs(os.path.join(folder, 'home'))
    os.makedirs(os.path.join(folder, 'tmp'))
    credentials = os.path.join(folder, 'credentials.json')
    with open(credentials, 'w') as handle:
        json.dump({'iots_url': emulator.url, 'iots_client_id': keys['client_id'], 'iots_client_secret': keys['client_secret']}, handle)
    users = [
        {
            'name': 'bench%04d' % n,
            'first_name': 'Bench',
            'last_name': 'User %d' % n,
            'email': 'bench%04d@example.com' % n,
            'user_password': 'Bench-pw-%04d' % n,
            'roles': [ROLE],
        }
        for n in range(count)
    ]
    variables = {'iots_ca_path': emulator.ca_path, 'iots_credentials_file': credentials, 'iots_scopes': SCOPES, 'iots_users': users}
    env = ansible_environment(os.path.join(folder, 'home'), os.path.join(folder, 'tmp'))
    inventory = write_inventory(os.path.join(folder, 'inventory.ini'))
    runs = []
    for number in (1, 2):
        emulator.reset()
        result = run_ansible_playbook(PLAYBOOKS[way], inventory, env, variables=variables, vars_file=os.path.join(folder, 'vars.json'), timeout=7200)
        runs.append((emulator.counts(), play_recap(result.output), result.rc, result.seconds))
        print('  %s run %d: rc=%d, %.1f s' % (way, number, result.rc, result.seconds), file=sys.stderr)
        if result.rc:
            print('    ' + '\n    '.join(result.output.strip().splitlines()[-4:]), file=sys.stderr)
    return runs


def table(results, count):
    header = ['way', 'users', 'run'] + [title for dummy, title in COLUMNS] + ['api', 'rc', 'changed', 'wall s', 'wall s for %d' % count]
    rows = []
    for way, done, runs in results:
        for number, (counts, recap, rc, seconds) in enumerate(runs, 1):
            scaled = '%.1f' % seconds if done == count else '~%.0f (est.)' % (seconds * count / done)
            rows.append(
                [LABELS[way], str(done), ('first', 'second')[number - 1]]
                + [str(counts.get(key, 0)) for key, dummy in COLUMNS]
                + [str(counts.get('api', 0))]
                + [str(rc), str(recap.get('changed', '?')), '%.1f' % seconds, scaled]
            )
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ['  '.join(cell.ljust(width) if i in (0, 2) else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))) for row in [header] + rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--users', type=int, default=120, help='users to onboard (default 120)')
    parser.add_argument('--ways', default='bulk,loop', help='which ways, comma-separated (default both)')
    parser.add_argument('--sample', type=int, default=0, help='the loop onboards only this many (default: all)')
    args = parser.parse_args()
    ways = [way.strip() for way in args.ways.split(',') if way.strip()]
    unknown = [way for way in ways if way not in PLAYBOOKS]
    if unknown:
        parser.error('unknown way %s; choose from %s' % (', '.join(unknown), ', '.join(PLAYBOOKS)))
    ensure_collection_tree()
    work = tempfile.mkdtemp(prefix='bench-users-')
    emulator = Emulator(port=0, state_dir=os.path.join(work, 'emulator')).start()
    try:
        results = []
        for way in ways:
            done = args.users if way == 'bulk' or not args.sample else min(args.sample, args.users)
            results.append((way, done, run_way(way, emulator, work, done)))
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(table(results, args.users))
    print(
        'token: token requests; list pages: GET /users; user reads: GET /users/{username}; role reads: '
        'GET /roles/{roleName}; creates: POST /users; passwords: POST /admin/users/{username}/credentials; '
        'writes: every POST/PUT/DELETE of the API; api: every API request; changed: PLAY RECAP.'
    )


if __name__ == '__main__':
    main()
