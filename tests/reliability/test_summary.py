# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The summary table's verdicts: a row passes only on outcomes, and a missing category fails."""

import os

import pytest

from reliability_harness import required, row_result

HERE = os.path.dirname(os.path.abspath(__file__))


def row(tried=3, survived=3, secrets=0, failed=0):
    return {'tried': tried, 'survived': survived, 'secrets': secrets, 'notes': [], 'failed': failed}


def test_a_row_passes_when_its_tests_passed_and_every_case_survived():
    assert row_result(row()) == 'pass'


@pytest.mark.parametrize('broken', [row(failed=1), row(survived=2), row(secrets=1)])
def test_a_row_fails_on_a_failed_test_even_if_its_counts_look_good(broken):
    # failed=1: the test tallied 3 of 3, then a later assert failed.
    assert row_result(broken) == 'FAIL'


@pytest.mark.parametrize('missing', [None, row(tried=0, survived=0)])
def test_a_category_that_tallied_nothing_did_not_run(missing):
    assert row_result(missing) == 'not run'


def test_every_category_is_required_when_the_whole_suite_runs():
    assert required(('load', 'permissions'), [HERE], HERE, narrowed=False) == ('load', 'permissions')
    assert required(('load',), [HERE + '/'], HERE, narrowed=False) == ('load',)


@pytest.mark.parametrize('args, narrowed', [([os.path.join(HERE, 'test_load.py')], False), ([HERE], True)])
def test_nothing_is_required_when_part_of_the_suite_runs(args, narrowed):
    assert required(('load',), args, HERE, narrowed) == ()


pytest_plugins = ['pytester']

TALLY_ALL = """
from conftest import CATEGORY_ORDER
def test_all(tally):
    for category in CATEGORY_ORDER{skip}:
        tally(category, 1, 1)
"""


@pytest.mark.parametrize('skip, outcome', [('', 0), ('[1:]', 1)])
def test_the_whole_suite_fails_when_a_category_did_not_run(pytester, monkeypatch, skip, outcome):
    """This suite's conftest.py in a folder of its own, with one test that tallies every category
    or all but one: the run of the whole folder passes, or fails naming the missing one."""
    with open(os.path.join(HERE, 'conftest.py')) as conftest:
        pytester.makeconftest(conftest.read())
    pytester.makepyfile(test_tally=TALLY_ALL.format(skip=skip))
    tests = os.path.dirname(HERE)
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join(os.path.join(tests, name) for name in ('reliability', 'harness', 'emulator')))
    result = pytester.runpytest_subprocess(str(pytester.path))
    assert result.ret == outcome, result.stdout.str()
    if outcome:
        result.stdout.fnmatch_lines(['*faults: modules*0*0*0*not run*', 'required categories that did not run: faults: modules'])
