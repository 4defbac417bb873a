# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration harness: one emulator per session, and real ansible-playbook runs against it.

Playbooks live under tests/integration/playbooks/<subject>/. Each run gets its own ANSIBLE_HOME,
local temp dir and inventory, so runs never share a token cache unless a test asks for it.
The emulator fixtures and the runner are shared with tests/reliability (tests/harness).
"""

import os
import re

import pytest

from playbook_harness import ansible_environment, control_environment, emulator_fixtures, play_recap, run_ansible_playbook, write_inventory

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')

pytestmark = pytest.mark.integration


emulator, emu = emulator_fixtures()


def playbook_path(*parts):
    return os.path.join(PLAYBOOKS, *parts)


@pytest.fixture
def ansible_env(emu, tmp_path):
    """Environment for ansible-playbook: the working tree as wso2.iots, isolated homes."""
    home = tmp_path / 'ansible-home'
    local_tmp = tmp_path / 'ansible-tmp'
    home.mkdir()
    local_tmp.mkdir()
    return ansible_environment(home, local_tmp)


@pytest.fixture
def inventory(tmp_path):
    """An inventory of N local hosts (default 1), all on the controller."""

    def make(hosts=1):
        return write_inventory(tmp_path / ('inventory-%d.ini' % hosts), hosts)

    return make


@pytest.fixture
def run_playbook(emu, ansible_env, inventory, tmp_path):
    """Run ansible-playbook on a playbook with iots_url / iots_ca_path set.

    ``playbook`` is a path relative to tests/integration/playbooks/ or absolute.
    """

    def run(playbook, extra_vars=None, env=None, hosts=1, **options):
        path = playbook if os.path.isabs(playbook) else playbook_path(playbook)
        variables = {'iots_url': emu.url, 'iots_ca_path': emu.ca_path}
        variables.update(extra_vars or {})
        return run_ansible_playbook(
            path, inventory(hosts), dict(ansible_env, **(env or {})), variables=variables, vars_file=tmp_path / 'extra_vars.yml', **options
        )

    return run


@pytest.fixture
def control_env():
    """``env`` for a run whose playbook arms faults and reads counts between its tasks: the
    reliability suite's test-only emulator_control action (used from there, not copied)."""
    return control_environment()


@pytest.fixture
def failed_cases():
    """``failed_cases(result.output)``: the lines of a many-case run that name a failed case (its
    asserts say ``fail_msg: "case <id>: ..."``), the condition that failed and any other failure, for the
    assertion message."""

    def lines(output):
        found = [line.strip() for line in output.splitlines() if re.search(r'\bcase [\w.-]+: |"assertion": |^\[ERROR\]|^fatal: ', line)]
        return '\n'.join(found[-20:]) or output[-6000:]

    return lines


@pytest.fixture
def recap():
    """``recap(result.output)`` gives the PLAY RECAP totals."""
    return play_recap
