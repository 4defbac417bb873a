# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""One HTTP request and its reply, independent of the socket server that carries them."""

import json
from urllib.parse import parse_qs, urlsplit

FORM = 'application/x-www-form-urlencoded'


class Request(object):
    def __init__(self, method, target, headers, body=b'', client=None):
        self.method = method.upper()
        parts = urlsplit(target)
        self.path = parts.path or '/'
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self._headers = headers  # email.message.Message: case-insensitive get()
        self.body = body or b''
        self.client = client
        self._form = None

    def header(self, name, default=None):
        return self._headers.get(name, default)

    def has_header(self, name):
        return self._headers.get(name) is not None

    @property
    def media_type(self):
        """The request's Content-Type without parameters, lower case ('' when absent)."""
        return (self.header('Content-Type') or '').split(';', 1)[0].strip().lower()

    @property
    def accept(self):
        return self.header('Accept')

    def accepts_json(self):
        """The gateway renders its faults as JSON only when the client asked for JSON."""
        return 'application/json' in (self.accept or '').lower()

    def query_value(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def form(self):
        """Form parameters: name -> list of values (the servlet API keeps every value)."""
        if self._form is None:
            try:
                text = self.body.decode('utf-8')
            except UnicodeDecodeError:
                text = self.body.decode('latin-1')
            self._form = parse_qs(text, keep_blank_values=True) if self.media_type == FORM else {}
        return self._form

    def form_value(self, name):
        """First value of a form parameter, like ServletRequest.getParameter; None when absent."""
        values = self.form().get(name)
        return values[0] if values else None

    def json(self):
        """The parsed JSON body; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode('utf-8'))


class Reply(object):
    """What to send back. ``action`` 'drop' or 'hang' replaces a normal answer (fault injection)."""

    def __init__(self, status, body=b'', content_type=None, headers=None, action=None):
        self.status = status
        if isinstance(body, str):
            body = body.encode('utf-8')
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])
        self.action = action

    @classmethod
    def json(cls, status, data, headers=None, content_type='application/json'):
        return cls(status, json.dumps(data, separators=(',', ':')), content_type, headers)

    @classmethod
    def empty(cls, status, content_type=None, headers=None):
        return cls(status, b'', content_type, headers)

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self):
        return 'Reply(%s, %r)' % (self.status, self.body[:80])
