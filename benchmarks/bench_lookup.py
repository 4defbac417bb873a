#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmarks of the iots_bearer lookup against the IoTS emulator; prints numbers, asserts nothing.

1. Token requests that reach the emulator for a playbook of H hosts x T tasks at F forks:
   a cold run (per-run cache), then a cold and a second run with ``cache: persistent``.
2. CPU time (and wall time) of that playbook of ``debug`` tasks with the lookup against the same
   playbook with the cheapest possible collection lookup (a constant, from a throwaway collection
   made here) and with a plain variable, interleaved rounds. A ratio is the median of the ratios
   of the same round (paired), not the ratio of the medians. The lookup runs with its
   ansible-core shortcuts on and off (IOTS_BEARER_CORE_SHIMS=false), side by side.
3. A second scenario: 30 inventory aliases of localhost x 5 ``set_fact`` tasks that each call the
   lookup, at 10 forks, warm persistent cache with an explicit cache_dir, 7 interleaved rounds.
4. 1000 hosts x 5 tasks at 50 forks, run several times (paired with the floor lookup): token
   requests, lock timeouts and the peak memory of the run (PSS of ansible-playbook and all its
   workers, summed at each sample, and how many processes were alive then). With --waiting-floor
   also a floor whose first task waits as long as a token request may: every fork's worker is
   alive at once, as while the one fetch of a per_run cache runs, with a lookup that loads nothing.

    benchmarks/run            # full: 50 x 10 at 20 forks, 7 rounds; 30 x 5 at 10 forks, 7 rounds; 1000 x 5, 3 times
    benchmarks/run --quick    # 10 x 5 at 5 forks, 3 rounds; 30 x 5 at 10 forks, 3 rounds; 200 x 5, 2 times
    benchmarks/run --only scale --scale-hosts 200 --scale-forks 5,20,50 --scale-repeats 3 --waiting-floor
                              # peak memory of a 200-host run at 5, 20 and 50 forks (issue 20)

Only loopback traffic: the emulator listens on 127.0.0.1 and every host uses the local connection.
"""

import argparse
import collections
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))

from iots_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = os.path.join(REPO, '.build', 'collections')
SCOPE = 'perm:devices:view'

FLOOR_LOOKUP = '''
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    """The cheapest collection lookup there is: no options, no I/O, a constant."""

    def run(self, terms, variables=None, **kwargs):
        return ['0f4a2bd2-8f8e-3c4d-9d7e-6c7a1f3e2b10']
'''

WAITING_LOOKUP = '''
import time

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    """The constant, after waiting the given seconds: a worker that waits as for another one's token request."""

    def run(self, terms, variables=None, **kwargs):
        time.sleep(float(terms[0]))
        return ['0f4a2bd2-8f8e-3c4d-9d7e-6c7a1f3e2b10']
'''
# How long the first task of the waiting floor waits: about what one token request (a registration and a
# grant) and loading requests take on a loaded 2-core machine.
WAIT_SECONDS = 1.0

# The same cheap controller-side task in every variant; only the expression differs.
# The token's length is shown, never the token.
EXPRESSIONS = {
    'plain': '{{ plain_token | length }}',
    'floor': "{{ lookup('bench.floor.constant') | length }}",
    'bearer': "{{ lookup('wso2.iots.iots_bearer', '%s') | length }}" % SCOPE,
    'run_once': '{{ plain_token | length }}',
    'waiting': "{{ lookup('bench.floor.constant') | length }}",
}
# The waiting floor's first task (the later ones are the floor's).
WAITING_FIRST = "{{ lookup('bench.floor.waiting', %s) | length }}" % WAIT_SECONDS


def ensure_collection_tree():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'wso2', 'iots')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)


Run = collections.namedtuple('Run', 'seconds cpu_seconds output peak_mib peak_processes sample_ms')


class Workspace(object):
    """Inventories, playbooks and the throwaway floor collection in one temp dir."""

    def __init__(self, root, emulator):
        self.root = root
        self.emulator = emulator
        floor = os.path.join(root, 'collections', 'ansible_collections', 'bench', 'floor', 'plugins', 'lookup')
        os.makedirs(floor)
        with open(os.path.join(floor, 'constant.py'), 'w') as handle:
            handle.write(FLOOR_LOOKUP)
        with open(os.path.join(floor, 'waiting.py'), 'w') as handle:
            handle.write(WAITING_LOOKUP)
        self.collections = os.path.join(root, 'collections') + os.pathsep + COLLECTIONS
        self.cache_dir = os.path.join(root, 'persistent-cache')

    def inventory(self, hosts):
        """``hosts`` aliases of localhost (local connection)."""
        path = os.path.join(self.root, 'hosts-%d.ini' % hosts)
        if not os.path.exists(path):
            with open(path, 'w') as handle:
                handle.write('[bench]\n')
                handle.writelines('h%04d ansible_host=127.0.0.1\n' % i for i in range(hosts))
                handle.write('\n[bench:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % sys.executable)
        return path

    def set_fact_playbook(self, variant, tasks):
        """The second scenario: every task a set_fact whose value calls the lookup."""
        path = os.path.join(self.root, 'set-fact-%s-%d.yml' % (variant, tasks))
        if not os.path.exists(path):
            lines = ['- name: set_fact %s' % variant, '  hosts: bench', '  gather_facts: false', '  tasks:']
            for number in range(tasks):
                lines += [
                    '    - name: Task %d' % number,
                    '      ansible.builtin.set_fact:',
                    '        token_%d: "%s"' % (number, EXPRESSIONS[variant].replace(' | length', '')),
                ]
            with open(path, 'w') as handle:
                handle.write('\n'.join(lines) + '\n')
        return path

    def playbook(self, variant, tasks):
        path = os.path.join(self.root, '%s-%d.yml' % (variant, tasks))
        if not os.path.exists(path):
            lines = [
                '- name: %s' % variant,
                '  hosts: bench',
                '  gather_facts: false',
                '  vars:',
                '    plain_token: 0f4a2bd2-8f8e-3c4d-9d7e-6c7a1f3e2b10',
                '  tasks:',
            ]
            if variant == 'run_once':
                # the usual alternative: one lookup, copied to every host as a fact
                lines += [
                    '    - name: Fetch once',
                    '      ansible.builtin.set_fact:',
                    '        plain_token: "%s"' % EXPRESSIONS['bearer'].replace(' | length', ''),
                    '      run_once: true',
                ]
            for number in range(tasks):
                expression = WAITING_FIRST if variant == 'waiting' and number == 0 else EXPRESSIONS[variant]
                lines += ['    - name: Task %d' % number, '      ansible.builtin.debug:', '        msg: "%s"' % expression]
            with open(path, 'w') as handle:
                handle.write('\n'.join(lines) + '\n')
        return path

    def run(self, variant, hosts, tasks, forks, cache='per_run', sample_memory=False, shims=True, playbook=None):
        """One ansible-playbook run: wall and CPU seconds, output, peak PSS in MiB (or None)."""
        # PYTHONDONTWRITEBYTECODE is dropped: users' runs keep .pyc files, and so do these.
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'IOTS_')) and k != 'PYTHONDONTWRITEBYTECODE')
        env.update(
            {
                'ANSIBLE_COLLECTIONS_PATH': self.collections,
                'ANSIBLE_HOME': os.path.join(self.root, 'ansible-home'),
                'ANSIBLE_LOCAL_TEMP': os.path.join(self.root, 'ansible-tmp'),
                'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_RETRY_FILES_ENABLED': '0',
                'ANSIBLE_DEPRECATION_WARNINGS': '0',
                'ANSIBLE_FORKS': str(forks),
                'IOTS_URL': self.emulator.url,
                'IOTS_CA_PATH': self.emulator.ca_path,
                'IOTS_USERNAME': 'admin',
                'IOTS_PASSWORD': 'admin',
                'IOTS_BEARER_CACHE': cache,
                'IOTS_BEARER_CACHE_DIR': self.cache_dir,
            }
        )
        if not shims:
            env['IOTS_BEARER_CORE_SHIMS'] = 'false'
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', self.inventory(hosts), (playbook or self.playbook)(variant, tasks)]
        with tempfile.TemporaryFile(mode='w+') as output_file:
            started = time.monotonic()
            # pylint: disable-next=consider-using-with  # waited for below, where its memory is sampled
            process = subprocess.Popen(command, env=env, stdout=output_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            sampler = MemorySampler(process.pid) if sample_memory else None
            # wait4 also reports the CPU time of the workers that ansible-playbook reaped: a measure
            # of the work done that other load on the machine barely changes, unlike wall time.
            _pid, status, usage = os.wait4(process.pid, 0)
            elapsed = time.monotonic() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            if sampler:
                sampler.stop()
            output_file.seek(0)
            output = output_file.read()
        if process.returncode != 0:
            raise SystemExit('ansible-playbook failed (%s):\n%s' % (process.returncode, output[-3000:]))
        return Run(
            elapsed,
            usage.ru_utime + usage.ru_stime,
            output,
            *((sampler.peak_mib, sampler.peak_processes, sampler.mean_interval_ms) if sampler else (None, None, None)),
        )


class MemorySampler(object):
    """Sums the PSS of a process and all its descendants every 50 ms; keeps the peak and the processes then.

    PSS shares copy-on-write pages fairly between the forks, so the sum is the real footprint. A
    worker that starts and ends between two samples is missed; the workers that make a peak (many
    at once) live longer than that. Reading /proc/PID/smaps_rollup takes a few ms a process on a
    loaded machine, so a sample of many processes takes longer than the interval: the mean interval
    between samples is kept (``mean_interval_ms``) to be reported beside the peak.
    """

    def __init__(self, pid, interval=0.05):
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.peak_processes = 0
        self.samples = 0
        self._parents = {}  # pid -> parent pid, read once per process: a full /proc scan per sample is slow
        self._done = threading.Event()
        self._started = time.monotonic()
        self._stopped = None
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    @property
    def peak_mib(self):
        return self.peak_kib / 1024.0

    @property
    def mean_interval_ms(self):
        return 1000.0 * ((self._stopped or time.monotonic()) - self._started) / max(self.samples, 1)

    def stop(self):
        self._done.set()
        self._thread.join()
        self._stopped = time.monotonic()

    def _loop(self):
        while not self._done.is_set():
            tree = self._tree()
            total = sum(self._pss(pid) for pid in tree)
            self.samples += 1
            if total > self.peak_kib:
                self.peak_kib, self.peak_processes = total, len(tree)
            self._done.wait(self.interval)

    def _tree(self):
        alive = set(int(name) for name in os.listdir('/proc') if name.isdigit())
        for pid in list(self._parents):
            if pid not in alive:
                del self._parents[pid]  # a new process may get its number again
        for pid in alive - set(self._parents):
            try:
                with open('/proc/%d/stat' % pid) as handle:
                    self._parents[pid] = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        children = {}
        for pid, parent in self._parents.items():
            children.setdefault(parent, []).append(pid)
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        return tree

    @staticmethod
    def _pss(pid):
        try:
            with open('/proc/%d/smaps_rollup' % pid) as handle:
                for line in handle:
                    if line.startswith('Pss:'):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0


def requests_during(emulator, action):
    emulator.reset()
    result = action()
    counts = emulator.counts()
    return counts.get('token', 0), counts.get('register', 0), result


def bench_counts(space, emulator, hosts, tasks, forks):
    print('\n1. Token requests reaching the emulator: %d hosts x %d tasks at %d forks' % (hosts, tasks, forks))
    shutil.rmtree(space.cache_dir, ignore_errors=True)
    rows = [('per_run cache, cold run', 'per_run'), ('persistent cache, first run', 'persistent'), ('persistent cache, second run', 'persistent')]
    for label, cache in rows:
        tokens, registers, run = requests_during(emulator, lambda cache=cache: space.run('bearer', hosts, tasks, forks, cache=cache))
        print('   %-30s token requests: %d   registrations: %d   (%d lookups, %.1f s)' % (label, tokens, registers, hosts * tasks, run.seconds))


Variant = collections.namedtuple('Variant', 'label playbook cache shims')
FLOOR = 'constant collection lookup (floor)'


def interleaved(space, variants, hosts, tasks, forks, rounds, playbook=None):
    """{label: [Run, ...]}: every variant once per round, in an order that rotates from round to round."""
    runs = dict((variant.label, []) for variant in variants)
    for number in range(rounds):
        order = variants[number % len(variants) :] + variants[: number % len(variants)]
        for variant in order:
            runs[variant.label].append(space.run(variant.playbook, hosts, tasks, forks, cache=variant.cache, shims=variant.shims, playbook=playbook))
    return runs


def paired_ratio(runs, label, against, measure='cpu_seconds'):
    """Median of the per-round ratios label/against, and the median difference per run in seconds."""
    ratios = [getattr(a, measure) / getattr(b, measure) for a, b in zip(runs[label], runs[against])]
    differences = [getattr(a, measure) - getattr(b, measure) for a, b in zip(runs[label], runs[against])]
    return statistics.median(ratios), statistics.median(differences), ratios


def report(runs, labels, comparisons, task_hosts, rounds):
    for title, measure in (('CPU time of ansible-playbook and its workers', 'cpu_seconds'), ('wall time', 'seconds')):
        print('   %s, median of %d rounds:' % (title, rounds))
        for label in labels:
            values = [getattr(run, measure) for run in runs[label]]
            print('     %-46s %7.2f s   (%s)' % (label, statistics.median(values), ' '.join('%.2f' % v for v in sorted(values))))
        for label, against in comparisons:
            ratio, difference, ratios = paired_ratio(runs, label, against, measure)
            print(
                '     ratio %-46s / %-12s %.3f  (%+.2f ms per task-host; rounds: %s)'
                % (label, 'floor' if against == FLOOR else against, ratio, difference * 1000.0 / task_hosts, ' '.join('%.3f' % r for r in ratios))
            )


def bench_overhead(space, emulator, hosts, tasks, forks, rounds):
    print('\n2. debug tasks: %d hosts x %d tasks at %d forks, %d interleaved rounds' % (hosts, tasks, forks, rounds))
    # warm the persistent cache so that every lookup in the timed runs is a hit
    shutil.rmtree(space.cache_dir, ignore_errors=True)
    space.run('bearer', hosts, 1, forks, cache='persistent')
    variants = [
        Variant('plain variable', 'plain', 'per_run', True),
        Variant(FLOOR, 'floor', 'per_run', True),
        Variant('iots_bearer, warm persistent cache', 'bearer', 'persistent', True),
        Variant('iots_bearer, warm persistent cache, shims off', 'bearer', 'persistent', False),
        Variant('iots_bearer, per_run cache (1 fetch)', 'bearer', 'per_run', True),
        Variant('set_fact + run_once (1 lookup), variable', 'run_once', 'per_run', True),
    ]
    emulator.reset()
    runs = interleaved(space, variants, hosts, tasks, forks, rounds)
    report(runs, [v.label for v in variants], [(v.label, FLOOR) for v in variants[2:]] + [(FLOOR, 'plain variable')], hosts * tasks, rounds)
    print('   token requests during the timed runs: %d (the per_run and run_once variants fetch once per run)' % emulator.counts().get('token', 0))


def bench_set_fact(space, emulator, hosts, tasks, forks, rounds):
    print('\n3. set_fact tasks: %d aliases of localhost x %d tasks at %d forks, warm persistent cache, %d interleaved rounds' % (hosts, tasks, forks, rounds))
    shutil.rmtree(space.cache_dir, ignore_errors=True)
    space.run('bearer', hosts, 1, forks, cache='persistent', playbook=space.set_fact_playbook)
    variants = [
        Variant(FLOOR, 'floor', 'persistent', True),
        Variant('iots_bearer, warm persistent cache', 'bearer', 'persistent', True),
        Variant('iots_bearer, warm persistent cache, shims off', 'bearer', 'persistent', False),
    ]
    emulator.reset()
    runs = interleaved(space, variants, hosts, tasks, forks, rounds, playbook=space.set_fact_playbook)
    report(runs, [v.label for v in variants], [(v.label, FLOOR) for v in variants[1:]], hosts * tasks, rounds)
    print('   token requests during the timed runs: %d' % emulator.counts().get('token', 0))


def bench_scale(space, emulator, hosts, tasks, forks, repeats, waiting_floor=False):
    print('\n4. %d hosts x %d tasks at %d forks, per_run cache, %d paired runs' % (hosts, tasks, forks, repeats))
    runs = {'iots_bearer': [], FLOOR: []}
    if waiting_floor:
        runs[WAITING_FLOOR] = []
    for number in range(repeats):
        emulator.reset()
        run = space.run('bearer', hosts, tasks, forks, cache='per_run', sample_memory=True)
        counts = emulator.counts()
        timeouts = run.output.count('waited') + run.output.count('lock_timeout')
        floor = space.run('floor', hosts, tasks, forks, sample_memory=True)
        runs['iots_bearer'].append(run)
        runs[FLOOR].append(floor)
        if waiting_floor:
            runs[WAITING_FLOOR].append(space.run('waiting', hosts, tasks, forks, sample_memory=True))
        print(
            '   run %d: iots_bearer token requests %d, registrations %d, lock timeouts %d, failed hosts %d; '
            'CPU %.1f s vs floor %.1f s; wall %.1f s vs %.1f s; peak PSS %.0f vs %.0f MiB'
            % (
                number + 1,
                counts.get('token', 0),
                counts.get('register', 0),
                timeouts,
                failed_hosts(run.output),
                run.cpu_seconds,
                floor.cpu_seconds,
                run.seconds,
                floor.seconds,
                run.peak_mib,
                floor.peak_mib,
            )
        )
    ratio, difference, ratios = paired_ratio(runs, 'iots_bearer', FLOOR)
    print(
        '   CPU ratio iots_bearer / floor, median of %d paired runs: %.3f (%+.2f ms per task-host; runs: %s)'
        % (repeats, ratio, difference * 1000.0 / (hosts * tasks), ' '.join('%.3f' % r for r in ratios))
    )
    report_memory(runs, repeats)


WAITING_FLOOR = 'constant lookup, first task waits %g s' % WAIT_SECONDS


def report_memory(runs, repeats):
    """Peak PSS of each variant (median and range) and the paired ratios to the floor."""
    print('   peak PSS of ansible-playbook and its workers, median of %d runs (range; processes alive at the peak; ms between samples):' % repeats)
    for label, variant_runs in runs.items():
        peaks = [run.peak_mib for run in variant_runs]
        print(
            '     %-46s %6.1f MiB  (%.1f-%.1f; %s processes; %.0f ms)'
            % (
                label,
                statistics.median(peaks),
                min(peaks),
                max(peaks),
                '/'.join(str(run.peak_processes) for run in variant_runs),
                statistics.median(run.sample_ms for run in variant_runs),
            )
        )
    for label in runs:
        if label != FLOOR:
            ratio, _difference, ratios = paired_ratio(runs, label, FLOOR, 'peak_mib')
            print('     ratio %-46s / floor %.2f  (runs: %s)' % (label, ratio, ' '.join('%.2f' % r for r in ratios)))


def failed_hosts(output):
    failed = 0
    for line in output.splitlines():
        if ' : ok=' in line and 'failed=' in line:
            failed += int(line.split('failed=')[1].split()[0]) > 0
    return failed


def describe_machine():
    try:
        version = __import__('ansible.release', fromlist=['__version__']).__version__
    except ImportError:
        version = 'not installed'
    print(
        'machine: %s, %d CPUs, Python %s, ansible-core %s, load average at start %s'
        % (platform.platform(terse=True), os.cpu_count() or 0, platform.python_version(), version, ' '.join('%.1f' % load for load in os.getloadavg()))
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='small sizes and 3 rounds (about a minute)')
    parser.add_argument('--hosts', type=int, help='hosts for benchmarks 1 and 2 (default 50, quick 10)')
    parser.add_argument('--tasks', type=int, help='tasks for benchmarks 1 and 2 (default 10, quick 5)')
    parser.add_argument('--forks', type=int, help='forks for benchmarks 1 and 2 (default 20, quick 5)')
    parser.add_argument('--rounds', type=int, help='interleaved rounds for benchmark 2 (default 7, quick 3)')
    parser.add_argument('--set-fact-rounds', type=int, help='interleaved rounds for benchmark 3 (default 7, quick 3)')
    parser.add_argument('--scale-hosts', type=int, help='hosts for benchmark 4 (default 1000, quick 200)')
    parser.add_argument('--scale-repeats', type=int, help='paired runs of benchmark 4 (default 3, quick 2)')
    parser.add_argument('--scale-forks', help='forks for benchmark 4, comma-separated for several (default 50)')
    parser.add_argument('--waiting-floor', action='store_true', help='benchmark 4 also runs a floor whose first task waits (all forks alive)')
    parser.add_argument('--only', choices=('counts', 'overhead', 'set_fact', 'scale'), action='append', help='run only these benchmarks (repeatable)')
    parser.add_argument('--keep', action='store_true', help='keep the temp dir with playbooks and inventories')
    args = parser.parse_args(argv)
    quick = args.quick
    hosts = args.hosts or (10 if quick else 50)
    tasks = args.tasks or (5 if quick else 10)
    forks = args.forks or (5 if quick else 20)
    rounds = args.rounds or (3 if quick else 7)
    set_fact_rounds = args.set_fact_rounds or (3 if quick else 7)
    scale_hosts = args.scale_hosts or (200 if quick else 1000)
    scale_repeats = args.scale_repeats or (2 if quick else 3)
    only = set(args.only or ('counts', 'overhead', 'set_fact', 'scale'))

    ensure_collection_tree()
    describe_machine()
    root = tempfile.mkdtemp(prefix='iots-bearer-bench-')
    emulator = Emulator(port=0, state_dir=os.path.join(root, 'emulator')).start()
    try:
        space = Workspace(root, emulator)
        print(
            'command: %s %s' % (os.path.relpath(sys.argv[0], REPO) if sys.argv[0] else 'bench_lookup.py', ' '.join(argv if argv is not None else sys.argv[1:]))
        )
        if 'counts' in only:
            bench_counts(space, emulator, hosts, tasks, forks)
        if 'overhead' in only:
            bench_overhead(space, emulator, hosts, tasks, forks, rounds)
        if 'set_fact' in only:
            bench_set_fact(space, emulator, 30, 5, 10, set_fact_rounds)
        if 'scale' in only:
            for scale_forks in [int(number) for number in (args.scale_forks or '50').split(',')]:
                bench_scale(space, emulator, scale_hosts, 5, scale_forks, scale_repeats, args.waiting_floor)
        print('\nload average at the end: %s' % ' '.join('%.1f' % load for load in os.getloadavg()))
    finally:
        emulator.stop()
        if args.keep:
            print('\nkept %s' % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
