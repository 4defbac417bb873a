# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reliability and security suite: faults, bad input, secrets, crash safety, load, permissions.

One emulator for the whole session, whose users have long random passwords (see
reliability_harness.USERS); real ansible-playbook runs against it, each with its own HOME,
ANSIBLE_HOME and local temp dir, so that every file a run leaves behind can be scanned.

Every test reports what it tried with the ``tally`` fixture; ``pytest_terminal_summary`` prints
the table (category, cases tried, survived, secrets found, result) at the end of the run, also
under pytest-xdist (the rows travel in the reports' user_properties). A row passes only if its
tests passed too; a category that did not run shows "not run" and, when the whole suite was
asked for, fails the run.
"""

import collections
import os

import pytest

from playbook_harness import emulator_fixtures
from reliability_harness import USERS, KnownSecrets, PlaybookRunner, VAULT_PASSWORD, required, row_result

TALLY_PROPERTY = 'wso2_iots_reliability'
CATEGORY_ORDER = (
    'faults: modules',
    'faults: devices',
    'faults: inventory',
    'faults: lookup',
    'faults: role',
    'bad input',
    'secrets',
    'crash safety',
    'load',
    'permissions',
)


def pytest_configure(config):
    config.addinivalue_line('markers', 'reliability: the reliability and security suite (tests/reliability)')


# ---------------------------------------------------------------------------- the summary table

_ROWS = collections.OrderedDict()
_STATE = {'deselected': False}


def pytest_deselected(items):
    _STATE['deselected'] = True


def pytest_runtest_logreport(report):
    """A row per category from the tests' own reports: what they tallied, and whether they passed.
    A test skipped or broken before it tallied adds nothing; its category then shows "not run"."""
    rows = [row for name, row in getattr(report, 'user_properties', ()) if name == TALLY_PROPERTY]
    for row in rows:
        summed = _ROWS.setdefault(row['category'], {'tried': 0, 'survived': 0, 'secrets': 0, 'notes': [], 'failed': 0})
        # The teardown report repeats the call's user_properties: count the cases once.
        if report.when == 'call':
            for key in ('tried', 'survived', 'secrets'):
                summed[key] += row[key]
            if row.get('note'):
                summed['notes'].append(row['note'])
        if report.failed:
            summed['failed'] += 1


def required_categories(config):
    here = os.path.dirname(os.path.abspath(__file__))
    # Under pytest-xdist the workers deselect, so the options tell whether the run was narrowed.
    narrowed = _STATE['deselected'] or bool(config.option.keyword or config.option.markexpr or config.getoption('deselect'))
    return required(CATEGORY_ORDER, config.args, here, narrowed)


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, 'workerinput'):
        return
    required = required_categories(config)
    if not _ROWS and not required:
        return
    # Every category, also those that did not run: a skipped one must not vanish from the table.
    order = list(CATEGORY_ORDER) + [c for c in _ROWS if c not in CATEGORY_ORDER]
    write = terminalreporter.write_line
    terminalreporter.section('wso2.iots reliability summary')
    write('%-16s %11s %9s %14s  %s' % ('category', 'cases tried', 'survived', 'secrets found', 'result'))
    for category in order:
        row = _ROWS.get(category)
        counts = (row['tried'], row['survived'], row['secrets']) if row else (0, 0, 0)
        write('%-16s %11d %9d %14d  %s' % ((category,) + counts + (row_result(row),)))
    for category in order:
        for note in _ROWS.get(category, {}).get('notes', ()):
            write('  %s: %s' % (category, note))
    missing = [c for c in required if row_result(_ROWS.get(c)) == 'not run']
    if missing:
        write('required categories that did not run: %s' % ', '.join(missing), red=True)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, 'workerinput') or exitstatus not in (0,):
        return
    if any(row_result(_ROWS.get(c)) == 'not run' for c in required_categories(session.config)):
        session.exitstatus = 1


@pytest.fixture
def tally(request):
    """``tally(category, tried, survived, secrets=0, note=None)``: one line of evidence for the table.

    Call it before asserting, so that a failing test still shows in the table what it tried.
    """

    def record(category, tried, survived, secrets=0, note=None):
        request.node.user_properties.append(
            (TALLY_PROPERTY, {'category': category, 'tried': int(tried), 'survived': int(survived), 'secrets': int(secrets), 'note': note})
        )

    return record


# ---------------------------------------------------------------------------- fixtures

emulator, emu = emulator_fixtures(users=USERS)


@pytest.fixture
def known_secrets(emulator):
    return KnownSecrets(emulator)


@pytest.fixture
def playbooks(emu, tmp_path):
    return PlaybookRunner(emu, str(tmp_path))


@pytest.fixture
def vault_password_file(tmp_path):
    path = tmp_path / 'vault-password'
    path.write_text(VAULT_PASSWORD + '\n')
    path.chmod(0o600)
    return str(path)
