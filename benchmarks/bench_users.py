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
import os

from playbook_bench import HERE, chosen_ways, emulator_in, scaled_seconds, text_table, Way
from iots_emulator.users import Role

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
    """Two runs of one way from an empty emulator: [(counts, extra, recap, rc, seconds), ...]."""
    emulator.reset(state=True)
    emulator.state.access.tenant('carbon.super').roles[ROLE] = Role(ROLE, ['/permission/admin/device-mgt/groups/view'])
    job = Way(emulator, work, way, 'ansible_bench_users')
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
    variables = {'iots_ca_path': emulator.ca_path, 'iots_credentials_file': job.credentials, 'iots_scopes': SCOPES, 'iots_users': users}
    return job.run_twice(PLAYBOOKS[way], variables)


def table(results, count):
    header = ['way', 'users', 'run'] + [title for dummy, title in COLUMNS] + ['api', 'rc', 'changed', 'wall s', 'wall s for %d' % count]
    rows = []
    for way, done, runs in results:
        for number, (counts, dummy, recap, rc, seconds) in enumerate(runs, 1):
            rows.append(
                [LABELS[way], str(done), ('first', 'second')[number - 1]]
                + [str(counts.get(key, 0)) for key, dummy in COLUMNS]
                + [str(counts.get('api', 0))]
                + [str(rc), str(recap.get('changed', '?')), '%.1f' % seconds, scaled_seconds(seconds, done, count)]
            )
    return text_table(header, rows, left=(0, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--users', type=int, default=120, help='users to onboard (default 120)')
    parser.add_argument('--ways', default='bulk,loop', help='which ways, comma-separated (default both)')
    parser.add_argument('--sample', type=int, default=0, help='the loop onboards only this many (default: all)')
    args = parser.parse_args()
    ways = chosen_ways(parser, args.ways, PLAYBOOKS)
    with emulator_in('bench-users-') as (emulator, work):
        results = []
        for way in ways:
            done = args.users if way == 'bulk' or not args.sample else min(args.sample, args.users)
            results.append((way, done, run_way(way, emulator, work, done)))
    print(table(results, args.users))
    print(
        'token: token requests; list pages: GET /users; user reads: GET /users/{username}; role reads: '
        'GET /roles/{roleName}; creates: POST /users; passwords: POST /admin/users/{username}/credentials; '
        'writes: every POST/PUT/DELETE of the API; api: every API request; changed: PLAY RECAP.'
    )


if __name__ == '__main__':
    main()
