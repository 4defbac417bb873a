#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the iots_devices inventory plugin against the IoTS emulator; prints numbers, asserts nothing.

The emulator is seeded with DEVICES devices (android and virtual_firealarm, 3 groups), then
``ansible-inventory -i iots_devices.yml --list --export`` runs with the inventory cache on:

* cold: ``--flush-cache``, so the plugin gets a token and reads every page (and each group's members);
* warm: the entry the cold run left, so the plugin asks the server nothing;
* floor: the same hosts, groups and variables from a static YAML inventory file, which is what
  ansible-inventory itself costs for this many hosts, whatever the source.

For each: the median wall time and CPU time (of ansible-inventory) over ROUNDS runs, and the requests that reached the emulator per run,
against the bound the issue sets (ceil(devices / 100) device pages + 1 token + 1 per group, plus the
one request for the group list).

    .venvs/test/bin/python benchmarks/bench_inventory.py                  # 5000 devices, 3 rounds
    .venvs/test/bin/python benchmarks/bench_inventory.py --devices 1000 --rounds 1

Only loopback traffic: the emulator listens on 127.0.0.1.
"""

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'harness'))

from iots_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from bench_lookup import ensure_collection_tree  # noqa: E402  pylint: disable=wrong-import-position
from playbook_harness import register_application, unwrap_unsafe  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = os.path.join(REPO, '.build', 'collections')
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
GROUPS = 3


def seed(emulator, devices):
    """``devices`` devices, 4 in 5 android, the rest virtual_firealarm; GROUPS groups of 100 each."""
    android = ['a%05d' % n for n in range(devices - devices // 5)]
    alarms = ['f%05d' % n for n in range(devices // 5)]
    emulator.seed_devices('android', android, name='Tablet {id}', properties={'model': 'T5', 'osVersion': '13'})
    emulator.seed_devices('virtual_firealarm', alarms, ownership='BYOD')
    for number in range(GROUPS):
        members = [('android', identifier) for identifier in android[number * 100 : (number + 1) * 100]]
        emulator.seed_group('bench_group_%d' % number, members=members)


def environment(root):
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'IOTS_')))
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_HOME': os.path.join(root, 'home'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(root, 'tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1',
        }
    )
    return env


def run_inventory(source, env, flush=False):
    cmd = [ANSIBLE_INVENTORY, '-i', source, '--list', '--export'] + (['--flush-cache'] if flush else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    completed = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, timeout=900)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit('ansible-inventory failed:\n%s' % (completed.stdout + completed.stderr)[-4000:])
    # CPU seconds say more than wall time on a shared machine.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, json.loads(completed.stdout)


def static_inventory(listing, path):
    """The hosts, groups and host variables of a --list output as a YAML inventory file."""
    listing = unwrap_unsafe(listing)
    hostvars = listing['_meta']['hostvars']
    children = {}
    for group, content in listing.items():
        if group not in ('_meta', 'all', 'ungrouped') and content.get('hosts'):
            children[group] = {'hosts': dict((host, None) for host in content['hosts'])}
    data = {'all': {'hosts': hostvars, 'children': children}}
    with open(path, 'w') as handle:
        json.dump(data, handle)  # JSON is YAML; the yaml inventory plugin reads it


def requests_seen(emulator):
    counts = emulator.counts()
    return dict((key, value) for key, value in counts.items() if value and key not in ('api', 'token:client_credentials'))


def measure(emulator, source, env, flush, rounds):
    times, cpus, per_run, listing = [], [], None, None
    for _round in range(rounds):
        emulator.reset()
        seconds, cpu, listing = run_inventory(source, env, flush)
        times.append(seconds)
        cpus.append(cpu)
        per_run = requests_seen(emulator)
    return statistics.median(times), statistics.median(cpus), per_run, listing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--devices', type=int, default=5000)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args(argv)
    ensure_collection_tree()
    root = tempfile.mkdtemp(prefix='bench_inventory_')
    try:
        for folder in ('home', 'tmp', 'state', 'cache'):
            os.mkdir(os.path.join(root, folder))
        with Emulator(port=0, state_dir=os.path.join(root, 'state')) as emulator:
            seed(emulator, args.devices)
            keys = register_application(emulator, 'bench_inventory')
            source = os.path.join(root, 'bench.iots_devices.yml')
            with open(source, 'w') as handle:
                json.dump(
                    {
                        'plugin': 'wso2.iots.iots_devices',
                        'url': emulator.url,
                        'ca_path': emulator.ca_path,
                        'client_id': keys['client_id'],
                        'client_secret': keys['client_secret'],
                        'with_groups': True,
                        'cache': True,
                        'cache_plugin': 'ansible.builtin.jsonfile',
                        'cache_connection': os.path.join(root, 'cache'),
                        'cache_timeout': 3600,
                        'keyed_groups': [{'key': 'iots_device_ownership | lower', 'prefix': 'ownership'}],
                    },
                    handle,
                )
            env = environment(root)
            cold = measure(emulator, source, env, True, args.rounds)
            warm = measure(emulator, source, env, False, args.rounds)
            static = os.path.join(root, 'static.yml')
            static_inventory(warm[3], static)
            floor = measure(emulator, static, env, False, args.rounds)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    bound = math.ceil(args.devices / 100) + 1 + 1 + GROUPS
    print(
        'iots_devices inventory: %d devices (%d groups), ansible-inventory --list --export, %d rounds, python %s, %s'
        % (args.devices, GROUPS, args.rounds, platform.python_version(), platform.machine())
    )
    results = (('cold (--flush-cache)', cold), ('warm cache', warm), ('floor: static YAML', floor))
    for label, (median, cpu, seen, listing) in results:
        print(
            '  %-21s wall %6.2f s  cpu %6.2f s (medians)  hosts %d  requests %d %s'
            % (label, median, cpu, len(listing['_meta']['hostvars']), sum(seen.values()), json.dumps(seen, sort_keys=True))
        )
    print('  bound for a cold run: ceil(%d/100) device pages + 1 token + 1 group list + %d group pages = %d' % (args.devices, GROUPS, bound))
    return 0


if __name__ == '__main__':
    sys.exit(main())
