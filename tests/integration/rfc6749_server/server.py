# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An RFC 6749 token endpoint that is not IoTS: oauthlib's server classes behind HTTPS on 127.0.0.1.

It proves that iots_token speaks plain OAuth 2.0 and does not depend on IoTS quirks. Its behaviour
differs from IoTS where the RFC allows it: it rotates refresh tokens (the old one stops working),
it refuses unknown scopes with invalid_scope instead of dropping them, and it uses its own token path.
"""

import base64
import json
import ssl
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

from oauthlib.oauth2 import LegacyApplicationServer, RequestValidator

from .tls import write_tls_files

TOKEN_PATH = '/oauth2/token'
RESOURCE_PATH = '/resource'


class Client(object):
    def __init__(self, client_id):
        self.client_id = client_id


class TokenStore(object):
    """Clients, users, issued tokens and request counts, shared by the request threads."""

    def __init__(self, clients, users, scopes, rotate_refresh_tokens, token_lifetime):
        self.clients = dict(clients)
        self.users = dict(users)
        self.scopes = frozenset(scopes)
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.token_lifetime = token_lifetime
        self.access = {}
        self.refresh = {}
        self.counts = Counter()
        self.lock = threading.Lock()


class Validator(RequestValidator):
    """The policy oauthlib asks about: confidential clients with HTTP Basic, fixed users and scopes."""

    def __init__(self, store):
        super(Validator, self).__init__()
        self.store = store

    def client_authentication_required(self, request, *args, **kwargs):
        return True

    def authenticate_client(self, request, *args, **kwargs):
        scheme, dummy, value = (request.headers.get('Authorization') or '').partition(' ')
        if scheme.lower() != 'basic':
            return False
        try:
            client_id, dummy, secret = base64.b64decode(value).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            return False
        # RFC 6749 section 2.3.1: both parts are form-encoded before Basic encoding.
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        if not client_id or self.store.clients.get(client_id) != secret:
            return False
        request.client = Client(client_id)
        request.client_id = client_id
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ('password', 'refresh_token')

    def validate_user(self, username, password, client, request, *args, **kwargs):
        if username and self.store.users.get(username) == password:
            request.user = username
            return True
        return False

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return all(scope in self.store.scopes for scope in scopes)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return []

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        with self.store.lock:
            record = self.store.refresh.get(refresh_token)
        if record and record['client_id'] == client.client_id:
            request.user = record['user']
            return True
        return False

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        with self.store.lock:
            return list(self.store.refresh[refresh_token]['scopes'])

    def rotate_refresh_token(self, request):
        return self.store.rotate_refresh_tokens

    def save_bearer_token(self, token, request, *args, **kwargs):
        record = {
            'client_id': request.client.client_id,
            'user': request.user,
            'scopes': (token.get('scope') or '').split(),
            'expires_at': time.time() + token['expires_in'],
        }
        with self.store.lock:
            self.store.access[token['access_token']] = record
            if token.get('refresh_token'):
                self.store.refresh[token['refresh_token']] = record
            if request.grant_type == 'refresh_token' and token.get('refresh_token') != request.refresh_token:
                # A rotated refresh token replaces the old one (RFC 6749 section 6).
                self.store.refresh.pop(request.refresh_token, None)

    def validate_bearer_token(self, token, scopes, request):
        with self.store.lock:
            record = self.store.access.get(token)
        if not record or record['expires_at'] < time.time():
            return False
        if not set(scopes or ()).issubset(record['scopes']):
            return False
        request.user = record['user']
        return True


class Rfc6749Server(object):
    """``Rfc6749Server(...).start()`` → ``.url``, ``.ca_path``, ``.token_path``, ``.counts()``, ``.stop()``."""

    def __init__(self, clients, users, scopes, rotate_refresh_tokens=True, token_lifetime=600):
        self.store = TokenStore(clients, users, scopes, rotate_refresh_tokens, token_lifetime)
        self.oauth = LegacyApplicationServer(
            Validator(self.store),
            token_expires_in=token_lifetime,
            token_generator=lambda request: str(uuid.uuid4()),
            refresh_token_generator=lambda request: str(uuid.uuid4()),
        )
        self.token_path = TOKEN_PATH
        self.resource_path = RESOURCE_PATH
        self._directory = tempfile.TemporaryDirectory(prefix='rfc6749-server-')
        self._httpd = None
        self._thread = None
        self.url = None
        self.ca_path = None

    def start(self):
        paths = write_tls_files(self._directory.name)
        self.ca_path = paths['ca.pem']
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths['server.pem'], paths['server.key'])
        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.url = 'https://127.0.0.1:%d' % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name='rfc6749-server', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
        self._directory.cleanup()

    def counts(self):
        """Token requests so far: ``{'password': n, 'refresh_token': n, 'password:400': n, ...}``."""
        with self.store.lock:
            return dict(self.store.counts)

    def reset_counts(self):
        with self.store.lock:
            self.store.counts.clear()

    def is_active(self, access_token):
        with self.store.lock:
            return access_token in self.store.access


def _handler(server):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass

        def _reply(self, status, headers, body):
            data = (body or '').encode('utf-8')
            self.send_response(status)
            for name, value in (headers or {}).items():
                if name.lower() != 'content-length':
                    self.send_header(name, value)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _uri(self):
            return server.url + self.path

        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length).decode('utf-8')
            if self.path != TOKEN_PATH:
                return self._reply(404, {'Content-Type': 'application/json'}, json.dumps({'error': 'not_found'}))
            headers, answer, status = server.oauth.create_token_response(self._uri(), http_method='POST', body=body, headers=dict(self.headers))
            grant_type = dict(_form_pairs(body)).get('grant_type', 'none')
            with server.store.lock:
                server.store.counts[grant_type] += 1
                server.store.counts['%s:%d' % (grant_type, status)] += 1
            return self._reply(status, headers, answer)

        def do_GET(self):
            if self.path != RESOURCE_PATH:
                return self._reply(404, {'Content-Type': 'application/json'}, json.dumps({'error': 'not_found'}))
            valid, request = server.oauth.verify_request(self._uri(), http_method='GET', headers=dict(self.headers))
            if not valid:
                return self._reply(401, {'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer'}, json.dumps({'error': 'invalid_token'}))
            return self._reply(200, {'Content-Type': 'application/json'}, json.dumps({'user': request.user}))

    return Handler


def _form_pairs(body):
    for pair in body.split('&'):
        name, dummy, value = pair.partition('=')
        yield unquote_plus(name), unquote_plus(value)
