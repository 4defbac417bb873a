# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""EmulatorControl: the Emulator's state and fault methods, for another process, over /_emulator/."""

import json
import ssl
import time
import urllib.error
import urllib.request


class EmulatorControlError(Exception):
    pass


class EmulatorControl(object):
    """Talks to a running emulator (e.g. one started by ``python -m iots_emulator``).

    Verifies the emulator's certificate with ``ca_path`` (stdlib urllib, no requests needed).
    """

    def __init__(self, url, ca_path, timeout=30):
        self.url = url.rstrip('/')
        self.ca_path = ca_path
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=ca_path)

    @classmethod
    def from_ready_file(cls, path, wait=30.0):
        """Wait for the CLI's --ready-file and connect to the emulator it names."""
        deadline = time.monotonic() + wait
        while True:
            try:
                with open(path) as handle:
                    ready = json.load(handle)
                return cls(ready['url'], ready['ca_path'])
            except (OSError, ValueError, KeyError):
                if time.monotonic() > deadline:
                    raise EmulatorControlError('no emulator ready file at %s after %.0f s' % (path, wait))
                time.sleep(0.05)

    def _call(self, method, action, payload=None):
        data = None if payload is None else json.dumps(payload).encode('utf-8')
        request = urllib.request.Request(
            self.url + '/_emulator/' + action, data=data, method=method, headers={'Content-Type': 'application/json', 'Accept': 'application/json'}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:
                return json.loads(response.read().decode('utf-8'))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode('utf-8', 'replace')
            try:
                detail = json.loads(detail).get('error', detail)
            except (ValueError, AttributeError):
                pass
            if exc.code == 400:
                raise ValueError(detail) from None
            raise EmulatorControlError('%s /_emulator/%s: HTTP %s %s' % (method, action, exc.code, detail)) from None

    def health(self):
        return self._call('GET', 'health')

    def counts(self):
        return self._call('GET', 'counts')

    def reset(self, state=False):
        self._call('POST', 'reset', {'state': bool(state)})

    def set_fault(self, endpoint, kind, times=None, latency=None, status=None):
        spec = {'endpoint': endpoint, 'kind': kind}
        for name, value in (('times', times), ('latency', latency), ('status', status)):
            if value is not None:
                spec[name] = value
        return self._call('POST', 'faults', spec)['faults']

    def fault_after(self, passed, fault=None, hold=None):
        """Let every token request and the first ``passed`` API requests through, then fault every
        request after them with ``fault`` ({'kind': ..., 'status': ...}); with ``hold`` instead, the
        next request waits ``hold`` seconds and is answered normally. Returns the active faults."""
        self.set_fault('token', 'latency', latency=0)
        if passed > 0:
            self.set_fault('api', 'latency', latency=0, times=passed)
        if hold:
            return self.set_fault('all', 'latency', latency=float(hold), times=1)
        fault = dict(fault)
        return self.set_fault('all', fault.pop('kind'), **fault)

    def clear_faults(self):
        self._call('DELETE', 'faults')

    def faults(self):
        return self._call('GET', 'faults')['faults']

    def configure(self, version=None, token_validity=None, refresh_token_validity=None, operation_pending=None, operation_in_progress=None):
        spec = _given(
            version=version,
            token_validity=token_validity,
            refresh_token_validity=refresh_token_validity,
            operation_pending=operation_pending,
            operation_in_progress=operation_in_progress,
        )
        return self._call('POST', 'config', spec)

    def expire_tokens(self, refresh=False):
        return self._call('POST', 'expire-tokens', {'refresh': bool(refresh)})['expired']

    def apps(self):
        return self._call('GET', 'apps')['apps']

    def devices(self):
        return self._call('GET', 'devices')['devices']

    def groups(self):
        return self._call('GET', 'groups')['groups']

    def seed_devices(
        self, device_type, ids, owner='admin', ownership='COPE', status='ACTIVE', name=None, properties=None, description=None, tenant='carbon.super'
    ):
        spec = _given(
            device_type=device_type,
            ids=list(ids),
            owner=owner,
            ownership=ownership,
            status=status,
            name=name,
            properties=properties,
            description=description,
            tenant=tenant,
        )
        return self._call('POST', 'devices', spec)['ids']

    def seed_group(self, name, description='', owner='admin', members=(), tenant='carbon.super'):
        spec = _given(name=name, description=description, owner=owner, members=[list(m) for m in members], tenant=tenant)
        return self._call('POST', 'groups', spec)['id']

    def set_device_status(self, device_type, device_id, status, tenant='carbon.super'):
        spec = _given(device_type=device_type, device_id=device_id, status=status, tenant=tenant)
        return self._call('POST', 'device-status', spec)['previous']

    def set_operation_result(self, device_type, device_id, status='ERROR', response=None, tenant='carbon.super'):
        spec = _given(device_type=device_type, device_id=device_id, status=status, response=response, tenant=tenant)
        self._call('POST', 'operation-result', spec)


def _given(**options):
    """The options that are not None (the emulator's defaults apply to the others)."""
    return dict((name, value) for name, value in options.items() if value is not None)
