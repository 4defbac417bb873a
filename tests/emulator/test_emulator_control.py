# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The control endpoint (/_emulator/) and EmulatorControl, the certificate, the state lifecycle."""

import email.message
import os
import ssl
import stat
import urllib.error
import urllib.request

import pytest
from cryptography import x509

from gateway_client import Gateway, unique_name
from iots_emulator import Emulator, EmulatorControl, EmulatorControlError
from iots_emulator.exchange import Request


@pytest.fixture
def control(emu):
    return EmulatorControl(emu.url, emu.ca_path)


def test_health_and_counts(control, gw, emu, client):
    health = control.health()
    assert health['status'] == 'ok' and health['url'] == emu.url and health['ca_path'] == emu.ca_path
    assert health['config'] == {
        'version': '3.2.0',
        'token_validity': 3600,
        'refresh_token_validity': 15552000,
        'operation_pending': 1.0,
        'operation_in_progress': 1.0,
    }
    gw.password(client)
    gw.token(client, grant_type='refresh_token', refresh_token='x')
    gw.token(client)
    gw.revoke(client, token='x')
    gw.request('DELETE', '/api-application-registration/unregister', auth=('admin', 'admin'))
    gw.api('GET', '/devices')
    gw.request('GET', '/foo')
    counts = control.counts()
    assert counts == emu.counts()  # the control request counts itself before it answers
    expected = {
        'register': 1,
        'unregister': 1,
        'token': 3,
        'token:password': 1,
        'token:refresh_token': 1,
        'token:client_credentials': 0,
        'token:other': 1,
        'revoke': 1,
        'api': 1,
        'not_found': 1,
    }
    assert {key: counts[key] for key in expected} == expected
    assert counts['control'] >= 2


def test_reset_counts_faults_and_state(control, gw, emu, client):
    gw.register(unique_name())
    control.set_fault('token', 'status', status=503)
    assert control.faults()[0]['kind'] == 'status'
    control.reset()
    assert control.faults() == []
    assert control.counts()['register'] == 0
    assert gw.password(client).status_code == 200  # apps and tokens kept
    control.reset(state=True)
    assert control.apps() == []
    response = gw.password(client)
    assert response.status_code == 401 and response.json()['error'] == 'invalid_client'


def test_faults_and_config_through_http(control, gw, emu, client):
    assert control.set_fault('token', 'status', status=502, times=1)[0]['times'] == 1
    assert gw.token(client, grant_type='client_credentials').status_code == 502
    assert control.faults() == []
    control.set_fault('api', 'html')
    control.clear_faults()
    assert emu.faults() == []
    assert control.configure(version='3.3', token_validity=600, operation_pending=0.5) == {
        'version': '3.3',
        'token_validity': 600,
        'refresh_token_validity': 15552000,
        'operation_pending': 0.5,
        'operation_in_progress': 1.0,
    }
    assert gw.token(client, grant_type='client_credentials').json()['expires_in'] == 600
    with pytest.raises(ValueError, match='version must be one of'):
        control.configure(version='4.0')
    with pytest.raises(ValueError, match='fault kind must be one of'):
        control.set_fault('token', 'nope')


def test_fault_after_lets_the_tokens_and_the_first_api_requests_through(control, gw, client):
    control.reset()
    faults = control.fault_after(2, {'kind': 'status', 'status': 503})
    assert [f['kind'] for f in faults] == ['latency', 'latency', 'status']
    token = gw.access(client)['access_token']  # token requests always pass
    assert [gw.api('GET', '/devices', token=token).status_code for dummy in range(4)] == [200, 200, 503, 503]
    assert gw.password(client).status_code == 200
    control.reset()
    control.fault_after(0, hold=0.01)
    assert gw.api('GET', '/devices', token=token).status_code == 200  # held, then answered
    assert [f['kind'] for f in control.faults()] == ['latency']  # only the token pass is left
    control.reset()


def test_expire_tokens_and_views(control, gw, client):
    token = gw.access(client)['access_token']
    assert control.expire_tokens() >= 1
    assert gw.api('GET', '/devices', token=token).status_code == 401
    assert any(app['client_id'] == client[0] for app in control.apps())
    assert all('client_secret' not in app for app in control.apps())
    assert control.devices() == []


def test_unknown_control_action(gw):
    response = gw.request('POST', '/_emulator/nothing', json={})
    assert response.status_code == 404
    response = gw.request('POST', '/_emulator/faults', data='[1]', headers={'Content-Type': 'application/json'})
    assert response.status_code == 400


def test_control_answers_loopback_only(emu):
    headers = email.message.Message()
    reply = emu.answer(Request('GET', '/_emulator/counts', headers, b'', ('192.0.2.10', 5000)))
    assert reply.status == 403
    assert emu.answer(Request('GET', '/_emulator/counts', headers, b'', ('::1', 5000, 0, 0))).status == 200


def test_control_error_for_dead_emulator(tmp_path):
    emu = Emulator(state_dir=str(tmp_path)).start()
    control = EmulatorControl(emu.url, emu.ca_path, timeout=2)
    emu.stop()
    with pytest.raises(OSError):
        control.health()
    assert issubclass(EmulatorControlError, Exception)


def test_certificate_is_its_own_ca_for_localhost_and_loopback(emu):
    with open(emu.ca_path, 'rb') as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    assert [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)] == ['localhost']
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert 'localhost' in san.get_values_for_type(x509.DNSName)
    assert '127.0.0.1' in [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    key_path = os.path.join(os.path.dirname(emu.ca_path), 'iots-emulator-key.pem')
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    # stdlib verification by host name, with strict X.509 checks where Python has them
    context = ssl.create_default_context(cafile=emu.ca_path)
    context.verify_flags |= getattr(ssl, 'VERIFY_X509_STRICT', 0)
    url = emu.url.replace('127.0.0.1', 'localhost') + '/_emulator/health'
    with urllib.request.urlopen(url, context=context, timeout=5) as response:
        assert response.status == 200
    # and the gateway refuses a client that does not trust it
    with pytest.raises(urllib.error.URLError, match='CERTIFICATE_VERIFY_FAILED'):
        urllib.request.urlopen(emu.url + '/token', context=ssl.create_default_context(), timeout=5)


def test_restart_on_same_state_dir_keeps_certificate(tmp_path):
    first = Emulator(state_dir=str(tmp_path)).start()
    with open(first.ca_path, 'rb') as handle:
        pem = handle.read()
    first.stop()
    with Emulator(state_dir=str(tmp_path)) as second:
        with open(second.ca_path, 'rb') as handle:
            assert handle.read() == pem
        assert Gateway(second).register('x').status_code == 201
    assert os.path.exists(os.path.join(str(tmp_path), 'iots-emulator-cert.pem'))  # not ours to delete


def test_temporary_state_dir_is_removed_at_stop():
    emu = Emulator().start()
    directory = os.path.dirname(emu.ca_path)
    assert os.path.isdir(directory)
    emu.stop()
    assert not os.path.exists(directory)
    emu.stop()  # twice is fine


def test_custom_users(tmp_path):
    users = {
        'alice': {'password': 's3cret', 'subscribe': True, 'scopes': ['perm:devices:view']},
        'root': {'password': 'pw', 'admin': True, 'tenant_admin': True, 'scopes': '*'},
        'lonely@example.org': {'password': 'pw', 'subscribe': True},
    }
    with Emulator(state_dir=str(tmp_path), users=users) as emu:
        gw = Gateway(emu)
        assert gw.register('a', user=('admin', 'admin')).status_code == 401
        response = gw.register('a', user=('alice', 's3cret'))
        assert response.status_code == 201
        assert [app['owner'] for app in emu.apps()] == ['root@carbon.super']  # the tenant admin's app
        client = (response.json()['client_id'], response.json()['client_secret'])
        granted = gw.password(client, 'alice', 's3cret', scope='perm:devices:view perm:devices:details').json()
        assert granted['scope'] == 'perm:devices:view'
        # a tenant without an admin: the Store cannot create the application
        response = gw.register('b', user=('lonely@example.org', 'pw'))
        assert response.status_code == 500 and response.text == 'false'
    with pytest.raises(ValueError):
        Emulator(users={'bob': {'pass': 'x'}})
