#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Enrolling N devices of one type against the IoTS emulator, three ways and a floor; prints numbers, asserts nothing.

1. ``bulk``: one wso2.iots.iots_device task with ``devices`` (benchmarks/playbooks/provision_bulk.yml);
   the module gets its own token.
2. ``loop``: a ``loop`` over single-device wso2.iots.iots_device tasks, one token from the
   iots_bearer lookup for all (provision_loop.yml).
3. ``uri``: playbooks/provision.yml as it was before the device modules, ansible.builtin.uri and a
   filter chain (provision_uri.yml).
4. ``floor``: the least work the job needs, to measure the others against: a playbook with one
   ansible.builtin.ping task (Ansible's own cost of a task; floor_ping.yml, with the same extra vars)
   plus floor_client.py, a plain requests.Session making the requests the bulk module makes (token,
   device list pages, and when something is missing the device-type list and the enrolments). Its
   wall time is the two added up.

Each way starts from an empty emulator and runs twice: the first run enrols, the second should
change nothing. For each run: the requests that reached the emulator (token requests, device list
pages, single-device reads, enrolments, all writes), the playbook's exit code and changed count,
and the wall time.

A loop costs about a second per device (a forked module run each), so ``--sample N`` lets the loop
and uri ways enrol only N of the devices; their wall times are then also shown scaled to all of them
(time per device x devices), marked as estimates.

``--rounds N`` repeats every way N times, interleaved (the order of the ways alternates from round
to round), and shows the median wall and CPU time of each run; with both ``floor`` and ``bulk`` chosen a second
table sets them side by side (bulk / floor, per run, with every round's times).

    .venvs/test/bin/python benchmarks/bench_devices.py                 # 1000 devices, all three ways, all 1000
    .venvs/test/bin/python benchmarks/bench_devices.py --sample 100    # loop and uri with 100 of them
    .venvs/test/bin/python benchmarks/bench_devices.py --devices 200 --ways bulk,uri
    .venvs/test/bin/python benchmarks/bench_devices.py --ways floor,bulk --rounds 5   # bulk against the floor

Only loopback traffic: the emulator listens on 127.0.0.1 and the playbooks use the local connection.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from playbook_bench import HERE, chosen_ways, emulator_in, run_ansible_playbook, play_recap, scaled_seconds, text_table, Way

PLAYBOOKS = {
    'bulk': os.path.join(HERE, 'playbooks', 'provision_bulk.yml'),
    'loop': os.path.join(HERE, 'playbooks', 'provision_loop.yml'),
    'uri': os.path.join(HERE, 'playbooks', 'provision_uri.yml'),
    'floor': os.path.join(HERE, 'playbooks', 'floor_ping.yml'),
}
FLOOR_CLIENT = os.path.join(HERE, 'floor_client.py')
LABELS = {
    'bulk': 'iots_device, devices (1 run)',
    'loop': 'iots_device in a loop',
    'uri': 'old uri playbook',
    'floor': 'floor: ping + requests',
}
DEVICE_TYPE = 'virtual_firealarm'
# Enough for every way: list, enrol, modify, device types.
SCOPES = ['perm:device-types:types', 'perm:device:enroll', 'perm:device:modify', 'perm:devices:details', 'perm:devices:view']
# The scopes the bulk module asks for (state present, not check mode): what the floor's token request asks.
MODULE_SCOPES = ['perm:device-types:types', 'perm:device:enroll', 'perm:device:modify', 'perm:devices:view']
COLUMNS = (
    ('token', 'token'),
    ('GET /devices', 'list pages'),
    ('GET /devices/{type}/{id}', 'reads'),
    ('POST /device/agent/enroll', 'enrols'),
    ('api:write', 'writes'),
)


def run_floor_client(folder, emulator, keys, devices, env):
    """floor_client.py in a fresh Python, as a module runs: (rc, seconds)."""
    config = os.path.join(folder, 'floor.json')
    with open(config, 'w') as handle:
        settings = dict(url=emulator.url, ca_path=emulator.ca_path, scopes=MODULE_SCOPES, devices=devices, **keys)
        json.dump(settings, handle)
    started = time.monotonic()
    completed = subprocess.run([sys.executable, FLOOR_CLIENT, config], env=env, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    if completed.returncode:
        print('    ' + '\n    '.join(completed.stderr.strip().splitlines()[-4:]), file=sys.stderr)
    return completed.returncode, seconds


def children_cpu():
    """CPU seconds (user + system) of the finished child processes so far: ansible-playbook, its workers and modules."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_way(way, emulator, work, count):
    """Two runs of one way from an empty emulator: [(counts, recap, rc, seconds, cpu seconds), ...]."""
    emulator.reset(state=True)
    job = Way(emulator, work, way, 'ansible_bench_devices')
    # The old playbook's keys (type, id); iots_device takes them as aliases of device_type, device_id.
    devices = [{'type': DEVICE_TYPE, 'id': 'bench-%05d' % n, 'name': 'Bench sensor %d' % n} for n in range(count)]
    variables = {'iots_ca_path': emulator.ca_path, 'iots_credentials_file': job.credentials, 'iots_scopes': SCOPES, 'iots_devices': devices}
    runs = []
    for number in (1, 2):
        emulator.reset()
        cpu = children_cpu()
        result = run_ansible_playbook(
            PLAYBOOKS[way], job.inventory, job.env, variables=variables, vars_file=os.path.join(job.folder, 'vars.json'), timeout=7200
        )
        rc, seconds = result.rc, result.seconds
        if result.rc:
            print('    ' + '\n    '.join(result.output.strip().splitlines()[-4:]), file=sys.stderr)
        if way == 'floor':
            client_rc, client_seconds = run_floor_client(job.folder, emulator, job.keys, devices, job.env)
            rc, seconds = rc or client_rc, seconds + client_seconds
        cpu = children_cpu() - cpu
        runs.append((emulator.counts(), play_recap(result.output), rc, seconds, cpu))
        print('  %s run %d: rc=%d, %.2f s, %.2f s CPU' % (way, number, rc, seconds, cpu), file=sys.stderr)
    return runs


def other_requests(counts):
    """Device-API requests that are neither list pages, single reads nor writes (GET /device-types)."""
    counted = ('GET /devices', 'GET /devices/{type}/{id}', 'api:write')
    return counts.get('api', 0) - sum(counts.get(key, 0) for key in counted)


def median_runs(rounds):
    """The runs of the last round with each run's wall and CPU time replaced by the medians over the rounds."""
    return [run[:3] + tuple(statistics.median(each[number][column] for each in rounds) for column in (3, 4)) for number, run in enumerate(rounds[-1])]


def table(results, count):
    header = ['way', 'devices', 'run'] + [title for dummy, title in COLUMNS] + ['other', 'rc', 'changed', 'cpu s', 'wall s', 'wall s for %d' % count]
    rows = []
    for way, done, rounds in results:
        for number, (counts, recap, rc, seconds, cpu) in enumerate(median_runs(rounds), 1):
            rows.append(
                [LABELS[way], str(done), ('first', 'second')[number - 1]]
                + [str(counts.get(key, 0)) for key, dummy in COLUMNS]
                + [str(other_requests(counts))]
                + [str(rc), str(recap.get('changed', '?')), '%.2f' % cpu, '%.2f' % seconds, scaled_seconds(seconds, done, count)]
            )
    return text_table(header, rows, left=(0, 2))


def floor_table(results):
    """bulk against the floor, per run: medians of wall and CPU time, their ratios, and every round's times.

    CPU time (of ansible-playbook, its workers, the module and the floor's client; the emulator runs in
    this process) says more than wall time on a loaded machine: it does not count the waits for a core.
    """
    rounds = dict((way, each) for way, dummy, each in results)
    header = ['run', 'measure', 'floor', 'bulk', 'bulk / floor', 'floor, each round', 'bulk, each round']
    rows = []
    for number, name in enumerate(('first', 'second')):
        for column, measure in ((3, 'wall s'), (4, 'cpu s')):
            floor = [each[number][column] for each in rounds['floor']]
            bulk = [each[number][column] for each in rounds['bulk']]
            rows.append(
                [
                    name,
                    measure,
                    '%.2f' % statistics.median(floor),
                    '%.2f' % statistics.median(bulk),
                    '%.2fx' % (statistics.median(bulk) / statistics.median(floor)),
                    ' '.join('%.2f' % value for value in floor),
                    ' '.join('%.2f' % value for value in bulk),
                ]
            )
    return text_table(header, rows, left=(0, 1, 5, 6))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--devices', type=int, default=1000, help='devices to enrol (default 1000)')
    parser.add_argument('--ways', default='bulk,loop,uri', help='which ways, comma-separated (default all)')
    parser.add_argument('--sample', type=int, default=0, help='loop and uri enrol only this many of the devices (default: all)')
    parser.add_argument('--rounds', type=int, default=1, help='runs of every way, interleaved; wall times are medians (default 1)')
    args = parser.parse_args()
    ways = chosen_ways(parser, args.ways, PLAYBOOKS)
    with emulator_in('bench-devices-') as (emulator, work):
        done = dict((way, args.devices if way in ('bulk', 'floor') or not args.sample else min(args.sample, args.devices)) for way in ways)
        rounds: dict = dict((way, []) for way in ways)
        for number in range(max(args.rounds, 1)):
            for way in ways if number % 2 == 0 else ways[::-1]:
                rounds[way].append(run_way(way, emulator, work, done[way]))
        results = [(way, done[way], rounds[way]) for way in ways]
    print(table(results, args.devices))
    if 'floor' in ways and 'bulk' in ways:
        print()
        print(floor_table(results))
    print(
        'token: token requests; list pages: GET /devices; reads: GET /devices/{type}/{id}; enrols: '
        'POST /device/agent/enroll; writes: every POST/PUT/DELETE of the device API; other: any other '
        'device-API request (GET /device-types); changed: PLAY RECAP; cpu s: CPU seconds of the child '
        'processes (ansible-playbook, workers, modules, the floor client).'
    )


if __name__ == '__main__':
    main()
