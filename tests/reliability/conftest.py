# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reliability and security suite: faults, bad input, secrets, crash safety, load, permissions.

One emulator for the whole session, whose users have long random passwords (see
reliability_harness.USERS); real ansible-playbook runs against it, each with its own HOME,
ANSIBLE_HOME and local temp dir, so that every file a run leaves behind can be scanned.

Every test reports what it tried with the ``tally`` fixture; ``pytest_terminal_summary`` prints
the table (category, cases tried, survived, secrets found) at the end of the run, also under
pytest-xdist (the rows travel in the reports' user_properties).
"""

import collections

import pytest

from playbook_harness import emulator_fixtures
from reliability_harness import USERS, KnownSecrets, PlaybookRunner, VAULT_PASSWORD

TALLY_PROPERTY = 'wso2_iots_reliability'
CATEGORY_ORDER = ('faults: modules', 'faults: lookup', 'faults: role', 'bad input', 'secrets',
                  'crash safety', 'load', 'permissions')


def pytest_configure(config):
    config.addinivalue_line('markers', 'reliability: the reliability and security suite (tests/reliability)')


# ---------------------------------------------------------------------------- the summary table

_ROWS = collections.OrderedDict()


def pytest_runtest_logreport(report):
    # The call phase only: the setup and teardown reports repeat the same user_properties.
    if report.when != 'call':
        return
    for name, row in getattr(report, 'user_properties', ()):
        if name != TALLY_PROPERTY:
            continue
        summed = _ROWS.setdefault(row['category'], {'tried': 0, 'survived': 0, 'secrets': 0, 'notes': []})
        for key in ('tried', 'survived', 'secrets'):
            summed[key] += row[key]
        if row.get('note'):
            summed['notes'].append(row['note'])


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    order = [c for c in CATEGORY_ORDER if c in _ROWS] + [c for c in _ROWS if c not in CATEGORY_ORDER]
    write = terminalreporter.write_line
    terminalreporter.section('wso2.iots reliability summary')
    write('%-16s %11s %9s %14s  %s' % ('category', 'cases tried', 'survived', 'secrets found', 'result'))
    for category in order:
        row = _ROWS[category]
        passed = row['tried'] > 0 and row['survived'] == row['tried'] and row['secrets'] == 0
        write('%-16s %11d %9d %14d  %s' % (category, row['tried'], row['survived'], row['secrets'],
                                           'pass' if passed else 'FAIL'))
    for category in order:
        for note in _ROWS[category]['notes']:
            write('  %s: %s' % (category, note))


@pytest.fixture
def tally(request):
    """``tally(category, tried, survived, secrets=0, note=None)``: one line of evidence for the table.

    Call it before asserting, so that a failing test still shows in the table what it tried.
    """
    def record(category, tried, survived, secrets=0, note=None):
        request.node.user_properties.append((TALLY_PROPERTY, {
            'category': category, 'tried': int(tried), 'survived': int(survived), 'secrets': int(secrets),
            'note': note}))
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
