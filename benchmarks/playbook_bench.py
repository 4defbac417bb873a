# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the playbook benchmarks (bench_devices, bench_users, bench_policies) share: an emulator of
their own, a folder per way with the API application's credentials, two ansible-playbook runs of a
way from an empty emulator, the choice of ways, and the text table they print."""

import contextlib
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


@contextlib.contextmanager
def emulator_in(prefix):
    """(emulator, work folder): an emulator on a free port and a scratch folder, both gone afterwards."""
    ensure_collection_tree()
    work = tempfile.mkdtemp(prefix=prefix)
    emulator = Emulator(port=0, state_dir=os.path.join(work, 'emulator')).start()
    try:
        yield emulator, work
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


def chosen_ways(parser, text, known):
    """The comma-separated ways of ``text``; an unknown one is a usage error naming the known ones."""
    ways = [way.strip() for way in text.split(',') if way.strip()]
    unknown = [way for way in ways if way not in known]
    if unknown:
        parser.error('unknown way %s; choose from %s' % (', '.join(unknown), ', '.join(known)))
    return ways


class Way(object):
    """One way's folder: ``credentials`` (a credentials file of a newly registered application),
    its own ANSIBLE_HOME, temp dir and one-host inventory."""

    def __init__(self, emulator, work, way, application):
        self.emulator = emulator
        self.way = way
        self.folder = tempfile.mkdtemp(prefix=way + '-', dir=work)  # a new one for every round of the way
        os.makedirs(os.path.join(self.folder, 'home'))
        os.makedirs(os.path.join(self.folder, 'tmp'))
        self.keys = keys = register_application(emulator, application)
        self.credentials = os.path.join(self.folder, 'credentials.json')
        with open(self.credentials, 'w') as handle:
            json.dump({'iots_url': emulator.url, 'iots_client_id': keys['client_id'], 'iots_client_secret': keys['client_secret']}, handle)
        self.env = ansible_environment(os.path.join(self.folder, 'home'), os.path.join(self.folder, 'tmp'))
        self.inventory = write_inventory(os.path.join(self.folder, 'inventory.ini'))

    def run_twice(self, playbook, variables, measure=None, tail=4):
        """The playbook twice, the request counters reset before each run:
        [(counts, extra, recap, rc, seconds), ...] where ``extra`` is ``measure(emulator)`` (or None)."""
        runs = []
        for number in (1, 2):
            self.emulator.reset()
            result = run_ansible_playbook(
                playbook, self.inventory, self.env, variables=variables, vars_file=os.path.join(self.folder, 'vars.json'), timeout=7200
            )
            extra = measure(self.emulator) if measure else None
            runs.append((self.emulator.counts(), extra, play_recap(result.output), result.rc, result.seconds))
            print('  %s run %d: rc=%d, %.1f s' % (self.way, number, result.rc, result.seconds), file=sys.stderr)
            if result.rc:
                print('    ' + '\n    '.join(result.output.strip().splitlines()[-tail:]), file=sys.stderr)
        return runs


def text_table(header, rows, left=(0,)):
    """Columns padded to their widest cell, a rule under the header; ``left`` columns flush left."""
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ['  '.join(cell.ljust(width) if i in left else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))) for row in [header] + rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    return '\n'.join(lines)


def scaled_seconds(seconds, done, count):
    """Wall seconds for ``count`` items when only ``done`` ran (an estimate, marked so)."""
    return '%.1f' % seconds if done == count else '~%.0f (est.)' % (seconds * count / done)
