# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""A small HTTPS client for the emulator's own tests (requests, verifying the emulator's CA)."""

import base64
import uuid

import requests

REGISTER = '/api-application-registration/register'
DEVICES = '/api/device-mgt/v1.0/devices'


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode('utf-8')).decode('ascii')


class Gateway(object):
    """requests against the emulator, always verifying its certificate with ca_path.

    ``verify`` goes with every request: a Session-level verify would lose to REQUESTS_CA_BUNDLE.
    """

    def __init__(self, emu):
        self.emu = emu
        self.session = requests.Session()

    def request(self, method, path, **kwargs):
        kwargs.setdefault('verify', self.emu.ca_path)
        kwargs.setdefault('timeout', 15)
        return self.session.request(method, self.emu.url + path, **kwargs)

    def register(self, name, user=('admin', 'admin'), tags=('device_management',), **extra):
        body = {'applicationName': name, 'tags': list(tags)}
        body.update(extra)
        return self.request('POST', REGISTER, auth=user, json=body)

    def keys(self, name=None, user=('admin', 'admin'), tags=('device_management',)):
        """A registered application's (client_id, client_secret); a fresh name by default."""
        response = self.register(name or unique_name(), user=user, tags=tags)
        assert response.status_code == 201, response.text
        return response.json()['client_id'], response.json()['client_secret']

    def token(self, client, **form):
        return self.request('POST', '/token', auth=client, data=form)

    def password(self, client, username='admin', password='admin', scope=None):
        form = {'grant_type': 'password', 'username': username, 'password': password}
        if scope is not None:
            form['scope'] = scope
        return self.token(client, **form)

    def access(self, client, scope='perm:devices:view', **kwargs):
        response = self.password(client, scope=scope, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def revoke(self, client, **form):
        return self.request('POST', '/revoke', auth=client, data=form)

    def api(self, method, path, token=None, accept='application/json', **kwargs):
        headers = kwargs.pop('headers', {})
        if token is not None:
            headers['Authorization'] = 'Bearer ' + token
        if accept is not None:
            headers['Accept'] = accept
        return self.request(method, '/api/device-mgt/v1.0' + path, headers=headers, **kwargs)


def unique_name(prefix='ans_test'):
    return '%s_%s' % (prefix, uuid.uuid4().hex[:12])
