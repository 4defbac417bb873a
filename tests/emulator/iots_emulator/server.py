# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The HTTPS server: a threaded HTTP/1.1 keep-alive server that routes like the IoTS gateway (8243).

One thread per connection; the TLS handshake happens in that thread, so a slow or silent client
never holds up the accept loop. Faults are applied before normal processing; ``stop()`` wakes
every sleeping or hanging request and closes every open connection.
"""

import ipaddress
import json
import os
import shutil
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import bodies, device_api, oauth, registration
from .certificate import ensure_certificate
from .exchange import Reply, Request
from .faults import HANG_LIMIT, fault_reply
from .store import DEFAULT_REFRESH_TOKEN_VALIDITY, DEFAULT_TOKEN_VALIDITY, State

CONTROL_PREFIX = '/_emulator/'
HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 120
MAX_BODY = 10 * 1024 * 1024


def classify(path):
    """The endpoint a path belongs to: register, unregister, token, revoke, api, control or None."""
    if path.startswith(CONTROL_PREFIX):
        return 'control'
    resource = registration.resource_of(path)
    if resource is not None:
        return 'unregister' if resource.startswith('/unregister') else 'register'
    if path in ('/token', '/token/'):
        return 'token'
    if path in ('/revoke', '/revoke/'):
        return 'revoke'
    if path == device_api.CONTEXT or path.startswith(device_api.CONTEXT + '/'):
        return 'api'
    return None


FAULT_GROUP = {'register': 'register', 'unregister': 'register', 'token': 'token', 'revoke': 'revoke', 'api': 'api', None: None}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'WSO2-PassThrough-HTTP'
    sys_version = ''
    timeout = IDLE_TIMEOUT

    # ------------------------------------------------------------------ plumbing

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.emulator.verbose:
            sys.stderr.write('iots-emulator %s - %s\n' % (self.client_address[0], format % args))

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b''

    def _dispatch(self):
        emulator = self.server.emulator
        request = Request(self.command, self.path, self.headers, self._read_body(), self.client_address)
        try:
            reply = emulator.answer(request)
        except Exception:  # pylint: disable=broad-except
            # An emulator bug must not look like a dead server: answer like Tomcat, and say why on stderr.
            traceback.print_exc(file=sys.stderr)
            reply = bodies.tomcat_error_page(500, detail='emulator error')
        if reply.action == 'drop':
            self._drop(reply)
        elif reply.action == 'hang':
            self._hang()
        else:
            self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _send(self, reply):
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header('Content-Type', reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(reply.body)))
        if self.server.emulator.stopping.is_set():
            self.send_header('Connection', 'close')
            self.close_connection = True
        self.end_headers()
        if self.command != 'HEAD' and reply.body:
            self.wfile.write(reply.body)

    def _drop(self, reply):
        """Status line, headers promising more than comes, part of a body, then a dead socket."""
        head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % (len(reply.body) + 512)
        self.close_connection = True
        try:
            self.wfile.write(head.encode('ascii') + reply.body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _hang(self):
        """Say nothing until the client gives up, the emulator stops, or HANG_LIMIT passes."""
        self.close_connection = True
        stopping = self.server.emulator.stopping
        deadline = time.monotonic() + HANG_LIMIT
        self.connection.settimeout(0.25)
        while not stopping.is_set() and time.monotonic() < deadline:
            try:
                if not self.connection.recv(1):
                    return  # the client closed its side
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except OSError:
                return


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hanging or idle keep-alive connections
    request_queue_size = 128  # 50 forks connect at once

    def __init__(self, address, emulator, ssl_context):
        self.emulator = emulator
        self.ssl_context = ssl_context
        self.connections = set()
        self.connections_lock = threading.Lock()
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        super(_TlsServer, self).__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            # Headers and body leave in separate writes: without this, Nagle plus the client's
            # delayed ACK add 40 ms to every keep-alive request.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self.connections_lock:
            self.connections.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, OSError):
            pass  # the client went away mid-request
        finally:
            with self.connections_lock:
                self.connections.discard(connection)
            try:
                connection.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.emulator.verbose:
            super(_TlsServer, self).handle_error(request, client_address)

    def close_connections(self):
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Emulator(object):
    """The WSO2 IoTS 3.2.0 gateway (register, token, revoke, device-mgt API) over HTTPS."""

    def __init__(
        self,
        host='127.0.0.1',
        port=0,
        version='3.2.0',
        token_validity=DEFAULT_TOKEN_VALIDITY,
        state_dir=None,
        users=None,
        verbose=False,
        refresh_token_validity=DEFAULT_REFRESH_TOKEN_VALIDITY,
    ):
        self.host = host
        self.port = port
        self.state_dir = state_dir
        self.verbose = verbose
        self.state = State(users=users, version=version, token_validity=token_validity, refresh_token_validity=refresh_token_validity)
        self.stopping = threading.Event()
        self._server = None
        self._thread = None
        self._own_state_dir = False
        self._ca_path = None

    # ------------------------------------------------------------------ lifecycle

    def start(self):
        if self._server is not None:
            return self
        if self.state_dir is None:
            self.state_dir = tempfile.mkdtemp(prefix='iots-emulator-')
            self._own_state_dir = True
        else:
            os.makedirs(self.state_dir, exist_ok=True)
        cert_path, key_path = ensure_certificate(self.state_dir, [self.host])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        self.stopping.clear()
        self._server = _TlsServer((self.host, self.port), self, context)
        self.port = self._server.server_address[1]
        self._ca_path = cert_path
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1}, name='iots-emulator', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        self._thread.join(5)
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None
            self._own_state_dir = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = '[%s]' % self.host if ':' in self.host else self.host
        return 'https://%s:%d' % (host, self.port)

    @property
    def ca_path(self):
        return self._ca_path

    # ------------------------------------------------------------------ the gateway

    def answer(self, request):
        """The Reply to one request: control, counting, faults, then the emulated IoTS."""
        endpoint = classify(request.path)
        if endpoint == 'control':
            self.state.count('control')
            return self._control(request)
        self._count(endpoint, request)
        fault = self.state.take_fault(FAULT_GROUP[endpoint])
        if fault is not None:
            if fault.kind != 'latency':
                return fault_reply(fault, FAULT_GROUP[endpoint], request)
            self.stopping.wait(fault.latency)
        if endpoint in ('register', 'unregister'):
            return registration.handle(self.state, request)
        if endpoint == 'token':
            return oauth.token(self.state, request)
        if endpoint == 'revoke':
            return oauth.revoke(self.state, request)
        if endpoint == 'api':
            return device_api.handle(self.state, request)
        return bodies.not_found(request)

    def _count(self, endpoint, request):
        if endpoint is None:
            self.state.count('not_found')
        elif endpoint == 'token':
            grant = request.form_value('grant_type')
            self.state.count('token', 'token:' + (grant if grant in oauth.IMPLEMENTED_GRANTS else 'other'))
        elif endpoint == 'api':
            self.state.count(endpoint, *device_api.count_keys(request))
        else:
            self.state.count(endpoint)

    # ------------------------------------------------------------------ state and control

    def counts(self):
        """Requests per endpoint; device-mgt API requests also per resource (``'GET /devices'``,
        ``'POST /device/agent/enroll'``...) and, for all but GET, under ``'api:write'``."""
        return self.state.count_snapshot(always=device_api.COUNT_KEYS)

    def reset(self, state=False):
        self.state.reset(state=state)

    def set_fault(self, endpoint, kind, times=None, latency=None, status=None):
        """Inject a fault; returns the active faults. ``times=None`` keeps it until cleared."""
        self.state.set_fault(endpoint, kind, times=times, latency=latency, status=status)
        return self.faults()

    def clear_faults(self):
        self.state.clear_faults()

    def faults(self):
        return self.state.fault_snapshot()

    def configure(self, version=None, token_validity=None, refresh_token_validity=None, operation_pending=None, operation_in_progress=None):
        return self.state.configure(
            version=version,
            token_validity=token_validity,
            refresh_token_validity=refresh_token_validity,
            operation_pending=operation_pending,
            operation_in_progress=operation_in_progress,
        )

    def expire_tokens(self, refresh=False):
        return self.state.expire_tokens(refresh=refresh)

    def apps(self):
        return self.state.app_snapshot()

    def devices(self):
        return self.state.device_snapshot()

    def groups(self):
        return self.state.group_snapshot()

    # ------------------------------------------------------------------ seeding (no HTTP, fast)

    def seed_devices(
        self, device_type, ids, owner='admin', ownership='COPE', status='ACTIVE', name=None, properties=None, description=None, tenant='carbon.super'
    ):
        """Enrol new devices directly; ``name`` may contain ``{id}``; ``properties`` a dict. Returns numeric ids."""
        return self.state.seed_devices(
            device_type, ids, owner=owner, ownership=ownership, status=status, name=name, properties=properties, description=description, tenant=tenant
        )

    def seed_group(self, name, description='', owner='admin', members=(), tenant='carbon.super'):
        """A group with ``members`` [(device_type, device_id), ...]; returns its id."""
        return self.state.seed_group(name, description=description, owner=owner, members=members, tenant=tenant)

    def add_device_type(self, name):
        return self.state.add_device_type(name)

    def set_device_status(self, device_type, device_id, status, tenant='carbon.super'):
        """As IoTS's device-status task does: the latest enrolment's status, not its dateOfLastUpdate."""
        return self.state.set_device_status(device_type, device_id, status, tenant=tenant)

    def set_operation_result(self, device_type, device_id, status='ERROR', response=None, tenant='carbon.super'):
        """Operations sent to that device from now on end in ``status`` (ERROR, COMPLETED, or IN_PROGRESS for ever)."""
        self.state.set_operation_result(device_type, device_id, status=status, response=response, tenant=tenant)

    def health(self):
        return {'status': 'ok', 'url': self.url, 'ca_path': self.ca_path, 'pid': os.getpid(), 'config': self.state.config()}

    def _control(self, request):
        try:
            if not ipaddress.ip_address(request.client[0].split('%', 1)[0]).is_loopback:
                return Reply.json(403, {'error': 'the control endpoint answers loopback clients only'})
        except (TypeError, ValueError, IndexError):
            return Reply.json(403, {'error': 'the control endpoint answers loopback clients only'})
        action = request.path[len(CONTROL_PREFIX) :].rstrip('/')
        try:
            options = json.loads(request.body.decode('utf-8')) if request.body.strip() else {}
            if not isinstance(options, dict):
                raise ValueError('the body must be a JSON object')
            result = self._control_action(request.method, action, options)
        except (ValueError, TypeError) as exc:
            return Reply.json(400, {'error': str(exc)})
        if result is None:
            return Reply.json(404, {'error': 'no control action %s %s' % (request.method, request.path)})
        return Reply.json(200, result)

    def _control_action(self, method, action, options):
        if (method, action) == ('GET', 'health'):
            return self.health()
        if (method, action) == ('GET', 'counts'):
            return self.counts()
        if (method, action) == ('POST', 'reset'):
            self.reset(state=bool(options.get('state', False)))
            return {'reset': True, 'state': bool(options.get('state', False))}
        if (method, action) == ('GET', 'faults'):
            return {'faults': self.faults()}
        if (method, action) == ('POST', 'faults'):
            unknown = set(options) - {'endpoint', 'kind', 'times', 'latency', 'status'}
            if unknown:
                raise ValueError('unknown fault options: %s' % ', '.join(sorted(unknown)))
            self.set_fault(**options)
            return {'faults': self.faults()}
        if (method, action) == ('DELETE', 'faults'):
            self.clear_faults()
            return {'faults': []}
        if (method, action) == ('GET', 'config'):
            return self.state.config()
        if (method, action) == ('POST', 'config'):
            unknown = set(options) - {'version', 'token_validity', 'refresh_token_validity', 'operation_pending', 'operation_in_progress'}
            if unknown:
                raise ValueError('unknown config options: %s' % ', '.join(sorted(unknown)))
            return self.configure(**options)
        if (method, action) == ('POST', 'expire-tokens'):
            return {'expired': self.expire_tokens(refresh=bool(options.get('refresh', False)))}
        if (method, action) == ('GET', 'apps'):
            return {'apps': self.apps()}
        if (method, action) == ('GET', 'devices'):
            return {'devices': self.devices()}
        if (method, action) == ('GET', 'groups'):
            return {'groups': self.groups()}
        if (method, action) == ('POST', 'devices'):
            return {'ids': self.seed_devices(**_only(options, SEED_DEVICE_OPTIONS))}
        if (method, action) == ('POST', 'groups'):
            options = _only(options, SEED_GROUP_OPTIONS)
            options['members'] = [tuple(member) for member in options.get('members') or ()]
            return {'id': self.seed_group(**options)}
        if (method, action) == ('POST', 'device-status'):
            return {'previous': self.set_device_status(**_only(options, DEVICE_STATUS_OPTIONS))}
        if (method, action) == ('POST', 'operation-result'):
            self.set_operation_result(**_only(options, OPERATION_RESULT_OPTIONS))
            return {'set': True}
        return None


SEED_DEVICE_OPTIONS = ('device_type', 'ids', 'owner', 'ownership', 'status', 'name', 'properties', 'description', 'tenant')
SEED_GROUP_OPTIONS = ('name', 'description', 'owner', 'members', 'tenant')
DEVICE_STATUS_OPTIONS = ('device_type', 'device_id', 'status', 'tenant')
OPERATION_RESULT_OPTIONS = ('device_type', 'device_id', 'status', 'response', 'tenant')


def _only(options, allowed):
    unknown = set(options) - set(allowed)
    if unknown:
        raise ValueError('unknown options: %s' % ', '.join(sorted(unknown)))
    return dict(options)
