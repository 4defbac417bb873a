# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token cache with Entgra: JWT access tokens of about 1 KB, and tokens of keys Entgra replaced.

Entgra 7.x issues signed JWTs by default and deletes and recreates an application (new keys, the
old tokens dead) when it is registered with another set of grant types.
"""

import base64
import json
import os
import time

from ansible.parsing.vault import VaultSecret

from ansible_collections.wso2.iots.plugins.module_utils._errors import redact
from ansible_collections.wso2.iots.plugins.plugin_utils import _private_files as files
from ansible_collections.wso2.iots.plugins.plugin_utils import _token_cache as tc

URL = 'https://entgra.example.com/token'
APPLICATION = URL + ' carbon.super ansible_iots_bearer'


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def jwt(serial):
    """A token shaped like Entgra's: header.payload.signature, base64url, a little over 1 KB."""
    header = b64url(json.dumps({'alg': 'RS256', 'typ': 'at+jwt', 'kid': 'k' * 40}).encode())
    payload = b64url(json.dumps({'sub': 'admin', 'scope': 'dm:devices:view ' * 25, 'jti': serial}).encode())
    return '%s.%s.%s' % (header, payload, b64url(os.urandom(256)))


def token(access, client_id=None, application=None, scopes=('dm:devices:view',)):
    data = {'access_token': access, 'token_type': 'Bearer', 'expires_in': 3600, 'obtained_at': time.time(), 'scopes': list(scopes), 'grant_used': 'password'}
    if client_id:
        data.update(client_id=client_id, application=application)
    return data


def caches(run_tmp, tmp_path):
    """A per-run cache and a vault-encrypted persistent one, as the lookup opens them."""
    per_run = tc.open_cache('per_run', run_tmp)
    persistent = tc.open_cache('persistent', run_tmp, cache_dir=str(tmp_path / 'persist'), vault_secrets=[('iots', VaultSecret(b's3cret'))])
    return per_run, persistent


def test_a_jwt_of_one_kilobyte_is_cached_and_read_back_in_every_tier(run_tmp, tmp_path):
    access = jwt('a')
    assert 1000 < len(access) < 2000
    for cache in caches(run_tmp, tmp_path):
        key = tc.cache_key(URL, 'password', 'admin', 'cid-%s' % id(cache), ['dm:devices:view'])
        stored = cache.fetch(key, lambda: token(access), lock_timeout=5)
        assert stored['access_token'] == access
        tc.forget_memory()
        assert cache.read(key)['access_token'] == access
        for tier in cache.tiers:
            assert tier.read(key)['access_token'] == access


def test_redaction_hides_a_whole_jwt():
    access = jwt('b')
    message = 'GET https://entgra.example.com/api failed with Authorization: Bearer %s in the echo' % access
    assert access not in redact(message, [access])
    assert access.rsplit('.', 1)[1] not in redact(message, [access])


def test_tokens_of_replaced_keys_are_forgotten_in_every_tier(run_tmp, tmp_path):
    per_run, persistent = caches(run_tmp, tmp_path)
    persistent.tiers.insert(0, per_run.tiers[0])
    old_view = tc.cache_key(URL, 'password', 'admin', 'application:a', ['dm:devices:view'])
    old_enrol = tc.cache_key(URL, 'password', 'admin', 'application:a', ['dm:device:enroll'])
    other_app = tc.cache_key(URL, 'password', 'admin', 'application:b', ['dm:devices:view'])
    explicit = tc.cache_key(URL, 'client_credentials', None, 'cid-explicit', ['dm:devices:view'])
    persistent.fetch(old_view, lambda: token(jwt('1'), 'cid-old', APPLICATION), lock_timeout=5)
    persistent.fetch(old_enrol, lambda: token(jwt('2'), 'cid-old', APPLICATION, ['dm:device:enroll']), lock_timeout=5)
    persistent.fetch(other_app, lambda: token(jwt('3'), 'cid-other', URL + ' carbon.super b'), lock_timeout=5)
    persistent.fetch(explicit, lambda: token(jwt('4')), lock_timeout=5)

    persistent.forget_other_clients(APPLICATION, 'cid-new')

    for key in (old_view, old_enrol):
        assert persistent.read(key) is None
        assert all(tier.read(key) is None for tier in persistent.tiers)
    for key in (other_app, explicit):
        assert persistent.read(key)['access_token']
        assert all(tier.read(key) for tier in persistent.tiers)


def test_tokens_of_the_current_client_are_kept(run_tmp):
    cache = tc.open_cache('per_run', run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'application:a', ['dm:devices:view'])
    cache.fetch(key, lambda: token(jwt('5'), 'cid-new', APPLICATION), lock_timeout=5)
    cache.forget_other_clients(APPLICATION, 'cid-new')
    assert cache.read(key)['client_id'] == 'cid-new'


def test_forgetting_in_a_directory_that_cannot_be_listed_is_harmless(tmp_path):
    tier = tc.DiskTier(str(tmp_path / 'gone'), 'persistent')
    assert tier.keys() == []
    tier.remove('no-such-key')
    cache = tc.TokenCache([tier], memory=True)
    cache.forget_other_clients(APPLICATION, 'cid-new')


def test_entries_carry_no_secret_beyond_the_access_token(run_tmp):
    cache = tc.open_cache('per_run', run_tmp)
    key = tc.cache_key(URL, 'password', 'admin', 'application:a', [])
    cache.fetch(key, lambda: dict(token(jwt('6'), 'cid-new', APPLICATION), refresh_token='r-secret', client_secret='c-secret'), lock_timeout=5)
    raw = files.read_private_file(os.path.join(tc.per_run_directory(run_tmp), key + '.json'))
    assert b'r-secret' not in raw and b'c-secret' not in raw
    assert json.loads(raw.decode())['client_id'] == 'cid-new'
