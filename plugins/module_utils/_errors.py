# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The collection's errors (IotsError and its two refinements), and the parser that turns any IoTS answer into words.

IoTS answers errors in four formats, often mislabelled (wso2-iots-3.2.0.md section 3.6):
OAuth JSON under text/html, plain text under application/json or application/xml, gateway
faults as XML or JSON, empty bodies and the JSON literal ``false``. The parser therefore never
trusts the Content-Type: it tries JSON, then XML, then HTML, then plain text.
"""

import json
import re

MASK = '********'

# An answer that is cut off or not IoTS's (the client's and _device_api's parsers say this).
BROKEN_ANSWER_HINT = (
    'The answer was cut off or is not from IoTS: run again, and check that url is the IoTS gateway and that no proxy in between changes its answers.'
)

# How much of an unstructured body a message may quote.
_MAX_QUOTE = 200


class IotsError(Exception):
    """Anything that went wrong talking to IoTS, as one line a user can act on.

    ``str(error)`` is the whole message: the request, the HTTP status, the server's own words
    and, where we know one, what to do. It never contains a secret (see ``redact``).
    """

    def __init__(self, message, url=None, method=None, status=None, error=None, description=None, hint=None, details=None):
        super(IotsError, self).__init__(message)
        self.message = message
        self.url = url
        self.method = method
        self.status = status
        self.error = error
        self.description = description
        self.hint = hint
        # Result fields beside msg that only the caller knows (e.g. the activity a failed wait watched).
        self.details = details or {}

    def __str__(self):
        parts = [self.message]
        if self.hint:
            parts.append(self.hint)
        return ' '.join(p.rstrip() for p in parts if p)

    def with_hint(self, hint):
        """Add what to do; the endpoint-specific layer knows it, the HTTP layer does not."""
        self.hint = hint
        return self

    def to_result(self):
        """Structured fields for fail_json, beside ``msg``."""
        result = {}
        for key in ('url', 'method', 'status', 'error', 'description'):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        result.update(self.details)
        return result


class IotsScopeError(IotsError):
    """The server granted fewer scopes than were asked for (it drops them silently)."""

    def __init__(self, message, missing_scopes, granted_scopes, **kwargs):
        super(IotsScopeError, self).__init__(message, **kwargs)
        self.missing_scopes = missing_scopes
        self.granted_scopes = granted_scopes


class IotsOptionError(IotsError):
    """Bad input, found before any request was sent."""


def redact(text, secrets):
    """Replace every secret in ``text`` by a mask; the longest first so no suffix survives."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def _one_line(text, limit=_MAX_QUOTE):
    text = re.sub(r'\s+', ' ', text or '').strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + '...'
    return text


def _xml_child(root, name):
    """Text of the first element whose local name is ``name`` (any namespace)."""
    for element in root.iter():
        tag = element.tag.rsplit('}', 1)[-1] if isinstance(element.tag, str) else ''
        if tag == name:
            return (element.text or '').strip()
    return None


def _describe_json(data):
    """(error code, description) of a parsed JSON body, or None when it has no known shape."""
    if isinstance(data, dict):
        if 'error' in data or 'error_description' in data:
            # OAuth 2.0 (RFC 6749 section 5.2); IoTS key order is not stable, so read members.
            return (data.get('error'), data.get('error_description'))
        fault = data.get('fault')
        if isinstance(fault, dict):
            # API gateway fault: {"fault": {"code": 900901, "message": ..., "description": ...}}
            words = [str(fault[k]) for k in ('message', 'description') if fault.get(k)]
            return (str(fault['code']) if fault.get('code') is not None else None, ': '.join(words) or None)
        if 'message' in data:
            code = data.get('code')
            return (str(code) if code is not None else None, str(data['message']))
    if data is False:
        return (None, 'false (the server reported an internal failure without details; see its logs)')
    return None


def describe_body(text):
    """Turn any IoTS body into (error code or None, one-line description)."""
    body = (text or '').strip()
    if not body:
        return (None, 'empty body')
    if body[0] in '{["' or body in ('false', 'true', 'null'):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
            if body[0] in '{[':
                return (None, 'malformed JSON: ' + _one_line(body))
        else:
            described = _describe_json(data)
            if described:
                return described
            return (None, _one_line(json.dumps(data, sort_keys=True)))
    if body.startswith('<'):
        # Imported here: the XML parser costs milliseconds, and the lookup's cache hit imports this module.
        from xml.etree import ElementTree

        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            root = None
        if root is not None and _xml_child(root, 'code') is not None:
            # <am:fault> (token/registration gateway) or <ams:fault> (API security)
            words = [w for w in (_xml_child(root, 'message'), _xml_child(root, 'description')) if w]
            return (_xml_child(root, 'code'), ': '.join(words) or None)
        title = re.search(r'<title[^>]*>(.*?)</title>', body, re.I | re.S)
        if title:
            return (None, 'HTML page: ' + _one_line(title.group(1)))
        return (None, _one_line(re.sub(r'<[^>]+>', ' ', body)))
    return (None, _one_line(body))


def is_gateway_fault(text):
    """Whether a body is the API gateway's own fault (``<am:fault>``, or ``{"fault": ...}`` for a JSON
    request), not an answer of the API behind it: a 404 fault means no API at that path at all."""
    body = (text or '').lstrip()
    if body.startswith('<'):
        return ':fault' in body[:100]
    if body.startswith('{'):
        try:
            data = json.loads(body)
        except ValueError:
            return False
        return isinstance(data, dict) and isinstance(data.get('fault'), dict)
    return False
