# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The IoTS OAuth steps, once: choose a grant, register an application, grant, revoke, compare scopes.

Functions over an ``IotsClient`` that the modules and the lookup share. They add every secret
they send or receive to the client's redaction list, and ``check_scopes`` records the missing
scopes in the token it is given. Nothing here imports ``requests``: the lookup uses the
validation and ``choose_grant`` on a cache hit too.
"""

import re
import time
from datetime import datetime, timezone

from ansible_collections.wso2.iots.plugins.module_utils._errors import (
    IotsError,
    IotsOptionError,
    IotsScopeError,
)
from ansible_collections.wso2.iots.plugins.module_utils._registration import registration_fields

REGISTER_PATH = '/api-application-registration/register'
DEFAULT_TOKEN_PATH = '/token'
DEFAULT_TAGS = ('device_management',)
# The subscribe permission the registration API checks (ApiPermissionFilter).
SUBSCRIBE_PERMISSION = '/permission/admin/device-mgt/device/api/subscribe'

GRANT_PASSWORD = 'password'
GRANT_REFRESH_TOKEN = 'refresh_token'
GRANT_CLIENT_CREDENTIALS = 'client_credentials'
GRANT_TYPES = (GRANT_PASSWORD, GRANT_REFRESH_TOKEN, GRANT_CLIENT_CREDENTIALS)
# Letters, digits and a few separators: the name ends up in an SQL LIKE search on the server.
APPLICATION_NAME_PATTERN = r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,69}$'
# A scope is one word (split on whitespace) without quotes or backslashes, which would break the form or the key.
SCOPE_FORBIDDEN = ('"', '\\')


# ---------------------------------------------------------------------------- validation


def normalize_scopes(scopes, option='scopes'):
    """Scopes as a sorted list without duplicates.

    Takes one space-separated string, or a list whose items are such strings or lists of
    them (a lookup's terms).
    """
    if scopes is None:
        return []
    if isinstance(scopes, str):
        scopes = [scopes]
    elif not isinstance(scopes, (list, tuple)):
        raise IotsOptionError('%s must be a list of strings or a space-separated string, not a %s.' % (option, _type_name(scopes)))
    items = []
    for value in scopes:
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(item, str):
                raise IotsOptionError('%s must be strings; %r is a %s.' % (option, item, _type_name(item)))
            items.extend(item.split())
    for item in items:
        if any(character in item for character in SCOPE_FORBIDDEN):
            raise IotsOptionError('%s: %r is not a valid scope' % (option, item))
    return sorted(set(items))


def _type_name(value):
    """``dict`` rather than ``_AnsibleLazyTemplateDict``: ansible-core 2.19+ passes its own subclasses."""
    for plain in (bool, int, float, str, dict, list, tuple):
        if isinstance(value, plain):
            return plain.__name__
    return type(value).__name__


def validate_application_name(name):
    if not isinstance(name, str) or not re.match(APPLICATION_NAME_PATTERN, name):
        raise IotsOptionError(
            'application_name %r is not allowed: use 1-70 letters, digits, "_", "." or "-", starting '
            'with a letter or digit. IoTS finds applications with a LIKE search on the name, so pick '
            'a distinctive name that is not part of another application\'s name '
            '(e.g. ansible_<inventory>_<purpose>).' % (name,)
        )
    return name


def validate_tags(tags):
    if isinstance(tags, str) or not isinstance(tags, (list, tuple)):
        raise IotsOptionError('tags must be a list of strings, e.g. [device_management]')
    clean = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise IotsOptionError('tags must be a list of non-empty strings; got %r' % (tag,))
        if tag.strip() not in clean:
            clean.append(tag.strip())
    if not clean:
        raise IotsOptionError('tags must not be empty: IoTS answers 406 "Tags should not be empty". Use at least [device_management].')
    return clean


def choose_grant(username=None, password=None, refresh_token=None, client_id=None, client_secret=None, application_name=None):
    """(grant type, registers_application) for what the caller was given; raises IotsOptionError.

    The password grant when username and password are known, else the refresh_token grant when
    a refresh token is, else client_credentials. Without client_id and client_secret the
    application ``application_name`` must be registered first, which needs username and password.
    """
    if bool(username) != bool(password):
        raise IotsOptionError('The token request needs both username and password, or neither; only %s is set.' % ('username' if username else 'password'))
    if username:
        grant_type = GRANT_PASSWORD
    elif refresh_token:
        grant_type = GRANT_REFRESH_TOKEN
    else:
        grant_type = GRANT_CLIENT_CREDENTIALS
    registers_application = not (client_id and client_secret)
    if registers_application and grant_type != GRANT_PASSWORD:
        raise IotsOptionError(
            'The token request needs username and password (to register the application %s), or client_id and '
            'client_secret for the %s grant.' % (application_name, grant_type)
        )
    return grant_type, registers_application


def _require(values, names, why):
    missing = [n for n in names if not values.get(n)]
    if missing:
        raise IotsOptionError('%s needs %s.' % (why, ', '.join(missing)))


# ---------------------------------------------------------------------------- registration


def register(
    client,
    username,
    password,
    application_name,
    tags=DEFAULT_TAGS,
    allowed_to_all_domains=None,
    validity_period=None,
    grant_types=None,
    token_type=None,
    callback_url=None,
):
    """POST /api-application-registration/register; returns client_id and client_secret.

    The server is idempotent by name: the same name always yields the same keys (on Entgra 7.x
    only while the set of grant types stays the same, see _registration).
    """
    _require({'username': username, 'password': password}, ('username', 'password'), 'Registering an application')
    validate_application_name(application_name)
    body = {'applicationName': application_name, 'tags': validate_tags(tags)}
    body.update(registration_fields(username, grant_types, token_type, callback_url))
    if allowed_to_all_domains is not None:
        body['isAllowedToAllDomains'] = bool(allowed_to_all_domains)
    if validity_period is not None:
        body['validityPeriod'] = str(validity_period)
    client.add_secret(password)
    try:
        data = client.post_json(REGISTER_PATH, body, auth=(username, password), expected=(200, 201)).json()
    except IotsError as exc:
        raise _explain_register_error(exc, username)
    if not isinstance(data, dict) or not data.get('client_id') or not data.get('client_secret'):
        raise IotsError('POST %s answered without client_id and client_secret.' % client.url(REGISTER_PATH), url=client.url(REGISTER_PATH), method='POST')
    client.add_secret(data['client_secret'])
    return {'client_id': data['client_id'], 'client_secret': data['client_secret'], 'application_name': application_name}


def _explain_register_error(exc, username):
    if exc.status == 401:
        return exc.with_hint('Check username and password (tenant users log in as user@tenant.com).')
    if exc.status == 403:
        return exc.with_hint(
            'User %s is authenticated but may not register applications: it needs the permission %s (or the admin role).' % (username, SUBSCRIBE_PERMISSION)
        )
    if exc.status == 400 and exc.description:
        return exc.with_hint(
            'An Entgra server refused the registration fields: check token_type (JWT or DEFAULT) and grant_types (authorization_code needs callback_url).'
        )
    if exc.status == 406:
        return exc.with_hint('IoTS accepts only tags that name device types (e.g. android) or device_management, scep_management, device_agent.')
    if exc.status == 500:
        return exc.with_hint('The registration backend (API Manager store) failed; see the IoTS server logs.')
    return exc


# ---------------------------------------------------------------------------- token grants


def grant(
    client, grant_type, client_id, client_secret, username=None, password=None, refresh_token=None, scopes=None, token_path=DEFAULT_TOKEN_PATH, now=time.time
):
    """One grant at the token endpoint; returns a token dict (see ``_token_result``)."""
    if grant_type not in GRANT_TYPES:
        raise IotsOptionError('grant_type must be one of %s, not %r' % (', '.join(GRANT_TYPES), grant_type))
    _require({'client_id': client_id, 'client_secret': client_secret}, ('client_id', 'client_secret'), 'The %s grant' % grant_type)
    requested = normalize_scopes(scopes)
    form = {'grant_type': grant_type}
    if grant_type == GRANT_PASSWORD:
        _require({'username': username, 'password': password}, ('username', 'password'), 'The password grant')
        form.update(username=username, password=password)
    elif grant_type == GRANT_REFRESH_TOKEN:
        _require({'refresh_token': refresh_token}, ('refresh_token',), 'The refresh_token grant')
        # Never send scope on refresh: 3.2.0 ignores it, 3.3 answers invalid_scope.
        form['refresh_token'] = refresh_token
    if requested and grant_type != GRANT_REFRESH_TOKEN:
        form['scope'] = ' '.join(requested)
    for secret in (client_secret, password, refresh_token):
        client.add_secret(secret)
    obtained_at = now()
    try:
        data = client.post_form(token_path, form, auth=(client_id, client_secret)).json()
    except IotsError as exc:
        raise _explain_token_error(exc, grant_type, username)
    token = _token_result(client, token_path, data, obtained_at, grant_type, requested)
    if grant_type == GRANT_REFRESH_TOKEN and not token.get('refresh_token'):
        # Keep the newest refresh token we know of; the server may not repeat it.
        token['refresh_token'] = refresh_token
    return token


def _token_result(client, token_path, data, obtained_at, grant_type, requested=()):
    url = client.url(token_path)
    if not isinstance(data, dict) or not data.get('access_token'):
        raise IotsError('POST %s answered HTTP 200 without an access_token.' % url, url=url, method='POST')
    client.add_secret(data['access_token'])
    client.add_secret(data.get('refresh_token'))
    try:
        expires_in = int(data.get('expires_in', 3600))
    except (TypeError, ValueError):
        raise IotsError('POST %s answered an expires_in that is not a number.' % url, url=url, method='POST')
    if 'scope' in data:
        granted = (data.get('scope') or '').split()
    else:
        # RFC 6749 section 5.1: a server may leave scope out when it granted exactly what was asked.
        granted = list(requested)
    token = {
        'access_token': data['access_token'],
        'token_type': data.get('token_type', 'Bearer'),
        'expires_in': expires_in,
        'obtained_at': obtained_at,
        'expires_at': iso_utc(obtained_at + expires_in),
        'scopes': sorted(set(s for s in granted if s != 'default')),
        'grant_used': grant_type,
    }
    if data.get('refresh_token'):
        token['refresh_token'] = data['refresh_token']
    return token


def _explain_token_error(exc, grant_type, username):
    if exc.error == 'invalid_client':
        return exc.with_hint('Check client_id and client_secret, or register the application again.')
    if exc.error == 'invalid_grant' and grant_type == GRANT_PASSWORD:
        return exc.with_hint('Check username and password of %s.' % username)
    if exc.error in ('invalid_grant', 'invalid_request') and grant_type == GRANT_REFRESH_TOKEN:
        return exc.with_hint('The refresh token is unknown, revoked or expired; give username and password so the password grant can take over.')
    if exc.error == 'unauthorized_client':
        return exc.with_hint(
            'The application is not allowed the %s grant. An Entgra server allows only the grant '
            'types an application was registered with: add it to grant_types and register again '
            '(Entgra then recreates the application with new keys).' % grant_type
        )
    return exc


def obtain_token(
    client, grant_type, client_id, client_secret, username=None, password=None, refresh_token=None, scopes=None, token_path=DEFAULT_TOKEN_PATH, now=time.time
):
    """``grant`` plus the fallback: a refresh that fails falls back to the password grant.

    The returned dict says which grant produced the token in ``grant_used``.
    """
    try:
        return grant(
            client,
            grant_type,
            client_id,
            client_secret,
            username=username,
            password=password,
            refresh_token=refresh_token,
            scopes=scopes,
            token_path=token_path,
            now=now,
        )
    except IotsError as exc:
        if grant_type == GRANT_REFRESH_TOKEN and username and password and exc.error in ('invalid_grant', 'invalid_request'):
            token = grant(client, GRANT_PASSWORD, client_id, client_secret, username=username, password=password, scopes=scopes, token_path=token_path, now=now)
            # The message without its hint: the hint asks for the credentials that were just used.
            token['fallback_reason'] = exc.message
            return token
        raise


def check_scopes(token, requested, username=None, allow_partial=False):
    """Compare granted with requested scopes; returns the sorted list of missing ones.

    IoTS drops the scopes a user lacks without an error, so a later API call fails with 403
    far from the cause. We fail here instead, naming every missing scope.
    """
    requested = normalize_scopes(requested)
    missing = sorted(set(requested) - set(token['scopes']))
    token['missing_scopes'] = missing
    if missing and not allow_partial:
        who = ('user %s' % username) if username else 'the application'
        granted = ', '.join(token['scopes']) or 'none ("default" only)'
        raise IotsScopeError(
            'IoTS did not grant %d of the %d requested scopes to %s: %s. Granted: %s.%s'
            % (len(missing), len(requested), who, ', '.join(missing), granted, other_flavor_sentence(missing, token['scopes'])),
            missing_scopes=missing,
            granted_scopes=token['scopes'],
            hint='Give the user the permissions behind these scopes and register the application '
            'with the tags of the APIs that define them, or set allow_partial_scopes: true.',
        )
    return missing


def _flavor_of(name):
    from ansible_collections.wso2.iots.plugins.module_utils._scopes import SCOPES, logical_name

    logical = logical_name(name)
    if logical is None:
        return None
    return 'iots' if SCOPES[logical]['iots'] == name else 'entgra'


def other_flavor_sentence(missing, granted):
    """' These are ... names; this server may be ...' when the dropped scopes are the other flavour's names.

    Said only when the server granted none of that flavour's names: a server that grants
    perm:devices:view but drops perm:devices:delete knows the IoTS names, it just refused one.
    """
    # Imported here: the catalogue is needed only to word this failure, not on the lookup's cache hit.
    from ansible_collections.wso2.iots.plugins.module_utils._scopes import equivalent_scope

    renamed = [(name, equivalent_scope(name)) for name in missing if equivalent_scope(name)]
    flavors = set(_flavor_of(name) for name, other in renamed)
    if not renamed or len(flavors) != 1 or flavors & set(_flavor_of(name) for name in granted):
        return ''
    others = ', '.join(other for name, other in renamed)
    if flavors == {'iots'}:
        return (
            ' These are WSO2 IoTS 3.x scope names; this server may be an Entgra server, which names them %s '
            '(set server_flavor: entgra to let the collection choose them).' % others
        )
    return (
        ' These are Entgra scope names; this server may be WSO2 IoTS 3.x or an Entgra older than 5.0.31, '
        'which names them %s (set server_flavor: iots to let the collection choose them).' % others
    )


# ---------------------------------------------------------------------------- revocation


def revoke_path(token_path=DEFAULT_TOKEN_PATH):
    """The revocation endpoint beside the token endpoint: /token -> /revoke (the IoTS gateway's), /oauth2/token ->
    /oauth2/revoke (WSO2 Identity Server's), /o/token/ -> /o/revoke/; /revoke when the token path does not end in
    /token."""
    path = token_path or DEFAULT_TOKEN_PATH
    slash = '/' if path.endswith('/') else ''
    head, dummy, last = path.rstrip('/').rpartition('/')
    return head + '/revoke' + slash if last == 'token' else '/revoke'


def revoke(client, client_id, client_secret, token, token_path=DEFAULT_TOKEN_PATH):
    """POST the token to ``revoke_path(token_path)`` (RFC 7009). IoTS answers 200 with an empty body, also for
    unknown tokens."""
    _require({'client_id': client_id, 'client_secret': client_secret, 'token': token}, ('client_id', 'client_secret', 'token'), 'Revoking a token')
    client.add_secret(client_secret)
    client.add_secret(token)
    try:
        client.post_form(revoke_path(token_path), {'token': token}, auth=(client_id, client_secret))
    except IotsError as exc:
        if exc.error in ('unauthorized_client', 'invalid_client'):
            raise exc.with_hint('The token belongs to another application, or client_secret is wrong.')
        raise


# ---------------------------------------------------------------------------- helpers


def iso_utc(timestamp):
    return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
