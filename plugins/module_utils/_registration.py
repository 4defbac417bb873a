# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The registration fields Entgra added after IoTS 3.2.0: grant types, token type, callback URL, user.

Entgra 7.x needs ``supportedGrantTypes`` (without it the server fails with HTTP 500), upper-cases
``tokenType`` and accepts only JWT or DEFAULT, and refuses ``authorization_code`` without a
``callbackUrl`` (entgra/device-mgt-core v7.0.8, ApiApplicationRegistrationServiceImpl and
APIManagementProviderServiceImpl). IoTS 3.2.0 ignores unknown keys in the register body
(@JsonIgnoreProperties(ignoreUnknown = true)), so one body serves both lines.

Entgra 7.x deletes and recreates an application, with new keys, when its grant-type SET differs
from the request's: the same grant types must go out on every run.
"""

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError

# The grants this collection uses (password, refresh and client_credentials), in the order sent.
DEFAULT_GRANT_TYPES = ('password', 'refresh_token', 'client_credentials')
# Grant types an APIM key manager knows (Entgra's own custom one is access_token).
KNOWN_GRANT_TYPES = DEFAULT_GRANT_TYPES + (
    'authorization_code',
    'implicit',
    'urn:ietf:params:oauth:grant-type:saml2-bearer',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:ietf:params:oauth:grant-type:device_code',
    'urn:ietf:params:oauth:grant-type:token-exchange',
    'iwa:ntlm',
    'access_token',
)
NEEDS_CALLBACK = ('authorization_code', 'implicit')
TOKEN_TYPES = ('JWT', 'DEFAULT')
DEFAULT_TOKEN_TYPE = 'JWT'


def validate_grant_types(grant_types, callback_url=None, option='grant_types'):
    """The grant types as a list in the caller's order, without repeats; bad input raises IotsOptionError."""
    if grant_types is None:
        return list(DEFAULT_GRANT_TYPES)
    if isinstance(grant_types, str) or not isinstance(grant_types, (list, tuple)):
        raise IotsOptionError('%s must be a list of grant types, e.g. [%s].' % (option, ', '.join(DEFAULT_GRANT_TYPES)))
    clean = []
    for grant in grant_types:
        if not isinstance(grant, str) or grant.strip() not in KNOWN_GRANT_TYPES:
            raise IotsOptionError('%s: %r is not a grant type this collection knows; use some of %s.' % (option, grant, ', '.join(KNOWN_GRANT_TYPES)))
        if grant.strip() not in clean:
            clean.append(grant.strip())
    if not clean:
        raise IotsOptionError(
            '%s must not be empty: Entgra registers the application with exactly these grants '
            'and refuses every other one. The collection uses [%s].' % (option, ', '.join(DEFAULT_GRANT_TYPES))
        )
    needing = [grant for grant in clean if grant in NEEDS_CALLBACK]
    if needing and not callback_url:
        raise IotsOptionError(
            '%s %s needs a callback URL (callback_url): Entgra refuses the registration with HTTP 400 without one.' % (option, ' and '.join(needing))
        )
    return clean


def validate_token_type(token_type, option='token_type'):
    """JWT or DEFAULT (case as the user wrote it is accepted, as Entgra upper-cases it)."""
    if token_type is None:
        return DEFAULT_TOKEN_TYPE
    if not isinstance(token_type, str) or token_type.strip().upper() not in TOKEN_TYPES:
        raise IotsOptionError('%s must be JWT (signed JWT access tokens, Entgra\'s default) or DEFAULT (opaque tokens), not %r.' % (option, token_type))
    return token_type.strip().upper()


def registration_fields(username, grant_types=None, token_type=None, callback_url=None):
    """The keys to add to a register body: what Entgra 6.x/7.x need, ignored by IoTS 3.2.0.

    ``username`` is the registering user, as Entgra's own UI sends it (4.x-6.x then create the
    application as that user); the password never goes into the body.
    """
    fields = {
        'supportedGrantTypes': validate_grant_types(grant_types, callback_url),
        'tokenType': validate_token_type(token_type),
        'username': username,
    }
    if callback_url:
        fields['callbackUrl'] = callback_url
    return fields


def client_id_change_warning(application_name, old_client_id, new_client_id):
    """The warning for keys that changed under a caller who held other ones (None when they did not)."""
    if not old_client_id or not new_client_id or old_client_id == new_client_id:
        return None
    return (
        'The server returned a new client_id for application %s (%s, was %s): the application was created '
        'again (an Entgra server does this when it is registered with another set of grant types) or an '
        'administrator changed it. The old client_id and client_secret no longer work; store the new ones.' % (application_name, new_client_id, old_client_id)
    )
