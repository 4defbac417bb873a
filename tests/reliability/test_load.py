# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Load: 1000 lookups across 50 forks against a token endpoint with 300 ms latency.

Exactly one token request must reach the server, no fork may time out on the lock, and every
host must get the same token. The summary row counts a case per host (its 20 lookups) plus the
one-token and no-lock-timeout cases; the wall time goes into its note.
"""

import pytest

from playbook_harness import play_recap
from reliability_harness import ADMIN_PASSWORD, KnownSecrets, register_app, total

pytestmark = pytest.mark.reliability

HOSTS = 50
ROUNDS = 20  # the lookup tasks in playbooks/load.yml
PLAYBOOK = 'load.yml'


def host_recaps(output):
    """PLAY RECAP per host: {host: {'ok': n, 'failed': n, ...}}."""
    recaps = {}
    for line in output.split('PLAY RECAP', 1)[-1].splitlines():
        host, colon, fields = line.partition(':')
        if colon and '=' in fields:
            recaps[host.strip()] = dict((key, int(value)) for key, _sep, value in (field.partition('=') for field in fields.split()) if value.isdigit())
    return recaps


def test_a_thousand_lookups_in_fifty_forks_make_one_token_request(playbooks, emu, tally):
    app = register_app(emu, 'rel_load')
    emu.reset()
    emu.set_fault('token', 'latency', latency=0.3)
    result = playbooks.run(PLAYBOOK, {'app': app, 'admin_password': ADMIN_PASSWORD}, hosts=HOSTS, forks=HOSTS)
    counts = emu.counts()
    recap = play_recap(result.output)
    lock_timeouts = result.output.count('for another Ansible process fetching the same IoTS token')
    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs)
    lookups = HOSTS * ROUNDS
    # One case per host: its 20 lookups, the set_fact before them and its share of the final
    # assert (the host's own 20 tokens, and one token across all hosts) all ran ok.
    hosts = host_recaps(result.output)
    survived = sum(1 for host in hosts.values() if host.get('failed') == 0 and host.get('ok') == ROUNDS + 2)
    note = '%d lookups in %d forks, 300 ms token latency: %d token request(s), %d lock timeouts, wall time %.1f s (%.1f ms per lookup)' % (
        lookups,
        HOSTS,
        counts['token'],
        lock_timeouts,
        result.seconds,
        1000.0 * result.seconds / lookups,
    )
    tally('load', HOSTS + 2, survived + (counts['token'] == 1) + (lock_timeouts == 0), total(secrets), note=note)
    assert result.rc == 0, result
    assert len(hosts) == HOSTS and survived == HOSTS, hosts
    assert recap.get('failed') == 0 and recap.get('ok') >= lookups, recap
    assert counts['token'] == 1 and counts['register'] == 0, counts
    assert lock_timeouts == 0
    assert not secrets, secrets
