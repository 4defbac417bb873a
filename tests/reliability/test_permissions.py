# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Permissions: where tokens and credentials land on disk, and which directories are refused.

playbooks/permissions.yml takes the modes mid-run (the per-run cache only exists then):

* the per-run and the persistent cache directories are 0700 and their files 0600, owned by the
  user running Ansible; the role's vault file is 0600 and the directories it creates are 0700;
* a persistent cache dir open to the group (0770) or to others (0755), or (as root, who alone
  can chown) owned by someone else, is refused with a warning naming the reason, nothing is
  written there, and the run still works from the per-run cache;
* an entry that is a symlink is neither followed on reading nor written through.
"""

import os
import stat

import pytest

from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache

from reliability_harness import ADMIN_PASSWORD, KnownSecrets, register_app, total

pytestmark = pytest.mark.reliability

NOBODY = 65534
IS_ROOT = os.geteuid() == 0


def test_private_modes_and_refused_cache_directories(playbooks, emu, tally, tmp_path, vault_password_file):
    app = register_app(emu, 'rel_permissions')
    new_cache_dir = tmp_path / 'caches' / 'new'
    foreign = tmp_path / 'caches' / 'owned-by-nobody'
    group_open = tmp_path / 'caches' / 'open-to-group'
    others_open = tmp_path / 'caches' / 'open-to-others'
    refused = [group_open, others_open] + ([foreign] if IS_ROOT else [])
    for directory, mode in ((foreign, 0o700), (group_open, 0o770), (others_open, 0o755)):
        directory.mkdir(parents=True)
        directory.chmod(mode)
    if IS_ROOT:  # the one case that needs root: only root can give a directory to another user
        os.chown(str(foreign), NOBODY, NOBODY)
    symlink_dir = tmp_path / 'caches' / 'with-a-symlink'
    symlink_dir.mkdir(mode=0o700)
    victim = tmp_path / 'victim.txt'
    victim.write_text('a file the cache must never read or overwrite\n')
    key = _token_cache.cache_key(emu.url + '/token', 'password', 'admin', app['client_id'], ['perm:device-types:types'])
    (symlink_dir / (key + _token_cache.ENTRY_SUFFIX)).symlink_to(victim)
    credentials_root = tmp_path / 'inventory'
    credentials_file = credentials_root / 'group_vars' / 'all' / 'iots_credentials.yml'

    result = playbooks.run(
        'permissions.yml',
        {
            'app': app,
            'admin_password': ADMIN_PASSWORD,
            'new_cache_dir': str(new_cache_dir),
            'refused_cache_dirs': [str(directory) for directory in refused],
            'symlink_cache_dir': str(symlink_dir),
            'credentials_file': str(credentials_file),
            'credentials_root': str(credentials_root),
        },
        args=['--vault-id', 'iots@' + vault_password_file],
    )
    assert result.rc == 0, result
    seen = playbooks.outcomes('permissions.json')
    euid = seen['euid']
    checks = {}

    def private(files, what):
        """Every directory 0700 and every file 0600, owned by the user."""
        wrong = dict(
            (path, info)
            for path, info in files.items()
            if info['uid'] != euid or info['type'] == 'link' or info['mode'] != ('0700' if info['type'] == 'directory' else '0600')
        )
        checks[what] = [] if files and not wrong else ['not private: %r' % (wrong or 'nothing found')]

    per_run = dict((p, i) for p, i in seen['cache'].items() if not p.startswith(str(new_cache_dir)))
    persistent = dict((p, i) for p, i in seen['cache'].items() if p.startswith(str(new_cache_dir)))
    private(per_run, 'per-run cache: dir 0700, files 0600')
    private(persistent, 'persistent cache: dir 0700, files 0600')
    if not any(path.endswith('.json') for path in per_run) or not any(path.endswith('.json') for path in persistent):
        checks['both caches hold the entry'] = ['an entry is missing: %r' % seen['cache']]
    vault_files = dict((p, i) for p, i in seen['vault'].items() if p != str(credentials_root))
    private(vault_files, 'vault file 0600 in new dirs 0700')

    reasons = {
        foreign: '%s is owned by uid %d, not by this user (uid %d)' % (foreign, NOBODY, euid),
        group_open: '%s is open to group or others (mode 0770); it must be 0700' % group_open,
        others_open: '%s is open to group or others (mode 0755); it must be 0700' % others_open,
    }
    for directory in refused:
        reason = reasons[directory]
        problems = []
        if not result.shows('[WARNING]: iots_bearer: cache=persistent is not used: ' + reason):
            problems.append('no warning naming the reason')
        if os.listdir(str(directory)):
            problems.append('something was written there: %r' % os.listdir(str(directory)))
        checks['refused: %s' % directory.name] = problems
    if not seen['same_token']:
        checks['refused dirs still give the run its token'] = ['another token or none']

    link = str(symlink_dir / (key + _token_cache.ENTRY_SUFFIX))
    problems = []
    if victim.read_text() != 'a file the cache must never read or overwrite\n':
        problems.append('the symlink target was overwritten')
    if seen['symlink'].get(link, {}).get('type') != 'file' or seen['symlink'][link]['mode'] != '0600':
        problems.append('the entry is not a private regular file: %r' % seen['symlink'].get(link))
    checks['a symlinked entry is replaced, its target untouched'] = problems

    secrets = KnownSecrets(emu).count(texts=playbooks.outputs, paths=playbooks.scanned_dirs + [str(tmp_path / 'caches')])
    survived = sum(1 for problems in checks.values() if not problems)
    tally('permissions', len(checks), survived, total(secrets))
    failures = dict((what, problems) for what, problems in checks.items() if problems)
    assert not failures, failures
    assert not secrets, secrets
    assert stat.S_IMODE(os.stat(str(credentials_file)).st_mode) == 0o600
