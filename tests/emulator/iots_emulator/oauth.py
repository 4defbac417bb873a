# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""/token and /revoke: the gateway pass-throughs to identity-inbound-auth-oauth 5.3.11.

The order of checks and the messages follow OAuth2TokenEndpoint, AccessTokenIssuer,
AbstractAuthorizationGrantHandler, RefreshGrantHandler, OAuthRevocationEndpoint and
OAuth2Service.revokeTokenByOAuthClient of that release (wso2-iots-3.2.0.md 1.3 and 1.4).
"""

import base64
import binascii
import json

from . import bodies, entgra
from .directory import split_username
from .exchange import FORM, Reply
from .store import ACTIVE, EXPIRED, INACTIVE, REVOKED, TokenRow

PASSWORD = 'password'
REFRESH_TOKEN = 'refresh_token'
CLIENT_CREDENTIALS = 'client_credentials'
IMPLEMENTED_GRANTS = (PASSWORD, REFRESH_TOKEN, CLIENT_CREDENTIALS)
# Other grant types IoTS 3.2.0's identity.xml enables; the emulator refuses them as invalid grants.
OTHER_ENABLED_GRANTS = (
    'authorization_code',
    'urn:ietf:params:oauth:grant-type:saml2-bearer',
    'iwa:ntlm',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'access_token',
)
REQUIRED_PARAMETERS = {PASSWORD: ('username', 'password'), REFRESH_TOKEN: ('refresh_token',)}

HEADER_FORMAT_VIOLATED = 'Error decoding authorization header. Space delimited "<authMethod> <base64Hash>" format violated.'
CLIENT_AUTH_FAILED = 'Client Authentication failed.'
INVALID_GRANT = 'Provided Authorization Grant is invalid'
NO_STORE = [('Cache-Control', 'no-store'), ('Pragma', 'no-cache')]


class HeaderFormatError(ValueError):
    """EndpointUtil.extractCredentialsFromAuthzHeader's OAuthClientException."""


def java_hash_order(names):
    """Iteration order of a small java.util.HashSet of strings (Oltu joins missing names so)."""

    def bucket(name):
        value = 0
        for char in name:
            value = (31 * value + ord(char)) & 0xFFFFFFFF
        return (value ^ (value >> 16)) & 15

    return sorted(names, key=bucket)


def java_split_colon(text):
    """String.split(":") in Java: trailing empty strings are removed."""
    parts = text.split(':')
    while len(parts) > 1 and parts[-1] == '':
        parts.pop()
    if parts == ['']:
        return [''] if text == '' else []
    return parts


def credentials_from_header(value):
    """The (client_id[, client_secret[, ...]]) list a Basic header carries, like Java's split."""
    parts = value.strip().split(' ')
    if len(parts) != 2:
        raise HeaderFormatError(HEADER_FORMAT_VIOLATED)
    encoded = parts[1].strip()
    try:
        decoded = base64.b64decode(encoded + '=' * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise HeaderFormatError(HEADER_FORMAT_VIOLATED) from None
    return java_split_colon(decoded.decode('utf-8', 'replace'))


def _first(form, name):
    values = form.get(name)
    return values[0] if values else None


# ---------------------------------------------------------------------------- /token


def token(state, request):
    if request.method != 'POST':
        return bodies.method_not_allowed()
    if request.media_type not in (FORM, ''):
        # JAX-RS @Consumes(application/x-www-form-urlencoded); CXF matches a missing type as */*.
        return Reply.empty(415)
    form = {name: list(values) for name, values in request.form().items()}
    authorization = request.header('Authorization')

    # 1. OAuth2TokenEndpoint: is the consumer key (param first, else header) an active app?
    consumer_key = _first(form, 'client_id')
    if not consumer_key and authorization is not None:
        try:
            parts = credentials_from_header(authorization)
        except HeaderFormatError as exc:
            return bodies.oauth_error(404, 'server_error', str(exc))
        consumer_key = parts[0] if parts else None
    if consumer_key and consumer_key not in state.apps_by_client:
        return bodies.oauth_error(401, 'invalid_client', 'Oauth application is not in active state.')

    # 2. Basic header: only one client authentication method, and an id:secret pair.
    if authorization is not None:
        try:
            parts = credentials_from_header(authorization)
        except HeaderFormatError:
            return bodies.oauth_error(401, 'invalid_client', CLIENT_AUTH_FAILED, realm=True)
        if 'client_id' in form and 'client_secret' in form:
            return bodies.oauth_error(401, 'invalid_client', CLIENT_AUTH_FAILED, realm=True)
        if len(parts) != 2:
            return bodies.oauth_error(401, 'invalid_client', CLIENT_AUTH_FAILED, realm=True)
        form.setdefault('client_id', []).append(parts[0])
        form.setdefault('client_secret', []).append(parts[1])

    # 3. CarbonOAuthTokenRequest (Oltu validators).
    grant_type = _first(form, 'grant_type')
    if not grant_type:
        return bodies.oauth_error(400, 'invalid_request', 'Missing grant_type parameter value')
    if grant_type not in IMPLEMENTED_GRANTS + OTHER_ENABLED_GRANTS:
        return bodies.oauth_error(400, 'invalid_request', 'Invalid grant_type parameter value')
    missing = [name for name in REQUIRED_PARAMETERS.get(grant_type, ()) if not _first(form, name)]
    if not missing:
        missing = [name for name in ('client_id', 'client_secret') if not _first(form, name)]
    if missing:
        return bodies.oauth_error(400, 'invalid_request', 'Missing parameters: ' + ' '.join(java_hash_order(missing)))

    # 4. AccessTokenIssuer: client authentication, then the grant handler.
    client_id, client_secret = _first(form, 'client_id'), _first(form, 'client_secret')
    app = state.apps_by_client.get(client_id)
    if app is None or app.client_secret != client_secret:
        return bodies.oauth_error(401, 'invalid_client', CLIENT_AUTH_FAILED, realm=True)
    refused = entgra.refuse_grant(state, app, grant_type)
    if refused is not None:
        return refused
    requested = set((_first(form, 'scope') or '').split())
    if grant_type == PASSWORD:
        return _password_grant(state, app, _first(form, 'username'), _first(form, 'password'), requested)
    if grant_type == CLIENT_CREDENTIALS:
        return _client_credentials_grant(state, app, requested)
    if grant_type == REFRESH_TOKEN:
        return _refresh_grant(state, app, _first(form, 'refresh_token'), requested)
    return bodies.oauth_error(400, 'invalid_grant', INVALID_GRANT)


def _token_reply(access, refresh, scopes, expires_in, headers=()):
    body = {'access_token': access}
    if refresh:
        body['refresh_token'] = refresh
    body['scope'] = ' '.join(scopes)
    body['token_type'] = 'Bearer'
    body['expires_in'] = int(expires_in)
    return Reply.json(200, body, headers=NO_STORE + list(headers))


def _password_grant(state, app, username, password, requested):
    directory = state.directory
    user = directory.find(username)
    tenant = user.tenant if user else split_username(username)[1]
    if not app.saas and tenant != app.tenant:
        return bodies.oauth_error(400, 'invalid_grant', INVALID_GRANT)
    user = directory.authenticate(username, password)
    if user is None:
        name = username if '@' in username else '%s@%s' % (username, tenant)
        return bodies.oauth_error(400, 'invalid_grant', 'Authentication failed for %s' % name)
    return _issue(state, app, user, entgra.granted_scopes(state, user, requested), PASSWORD, with_refresh=True)


def _client_credentials_grant(state, app, requested):
    # The token's user is the application owner: the tenant admin for apps made by /register.
    owner = app.owner
    return _issue(state, app, owner, entgra.granted_scopes(state, owner, requested), CLIENT_CREDENTIALS, with_refresh=False)


def _issue(state, app, user, scopes, grant_type, with_refresh):
    """AbstractAuthorizationGrantHandler.issue: reuse the latest active token while it lasts."""
    with state.lock:
        now = state.now()
        refresh = refresh_issued = refresh_validity = None
        existing = state.latest.get((app.client_id, user.qualified, ' '.join(scopes)))
        if existing is not None and existing.state == ACTIVE:
            left = existing.reusable_millis(now)
            if left > 0:
                return _token_reply(existing.access, existing.refresh if with_refresh else None, scopes, left // 1000)
            # "Access token has expired, but refresh token is still valid": keep the refresh token.
            existing.state = EXPIRED
            if existing.refresh_usable(now):
                refresh, refresh_issued, refresh_validity = (existing.refresh, existing.refresh_issued, existing.refresh_validity)
        row = TokenRow(
            app.client_id,
            user,
            scopes,
            now,
            state.token_validity,
            refresh,
            refresh_issued if refresh_issued is not None else now,
            refresh_validity if refresh_validity is not None else state.refresh_token_validity,
            grant_type,
        )
        entgra.shape_access_token(state, app, row)
        state.add_token(row)
        return _token_reply(row.access, row.refresh if with_refresh else None, scopes, row.validity)


def _refresh_grant(state, app, refresh, requested):
    with state.lock:
        now = state.now()
        row = state.latest_for_refresh(refresh)
        # TokenMgtDAO.validateRefreshToken filters by consumer key; only ACTIVE/EXPIRED rows count.
        if row is None or row.client_id != app.client_id or row.state not in (ACTIVE, EXPIRED):
            return bodies.oauth_error(400, 'invalid_grant', INVALID_GRANT)
        latest = state.latest.get(row.key)
        if latest is None or latest.refresh != refresh or latest.state not in (ACTIVE, EXPIRED):
            return bodies.oauth_error(400, 'invalid_grant', INVALID_GRANT)
        scopes = latest.scopes
        if requested and state.version != '3.2.0':
            # oauth 5.6.x (IoTS 3.3): the requested scopes must be among the granted ones.
            if not requested <= set(latest.scopes):
                return bodies.oauth_error(400, 'invalid_scope', 'Invalid Scope!')
            scopes = tuple(sorted(requested))
        if not latest.refresh_usable(now):
            error = 'invalid_request' if state.version == '3.2.0' else 'invalid_grant'
            return bodies.oauth_error(400, error, 'Refresh token is expired.')
        # RenewRefreshTokenForRefreshGrant=false: same refresh token, same refresh lifetime.
        new_row = TokenRow(
            app.client_id, latest.user, scopes, now, state.token_validity, refresh, latest.refresh_issued, latest.refresh_validity, REFRESH_TOKEN
        )
        latest.state = INACTIVE
        entgra.shape_access_token(state, app, new_row)
        state.add_token(new_row)
        return _token_reply(new_row.access, refresh, scopes, new_row.validity, headers=[('DeactivatedAccessToken', latest.access)])


# ---------------------------------------------------------------------------- /revoke


def _revoke_error(status, error, description, callback, realm):
    headers = [('WWW-Authenticate', bodies.REALM)] if realm else []
    if callback:
        return Reply(status, '%s(%s);' % (callback, json.dumps({'error': error}, separators=(',', ':'))), 'application/javascript', headers)
    return bodies.oauth_error(status, error, description, content_type='text/html', headers=headers)


def revoke(state, request):
    if request.method != 'POST':
        return bodies.method_not_allowed()
    if request.media_type not in (FORM, ''):
        return Reply.empty(415)
    form = {name: list(values) for name, values in request.form().items()}
    token_value = _first(form, 'token')
    hint = _first(form, 'token_type_hint')
    callback = _first(form, 'callback')
    authorization = request.header('Authorization')
    if authorization is not None:
        try:
            parts = credentials_from_header(authorization)
        except HeaderFormatError:
            return _revoke_error(401, 'invalid_client', CLIENT_AUTH_FAILED, callback, realm=True)
        if ('client_id' in form and 'client_secret' in form) or len(parts) != 2:
            return _revoke_error(401, 'invalid_client', CLIENT_AUTH_FAILED, callback, realm=True)
        form.setdefault('client_id', []).append(parts[0])
        form.setdefault('client_secret', []).append(parts[1])
    client_id, client_secret = _first(form, 'client_id'), _first(form, 'client_secret')
    if not client_id or not token_value:
        return _revoke_error(400, 'invalid_request', 'Invalid revocation request', callback, realm=False)

    with state.lock:
        by_refresh = None
        row = None
        if hint == REFRESH_TOKEN:
            by_refresh = _refresh_row(state, client_id, token_value)
        if by_refresh is None:
            row = state.tokens_by_access.get(token_value)
            if row is None:
                by_refresh = _refresh_row(state, client_id, token_value)
                if by_refresh is None:
                    # RFC 7009: an unknown token is not an error, and no client check is made.
                    return _revoke_ok(callback, [])
        app = state.apps_by_client.get(client_id)
        if app is None or app.client_secret != client_secret:
            return _revoke_error(401, 'unauthorized_client', CLIENT_AUTH_FAILED, callback, realm=True)
        target = by_refresh or row
        if target.client_id != client_id:
            return _revoke_error(401, 'unauthorized_client', CLIENT_AUTH_FAILED, callback, realm=True)
        # One row holds both tokens: revoking either kills the pair.
        target.state = REVOKED
        headers = [('RevokedAccessToken', target.access), ('RevokedRefreshToken', target.refresh), ('AuthorizedUser', target.user.qualified)]
        return _revoke_ok(callback, headers)


def _refresh_row(state, client_id, refresh):
    row = state.latest_for_refresh(refresh)
    if row is None or row.client_id != client_id or row.state not in (ACTIVE, EXPIRED):
        return None
    return row


def _revoke_ok(callback, headers):
    headers = NO_STORE + list(headers)
    if callback:
        return Reply(200, '%s();' % callback, 'application/javascript', headers)
    return Reply(200, b'', 'text/html', headers)
