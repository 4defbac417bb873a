# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared HTTP client: each kind of IoTS answer, the retry rule, transport failures, URLs, redaction.

HTTP answers are faked at ``requests.Session.request`` with real ``requests.Response`` objects.
Transport failures (refused, timeout, TLS) use real sockets on 127.0.0.1 so that the reason
text comes from requests/urllib3 themselves.
"""

import datetime
import json
import socket
import ssl
import threading

import pytest
import requests
import urllib3

from ansible_collections.wso2.iots.plugins.module_utils import _client
from ansible_collections.wso2.iots.plugins.module_utils._client import (
    IotsClient,
    join_url,
    normalize_url,
)
from ansible_collections.wso2.iots.plugins.module_utils._errors import MASK, IotsError, IotsOptionError

from http_fakes import answer  # pylint: disable=import-error

BASE = 'https://iots.example.com:8243'
REGISTER = '/api-application-registration/register'
REGISTER_URL = BASE + REGISTER
PASSWORD = 'Pa55-w0rd!'
CLIENT_SECRET = 'S3cr3tConsumerSecretValue12'

AM_FAULT = (
    '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>101503</am:code>'
    '<am:type>Status report</am:type><am:message>Runtime Error</am:message>'
    '<am:description>Error connecting to the back end</am:description></am:fault>'
)
AMS_FAULT = (
    '<ams:fault xmlns:ams="http://wso2.org/apimanager/security"><ams:code>900901</ams:code>'
    '<ams:message>Invalid Credentials</ams:message>'
    '<ams:description>Access failure for API: /api/device-mgt/v1.0, version: 1.0.0 status: (900901) - '
    'Invalid Credentials. Make sure you have given the correct access token</ams:description></ams:fault>'
)
JSON_FAULT = json.dumps(
    {
        'fault': {
            'code': 101503,
            'type': 'Status report',
            'message': 'Runtime Error',
            'description': 'Error occurred while invoking api application registration endpoint',
        }
    }
)
TOMCAT_PAGE = (
    '<html><head><title>Apache Tomcat/7.0.85 - Error report</title></head><body><h1>HTTP Status 500 - java.lang.IllegalArgumentException</h1></body></html>'
)


class Recorder(object):
    """Stands in for Session.request: plays answers (or raises exceptions) in order and counts calls."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def __call__(self, session, method, url, **kwargs):
        self.calls.append(dict(kwargs, method=method, url=url, session=session))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(sleeps):
    def make(url=BASE, **kwargs):
        kwargs.setdefault('secrets', [PASSWORD])
        return IotsClient(url, sleep=sleeps.append, **kwargs)

    return make


@pytest.fixture
def serve(monkeypatch):
    """``serve(*outcomes)`` installs a Recorder as Session.request and returns it."""

    def install(*outcomes):
        recorder = Recorder(*outcomes)

        def request(session, method, url, **kwargs):
            return recorder(session, method, url, **kwargs)

        monkeypatch.setattr(requests.Session, 'request', request)
        return recorder

    return install


# ---------------------------------------------------------------------------- each kind of answer


class TestAnswers(object):
    def test_success_returns_status_headers_and_parsed_json(self, make_client, serve):
        serve(answer(201, '{"client_secret":"%s","client_id":"cid"}' % CLIENT_SECRET))
        response = make_client().post_json(REGISTER, {'applicationName': 'a', 'tags': ['device_management']})
        assert response.status == 201
        assert response.url == REGISTER_URL
        assert response.json() == {'client_id': 'cid', 'client_secret': CLIENT_SECRET}

    @pytest.mark.parametrize(
        'status, body, content_type, expected',
        [
            (406, 'Tags should not be empty', 'application/json', 'HTTP 406 Tags should not be empty.'),
            (406, 'APIs(Tags) are not allowed to this user.', 'application/json', 'HTTP 406 APIs(Tags) are not allowed to this user.'),
            (401, 'Failed to authorize incoming request.', 'application/xml', 'HTTP 401 Failed to authorize incoming request.'),
            (
                401,
                'Failed to load an appropriate authenticator to authenticate the request',
                'application/json',
                'HTTP 401 Failed to load an appropriate authenticator to authenticate the request.',
            ),
            (500, 'Failed to access user space.', 'application/json', 'HTTP 500 Failed to access user space.'),
        ],
    )
    def test_plain_text_under_any_label_is_quoted(self, make_client, serve, status, body, content_type, expected):
        serve(answer(status, body, content_type))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        error = info.value
        assert str(error).startswith('POST %s failed: %s' % (REGISTER_URL, expected))
        assert '..' not in str(error)
        assert (error.url, error.method, error.status, error.error) == (REGISTER_URL, 'POST', status, None)
        assert error.description == body

    def test_json_labelled_text_html_is_parsed(self, make_client, serve):
        # POST /revoke with the wrong secret: an OAuth JSON error under text/html
        serve(
            answer(
                401,
                '{"error_description":"Client Authentication failed.","error":"unauthorized_client"}',
                'text/html',
                {'WWW-Authenticate': 'Basic realm="localhost"'},
            )
        )
        with pytest.raises(IotsError) as info:
            make_client().post_form('/revoke', {'token': 'x'}, auth=('cid', CLIENT_SECRET))
        error = info.value
        assert str(error) == ('POST %s/revoke failed: HTTP 401 unauthorized_client: Client Authentication failed.' % BASE)
        assert error.error == 'unauthorized_client'
        assert error.description == 'Client Authentication failed.'

    def test_empty_body(self, make_client, serve):
        serve(answer(403, '', 'application/json'))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert str(info.value) == 'POST %s failed: HTTP 403 empty body.' % REGISTER_URL
        assert info.value.status == 403

    def test_json_false(self, make_client, serve):
        serve(answer(500, 'false'))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert str(info.value).startswith('POST %s failed: HTTP 500 false (' % REGISTER_URL)
        assert 'logs' in str(info.value)

    def test_xml_am_fault(self, make_client, serve):
        serve(answer(500, AM_FAULT, 'application/xml'))
        with pytest.raises(IotsError) as info:
            make_client().post_form('/token', {'grant_type': 'password'})
        assert str(info.value) == (
            'POST %s/token failed: HTTP 500 101503: Runtime Error: Error connecting to the '
            'back end. IoTS failed on its side; its log (repository/logs/wso2carbon.log) '
            'says why.' % BASE
        )
        assert info.value.error == '101503'

    def test_xml_ams_fault(self, make_client, serve):
        serve(answer(401, AMS_FAULT, 'application/xml'))
        with pytest.raises(IotsError) as info:
            make_client().request('GET', '/api/device-mgt/v1.0/devices')
        assert info.value.error == '900901'
        assert str(info.value).startswith('GET %s/api/device-mgt/v1.0/devices failed: HTTP 401 900901: Invalid Credentials: Access failure' % BASE)

    def test_json_gateway_fault(self, make_client, serve):
        serve(answer(500, JSON_FAULT, 'application/json'))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert str(info.value) == (
            'POST %s failed: HTTP 500 101503: Runtime Error: Error occurred while invoking api application '
            'registration endpoint. IoTS failed on its side; its log (repository/logs/wso2carbon.log) says why.' % REGISTER_URL
        )

    def test_html_error_page(self, make_client, serve):
        serve(answer(500, TOMCAT_PAGE, 'text/html'))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert str(info.value) == (
            'POST %s failed: HTTP 500 HTML page: Apache Tomcat/7.0.85 - Error report. IoTS '
            'failed on its side; its log (repository/logs/wso2carbon.log) says why.' % REGISTER_URL
        )

    def test_unexpected_status_in_the_2xx_range_is_an_error_too(self, make_client, serve):
        serve(answer(302, '', 'text/html', {'Location': 'https://elsewhere/'}))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert info.value.status == 302

    def test_truncated_json_on_200_is_an_error_that_quotes_nothing(self, make_client, serve):
        # A cut-off token answer still holds a live token: the message must not show it.
        serve(answer(200, '{"access_token":"6f1c0d2e-aaaa-bbbb-cccc-1234567890ab","refresh_tok', 'application/json'))
        response = make_client().post_form('/token', {'grant_type': 'password'})
        with pytest.raises(IotsError) as info:
            response.json()
        message = str(info.value)
        assert message.startswith('POST %s/token answered HTTP 200 but its body is not the expected JSON' % BASE)
        assert 'malformed JSON' in message
        assert '6f1c0d2e' not in message and 'refresh_tok' not in message
        assert '\n' not in message
        assert message.endswith(
            'The answer was cut off or is not from IoTS: run again, and check that url is the IoTS gateway and that no proxy in between changes its answers.'
        )

    @pytest.mark.parametrize(
        'body, content_type, expected',
        [
            ('', 'application/json', 'empty body'),
            ('Service temporarily down', 'text/plain', 'Service temporarily down'),
            (TOMCAT_PAGE, 'text/html', 'HTML page: Apache Tomcat/7.0.85 - Error report'),
        ],
    )
    def test_other_non_json_bodies_on_200_are_errors(self, make_client, serve, body, content_type, expected):
        serve(answer(200, body, content_type))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {}).json()
        assert expected in str(info.value)
        assert info.value.status == 200

    def test_error_body_that_echoes_a_secret_is_redacted(self, make_client, serve):
        serve(answer(400, '{"error":"invalid_grant","error_description":"Bad password %s for admin"}' % PASSWORD))
        client = make_client()
        client.add_secret(CLIENT_SECRET)
        with pytest.raises(IotsError) as info:
            client.post_form('/token', {'grant_type': 'password'})
        assert PASSWORD not in str(info.value)
        assert PASSWORD not in repr(info.value.to_result())
        assert 'Bad password %s for admin' % MASK in str(info.value)


# ---------------------------------------------------------------------------- what is sent


class TestRequest(object):
    def test_request_options(self, make_client, serve):
        recorder = serve(answer(201, '{}'))
        make_client(timeout=7).post_json(REGISTER, {'applicationName': 'a'}, auth=('admin', PASSWORD))
        call = recorder.calls[0]
        assert call['method'] == 'POST'
        assert call['url'] == REGISTER_URL
        assert call['json'] == {'applicationName': 'a'}
        assert call['timeout'] == 7
        assert call['verify'] is True
        assert call['allow_redirects'] is False
        assert call['headers']['Accept'] == 'application/json'
        assert call['session'].headers['User-Agent'] == 'ansible-wso2.iots'

    def test_form_post(self, make_client, serve):
        recorder = serve(answer(200, '{}'))
        make_client().post_form('/token', {'grant_type': 'password'}, auth=('cid', CLIENT_SECRET))
        assert recorder.calls[0]['data'] == {'grant_type': 'password'}
        assert recorder.calls[0]['json'] is None

    @pytest.mark.parametrize(
        'validate_certs, ca_path, verify',
        [
            (True, None, True),
            (True, 'ca.pem', 'ca.pem'),
            (False, 'ca.pem', False),
            (False, None, False),
        ],
    )
    def test_tls_verification_setting(self, make_client, serve, tmp_path, validate_certs, ca_path, verify):
        (tmp_path / 'ca.pem').write_text('a CA certificate')
        recorder = serve(answer(200, '{}'))
        make_client(validate_certs=validate_certs, ca_path=ca_path and str(tmp_path / ca_path)).request('GET', '/x')
        assert recorder.calls[0]['verify'] == (str(tmp_path / verify) if verify == 'ca.pem' else verify)

    def test_a_ca_path_that_does_not_exist_is_named_before_any_request(self, make_client, serve, tmp_path):
        recorder = serve(answer(200, '{}'))
        with pytest.raises(IotsOptionError, match='ca_path %s does not exist' % (tmp_path / 'missing.pem')):
            make_client(ca_path=str(tmp_path / 'missing.pem'))
        assert recorder.calls == []
        make_client(ca_path=str(tmp_path / 'missing.pem'), validate_certs=False)  # not used: no error

    def test_the_gateways_own_404_is_an_error_even_where_404_means_absent(self, make_client, serve):
        fault = (
            '<am:fault xmlns:am="http://wso2.org/apimanager"><am:code>404</am:code><am:type>Status report'
            '</am:type><am:message>Not Found</am:message><am:description>The requested resource '
            '(/api/device-mgt/v1.0/api/device-mgt/v1.0/devices/a/b) is not available.</am:description></am:fault>'
        )
        serve(answer(404, fault, 'application/xml'))
        with pytest.raises(IotsError) as info:
            make_client().request('GET', '/api/device-mgt/v1.0/devices/a/b', expected=(200, 404))
        message = str(info.value)
        assert 'HTTP 404 Not Found: The requested resource' in message and '404 404' not in message
        assert 'url must be the gateway itself' in message
        serve(answer(404, '{"code":404,"message":"Requested device does not exist"}'))
        assert make_client().request('GET', '/api/device-mgt/v1.0/devices/a/b', expected=(200, 404)).status == 404

    @pytest.mark.parametrize(
        'username, password',
        [
            ('admin@tenant.com', PASSWORD),
            ('j\u00fcrgen@tenant.com', 'p\u20acss-w\u00f6rd'),  # latin-1 and beyond
        ],
    )
    def test_basic_credentials_are_sent_as_utf8(self, make_client, serve, username, password):
        recorder = serve(answer(201, '{}'))
        make_client().post_json(REGISTER, {}, auth=(username, password))
        prepared = requests.Request('POST', REGISTER_URL, auth=recorder.calls[0]['auth']).prepare()
        assert prepared.headers['Authorization'] == requests.auth._basic_auth_str(username.encode('utf-8'), password.encode('utf-8'))

    @pytest.mark.parametrize('timeout', [0, -1, None])
    def test_timeout_must_be_positive(self, timeout):
        with pytest.raises(IotsOptionError) as info:
            IotsClient(BASE, timeout=timeout)
        assert 'timeout' in str(info.value)

    def test_missing_requests_library_is_one_clear_error(self, monkeypatch):
        monkeypatch.setattr(_client, 'HAS_REQUESTS', False)
        with pytest.raises(IotsError) as info:
            IotsClient(BASE)
        assert 'requests' in str(info.value)


# ---------------------------------------------------------------------------- retries


class TestRetries(object):
    @pytest.mark.parametrize('status', [502, 503, 504])
    def test_gateway_unavailable_is_retried_then_succeeds(self, make_client, serve, sleeps, status):
        recorder = serve(answer(status, AM_FAULT, 'application/xml'), answer(201, '{}'))
        assert make_client().post_json(REGISTER, {}).status == 201
        assert len(recorder.calls) == 2
        assert sleeps == [0.5]

    @pytest.mark.parametrize('status', [502, 503, 504])
    def test_gateway_unavailable_gives_up_after_the_retries(self, make_client, serve, sleeps, status):
        recorder = serve(answer(status, AM_FAULT, 'application/xml'))
        with pytest.raises(IotsError) as info:
            make_client().post_json(REGISTER, {})
        assert info.value.status == status
        assert len(recorder.calls) == 3
        assert sleeps == [0.5, 1.0]
        # what to do, and that asking again was already tried
        assert str(info.value).endswith(
            'The gateway could not reach the IoTS backend; check that the IoTS server is up and not overloaded, then run again. Tried 3 times.'
        )

    def test_a_connection_closed_in_the_middle_of_the_answer_says_so(self, make_client, serve, sleeps):
        serve(
            requests.exceptions.ChunkedEncodingError(
                "('Connection broken: IncompleteRead(41 bytes read, 512 more expected)', IncompleteRead(41 bytes read, 512 more expected))"
            )
        )
        with pytest.raises(IotsError) as info:
            make_client().post_form('/token', {'grant_type': 'password'})
        assert str(info.value) == (
            'POST %s/token failed: the connection was closed in the middle of the answer (41 bytes read, 512 more '
            'expected). Check that IoTS is up, and the network and any proxy or load balancer between here and the '
            'gateway. Tried 3 times.' % BASE
        )

    @pytest.mark.parametrize('status', [400, 401, 403, 404, 405, 406, 415, 500])
    def test_answers_about_the_request_are_never_retried(self, make_client, serve, sleeps, status):
        recorder = serve(answer(status, 'no'))
        with pytest.raises(IotsError):
            make_client().post_json(REGISTER, {})
        assert len(recorder.calls) == 1
        assert sleeps == []

    def test_retry_after_is_honoured_and_capped(self, make_client, serve, sleeps):
        serve(answer(503, '', headers={'Retry-After': '2'}), answer(503, '', headers={'Retry-After': '3600'}), answer(200, '{}'))
        make_client().request('GET', '/x')
        assert sleeps == [2.0, _client.MAX_RETRY_AFTER]

    def test_retries_can_be_turned_off(self, make_client, serve, sleeps):
        recorder = serve(answer(503, ''))
        with pytest.raises(IotsError):
            make_client(retries=0).request('GET', '/x')
        assert len(recorder.calls) == 1
        assert sleeps == []

    @pytest.mark.parametrize(
        'exception',
        [
            requests.exceptions.ConnectionError('Connection aborted. RemoteDisconnected'),
            requests.exceptions.ConnectTimeout('connect timed out'),
            requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'),
        ],
    )
    def test_connection_failures_are_retried(self, make_client, serve, sleeps, exception):
        recorder = serve(exception, exception, answer(201, '{}'))
        assert make_client().post_json(REGISTER, {}).status == 201
        assert len(recorder.calls) == 3
        assert sleeps == [0.5, 1.0]

    def test_connection_failure_gives_up_after_the_retries(self, make_client, serve, sleeps):
        recorder = serve(requests.exceptions.ConnectionError('Connection aborted.'))
        with pytest.raises(IotsError) as info:
            make_client(retries=3, backoff=0.1).post_json(REGISTER, {})
        assert len(recorder.calls) == 4
        assert sleeps == [0.1, 0.2, 0.4]
        assert 'connection failed' in str(info.value)

    @pytest.mark.parametrize(
        'exception',
        [
            requests.exceptions.SSLError('certificate verify failed'),
            requests.exceptions.ReadTimeout('Read timed out.'),
            requests.exceptions.InvalidHeader('bad header'),
        ],
    )
    def test_tls_failures_and_read_timeouts_are_not_retried(self, make_client, serve, sleeps, exception):
        recorder = serve(exception)
        with pytest.raises(IotsError):
            make_client().post_json(REGISTER, {})
        assert len(recorder.calls) == 1
        assert sleeps == []


# ---------------------------------------------------------------------------- real transport failures


@pytest.fixture(scope='module')
def self_signed(tmp_path_factory):
    """A CN=localhost certificate with SAN 127.0.0.1, like the one IoTS ships."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp('tls')
    cert_path = directory / 'cert.pem'
    key_path = directory / 'key.pem'
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def _read_request(conn):
    """Read one whole request (headers and Content-Length body) before answering.

    The client sends headers and body as separate TLS records; closing after reading only the
    first leaves the body unread, and the kernel then resets the connection, which the client can
    see before it reads the answer (a race that a loaded CI machine lost once).
    """
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _sep, body = data.partition(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n')[1:]:
        name, _colon, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b'\r\n\r\n' + body


@pytest.fixture
def tls_server(self_signed):
    """A one-shot HTTPS server on 127.0.0.1 that answers 201 with a fixed JSON body."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(5)
    # A short accept timeout, so that the thread ends soon after the test: a thread still alive
    # when a later test forks (the token cache tests do, as Ansible does) makes Python 3.12+ warn.
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve_forever():
        while not stop.is_set():
            try:
                raw, _address = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            raw.settimeout(10)
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    _read_request(conn)
                    body = b'{"client_id":"cid"}'
                    conn.sendall(
                        b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(body), body)
                    )
            except (ssl.SSLError, OSError):
                raw.close()

    thread = threading.Thread(target=serve_forever, daemon=True)
    thread.start()
    yield 'https://127.0.0.1:%d' % listener.getsockname()[1]
    stop.set()
    thread.join(15)
    listener.close()


class TestTransport(object):
    def test_tls_failure_names_the_cause_and_suggests_ca_path(self, make_client, sleeps, tls_server):
        with pytest.raises(IotsError) as info:
            make_client(tls_server, timeout=5).post_json(REGISTER, {})
        message = str(info.value)
        assert message.startswith('POST %s%s failed: TLS verification failed (certificate verify failed' % (tls_server, REGISTER))
        assert '(certificate verify failed: self-signed certificate).' in message
        assert message.count('certificate verify failed') == 1
        assert 'ca_path' in message and 'validate_certs: false' in message
        assert '\n' not in message
        assert info.value.status is None
        assert sleeps == []

    def test_hostname_mismatch_does_not_suggest_ca_path(self, make_client, serve, sleeps):
        serve(
            requests.exceptions.SSLError(
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'iots.example.com'. (_ssl.c:1000)"
            )
        )
        with pytest.raises(IotsError) as info:
            make_client(validate_certs=True).post_json(REGISTER, {})
        message = str(info.value)
        assert 'Hostname mismatch' in message
        assert 'ca_path' not in message
        assert 'certificate issued for this host name' in message
        assert '.).' not in message

    def test_ca_path_makes_the_same_server_trusted(self, make_client, tls_server, self_signed):
        response = make_client(tls_server, ca_path=self_signed[0], timeout=5).post_json(REGISTER, {})
        assert response.json() == {'client_id': 'cid'}

    @pytest.mark.filterwarnings('ignore::urllib3.exceptions.InsecureRequestWarning')
    def test_validate_certs_false_skips_verification(self, make_client, tls_server):
        response = make_client(tls_server, validate_certs=False, timeout=5).post_json(REGISTER, {})
        assert response.status == 201

    def test_connection_refused(self, make_client, sleeps):
        closed = socket.socket()
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
        closed.close()
        url = 'https://127.0.0.1:%d' % port
        with pytest.raises(IotsError) as info:
            make_client(url, timeout=5).post_json(REGISTER, {})
        assert str(info.value) == (
            'POST %s%s failed: connection failed (connection refused). Check that url points at the IoTS '
            'gateway (https port 8243 by default) and that it is up. Tried 3 times.' % (url, REGISTER)
        )
        assert sleeps == [0.5, 1.0]

    def test_timeout_when_the_server_never_answers(self, make_client, sleeps):
        silent = socket.socket()
        silent.bind(('127.0.0.1', 0))
        silent.listen(5)  # the kernel accepts the connection; nobody ever answers
        url = 'https://127.0.0.1:%d' % silent.getsockname()[1]
        try:
            with pytest.raises(IotsError) as info:
                make_client(url, timeout=0.3).post_json(REGISTER, {})
        finally:
            silent.close()
        assert str(info.value) == (
            'POST %s%s failed: no answer within 0.3 s (timeout). The gateway took the request '
            'but did not answer: check that IoTS is up and not overloaded, or raise timeout.' % (url, REGISTER)
        )
        assert sleeps == []

    def test_transport_reason_is_redacted(self, make_client, serve):
        serve(requests.exceptions.InvalidHeader('header value %s is not valid' % PASSWORD))
        with pytest.raises(IotsError) as info:
            make_client().request('GET', '/x')
        assert PASSWORD not in str(info.value)
        assert MASK in str(info.value)


# ---------------------------------------------------------------------------- URLs


class TestUrls(object):
    @pytest.mark.parametrize(
        'url, expected',
        [
            ('https://iots.example.com:8243', 'https://iots.example.com:8243'),
            ('https://iots.example.com:8243/', 'https://iots.example.com:8243'),
            ('https://iots.example.com:8243///', 'https://iots.example.com:8243'),
            ('  https://IOTS.Example.com:8243/gateway/  ', 'https://iots.example.com:8243/gateway'),
            ('HTTPS://iots.example.com', 'https://iots.example.com'),
            ('https://[::1]:8243/', 'https://[::1]:8243'),
        ],
    )
    def test_normalised_without_trailing_slash(self, url, expected):
        assert normalize_url(url) == (expected, None)

    def test_plain_http_works_with_a_warning(self):
        url, warning = normalize_url('http://iots.example.com:8280/')
        assert url == 'http://iots.example.com:8280'
        assert 'plain http' in warning and '8243' in warning

    @pytest.mark.parametrize(
        'url, words',
        [
            ('iots.example.com:8243', 'must start with https://'),
            ('iots.example.com', 'must start with https://'),
            ('ftp://iots.example.com', 'must start with https://'),
            ('https://', 'has no host name'),
            ('https:///token', 'has no host name'),
            ('https://iots.example.com:8243?x=1', 'must not contain a query'),
            ('https://iots.example.com:8243#top', 'must not contain a query or fragment'),
            ('https://iots.example.com:99999', 'invalid port'),
            ('', 'url is required'),
            ('   ', 'url is required'),
            (None, 'url is required'),
        ],
    )
    def test_bad_urls_are_option_errors(self, url, words):
        with pytest.raises(IotsOptionError) as info:
            normalize_url(url)
        assert words in str(info.value)

    def test_credentials_in_the_url_are_refused_without_echoing_them(self):
        with pytest.raises(IotsOptionError) as info:
            normalize_url('https://admin:%s@iots.example.com:8243' % PASSWORD)
        assert PASSWORD not in str(info.value)
        assert 'username' in str(info.value) and 'password' in str(info.value)

    def test_join_has_exactly_one_slash(self):
        assert join_url('https://h:8243', '/token') == 'https://h:8243/token'
        # the path as written: some token endpoints need their trailing slash (django-oauth-toolkit's /o/token/)
        assert join_url('https://h:8243/', 'o/token/') == 'https://h:8243/o/token/'
        assert join_url('https://h:8243/gw', REGISTER) == 'https://h:8243/gw' + REGISTER

    def test_client_builds_urls_from_the_normalised_base(self, make_client):
        client = make_client('https://IOTS.example.com:8243/')
        assert client.base_url == 'https://iots.example.com:8243'
        assert client.url(REGISTER) == REGISTER_URL
        assert client.warning is None
        assert make_client('http://iots.example.com:8280').warning


class TestNonIdempotent(object):
    """idempotent=False: sent again only when the first request surely did not reach IoTS."""

    @pytest.mark.parametrize('status', [502, 504])
    def test_a_502_or_504_is_not_sent_again(self, make_client, serve, sleeps, status):
        recorder = serve(answer(status, ''), answer(201, '{}'))
        with pytest.raises(IotsError):
            make_client().request('POST', '/groups', json_body={}, expected=(201,), idempotent=False)
        assert len(recorder.calls) == 1

    def test_a_503_is_sent_again(self, make_client, serve, sleeps):
        recorder = serve(answer(503, ''), answer(201, '{}'))
        assert make_client().request('POST', '/groups', json_body={}, expected=(201,), idempotent=False).status == 201
        assert len(recorder.calls) == 2

    def test_a_dropped_connection_is_not_sent_again_a_refused_one_is(self, make_client, serve, sleeps):
        dropped = requests.exceptions.ConnectionError('Connection aborted.')
        recorder = serve(dropped, answer(201, '{}'))
        with pytest.raises(IotsError):
            make_client().request('POST', '/groups', json_body={}, expected=(201,), idempotent=False)
        assert len(recorder.calls) == 1
        refused = requests.exceptions.ConnectionError(
            urllib3.exceptions.MaxRetryError(None, '/groups', urllib3.exceptions.NewConnectionError(None, 'Connection refused'))
        )
        recorder = serve(refused, answer(201, '{}'))
        assert make_client().request('POST', '/groups', json_body={}, expected=(201,), idempotent=False).status == 201
        assert len(recorder.calls) == 2


class TestBearerRenewal:
    """A token the task got itself is renewed once per refusal (401 900901); a given one never."""

    API = '/api/device-mgt/v1.0/devices'

    def test_a_refused_token_is_renewed_once_and_later_requests_use_the_new_one(self, make_client, serve):
        recorder = serve(answer(401, AMS_FAULT, 'application/xml'), answer(201, {}), answer(200, {}))
        client = make_client()
        client.renew_bearer_with(lambda: 'new-token')
        assert client.request('POST', self.API, json_body={}, bearer='old-token', expected=(201,), idempotent=False).status == 201
        client.request('GET', self.API, bearer='old-token')
        assert [call['headers']['Authorization'] for call in recorder.calls] == ['Bearer old-token', 'Bearer new-token', 'Bearer new-token']

    def test_a_renewed_token_refused_again_fails_saying_so(self, make_client, serve):
        serve(answer(401, AMS_FAULT, 'application/xml'))
        client = make_client()
        client.renew_bearer_with(lambda: 'new-token')
        with pytest.raises(IotsError) as info:
            client.request('GET', self.API, bearer='old-token')
        assert 'IoTS refused also the new access token' in str(info.value) and 'new-token' not in str(info.value)

    def test_a_failed_renewal_and_other_401s_are_errors(self, make_client, serve):
        serve(answer(401, AMS_FAULT, 'application/xml'))
        client = make_client()

        def refused():
            raise IotsError('POST %s/token failed: HTTP 400 invalid_grant' % BASE, status=400)

        client.renew_bearer_with(refused)
        with pytest.raises(IotsError) as info:
            client.request('GET', self.API, bearer='old-token')
        assert 'getting a new one failed' in str(info.value)
        recorder = serve(answer(401, {'fault': {'code': 900902, 'message': 'Missing Credentials'}}))
        with pytest.raises(IotsError) as info:
            client.request('GET', self.API, bearer='old-token')
        assert info.value.status == 401 and len(recorder.calls) == 1

    def test_the_renewal_is_not_a_write_of_the_task(self, make_client, serve):
        """A write that fails after a renewal leaves writes_answered as it was: the token request's answered
        POST is not a change of the task's objects (a failed task would otherwise report changed)."""
        serve(answer(401, AMS_FAULT, 'application/xml'), answer(200, {'access_token': 'new-token'}), answer(400, {'message': 'bad'}))
        client = make_client()
        client.renew_bearer_with(lambda: client.post_form('/token', {'grant_type': 'client_credentials'}).json()['access_token'])
        with pytest.raises(IotsError) as info:
            client.request('POST', self.API, json_body={}, bearer='old-token', expected=(201,), idempotent=False)
        assert info.value.status == 400 and client.writes_answered == 0

    def test_the_grants_own_hint_is_kept_when_the_renewal_fails(self, make_client, serve):
        serve(answer(401, AMS_FAULT, 'application/xml'))
        client = make_client()

        def refused():
            raise IotsError('POST %s/token failed: HTTP 401 invalid_client' % BASE, status=401).with_hint('Check client_id and client_secret.')

        client.renew_bearer_with(refused)
        with pytest.raises(IotsError) as info:
            client.request('GET', self.API, bearer='old-token')
        assert 'getting a new one failed' in str(info.value) and 'Check client_id and client_secret.' in str(info.value)

    def test_without_a_renewer_a_refused_token_fails_at_once(self, make_client, serve):
        recorder = serve(answer(401, AMS_FAULT, 'application/xml'))
        with pytest.raises(IotsError) as info:
            make_client().request('GET', self.API, bearer='given-token')
        assert info.value.status == 401 and len(recorder.calls) == 1
