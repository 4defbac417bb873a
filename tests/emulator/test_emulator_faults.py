# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Fault injection: every kind, times, endpoint selection, and that no fault wedges the server."""

import json
import threading
import time

import pytest
import requests

from gateway_client import Gateway, unique_name
from iots_emulator import Emulator


def token_form():
    return {'grant_type': 'client_credentials'}


def test_status_fault_on_token_is_gateway_xml_and_counts(gw, emu, client):
    emu.set_fault('token', 'status', status=503, times=2)
    for _attempt in range(2):
        response = gw.token(client, **token_form())
        assert response.status_code == 503
        assert response.headers['Content-Type'] == 'application/xml'
        assert '<am:message>Runtime Error</am:message>' in response.text
        assert '<am:code>101503</am:code>' in response.text
    assert gw.token(client, **token_form()).status_code == 200
    counts = emu.counts()
    assert counts['token'] == 3 and counts['token:client_credentials'] == 3
    assert emu.faults() == []


def test_status_fault_on_api_follows_accept(gw, emu, client):
    token = gw.access(client)['access_token']
    emu.set_fault('api', 'status', status=502)
    response = gw.api('GET', '/devices', token=token)
    assert response.status_code == 502
    assert response.json()['fault']['message'] == 'Runtime Error'
    response = gw.api('GET', '/devices', token=token, accept=None)
    assert response.status_code == 502 and response.text.startswith('<am:fault')
    emu.clear_faults()
    assert gw.api('GET', '/devices', token=token).status_code == 200


def test_xml_fault_on_token_and_revoke_is_always_xml(gw, emu, client):
    emu.set_fault('token', 'xml_fault')
    emu.set_fault('revoke', 'xml_fault')
    for response in (gw.token(client, **token_form()), gw.revoke(client, token='x'), gw.request('POST', '/token', json={'grant_type': 'password'})):
        assert response.status_code == 500
        assert response.headers['Content-Type'] == 'application/xml'
        assert response.text.startswith('<am:fault xmlns:am="http://wso2.org/apimanager">')


@pytest.mark.parametrize('endpoint', ['register', 'token', 'revoke', 'api'])
def test_html_fault(gw, emu, endpoint):
    emu.set_fault(endpoint, 'html', times=1)
    response = _hit(gw, endpoint)
    assert response.status_code == 500
    assert response.headers['Content-Type'].startswith('text/html')
    assert '<title>Apache Tomcat/7.0.85 - Error report</title>' in response.text


@pytest.mark.parametrize('kind', ['truncated_json', 'empty', 'invalid_body'])
@pytest.mark.parametrize('endpoint', ['register', 'token', 'revoke', 'api'])
def test_broken_200_bodies(gw, emu, endpoint, kind):
    emu.set_fault(endpoint, kind, times=1)
    response = _hit(gw, endpoint)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json'
    if kind == 'empty':
        assert response.content == b''
    else:
        assert response.text
        with pytest.raises(ValueError):
            json.loads(response.text)
    assert int(response.headers['Content-Length']) == len(response.content)
    _assert_normal(endpoint, _hit(gw, endpoint))  # times=1: the next request is answered normally


def _hit(gw, endpoint):
    if endpoint == 'register':
        return gw.register(unique_name())
    if endpoint == 'token':
        return gw.token(gw.keys(), **token_form())
    if endpoint == 'revoke':
        return gw.revoke(('id', 'secret'), token='unknown')
    return gw.api('GET', '/devices')


def _assert_normal(endpoint, response):
    expected = {'register': 201, 'token': 200, 'revoke': 200, 'api': 401}[endpoint]
    assert response.status_code == expected
    if endpoint == 'token':
        assert response.json()['access_token']
    if endpoint == 'revoke':
        assert response.content == b'' and response.headers['Content-Type'] == 'text/html'


def test_drop_closes_the_connection_mid_response(gw, emu, client):
    emu.set_fault('token', 'drop', times=1)
    # requests reports the cut-off body as ChunkedEncodingError (IncompleteRead), not ConnectionError
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        gw.token(client, **token_form())
    assert gw.token(client, **token_form()).status_code == 200  # a new connection works
    assert emu.counts()['token'] == 2


def test_hang_times_out_the_client_and_not_the_server(gw, emu, client):
    emu.set_fault('token', 'hang', times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        gw.request('POST', '/token', auth=client, data=token_form(), timeout=0.5)
    assert time.monotonic() - started < 3
    assert gw.token(client, **token_form()).status_code == 200
    assert gw.register(unique_name()).status_code == 201


def test_stop_during_hang_and_latency_is_quick(tmp_path):
    emu = Emulator(state_dir=str(tmp_path)).start()
    gw = Gateway(emu)
    emu.set_fault('register', 'hang')
    emu.set_fault('token', 'latency', latency=60)
    errors = []

    def call(function):
        try:
            function()
        except requests.exceptions.RequestException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=call, args=(lambda: gw.register('x', tags=['device_management']),)),
        threading.Thread(target=call, args=(lambda: gw.token(('a', 'b'), **token_form()),)),
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 3
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()
    assert errors  # the hanging request never got an answer


def test_latency_does_not_block_other_requests(gw, emu, client):
    emu.set_fault('token', 'latency', latency=1.0, times=1)
    result = {}

    def slow():
        started = time.monotonic()
        result['status'] = Gateway(emu).token(client, **token_form()).status_code
        result['elapsed'] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    assert gw.register(unique_name()).status_code == 201
    assert gw.api('GET', '/devices').status_code == 401
    assert time.monotonic() - started < 0.5
    thread.join(5)
    assert result['status'] == 200 and result['elapsed'] >= 1.0


def test_all_endpoint_and_specific_precedence(gw, emu, client):
    emu.set_fault('all', 'status', status=504)
    emu.set_fault('revoke', 'html')
    assert gw.register(unique_name()).status_code == 504
    assert gw.token(client, **token_form()).status_code == 504
    assert gw.api('GET', '/devices').status_code == 504
    assert gw.request('GET', '/nothing/here').status_code == 504
    assert gw.revoke(client, token='x').headers['Content-Type'].startswith('text/html')
    assert gw.request('GET', '/_emulator/health').status_code == 200  # control is never faulted
    emu.clear_faults()
    assert gw.token(client, **token_form()).status_code == 200


def test_fault_spec_validation(emu):
    with pytest.raises(ValueError):
        emu.set_fault('nowhere', 'status')
    with pytest.raises(ValueError):
        emu.set_fault('token', 'explode')
    with pytest.raises(ValueError):
        emu.set_fault('token', 'status', times=0)
    with pytest.raises(ValueError):
        emu.set_fault('token', 'status', status=99)
    assert emu.faults() == []
    assert emu.set_fault('token', 'latency', latency=0.2, times=3) == [{'endpoint': 'token', 'kind': 'latency', 'times': 3, 'latency': 0.2, 'status': 500}]
