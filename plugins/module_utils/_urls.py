# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The gateway URL rules: which base URLs are accepted, and how a path joins one.

Without ``requests``, so that the lookup can name its token endpoint on a cache hit too.
"""

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError


def normalize_url(url):
    """Check the gateway base URL and return it without a trailing slash.

    IoTS matches paths exactly (``/register/`` is 403), so we never keep a trailing slash.
    Returns (url, warning or None).
    """
    if not isinstance(url, str) or not url.strip():
        raise IotsOptionError('url is required: the IoTS gateway base, e.g. https://iots.example.com:8243')
    parts = urlsplit(url.strip())
    if parts.scheme not in ('http', 'https'):
        raise IotsOptionError('url %r must start with https:// (or http://), e.g. https://iots.example.com:8243' % url)
    if not parts.hostname:
        raise IotsOptionError('url %r has no host name, e.g. https://iots.example.com:8243' % url)
    if parts.username is not None or parts.password is not None:
        # Never echo this URL: it holds a password that would end up in every message.
        raise IotsOptionError('url must not contain user:password@; give the credentials with username and password')
    if parts.query or parts.fragment:
        raise IotsOptionError('url %r must not contain a query or fragment' % url)
    try:
        parts.port  # noqa: B018  reading the port is what checks it
    except ValueError:
        raise IotsOptionError('url %r has an invalid port' % url)
    clean = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip('/'), '', ''))
    warning = None
    if parts.scheme == 'http':
        warning = 'url %s uses plain http: passwords, client secrets and tokens travel unencrypted; use the https gateway port (8243 by default)' % clean
    return clean, warning


def join_url(base, path):
    """``base`` + ``/path`` with exactly one slash between them; the path's end is kept as written.

    Some token endpoints need their trailing slash (django-oauth-toolkit's ``/o/token/``).
    """
    return base.rstrip('/') + '/' + path.lstrip('/')
