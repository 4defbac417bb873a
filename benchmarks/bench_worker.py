#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where a warm iots_bearer cache hit spends its time in a fresh Ansible worker; prints numbers, asserts nothing.

Ansible forks a new worker for every (host, task) and loads a lookup there from scratch, so
the cost of a hit is mostly the cost of loading the lookup. This benchmark warms a process the
way ansible-playbook is warm when it forks (ansible-core loaded, the templating engine used,
a large heap), then forks it again and again. Each child loads and runs either the constant
lookup of bench_lookup.py (the floor) or iots_bearer against a warm persistent cache, and
reports, per stage: CPU time, page faults (a fresh process pays for every page it writes) and
the net number of objects created that the garbage collector tracks (every 2000 of them start
a collection, which in a fresh worker costs about as much as a stage).

    benchmarks/bench_worker.py [--children N]

Stages of iots_bearer, in the order a worker meets them (the floor's are "load" and "run"):
  the collection          its packages, meta/runtime.yml read (the floor's collection has none)
  import the guard        plugin_utils._core_internals: its __init__ is compiled from source
  plugin file, modules    the plugin found and loaded (.pyc), its modules from their bundle
  rest of loading         the saved option definitions registered, the plugin object made
  options                 the 25 options resolved by ansible-core (set_options)
  cache hit               cache key, cache file read, the token returned
"""

import argparse
import gc
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import bench_lookup

FLOOR = 'bench.floor.constant'
LOOKUP = 'wso2.iots.iots_bearer'
COLLECTION_LOOKUPS = 'ansible_collections.wso2.iots.plugins.lookup'
GUARD = 'ansible_collections.wso2.iots.plugins.plugin_utils._core_internals'
SCOPE = bench_lookup.SCOPE


class Meter(object):
    """CPU time, page faults and GC-tracked objects since the last mark."""

    def __init__(self):
        self.stages = []
        self._last = self._now()

    @staticmethod
    def _now():
        return time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt, gc.get_count()[0]

    def mark(self, stage):
        now = self._now()
        self.stages.append((stage, now[0] - self._last[0], now[1] - self._last[1], now[2] - self._last[2]))
        self._last = self._now()


def run_floor(lookup_loader, loader, templar, meter):
    plugin = lookup_loader.get(FLOOR, loader=loader, templar=templar)
    meter.mark('load')
    plugin.run([SCOPE], variables={})
    meter.mark('run')


def run_bearer(lookup_loader, loader, templar, meter):
    import importlib

    importlib.import_module(COLLECTION_LOOKUPS)
    meter.mark('the collection')
    guard = importlib.import_module(GUARD)
    meter.mark('import the guard')
    real_load_modules = guard.load_modules

    def load_modules(names):
        modules = real_load_modules(names)
        meter.mark('plugin file, modules')
        return modules

    guard.load_modules = load_modules  # type: ignore[attr-defined]  # the guard's own hook, replaced to time it
    plugin = lookup_loader.get(LOOKUP, loader=loader, templar=templar)
    meter.mark('rest of loading')
    real_set_own_options = plugin.set_own_options

    def set_own_options(variables, direct):
        real_set_own_options(variables, direct)
        meter.mark('options')

    plugin.set_own_options = set_own_options
    plugin.run([SCOPE], variables={})
    meter.mark('cache hit')


RUNS = {'floor': run_floor, 'iots_bearer': run_bearer}


def child(run, lookup_loader, loader, templar):
    """Fork; the child runs ``run`` and reports its stages.

    The collector is off in the child, so the counts are exact and no stage pays for a collection
    that another stage's objects started; the times are without collections.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the emulator's threads: the child does not use them
        pid = os.fork()
    if pid == 0:
        os.close(read_end)
        gc.disable()
        meter = Meter()
        run(lookup_loader, loader, templar, meter)
        os.write(write_end, repr(meter.stages).encode('ascii'))
        os._exit(0)
    os.close(write_end)
    data = b''
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return eval(data)  # pylint: disable=eval-used  # our own child's repr of tuples


def report(name, samples):
    print('\n%s (median of %d workers)' % (name, len(samples)))
    print('   %-22s %10s %12s %14s' % ('stage', 'CPU ms', 'page faults', 'GC objects'))
    totals = [0.0, 0.0, 0.0]
    for index, stage in enumerate(samples[0]):
        values = [statistics.median(sample[index][column] for sample in samples) for column in (1, 2, 3)]
        totals = [total + value for total, value in zip(totals, values)]
        print('   %-22s %10.3f %12d %14d' % (stage[0], values[0] * 1000, values[1], values[2]))
    print('   %-22s %10.3f %12d %14d' % ('total', totals[0] * 1000, totals[1], totals[2]))
    return totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--children', type=int, default=100, help='workers forked for each lookup (default 100)')
    args = parser.parse_args(argv)

    bench_lookup.ensure_collection_tree()
    bench_lookup.describe_machine()
    root = tempfile.mkdtemp(prefix='iots-bearer-worker-')
    emulator = bench_lookup.Emulator(port=0, state_dir=os.path.join(root, 'emulator')).start()
    try:
        space = bench_lookup.Workspace(root, emulator)
        # A real run first: it fills the cache and saves the option definitions and the bundle.
        space.run('bearer', 2, 1, 2, cache='persistent', playbook=space.set_fact_playbook)
        os.environ.update(
            {
                'ANSIBLE_COLLECTIONS_PATH': space.collections,
                'ANSIBLE_HOME': os.path.join(root, 'ansible-home'),
                'ANSIBLE_LOCAL_TEMP': os.path.join(root, 'ansible-tmp'),
                'IOTS_URL': emulator.url,
                'IOTS_CA_PATH': emulator.ca_path,
                'IOTS_USERNAME': 'admin',
                'IOTS_PASSWORD': 'admin',
                'IOTS_BEARER_CACHE': 'persistent',
                'IOTS_BEARER_CACHE_DIR': space.cache_dir,
            }
        )
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins.loader import init_plugin_loader, lookup_loader
        from ansible.template import Templar
        import ansible.executor.process.worker  # noqa: F401  pylint: disable=unused-import
        import ansible.executor.task_executor  # noqa: F401  pylint: disable=unused-import

        init_plugin_loader(space.collections.split(os.pathsep))
        loader = DataLoader()
        templar = Templar(loader=loader, variables={})
        templar.template('{{ 1 + 1 }}')  # the engine warmed, as in ansible-playbook
        heap = [dict(number=number, items=[number]) for number in range(300000)]  # a playbook run's heap
        samples = dict((name, []) for name in RUNS)
        for run in RUNS.values():
            child(run, lookup_loader, loader, templar)  # the first one of each may still write files
        for dummy in range(args.children):
            for name, run in RUNS.items():  # interleaved, so a change of load hits both alike
                samples[name].append(child(run, lookup_loader, loader, templar))
        del heap
        totals = dict((name, report(name, samples[name])) for name in RUNS)
        floor, bearer = totals['floor'], totals['iots_bearer']
        print(
            '\niots_bearer over the floor per worker: %+.3f ms CPU, %+d page faults, %+d GC-tracked objects'
            % ((bearer[0] - floor[0]) * 1000, bearer[1] - floor[1], bearer[2] - floor[2])
        )
    finally:
        emulator.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
