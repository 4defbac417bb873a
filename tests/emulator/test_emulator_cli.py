# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""python -m iots_emulator: ready file, signals, options."""

import json
import os
import signal
import socket
import stat
import subprocess
import sys

import pytest

from gateway_client import Gateway
from iots_emulator import EmulatorControl

HERE = os.path.dirname(os.path.abspath(__file__))


def start_cli(tmp_path, *args):
    ready = tmp_path / 'ready.json'
    env = dict(os.environ, PYTHONPATH=HERE)
    process = subprocess.Popen(
        [sys.executable, '-m', 'iots_emulator', '--port', '0', '--ready-file', str(ready)] + list(args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(tmp_path),
    )
    try:
        control = EmulatorControl.from_ready_file(str(ready), wait=20)
    except Exception:
        process.kill()
        raise
    return process, ready, control


def stop_cli(process, signum=signal.SIGTERM):
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=10)
    return process.returncode, stdout, stderr


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
def test_cli_ready_file_and_clean_exit(tmp_path, signum):
    state_dir = tmp_path / 'state'
    process, ready, control = start_cli(tmp_path, '--state-dir', str(state_dir), '--token-validity', '120')
    try:
        data = json.loads(ready.read_text())
        assert data['pid'] == process.pid
        assert data['url'].startswith('https://127.0.0.1:')
        assert data['ca_path'] == str(state_dir / 'iots-emulator-cert.pem')
        assert stat.S_IMODE(os.stat(str(state_dir / 'iots-emulator-key.pem')).st_mode) == 0o600
        assert control.health()['config']['token_validity'] == 120
        emulated = type('Running', (), {'url': data['url'], 'ca_path': data['ca_path']})()
        gw = Gateway(emulated)
        client = gw.keys('cli_app')
        assert gw.token(client, grant_type='client_credentials').json()['expires_in'] == 120
        assert control.counts()['register'] == 1
    finally:
        returncode, stdout, stderr = stop_cli(process, signum)
    assert returncode == 0, stderr
    assert 'IoTS emulator listening on %s' % data['url'] in stdout
    assert 'CA certificate: %s' % data['ca_path'] in stdout
    assert not ready.exists()
    assert stderr == ''  # quiet: nothing per request


def test_cli_verbose_logs_requests_without_secrets(tmp_path):
    process, ready, control = start_cli(tmp_path, '--verbose', '--version', '3.3')
    try:
        assert control.health()['config']['version'] == '3.3'
        gw = Gateway(type('Running', (), json.loads(ready.read_text()))())
        client = gw.keys('verbose_app')
        token = gw.access(client)
        gw.revoke(client, token=token['access_token'])
    finally:
        returncode, stdout, stderr = stop_cli(process)
    assert returncode == 0, stdout
    assert 'GET /_emulator/health' in stderr
    assert '"POST /token HTTP/1.1" 200' in stderr
    for secret in (client[1], token['access_token'], token['refresh_token'], 'admin:admin'):
        assert secret not in stderr


def test_cli_users_file(tmp_path):
    users = tmp_path / 'users.json'
    users.write_text(json.dumps({'root': {'password': 'toor', 'admin': True, 'scopes': '*'}}))
    process, ready, control = start_cli(tmp_path, '--users', str(users))
    try:
        data = json.loads(ready.read_text())
        gw = Gateway(type('Running', (), data)())
        assert gw.register('x', user=('root', 'toor')).status_code == 201
        assert gw.register('x', user=('admin', 'admin')).status_code == 401
        assert control.counts()['register'] == 2
    finally:
        assert stop_cli(process)[0] == 0


def test_cli_port_in_use_fails_cleanly(tmp_path):
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, '-m', 'iots_emulator', '--port', str(port)],
            env=dict(os.environ, PYTHONPATH=HERE),
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    assert result.returncode == 1
    assert 'cannot start' in result.stderr
    assert 'Traceback' not in result.stderr
