# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Load: 1000 lookups across 50 forks against a token endpoint with 300 ms latency.

Exactly one token request must reach the server, no fork may time out on the lock, and every
host must get the same token. The wall time goes into the summary.
"""

import pytest

from playbook_harness import play_recap
from reliability_harness import ADMIN_PASSWORD, KnownSecrets, register_app, total

pytestmark = pytest.mark.reliability

HOSTS = 50
ROUNDS = 20  # the lookup tasks in playbooks/load.yml
PLAYBOOK = 'load.yml'


def test_a_thousand_lookups_in_fifty_forks_make_one_token_request(playbooks, emu, tally):
    app = register_app(emu, 'rel_load')
    emu.reset()
    emu.set_fault('token', 'latency', latency=0.3)
    result = playbooks.run(PLAYBOOK, {'app': app, 'admin_password': ADMIN_PASSWORD},
                           hosts=HOSTS, forks=HOSTS)
    counts = emu.counts()
    recap = play_recap(result.output)
    lock_timeouts = result.output.count('for another Ansible process fetching the same IoTS token')
    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs)
    lookups = HOSTS * ROUNDS
    worked = result.rc == 0 and recap.get('failed') == 0 and counts['token'] == 1 and not lock_timeouts
    note = ('%d lookups in %d forks, 300 ms token latency: %d token request(s), %d lock timeouts, wall time %.1f s '
            '(%.1f ms per lookup)' % (lookups, HOSTS, counts['token'], lock_timeouts, result.seconds,
                                      1000.0 * result.seconds / lookups))
    tally('load', lookups, lookups if worked else 0, total(secrets), note=note)
    assert result.rc == 0, result
    assert recap.get('failed') == 0 and recap.get('ok') >= lookups, recap
    assert counts['token'] == 1 and counts['register'] == 0, counts
    assert lock_timeouts == 0
    assert not secrets, secrets
