# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_bearer lookup in real ansible-playbook runs against the emulator over HTTPS.

What is checked is what reaches the server (request counts), what the playbook saw (its own
asserts) and what the output shows (warnings, no secrets); never timings alone.
"""

import os
import stat
import time

import pytest

from ansible.parsing.vault import VaultLib, VaultSecret

pytestmark = pytest.mark.integration

TARGET = 'lookup_iots_bearer'
VAULT_PASSWORD = 'bearer-test-vault'
IS_ROOT = os.geteuid() == 0


def playbook(name):
    return os.path.join(TARGET, name)


def token_requests(emu):
    return emu.counts().get('token', 0)


def registrations(emu):
    return emu.counts().get('register', 0)


def assert_ok(result, recap):
    assert result.rc == 0, result
    assert recap(result.output).get('failed', 0) == 0, result


def entries(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith('.json'))


@pytest.fixture
def vault_password_file(tmp_path):
    path = tmp_path / 'vault-password'
    path.write_text(VAULT_PASSWORD)
    return str(path)


# ---------------------------------------------------------------------------- sharing


@pytest.mark.parametrize('hosts, forks', [(8, 3), (8, 8)])
def test_one_token_request_for_all_hosts_and_tasks(run_playbook, emu, recap, hosts, forks):
    result = run_playbook(playbook('share.yml'), hosts=hosts, forks=forks)
    assert_ok(result, recap)
    assert recap(result.output)['ok'] == hosts * 5
    # no client credentials given: the lookup registers once, then one grant serves everyone
    assert registrations(emu) == 1
    assert token_requests(emu) == 1
    assert emu.counts().get('token:password') == 1


def test_persistent_cache_makes_the_second_run_request_nothing(run_playbook, emu, recap, tmp_path):
    cache_dir = str(tmp_path / 'bearer-cache')
    extra = {'iots_bearer_cache': 'persistent', 'iots_bearer_cache_dir': cache_dir}
    assert_ok(run_playbook(playbook('share.yml'), extra_vars=extra, hosts=4, forks=2), recap)
    assert (registrations(emu), token_requests(emu)) == (1, 1)
    emu.reset()
    assert_ok(run_playbook(playbook('share.yml'), extra_vars=extra, hosts=4, forks=2), recap)
    assert (registrations(emu), token_requests(emu)) == (0, 0)
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    (entry,) = entries(cache_dir)
    assert stat.S_IMODE(os.stat(os.path.join(cache_dir, entry)).st_mode) == 0o600


# Every release: how often the lookup runs (2 hosts x 6 lookups) is ansible-core's templating (2.16-2.18 pass raw variables).
def test_cache_none_asks_for_every_lookup(run_playbook, emu, recap):
    result = run_playbook(playbook('share.yml'), extra_vars={'iots_bearer_cache': 'none'}, hosts=2)
    assert_ok(result, recap)
    # per host: tasks 1 and 2, three loop items, the API call; IoTS hands back the same token
    assert token_requests(emu) == 2 * 6


# ---------------------------------------------------------------------------- expiry


@pytest.mark.slow
@pytest.mark.newest_core  # when to renew: the collection's token cache
def test_token_is_renewed_when_about_to_expire_not_on_every_call(run_playbook, emu, recap):
    emu.configure(token_validity=40)
    result = run_playbook(playbook('expiry.yml'), hosts=2)
    assert_ok(result, recap)
    # five lookups on two hosts: one token for the first 20 s, one renewal after
    assert token_requests(emu) == 2


# ---------------------------------------------------------------------------- failures


def test_a_hanging_server_is_asked_once_not_once_per_host(run_playbook, emu, recap):
    emu.set_fault('token', 'hang')
    started = time.monotonic()
    result = run_playbook(playbook('failure.yml'), hosts=10, forks=10)
    elapsed = time.monotonic() - started
    assert_ok(result, recap)
    assert token_requests(emu) == 1
    assert registrations(emu) == 1
    # without the remembered failure the 10 hosts would queue for 10 x 2 s behind the lock, twice
    assert elapsed < 30, elapsed


def test_a_missing_scope_fails_every_host_with_one_request(run_playbook, emu, recap):
    result = run_playbook(playbook('scopes.yml'), hosts=4, forks=4)
    assert_ok(result, recap)
    assert token_requests(emu) == 1


def test_failures_show_no_secret_even_at_vvv(run_playbook, emu, recap):
    result = run_playbook(playbook('secrets.yml'), verbosity=3, hosts=2)
    assert_ok(result, recap)
    assert 'HTTP 401 invalid_client' in result.output
    assert 'Wr0ng-S3cret-42' not in result.output
    assert 'Cl1ent-S3cret-42' not in result.output


def test_a_successful_run_at_vvv_shows_neither_the_registered_secret_nor_the_password(run_playbook, emu, recap):
    result = run_playbook(playbook('share.yml'), verbosity=3, hosts=2, extra_vars={'admin_password': 'admin'})
    assert_ok(result, recap)
    secrets = [app.client_secret for app in emu.state.apps.values()]
    assert secrets
    for secret in secrets:
        assert secret not in result.output
    for row in emu.state.tokens_by_access.values():
        assert row.refresh not in result.output


# ---------------------------------------------------------------------------- persistent + vault


def test_persistent_cache_is_vault_encrypted_and_never_downgraded(run_playbook, emu, recap, tmp_path, vault_password_file):
    cache_dir = str(tmp_path / 'bearer-cache')
    extra = {'iots_bearer_cache': 'persistent', 'iots_bearer_cache_dir': cache_dir}
    vault_args = ('--vault-password-file', vault_password_file)

    assert_ok(run_playbook(playbook('vault.yml'), extra_vars=extra, args=vault_args, hosts=3), recap)
    assert token_requests(emu) == 1
    (entry,) = entries(cache_dir)
    path = os.path.join(cache_dir, entry)
    with open(path, 'rb') as handle:
        encrypted = handle.read()
    assert encrypted.startswith(b'$ANSIBLE_VAULT;1.')
    assert b'access_token' not in encrypted
    plaintext = VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode()))]).decrypt(encrypted)
    assert b'"access_token"' in plaintext and b'refresh_token' not in plaintext

    emu.reset()
    assert_ok(run_playbook(playbook('vault.yml'), extra_vars=extra, args=vault_args, hosts=3), recap)
    assert token_requests(emu) == 0

    # a run without the vault secret cannot read the entry: it fetches, and leaves the entry encrypted
    emu.reset()
    assert_ok(run_playbook(playbook('share.yml'), extra_vars=extra, hosts=3), recap)
    assert token_requests(emu) == 1
    with open(path, 'rb') as handle:
        assert handle.read() == encrypted
    assert entries(cache_dir) == [entry]


# ---------------------------------------------------------------------------- fallbacks


def run_with_cache_dir(run_playbook, cache_dir, hosts=4):
    return run_playbook(playbook('share.yml'), hosts=hosts, forks=4, extra_vars={'iots_bearer_cache': 'persistent', 'iots_bearer_cache_dir': cache_dir})


def assert_fell_back_to_per_run(result, emu, recap, words):
    assert_ok(result, recap)
    assert token_requests(emu) == 1  # the per-run cache still shares one token
    assert 'cache=persistent is not used' in result.output
    assert words in ' '.join(result.output.split())
    # Ansible shows an identical warning once, whatever the number of hosts and tasks
    assert result.output.count('cache=persistent is not used') == 1


def test_cache_dir_open_to_others_is_refused_with_one_warning(run_playbook, emu, recap, tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    result = run_with_cache_dir(run_playbook, str(shared))
    assert_fell_back_to_per_run(result, emu, recap, 'open to group or others (mode 0777)')
    assert os.listdir(str(shared)) == []


def test_cache_dir_that_cannot_be_created_falls_back(run_playbook, emu, recap, tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a directory')
    result = run_with_cache_dir(run_playbook, str(blocker / 'cache'))
    assert_fell_back_to_per_run(result, emu, recap, 'cannot be created')


@pytest.mark.skipif(not IS_ROOT, reason='giving a directory to another user needs root')
def test_cache_dir_of_another_user_is_refused(run_playbook, emu, recap, tmp_path):
    theirs = tmp_path / 'theirs'
    theirs.mkdir(mode=0o700)
    os.chown(str(theirs), 65534, 65534)
    result = run_with_cache_dir(run_playbook, str(theirs))
    assert_fell_back_to_per_run(result, emu, recap, 'is owned by uid 65534')
