# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No secret leaks: the modules, the lookup and the role, verbose, in check mode, and failing.

playbooks/secret_flows.yml writes every flow as the documentation does (no_log on the tasks that
register secrets). It runs twice: with -vvvv and the module arguments echoed (as ansible-core
2.20 and older always do), then with --check --diff -vvvv. Everything is scanned for every
password, client secret, access token and refresh token of the session (also URL- and
Base64-encoded): both outputs, HOME, ANSIBLE_HOME, the local and remote temp dirs, the
persistent token cache and the role's vault file.

A token that ansible.builtin.uri itself prints when its arguments are echoed (the documented
``Authorization: Bearer {{ ... }}`` header) is ansible-core's output, not the collection's; it is
counted apart and reported in the summary's note.
"""

import os
import re

import pytest

from playbook_harness import play_recap
from reliability_harness import (
    ADMIN_PASSWORD,
    MANAGED_USER_NEW_PASSWORD,
    MANAGED_USER_PASSWORD,
    OPERATOR_PASSWORD,
    files_under,
)

pytestmark = pytest.mark.reliability

DOCUMENTED_URI = '(documented uri usage)'


def sections(output):
    """(play, task, text) pieces of an ansible-playbook output, in order."""
    play, task, lines = '', '', []
    found = []
    for line in output.splitlines(True):
        heading = re.match(r'^(PLAY|TASK) \[(.*?)\] \*+', line)
        if heading:
            found.append((play, task, ''.join(lines)))
            lines = []
            if heading.group(1) == 'PLAY':
                play, task = heading.group(2), ''
            else:
                task = heading.group(2)
        lines.append(line)
    found.append((play, task, ''.join(lines)))
    return found


# Each server flavour's scope names for the flows, and the emulator mode that speaks them. On
# Entgra the access tokens are JWTs of about 1 KB (KnownSecrets also looks for their signatures).
FLAVORS = {
    'iots': ('3.2.0', {'view': 'perm:devices:view', 'details': 'perm:devices:details', 'types': 'perm:device-types:types', 'admin_only': 'perm:admin'}),
    'entgra': ('entgra', {'view': 'dm:devices:view', 'details': 'dm:devices:details', 'types': 'dm:device-type:view', 'admin_only': 'dm:admin:devices:view'}),
}


# ansible-core's -vvvv output, its echo of module arguments (2.20 and older) and its no_log masking
# differ by release: one flavour runs with every release (the flavours differ in the collection, not
# in ansible-core).
@pytest.mark.parametrize('flavor', [pytest.param('iots', marks=pytest.mark.every_core), 'entgra'])
def test_no_secret_in_any_output_or_file(playbooks, emu, known_secrets, vault_password_file, tally, tmp_path, flavor):
    version, scope = FLAVORS[flavor]
    emu.configure(version=version)
    cache_dir = str(tmp_path / 'bearer-cache')
    credentials_file = str(tmp_path / 'inventory' / 'group_vars' / 'all' / 'iots_credentials.yml')
    extra = {
        'admin_password': ADMIN_PASSWORD,
        'operator_password': OPERATOR_PASSWORD,
        'application_name': 'rel_secrets_%s' % flavor,
        'bearer_cache_dir': cache_dir,
        'credentials_file': credentials_file,
        'scope': scope,
        'iots_server_flavor': flavor,
        'managed_user_password': MANAGED_USER_PASSWORD,
        'managed_user_new_password': MANAGED_USER_NEW_PASSWORD,
    }
    vault = ['--vault-id', 'iots@' + vault_password_file]
    echo = {'ANSIBLE_INJECT_INVOCATION': 'true'}
    verbose = playbooks.run('secret_flows.yml', extra, diff=True, verbosity=4, env=echo, args=vault)
    counts_after_verbose = emu.counts()
    check = playbooks.run('secret_flows.yml', extra, check=True, diff=True, verbosity=4, env=echo, args=vault)

    known = known_secrets.values()
    # Per (run, play): hits in the collection's output, and in what uri prints of a documented call.
    cases, collection_hits, uri_hits = {}, {}, 0
    for run_name, run in (('--diff -vvvv', verbose), ('--check --diff -vvvv', check)):
        for play, task, text in sections(run.output):
            case = '%s: %s' % (run_name, play or 'start')
            cases.setdefault(case, 0)
            for value, label in known.items():
                n = text.count(value)
                if not n:
                    continue
                if DOCUMENTED_URI in task and label.startswith('access token'):
                    uri_hits += n
                else:
                    cases[case] += n
                    collection_hits['%s / %s: %s' % (case, task, label)] = n
    # Every file a run left behind, the persistent cache and the role's vault file.
    file_sets = {
        'files under HOME, ANSIBLE_HOME and the temp dirs': playbooks.scanned_dirs,
        'persistent token cache': [cache_dir],
        'vault file of the role': [credentials_file],
    }
    for name, paths in file_sets.items():
        hits = known_secrets.count(paths=paths)
        cases['files: ' + name] = sum(hits.values())
        collection_hits.update(hits)
    found = sum(collection_hits.values())
    survived = sum(1 for n in cases.values() if n == 0)
    tally(
        'secrets',
        len(cases),
        survived,
        found,
        note='%d distinct secret values searched (passwords, client secrets, tokens, their URL and Base64 forms); '
        'ansible.builtin.uri printed the documented Bearer header %d times with module arguments echoed' % (len(known), uri_hits),
    )

    # The flows really ran, and failed where they should.
    assert verbose.rc == 0 and play_recap(verbose.output).get('failed') == 0, verbose
    assert check.rc == 0 and play_recap(check.output).get('failed') == 0, check
    assert counts_after_verbose['token:password'] >= 2 and counts_after_verbose['token:refresh_token'] >= 2
    assert counts_after_verbose['token:client_credentials'] >= 2 and counts_after_verbose['revoke'] >= 2
    for words in (
        'Authentication failed for admin@carbon.super',
        'Client Authentication failed',
        'IoTS did not grant 1 of the 2 requested scopes to user operator',
        'HTML page: Apache Tomcat',
        'malformed JSON of',
        'Failed to authorize incoming request',
        'user_password must be 5 to 30 characters',
    ):
        assert words in verbose.output, words
    # The role's first write, in --diff mode: the diff names the key and hides its value.
    assert '+iots_client_secret: <new value hidden>' in verbose.output, verbose
    entries = [path for path in files_under([cache_dir]) if path.endswith('.json')]
    assert entries, 'the lookup kept nothing in the persistent cache'
    for path in entries + [credentials_file]:
        with open(path, 'rb') as handle:
            assert handle.read().startswith(b'$ANSIBLE_VAULT;1.'), path
    assert os.listdir(playbooks.local_temp) == [], 'a run left its local temp dir behind'
    # Positive control: the scan does find the secrets where the playbook kept them on purpose.
    control = known_secrets.count(paths=[os.path.join(playbooks.captures, 'returned_secrets.json')])
    assert any(label.startswith('client secret') for label in control), control
    assert any(label.startswith('refresh token') for label in control), control
    assert not collection_hits, collection_hits
