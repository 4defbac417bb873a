# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one HTTP client that the modules and the lookup share.

It builds URLs, authenticates, retries what is safe to retry, and turns every answer into
data or one ``IotsError``. The OAuth endpoints are idempotent on the server (the registration
returns the same keys, a grant returns the active token, revoking twice is 200), so a retry
after a dropped connection cannot do harm; the device API's writes that are not (enrolling a
device, creating a group) say so with ``idempotent=False``, and sending an operation is never retried.
"""

import json
import os
import re
import time
import traceback
import warnings
from typing import Callable, Optional

from ansible_collections.wso2.iots.plugins.module_utils._errors import (
    BROKEN_ANSWER_HINT,
    IotsError,
    IotsOptionError,
    describe_body,
    is_gateway_fault,
    redact,
)
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter
from ansible_collections.wso2.iots.plugins.module_utils._retry_timing import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_RETRY_AFTER,
    longest_wait,
)
from ansible_collections.wso2.iots.plugins.module_utils._urls import join_url, normalize_url

REQUESTS_IMPORT_ERROR = None
try:
    import requests

    HAS_REQUESTS = True
except ImportError:
    requests = None  # type: ignore[assignment]  # HAS_REQUESTS says it is missing
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

# Statuses that mean "the gateway or a backend is briefly unavailable". Never a 4xx: those
# are answers about the request itself and a retry would only repeat them.
RETRY_STATUSES = (502, 503, 504)
# The gateway's 401 "Invalid Credentials": an expired, revoked or unknown access token (never sent to the backend).
REFUSED_TOKEN_FAULT = '900901'

USER_AGENT = 'ansible-wso2.iots'

# What to do, for the failures whose cause is on the server's side or on the way to it.
UNREACHABLE_HINT = 'Check that url points at the IoTS gateway (https port 8243 by default) and that it is up.'
BACKEND_HINT = 'The gateway could not reach the IoTS backend; check that the IoTS server is up and not overloaded, then run again.'
SERVER_FAILURE_HINT = 'IoTS failed on its side; its log (repository/logs/wso2carbon.log) says why.'
NO_API_HINT = (
    'No API answers at this path: url must be the gateway itself (e.g. https://iots.example.com:8243), without an API path such as /api/device-mgt/v1.0.'
)
DROPPED_HINT = 'Check that IoTS is up, and the network and any proxy or load balancer between here and the gateway.'
SILENT_HINT = 'The gateway took the request but did not answer: check that IoTS is up and not overloaded, or raise timeout.'


class IotsResponse(object):
    """A successful answer: status, headers and body, with the body parsed on demand."""

    def __init__(self, method, url, status, headers, text):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.text = text

    def json(self):
        """The body as JSON; a 2xx that is not JSON is an error, not a crash."""
        try:
            return json.loads(self.text)
        except ValueError:
            if self.text.lstrip()[:1] in ('{', '['):
                # A cut-off success answer still holds live keys or tokens: describe it, never quote it.
                description = 'malformed JSON of %d characters, cut off or garbled' % len(self.text)
            else:
                description = describe_body(self.text)[1]
            raise IotsError(
                '%s %s answered HTTP %s but its body is not the expected JSON (%s).' % (self.method, self.url, self.status, description),
                url=self.url,
                method=self.method,
                status=self.status,
                description=description,
                hint=BROKEN_ANSWER_HINT,
            )


class IotsClient(object):
    """HTTP access to one IoTS gateway.

    ``secrets`` are values that must never appear in a message (passwords, client secrets,
    tokens); add more with ``add_secret`` as the client learns them.
    """

    def __init__(
        self, url, validate_certs=True, ca_path=None, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, secrets=(), sleep=time.sleep
    ):
        if not HAS_REQUESTS:
            raise IotsError(_missing_requests_message())
        self.base_url, self.warning = normalize_url(url)
        if timeout is None or timeout <= 0:
            raise IotsOptionError('timeout must be a positive number of seconds, got %r' % (timeout,))
        self.timeout = timeout
        self.validate_certs = validate_certs
        # None means the system CAs (an empty ca_path option reads as None: _option_adapter).
        self.ca_path = ca_path
        if self.validate_certs and self.ca_path and not os.path.exists(self.ca_path):
            # requests would fail each request with an OSError that names no option
            raise IotsOptionError(
                'ca_path %s does not exist: give the CA certificate file (or directory) that signed '
                'the IoTS certificate, or leave ca_path empty for the system CAs.' % self.ca_path
            )
        self.retries = retries
        self.backoff = backoff
        self._secrets = set(s for s in secrets if s)
        self._sleep = sleep
        # Requests other than GET and HEAD that IoTS answered as expected: a task that fails after one of
        # them has changed something (_resource reads it around each object's writes).
        self.writes_answered = 0
        # renew_bearer(): a new access token when IoTS refuses the one the task got as expired or revoked.
        self._renew_bearer: Optional[Callable[[], str]] = None
        self._renewed = {}  # an access token IoTS refused -> the one that replaced it
        self._session = requests.Session()
        self._session.headers['User-Agent'] = USER_AGENT
        # Proxies and CA bundles from the environment, as ansible.builtin.uri honours them.
        self._session.trust_env = True

    def longest_wait(self, requests=1):
        """Seconds that ``requests`` requests may take with every retry: each attempt's timeout plus the pauses."""
        return longest_wait(self.timeout, self.retries, self.backoff, requests)

    def renew_bearer_with(self, obtain):
        """``obtain()`` gives a new access token, for the task that got its token itself (from credentials).

        A request that IoTS answers 401 900901 (the gateway's "Invalid Credentials": the token expired or was
        revoked; the request never reached the backend, so sending it again is safe) then gets a new token
        once and is sent again with it; later requests with the old token use the new one.
        """
        self._renew_bearer = obtain

    def _renew(self, bearer, obtain):
        """The token ``obtain()`` gives to replace ``bearer``, which IoTS refused as expired or revoked."""
        # The token request is not a write of the task's objects: a failed task must not look changed for it.
        writes = self.writes_answered
        try:
            new = obtain()
        except IotsError as exc:
            said = 'IoTS had refused the task\'s access token (expired or revoked) during the run, and getting a new one failed.'
            raise exc.with_hint(' '.join(hint for hint in (said, exc.hint) if hint))
        finally:
            self.writes_answered = writes
        self.add_secret(new)
        for old, replaced in list(self._renewed.items()):
            if replaced == bearer:
                self._renewed[old] = new
        self._renewed[bearer] = new
        return new

    def add_secret(self, value):
        if value:
            self._secrets.add(value)

    def url(self, path):
        return join_url(self.base_url, path)

    @property
    def verify(self):
        if not self.validate_certs:
            return False
        return self.ca_path or True

    def post_json(self, path, body, auth=None, expected=(200, 201)):
        return self.request('POST', path, json_body=body, auth=auth, expected=expected)

    def post_form(self, path, form, auth=None, expected=(200,)):
        return self.request('POST', path, form=form, auth=auth, expected=expected)

    def request(self, method, path, json_body=None, form=None, auth=None, headers=None, expected=(200,), bearer=None, retries=None, idempotent=True):
        """Send one request, retrying only connection errors and 502/503/504.

        ``bearer`` is an OAuth access token for ``Authorization: Bearer`` (the device-mgt API); it
        becomes one of the client's secrets. ``retries`` overrides the client's count for one request
        (0 for a request that must not reach the server twice, such as sending an operation).
        ``idempotent=False`` is for a write that a second delivery would not repeat harmlessly
        (creating a group, enrolling a device): it is sent again only when the first one surely did not
        reach IoTS, a connection that was never made or a 503 (the gateway did not reach the backend),
        not after a dropped connection, a 502 or a 504.
        """
        retries = self.retries if retries is None else retries
        url = self.url(path)
        auth = _utf8_credentials(auth)
        send_headers = {'Accept': 'application/json'}
        if bearer:
            self.add_secret(bearer)
            bearer = self._renewed.get(bearer, bearer)
            send_headers['Authorization'] = 'Bearer ' + bearer
        send_headers.update(headers or {})
        attempt = 0
        renewed = False
        while True:
            try:
                with warnings.catch_warnings():
                    # validate_certs: false is the user's choice; urllib3 would print a warning on every
                    # request to stderr, which Ansible shows as a worker writing "errantly" to it.
                    warnings.filterwarnings('ignore', message='Unverified HTTPS request')
                    response = self._session.request(
                        method, url, json=json_body, data=form, auth=auth, headers=send_headers, timeout=self.timeout, verify=self.verify, allow_redirects=False
                    )
            except requests.exceptions.RequestException as exc:
                retryable = _retryable_exception(exc) if idempotent else _never_sent(exc)
                if not retryable or attempt >= retries:
                    raise self._transport_error(method, url, exc, attempt + 1)
                delay = self.backoff * (2**attempt)
            else:
                text = response.text
                # A 404 that an endpoint expects ("no such device") is the API's, never the gateway's own
                # "no API here", which means the url is wrong.
                if response.status_code in expected and not (response.status_code == 404 and is_gateway_fault(text)):
                    if method not in ('GET', 'HEAD'):
                        self.writes_answered += 1
                    return IotsResponse(method, url, response.status_code, response.headers, text)
                if bearer and response.status_code == 401 and self._renew_bearer is not None:
                    error = self._http_error(method, url, response.status_code, text, attempt + 1)
                    if str(error.error or '') != REFUSED_TOKEN_FAULT:
                        raise error
                    if renewed:
                        raise error.with_hint('IoTS refused also the new access token the task got when the first one had expired.')
                    bearer, renewed = self._renew(bearer, self._renew_bearer), True
                    send_headers = dict(send_headers, Authorization='Bearer ' + bearer)
                    continue
                retryable = response.status_code in (RETRY_STATUSES if idempotent else (503,))
                if not retryable or attempt >= retries:
                    raise self._http_error(method, url, response.status_code, text, attempt + 1)
                delay = _retry_after(response.headers.get('Retry-After'), self.backoff * (2**attempt))
            attempt += 1
            self._sleep(delay)

    def _clean(self, text):
        return redact(text, self._secrets)

    def _http_error(self, method, url, status, text, attempts=1):
        error, description = describe_body(text)
        description = self._clean(description)
        # A gateway fault's code is often the HTTP status again ("HTTP 404 404: Not Found").
        words = ': '.join(w for w in (None if error == str(status) else error, description) if w)
        # Other 4xx answers get their hint from the endpoint's layer (_oauth), which knows what they mean.
        hint = None
        if status == 404 and is_gateway_fault(text):
            hint = NO_API_HINT
        elif status in RETRY_STATUSES:
            hint = _with_attempts(BACKEND_HINT, attempts)
        elif status >= 500:
            hint = SERVER_FAILURE_HINT
        return IotsError(
            _sentence('%s %s failed: HTTP %s %s' % (method, url, status, words)),
            url=url,
            method=method,
            status=status,
            error=error,
            description=description,
            hint=hint,
        )

    def _transport_error(self, method, url, exc, attempts=1):
        reason = self._clean(_root_reason(exc))
        if isinstance(exc, requests.exceptions.SSLError):
            if 'mismatch' in reason.lower():
                # The CA is trusted but the certificate does not name this host: ca_path cannot help.
                hint = (
                    'The certificate does not name the host in url (the stock IoTS certificate names only '
                    'CN=localhost, without subjectAltName): use a certificate issued for this host name, '
                    'or set validate_certs: false on a test system.'
                )
            else:
                hint = 'IoTS ships a self-signed certificate (CN=localhost): pass its CA bundle with ca_path, or set validate_certs: false on a test system.'
            return IotsError(
                _sentence('%s %s failed: TLS verification failed (%s)' % (method, url, reason.rstrip('.'))),
                url=url,
                method=method,
                description=reason,
                hint=hint,
            )
        hint = UNREACHABLE_HINT
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            what = 'no connection within %s s' % self.timeout
        elif isinstance(exc, requests.exceptions.Timeout):
            what = 'no answer within %s s (timeout)' % self.timeout
            hint = SILENT_HINT
        elif _cut_off(exc, reason):
            what = 'the connection was closed in the middle of the answer (%s)' % _incomplete_read(reason)
            hint = DROPPED_HINT
        elif isinstance(exc, requests.exceptions.ConnectionError):
            what = 'connection failed (%s)' % reason
        else:
            what = 'request failed (%s)' % reason
        return IotsError('%s %s failed: %s.' % (method, url, what), url=url, method=method, description=reason, hint=_with_attempts(hint, attempts))


def _utf8_credentials(auth):
    """Non-ASCII Basic credentials as UTF-8 bytes, as IoTS decodes them.

    requests encodes text as latin-1: wrong bytes for "ü", and an exception for "€".
    """
    if isinstance(auth, tuple) and len(auth) == 2:
        return tuple(value.encode('utf-8') if isinstance(value, str) and not value.isascii() else value for value in auth)
    return auth


def _with_attempts(hint, attempts):
    """The hint, saying how often the request was sent when it was retried."""
    return hint if attempts < 2 else '%s Tried %d times.' % (hint, attempts)


def _cut_off(exc, reason):
    """True when the server closed the connection after it had started to answer."""
    return isinstance(exc, requests.exceptions.ChunkedEncodingError) or 'IncompleteRead' in reason or 'Connection broken' in reason


def _incomplete_read(reason):
    # urllib3 says "IncompleteRead(41 bytes read, 512 more expected)"; keep the numbers.
    found = re.search(r'IncompleteRead\((\d+ bytes read(, \d+ more expected)?)\)', reason)
    return found.group(1) if found else reason


def _sentence(text):
    """End with one full stop: IoTS texts often bring their own."""
    text = text.rstrip()
    return text if text.endswith('.') else text + '.'


def _retryable_exception(exc):
    """Connection-level failures are retried; TLS failures and read timeouts are not.

    A TLS failure repeats itself, and a server that does not answer within ``timeout`` would
    make every retry wait the full timeout again.
    """
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.Timeout):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError))


def _never_sent(exc):
    """A connect timeout, or a connection refused or not resolved: the request never left this host."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, 'reason', reason)  # urllib3's MaxRetryError carries the cause
    return any(cls.__name__ == 'NewConnectionError' for cls in type(reason).__mro__)


def _retry_after(value, default):
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return default


def _root_reason(exc):
    """The innermost, most specific reason of a requests exception, as one short line."""
    reason = exc
    seen = set()
    while True:
        inner = getattr(reason, 'reason', None) or reason.__cause__ or reason.__context__
        if inner is None or id(inner) in seen or not isinstance(inner, BaseException):
            break
        seen.add(id(inner))
        reason = inner
    text = str(reason) or reason.__class__.__name__
    # urllib3 wraps the useful part: "<urllib3.connection.HTTPSConnection ...>: Failed to ... : [Errno 111] Connection refused"
    if 'Errno 111' in text or 'Connection refused' in text:
        return 'connection refused'
    if 'CERTIFICATE_VERIFY_FAILED' in text:
        detail = text.split('CERTIFICATE_VERIFY_FAILED', 1)[1].strip(' ]:()\'"').split('(')[0].strip()
        # OpenSSL words it "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: <why>"
        if detail.startswith('certificate verify failed'):
            detail = detail[len('certificate verify failed') :].strip(' :')
        return 'certificate verify failed' + (': ' + detail if detail else '')
    return ' '.join(text.split())[:200]


def _missing_requests_message():
    # Same words as ansible.module_utils.basic.missing_required_lib, usable without a module.
    from ansible.module_utils.basic import missing_required_lib

    return missing_required_lib('requests')


# Options that hold secrets, as the modules and the lookup name them.
SECRET_OPTION_NAMES = ('password', 'client_secret')


def client_from_options(options):
    """The client for a task's connection options: an ``OptionAdapter``, or what ``OptionAdapter.wrap`` takes."""
    get_option = OptionAdapter.wrap(options).get_option
    return IotsClient(
        get_option('url'),
        validate_certs=get_option('validate_certs'),
        ca_path=get_option('ca_path'),
        timeout=get_option('timeout'),
        secrets=[get_option(name) for name in SECRET_OPTION_NAMES],
    )
