# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The emulator's Entgra mode (``version='entgra'``): what Entgra IoT Server / UEM 7.x changed.

Read in entgra/device-mgt-core v7.0.8 (see entgra.md and tests/emulator/README.md for the list):

* ``/api-application-registration/register`` (ApiApplicationRegistrationServiceImpl.register,
  APIManagementProviderServiceImpl.createApiApplication and updateAndRetrieveApplicationKeys):
  tags are checked only when given; ``tokenType`` is upper-cased and must be JWT or DEFAULT
  (blank means JWT); ``supportedGrantTypes`` is ``String.join``-ed (absent: NullPointerException);
  ``authorization_code`` without ``callbackUrl`` is a bad request; absent ``tags`` is another
  NullPointerException; an existing application whose grant-type SET differs from the request's
  is deleted and created again with new keys; the body's ``username``/``password`` are ignored.
* Tokens of a JWT application are signed JWTs (``header.payload.signature``, about 1 KB).
* The key manager refuses a grant the application was not registered with: 400
  ``unauthorized_client`` (AccessTokenIssuer.issue of identity-inbound-auth-oauth).
* Scope names are Entgra's (entgra_scopes.py); ``perm:*`` names are unknown and dropped silently.
* Refresh behaves as in IoTS 3.3 (``version != '3.2.0'`` in oauth.py): a scope beyond the granted
  ones is ``invalid_scope``.

Each hook below returns the IoTS behaviour unchanged when the emulator is not in Entgra mode.
"""

import base64
import hashlib
import hmac
import json
import secrets
import uuid

from . import bodies
from .directory import SCOPE_CATALOGUE, WHITELIST_PREFIX
from .exchange import Reply
from .store import ACTIVE, REVOKED, Application
from .entgra_scopes import ENTGRA_SCOPE_CATALOGUE, PERM_TO_ENTGRA

VERSION = 'entgra'
TOKEN_TYPES = ('JWT', 'DEFAULT')
UNAUTHORIZED_GRANT = 'The authenticated client is not authorized to use this authorization grant type'
# The key manager's issuer; APIM 4.2 prints its own host and port here (inferred from the defaults).
ISSUER = 'https://localhost:9443/oauth2/token'

# One signing key per emulator process: the tokens only have to look like RS256 JWTs.
_SIGNING_KEY = secrets.token_bytes(32)
RSA_SIGNATURE_BYTES = 256


def active(state):
    return state.version == VERSION


# ---------------------------------------------------------------------------- registration


def _text(status, message):
    """A plain String entity under the service's @Produces(application/json), as Entgra sends it."""
    return Reply(status, message, 'application/json')


def _null_pointer():
    # CXF has no mapper for a RuntimeException; Tomcat renders it (inferred, entgra.md).
    return bodies.tomcat_error_page(500, detail='java.lang.NullPointerException')


def register(state, user, profile, allowed_tags):
    """POST /register of Entgra 7.x, for a profile the webapp has parsed (Gson ignores unknown keys)."""
    name = profile.get('applicationName')
    tags = profile.get('tags')
    if tags is not None and not isinstance(tags, list):
        return Reply.empty(400)  # Gson cannot bind a string or object to String[]
    if tags and not {str(tag) for tag in tags} <= set(allowed_tags):
        return _text(406, 'APIs(Tags) are not allowed to this user.')
    token_type = profile.get('tokenType')
    if token_type is None or not str(token_type).strip():
        token_type = 'JWT'
    else:
        token_type = str(token_type).upper()
        if token_type not in TOKEN_TYPES:
            return _text(400, 'Can not find a token type associated with provided token type %s' % token_type)
    grants = profile.get('supportedGrantTypes')
    if grants is None:
        return _null_pointer()  # String.join(" ", null)
    if not isinstance(grants, list):
        return Reply.empty(400)
    grant_string = ' '.join('null' if grant is None else str(grant) for grant in grants)
    callback = profile.get('callbackUrl')
    if 'authorization_code' in grant_string and not callback:
        return _text(400, 'Received bad request for registering api application %s' % ('null' if name is None else name))
    if tags is None:
        return _null_pointer()  # for (String tag : getTags())
    with state.lock:
        key = (user.tenant, str(name))
        app = state.apps.get(key)
        # updateAndRetrieveApplicationKeys: Java's split(" ") and a HashSet compare, so order and
        # repetition do not count; another set deletes the application and makes a new one.
        wanted = frozenset(grant_string.split(' '))
        if app is not None and getattr(app, 'grant_types', None) != wanted:
            _delete_application(state, app)
            state.count('register:recreated')
            app = None
        if app is None:
            owner = state.directory.tenant_admin(user.tenant)
            if owner is None:
                return _text(500, 'Error occurred while registering an application %s with apis \'%s\'' % (name, ','.join(str(tag) for tag in tags)))
            app = Application(user.tenant, str(name), owner, [str(tag) for tag in tags], False, '3600')
            app.grant_types = wanted
            app.token_type = token_type
            app.callback_url = callback
            state.apps[key] = app
            state.apps_by_client[app.client_id] = app
        app.tags.update(str(tag) for tag in tags)
        # ApiApplicationKey through Gson: client_id first.
        return Reply.json(201, {'client_id': app.client_id, 'client_secret': app.client_secret})


def _delete_application(state, app):
    """consumerRESTAPIServices.deleteApplication: the keys go, and with them every token (inferred)."""
    state.apps.pop((app.tenant, app.name), None)
    state.apps_by_client.pop(app.client_id, None)
    for row in state.tokens_by_access.values():
        if row.client_id == app.client_id and row.state == ACTIVE:
            row.state = REVOKED


# ---------------------------------------------------------------------------- /token


def refuse_grant(state, app, grant_type):
    """The unauthorized_client reply for a grant the application was not registered with, else None."""
    allowed = getattr(app, 'grant_types', None)
    if not active(state) or allowed is None or grant_type in allowed:
        return None
    return bodies.oauth_error(400, 'unauthorized_client', UNAUTHORIZED_GRANT)


def granted_scopes(state, user, requested):
    """The directory's rule, over Entgra's catalogue in Entgra mode (a user's perm:* rights renamed)."""
    # What the user's roles grant through their permissions (users.py), besides the directory's scopes.
    from_roles = state.access.scopes_of(user, VERSION if active(state) else 'iots', state.now())
    if not active(state):
        return state.directory.granted_scopes(user, requested, from_roles)
    if user.scopes == SCOPE_CATALOGUE:
        held = ENTGRA_SCOPE_CATALOGUE
    else:
        held = frozenset(PERM_TO_ENTGRA.get(scope, scope) for scope in user.scopes) | from_roles
    kept = {scope for scope in requested if scope.startswith(WHITELIST_PREFIX) or (scope in ENTGRA_SCOPE_CATALOGUE and scope in held)}
    return sorted(kept) or ['default']


def api_scope(state, scope):
    """The scope an API resource asks for: its IoTS name, or Entgra's name for it in Entgra mode."""
    return PERM_TO_ENTGRA.get(scope, scope) if active(state) else scope


def shape_access_token(state, app, row):
    """Give a new token row of a JWT application a JWT access token (before it is stored)."""
    if active(state) and getattr(app, 'token_type', 'JWT') == 'JWT':
        row.access = jwt_access_token(row, app)


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _segment(data):
    return _b64url(json.dumps(data, separators=(',', ':')).encode('utf-8'))


def jwt_access_token(row, app):
    """An RS256-shaped access token with the claims APIM 4.2's JWT issuer puts in (inferred)."""
    thumbprint = hashlib.sha256(b'x5t' + _SIGNING_KEY).digest()
    header = {'x5t': _b64url(thumbprint), 'kid': thumbprint.hex()[:40] + '_RS256', 'typ': 'at+jwt', 'alg': 'RS256'}
    issued = int(row.issued)
    payload = {
        'sub': row.user.name,
        'aut': 'APPLICATION' if row.grant_type == 'client_credentials' else 'APPLICATION_USER',
        'aud': row.client_id,
        'nbf': issued,
        'azp': row.client_id,
        'scope': ' '.join(row.scopes),
        'iss': ISSUER,
        'exp': issued + int(row.validity),
        'iat': issued,
        'jti': str(uuid.uuid4()),
        'client_id': row.client_id,
        'realm': {'signing_tenant': app.tenant},
    }
    signing_input = _segment(header) + '.' + _segment(payload)
    signature = b''.join(
        hmac.new(_SIGNING_KEY, signing_input.encode('ascii') + bytes([block]), hashlib.sha256).digest() for block in range(RSA_SIGNATURE_BYTES // 32)
    )
    return signing_input + '.' + _b64url(signature)
