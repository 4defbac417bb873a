#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""N Android policies against the IoTS emulator, two ways; prints numbers, asserts nothing.

1. ``module``: a loop of wso2.iots.iots_policy tasks (benchmarks/playbooks/policies_module.yml).
2. ``uri``: the playbook a user would otherwise write with ansible.builtin.uri: read the list, POST the
   missing policies, PUT the others every run, apply the changes (policies_uri.yml).

Each way starts from an empty emulator with D android devices and runs twice. For each run: token
requests, reads, writes (POST/PUT of the API), apply-changes calls, the devices the server re-evaluated
and sent policy operations to (the apply-changes tasks' work), requests per policy, exit code, changed
count and wall time. The module's second run should send no write and no apply-changes.

    .venvs/test/bin/python benchmarks/bench_policies.py                  # 30 policies, 200 devices
    .venvs/test/bin/python benchmarks/bench_policies.py --policies 10 --ways module
"""

import argparse
import os

from playbook_bench import HERE, chosen_ways, emulator_in, text_table, Way

PLAYBOOKS = {
    'module': os.path.join(HERE, 'playbooks', 'policies_module.yml'),
    'uri': os.path.join(HERE, 'playbooks', 'policies_uri.yml'),
}
LABELS = {'module': 'iots_policy loop', 'uri': 'uri, PUT every run'}
SCOPES = [
    'perm:policies:get-details',
    'perm:policies:get-policy-details',
    'perm:policies:manage',
    'perm:policies:update',
    'perm:policies:activate',
    'perm:policies:deactivate',
    'perm:policies:changes',
]
APPLY = 'PUT /policies/apply-changes'


def pushed(emulator):
    """Devices re-evaluated by the apply-changes tasks so far (a pending task is run now)."""
    with emulator.state.lock:
        store = emulator.state.policies
        if store.task_due is not None:
            store.run_due(store.task_due, emulator.state.devices)
        total = sum(count for device_type, count in store.pushes)
        del store.pushes[:]
    return total


def run_way(way, emulator, work, count, devices):
    """Two runs of one way from an emulator with ``devices`` android devices and no policy."""
    emulator.reset(state=True)
    emulator.state.policies.apply_delay = 0.05
    emulator.seed_devices('android', ['phone-%04d' % n for n in range(devices)])
    job = Way(emulator, work, way, 'ansible_bench_policies')
    variables = {
        'iots_ca_path': emulator.ca_path,
        'iots_credentials_file': job.credentials,
        'iots_scopes': SCOPES,
        'bench_policies': [{'name': 'bench-%03d' % n, 'minLength': 4 + n % 8} for n in range(count)],
    }
    return job.run_twice(PLAYBOOKS[way], variables, measure=pushed, tail=6)


def table(results, count):
    header = ['way', 'run', 'token', 'reads', 'writes', 'apply-changes', 'requests/policy', 'devices pushed', 'rc', 'changed', 'wall s']
    rows = []
    for way, runs in results:
        for number, (counts, pushes, recap, rc, seconds) in enumerate(runs, 1):
            reads = counts.get('api', 0) - counts.get('api:write', 0)
            rows.append(
                [
                    LABELS[way],
                    ('first', 'second')[number - 1],
                    str(counts.get('token', 0)),
                    str(reads),
                    str(counts.get('api:write', 0) - counts.get(APPLY, 0)),
                    str(counts.get(APPLY, 0)),
                    '%.2f' % ((counts.get('api', 0) + counts.get('token', 0)) / float(count)),
                    str(pushes),
                    str(rc),
                    str(recap.get('changed', '?')),
                    '%.1f' % seconds,
                ]
            )
    return text_table(header, rows, left=(0, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--policies', type=int, default=30, help='policies (default 30)')
    parser.add_argument('--devices', type=int, default=200, help='enrolled android devices (default 200)')
    parser.add_argument('--ways', default='module,uri', help='which ways, comma-separated (default both)')
    args = parser.parse_args()
    ways = chosen_ways(parser, args.ways, PLAYBOOKS)
    with emulator_in('bench-policies-') as (emulator, work):
        results = [(way, run_way(way, emulator, work, args.policies, args.devices)) for way in ways]
    print('%d policies, %d android devices' % (args.policies, args.devices))
    print(table(results, args.policies))
    print(
        'reads: GET requests of the API; writes: POST/PUT/DELETE but apply-changes; requests/policy: token and API '
        'requests over the number of policies; devices pushed: devices the apply-changes tasks re-evaluated and '
        'sent policy operations to; changed: PLAY RECAP.'
    )


if __name__ == '__main__':
    main()
