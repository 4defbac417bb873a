#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Enrolling N devices of one type against the IoTS emulator, three ways; prints numbers, asserts nothing.

1. ``bulk``: one wso2.iots.iots_device task with ``devices`` (benchmarks/playbooks/provision_bulk.yml);
   the module gets its own token.
2. ``loop``: a ``loop`` over single-device wso2.iots.iots_device tasks, one token from the
   iots_bearer lookup for all (provision_loop.yml).
3. ``uri``: playbooks/provision.yml as it was before the device modules, ansible.builtin.uri and a
   filter chain (provision_uri.yml).

Each way starts from an empty emulator and runs twice: the first run enrols, the second should
change nothing. For each run: the requests that reached the emulator (token requests, device list
pages, single-device reads, enrolments, all writes), the playbook's exit code and changed count,
and the wall time.

A loop costs about a second per device (a forked module run each), so ``--sample N`` lets the loop
and uri ways enrol only N of the devices; their wall times are then also shown scaled to all of them
(time per device x devices), marked as estimates.

    .venvs/test/bin/python benchmarks/bench_devices.py                 # 1000 devices, all three ways, all 1000
    .venvs/test/bin/python benchmarks/bench_devices.py --sample 100    # loop and uri with 100 of them
    .venvs/test/bin/python benchmarks/bench_devices.py --devices 200 --ways bulk,uri

Only loopback traffic: the emulator listens on 127.0.0.1 and the playbooks use the local connection.
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
from playbook_harness import (  # noqa: E402
    ansible_environment,
    play_recap,
    register_application,
    run_ansible_playbook,
    write_inventory,
)

PLAYBOOKS = {
    'bulk': os.path.join(HERE, 'playbooks', 'provision_bulk.yml'),
    'loop': os.path.join(HERE, 'playbooks', 'provision_loop.yml'),
    'uri': os.path.join(HERE, 'playbooks', 'provision_uri.yml'),
}
LABELS = {
    'bulk': 'iots_device, devices (1 run)',
    'loop': 'iots_device in a loop',
    'uri': 'old uri playbook',
}
DEVICE_TYPE = 'virtual_firealarm'
# Enough for every way: list, enrol, modify, device types.
SCOPES = ['perm:device-types:types', 'perm:device:enroll', 'perm:device:modify', 'perm:devices:details', 'perm:devices:view']
COLUMNS = (
    ('token', 'token'),
    ('GET /devices', 'list pages'),
    ('GET /devices/{type}/{id}', 'reads'),
    ('POST /device/agent/enroll', 'enrols'),
    ('api:write', 'writes'),
)


def run_way(way, emulator, work, count):
    """Two runs of one way from an empty emulator: [(counts, recap, rc, seconds), ...]."""
    emulator.reset(state=True)
    keys = register_application(emulator, 'ansible_bench_devices')
    folder = os.path.join(work, way)
    os.makedirs(os.path.join(folder, 'home'))
    os.makedirs(os.path.join(folder, 'tmp'))
    credentials = os.path.join(folder, 'credentials.json')
    with open(credentials, 'w') as handle:
        json.dump({'iots_url': emulator.url, 'iots_client_id': keys['client_id'], 'iots_client_secret': keys['client_secret']}, handle)
    # The old playbook's keys (type, id); iots_device takes them as aliases of device_type, device_id.
    devices = [{'type': DEVICE_TYPE, 'id': 'bench-%05d' % n, 'name': 'Bench sensor %d' % n} for n in range(count)]
    variables = {'iots_ca_path': emulator.ca_path, 'iots_credentials_file': credentials, 'iots_scopes': SCOPES, 'iots_devices': devices}
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


def other_requests(counts):
    """Device-API requests that are neither list pages, single reads nor writes (GET /device-types)."""
    counted = ('GET /devices', 'GET /devices/{type}/{id}', 'api:write')
    return counts.get('api', 0) - sum(counts.get(key, 0) for key in counted)


def table(results, count):
    header = ['way', 'devices', 'run'] + [title for dummy, title in COLUMNS] + ['other', 'rc', 'changed', 'wall s', 'wall s for %d' % count]
    rows = []
    for way, done, runs in results:
        for number, (counts, recap, rc, seconds) in enumerate(runs, 1):
            scaled = '%.1f' % seconds if done == count else '~%.0f (est.)' % (seconds * count / done)
            rows.append(
                [LABELS[way], str(done), ('first', 'second')[number - 1]]
                + [str(counts.get(key, 0)) for key, dummy in COLUMNS]
                + [str(other_requests(counts))]
                + [str(rc), str(recap.get('changed', '?')), '%.1f' % seconds, scaled]
            )
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ['  '.join(cell.ljust(width) if i in (0, 2) else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))) for row in [header] + rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--devices', type=int, default=1000, help='devices to enrol (default 1000)')
    parser.add_argument('--ways', default='bulk,loop,uri', help='which ways, comma-separated (default all)')
    parser.add_argument('--sample', type=int, default=0, help='loop and uri enrol only this many of the devices (default: all)')
    args = parser.parse_args()
    ways = [way.strip() for way in args.ways.split(',') if way.strip()]
    unknown = [way for way in ways if way not in PLAYBOOKS]
    if unknown:
        parser.error('unknown way %s; choose from %s' % (', '.join(unknown), ', '.join(PLAYBOOKS)))
    ensure_collection_tree()
    work = tempfile.mkdtemp(prefix='bench-devices-')
    emulator = Emulator(port=0, state_dir=os.path.join(work, 'emulator')).start()
    try:
        results = []
        for way in ways:
            done = args.devices if way == 'bulk' or not args.sample else min(args.sample, args.devices)
            results.append((way, done, run_way(way, emulator, work, done)))
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(table(results, args.devices))
    print(
        'token: token requests; list pages: GET /devices; reads: GET /devices/{type}/{id}; enrols: '
        'POST /device/agent/enroll; writes: every POST/PUT/DELETE of the device API; other: any other '
        'device-API request (GET /device-types); changed: PLAY RECAP.'
    )


if __name__ == '__main__':
    main()
