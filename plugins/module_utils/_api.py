# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one way every ``_<thing>_api`` calls the device-management API: a request, its JSON, its pages.

Each call goes through the shared client (``_client``) with a bearer token; a gateway fault gets the one
hint of its meaning (``with_hint``): an expired or unknown token, a missing scope (named in both flavours,
``_scopes``), an application not subscribed to the API.

Interface:

* ``API = '/api/device-mgt/v1.0'``; ``MAX_PAGE_SIZE = 100`` (a larger limit is 400, RequestValidationUtil)
* ``request(client, token, scopes, method, path, query=None, body=None, expected=(200,), retries=None,
  idempotent=True) -> IotsResponse``: ``scopes`` are the logical scopes of the call; ``query`` pairs whose
  value is None are left out
* ``scopes_of(scope_lists) -> sorted list``: the scopes of some calls, each once
* ``segment(value)``: a name as one URL path segment
* ``with_hint(exc, scopes) -> exc``: the hint of the gateway's token, scope and subscription faults
* ``json_of(response, kind=dict)``: the answer's JSON, which must be a ``kind``; ``json_or_none(response,
  absent=404)``: None for the status that means "no such object"
* ``page_answers(client, token, scopes, path, key, ...)``: (response, data) of each page of a paged list;
  ``pages(...)``: the items of every page
"""

from urllib.parse import quote, urlencode  # not six.moves: it is compiled from source on every module run

from ansible_collections.wso2.iots.plugins.module_utils._errors import BROKEN_ANSWER_HINT, IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._scopes import SCOPES

API = '/api/device-mgt/v1.0'
MAX_PAGE_SIZE = 100  # a larger limit is 400 (RequestValidationUtil)


def scopes_of(scope_lists):
    """The logical scopes of some calls (each a list of them), sorted, each once: what a token for them needs."""
    return sorted(set(scope for scopes in scope_lists for scope in scopes))


def segment(value):
    """``value`` as one path segment (a "/" in it is escaped too)."""
    return quote(value, safe='')


def with_hint(exc, scopes):
    """What to do about a gateway fault, naming the ``scopes`` (logical) the call needs in both flavours."""
    code = str(exc.error or '')
    if exc.status == 401 and code in ('900901', '900902'):
        if exc.hint:  # the client's own: the task's renewed token was refused too, or its renewal failed
            return exc
        return exc.with_hint(
            'The access token is missing, expired or revoked: get a new one (wso2.iots.iots_bearer '
            'or wso2.iots.iots_token), or give client credentials instead of token.'
        )
    if exc.status == 403 and code == '900910':
        names = ['%s (Entgra: %s)' % (SCOPES[s]['iots'], SCOPES[s]['entgra']) for s in scopes]
        return exc.with_hint('The access token lacks the scope this call needs: %s.' % ', '.join(names))
    if exc.status == 403 and code == '900908':
        return exc.with_hint('The OAuth application is not subscribed to this API: register it with the tag device_management.')
    return exc


def request(client, token, scopes, method, path, query=None, body=None, expected=(200,), retries=None, idempotent=True):
    """One request to ``API + path`` with the bearer ``token``; an ``IotsError`` carries the hint of its fault."""
    pairs = [(key, value) for key, value in query or () if value is not None]
    if pairs:
        path = '%s?%s' % (path, urlencode(pairs))
    try:
        return client.request(method, API + path, json_body=body, bearer=token, expected=expected, retries=retries, idempotent=idempotent)
    except IotsError as exc:
        raise with_hint(exc, scopes)


def json_of(response, kind=dict):
    """The answer's JSON, which must be a ``kind`` (dict, list or bool): an empty or other body is an error,
    never "nothing found"."""
    data = response.json() if response.text.strip() else None
    if not isinstance(data, kind):
        what = 'an empty body' if data is None else 'a JSON %s' % type(data).__name__
        raise IotsError(
            '%s %s answered HTTP %s with %s instead of the expected JSON %s.' % (response.method, response.url, response.status, what, kind.__name__),
            url=response.url,
            method=response.method,
            status=response.status,
            hint=BROKEN_ANSWER_HINT,
        )
    return data


def json_or_none(response, absent=404):
    """None when the answer's status is ``absent`` (no such object), else its JSON, which must be there."""
    return None if response.status == absent else json_of(response)


def page_answers(client, token, scopes, path, key, query=(), page_size=MAX_PAGE_SIZE, until_count=True, min_count=0, expected=(200,)):
    """(response, data) of each page of a paged list (``offset``/``limit``; the items under ``key``).

    The last page is a short one or, with ``until_count``, the one that reaches ``count`` (at least
    ``min_count``). An answer other than 200 among ``expected`` (a 304) is a page without items.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise IotsOptionError('page_size must be 1 to %d, not %r' % (MAX_PAGE_SIZE, page_size))
    offset = 0
    while True:
        response = request(client, token, scopes, 'GET', path, query=list(query) + [('offset', offset), ('limit', page_size)], expected=expected)
        data = json_of(response) if response.status == 200 else {}
        yield response, data
        offset += page_size
        if len(data.get(key) or []) < page_size or (until_count and offset >= max(data.get('count') or 0, min_count)):
            return


def pages(client, token, scopes, path, key, query=(), page_size=MAX_PAGE_SIZE, until_count=True, min_count=0):
    """Every item of a paged list, in the server's order (see ``page_answers``)."""
    items = []
    for _response, data in page_answers(client, token, scopes, path, key, query, page_size, until_count, min_count):
        items.extend(data.get(key) or [])
    return items
