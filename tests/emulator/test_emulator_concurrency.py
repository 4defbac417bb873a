# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""50 clients at once, as 50 Ansible forks would come: one token, one set of keys, no stalls."""

import threading
import time

from gateway_client import Gateway, unique_name

CLIENTS = 50


def run_together(function, count=CLIENTS):
    """Start ``count`` threads that call ``function(index)`` at the same moment; return results."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def worker(index):
        try:
            barrier.wait(10)
            results[index] = function(index)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:3]
    return results


def test_fifty_password_grants_share_one_token(emu, client):
    def grant(index):
        response = Gateway(emu).password(client, scope='perm:devices:view perm:device-types:types')
        assert response.status_code == 200, response.text
        return response.json()

    tokens = run_together(grant)
    assert len(set(t['access_token'] for t in tokens)) == 1
    assert len(set(t['refresh_token'] for t in tokens)) == 1
    assert emu.counts()['token:password'] == CLIENTS


def test_fifty_registrations_of_one_name_share_keys(emu):
    name = unique_name()

    def register(index):
        user = ('admin', 'admin') if index % 2 else ('operator', 'operator')
        response = Gateway(emu).register(name, user=user)
        assert response.status_code == 201
        return (response.json()['client_id'], response.json()['client_secret'])

    assert len(set(run_together(register))) == 1
    assert [app['application_name'] for app in emu.apps()].count(name) == 1


def test_fifty_slow_requests_run_in_parallel(emu, client):
    emu.set_fault('token', 'latency', latency=1.0)
    started = time.monotonic()
    statuses = run_together(lambda index: Gateway(emu).token(client, grant_type='client_credentials').status_code)
    elapsed = time.monotonic() - started
    assert statuses == [200] * CLIENTS
    assert elapsed < 5, elapsed  # one second each, all at once: not 50 seconds


def test_fifty_keep_alive_clients_mixed_traffic(emu):
    keys = Gateway(emu).keys()
    rounds = 10

    def session(index):
        gw = Gateway(emu)
        statuses = []
        for _round_number in range(rounds):
            token = gw.password(keys, scope='perm:devices:view').json()['access_token']
            statuses.append(gw.api('GET', '/devices', token=token).status_code)
        gw.session.close()
        return statuses

    started = time.monotonic()
    results = run_together(session)
    elapsed = time.monotonic() - started
    assert all(statuses == [200] * rounds for statuses in results)
    assert emu.counts()['api'] == CLIENTS * rounds
    assert elapsed < 20, elapsed
