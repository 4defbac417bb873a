#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The event source wso2.iots.device_events against N emulated devices; prints numbers, asserts nothing.

The emulator runs in a process of its own (``python -m iots_emulator``), seeded through its control API
(one request for all devices); this process runs only the source, loaded with runpy from the collection
tree as ansible-rulebook loads it. Printed:

* requests per poll cycle (device-list pages, activities requests, single-device reads, token requests);
* CPU seconds of this process per poll cycle (the source's own work: HTTPS, JSON, the diff);
* the peak resident memory of this process;
* the delay from a status change (made through the control API at a random moment of the cycle) to its
  event on the queue, for ``--changes`` changes: at most one interval plus a poll's duration.

    .nox/eda/bin/python benchmarks/bench_events.py                        # 5000 devices, interval 5
    .nox/eda/bin/python benchmarks/bench_events.py --devices 500 --interval 1 --changes 2

Only loopback traffic: the emulator listens on 127.0.0.1.
"""

import argparse
import asyncio
import os
import random
import resource
import runpy
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
SOURCE = os.path.join(COLLECTIONS, 'ansible_collections', 'wso2', 'iots', 'extensions', 'eda', 'plugins', 'event_source', 'device_events.py')
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))

from iots_emulator import EmulatorControl  # noqa: E402  pylint: disable=wrong-import-position


def ensure_collection_tree():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'wso2', 'iots')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)


class TimedQueue(asyncio.Queue):
    """Records when each event arrived."""

    def __init__(self):
        super().__init__()
        self.arrivals = []

    async def put(self, item):
        self.arrivals.append((time.monotonic(), item))


def register(control):
    """Application keys for admin, through the gateway (the source gets its token itself)."""
    import requests

    response = requests.post(
        control.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': 'bench_events', 'tags': ['device_management']},
        verify=control.ca_path,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()['client_id'], response.json()['client_secret']


async def measure(main, control, args, options):
    queue = TimedQueue()
    task = asyncio.ensure_future(main(queue, args))
    try:
        while control.counts()['GET /activities'] < 1:  # the baseline
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        control.reset()
        cpu0, polls0, wall0 = time.process_time(), 0, time.monotonic()
        delays = []
        for change in range(options.changes):
            await asyncio.sleep(random.uniform(0, options.interval))
            device = 'bench-%05d' % change
            seen = len(queue.arrivals)
            changed_at = time.monotonic()
            control.set_device_status('android', device, 'INACTIVE')
            while not any(e['iots']['device']['id'] == device for _t, e in queue.arrivals[seen:]):
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            arrived = [t for t, e in queue.arrivals[seen:] if e['iots']['device']['id'] == device][0]
            delays.append(arrived - changed_at)
        counts = control.counts()
        polls = counts['GET /activities'] - polls0
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    return counts, polls, cpu, wall, delays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--devices', type=int, default=5000)
    parser.add_argument('--interval', type=float, default=5.0)
    parser.add_argument('--changes', type=int, default=3, help='status changes whose delay is measured')
    options = parser.parse_args(argv)
    ensure_collection_tree()
    with tempfile.TemporaryDirectory(prefix='bench_events_') as tmp:
        ready = os.path.join(tmp, 'ready.json')
        # pylint: disable-next=consider-using-with  # stopped in the finally below
        emulator = subprocess.Popen(
            [sys.executable, '-m', 'iots_emulator', '--port', '0', '--state-dir', tmp, '--ready-file', ready],
            cwd=os.path.join(REPO, 'tests', 'emulator'),
            stdout=subprocess.DEVNULL,
        )
        try:
            control = EmulatorControl.from_ready_file(ready, wait=60)
            control.configure(operation_pending=0, operation_in_progress=0)
            started = time.monotonic()
            control.seed_devices('android', ['bench-%05d' % n for n in range(options.devices)], name='bench {id}')
            seeded = time.monotonic() - started
            client_id, client_secret = register(control)
            args = {
                'url': control.url,
                'ca_path': control.ca_path,
                'client_id': client_id,
                'client_secret': client_secret,
                'username': 'admin',
                'password': 'admin',
                'interval': options.interval,
            }
            source = runpy.run_path(SOURCE)['main']
            counts, polls, cpu, wall, delays = asyncio.run(measure(source, control, args, options))
        finally:
            emulator.terminate()
            emulator.wait(30)
    polls = max(polls, 1)
    print('wso2.iots.device_events: %d devices, interval %.1f s (seeded in %.2f s through the control API)' % (options.devices, options.interval, seeded))
    print('  poll cycles measured        %d in %.1f s' % (polls, wall))
    print(
        '  requests per cycle          %.1f device-list pages (%d devices / 100), %.1f activities, '
        '%.1f single-device reads, %.1f token requests'
        % (
            counts['GET /devices'] / polls,
            options.devices,
            counts['GET /activities'] / polls,
            counts['GET /devices/{type}/{id}'] / polls,
            counts['token'] / polls,
        )
    )
    print('  CPU per cycle (source)      %.3f s' % (cpu / polls))
    print('  peak memory (source proc)   %.1f MiB' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    print(
        '  change-to-event delay       %s s (mean %.2f s, max %.2f s)' % (', '.join('%.2f' % d for d in delays), sum(delays) / len(delays), max(delays))
        if delays
        else ''
    )


if __name__ == '__main__':
    main()
