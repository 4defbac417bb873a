# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The emulator's Entgra mode, one test per rule, each naming the source the rule was read in.

Sources (entgra/device-mgt-core at tag v7.0.8 unless said otherwise):
REG = components/apimgt-extensions/io.entgra.device.mgt.core.apimgt.application.extension.api/
      .../api/ApiApplicationRegistrationServiceImpl.java (register)
APP = components/apimgt-extensions/io.entgra.device.mgt.core.apimgt.application.extension/
      .../extension/APIManagementProviderServiceImpl.java (createApiApplication,
      updateAndRetrieveApplicationKeys)
SCOPES = commit 48a72e80e9 "Modify scope keys" (+ 9e0427021e), @Scope keys of
      components/device-mgt/io.entgra.device.mgt.core.device.mgt.api
ISSUER = wso2-extensions/identity-inbound-auth-oauth AccessTokenIssuer.java (unauthorized_client)
"""

import base64
import json
import re
import uuid

import pytest

from gateway_client import Gateway, unique_name
from iots_emulator import Emulator

GRANTS = ('password', 'refresh_token', 'client_credentials')
KEY = re.compile(r'^[A-Za-z0-9]{28}$')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
B64URL = re.compile(r'^[A-Za-z0-9_-]+$')


@pytest.fixture
def egw(emu):
    """A client of the module's emulator switched to Entgra mode for this test."""
    emu.configure(version='entgra')
    gateway = Gateway(emu)
    yield gateway
    gateway.session.close()


def register(gw, name, grants=GRANTS, **extra):
    body = {'applicationName': name, 'tags': ['device_management'], 'supportedGrantTypes': None if grants is None else list(grants)}
    body.update(extra)
    for key in [key for key, value in body.items() if value is None]:
        del body[key]
    return gw.request('POST', '/api-application-registration/register', auth=('admin', 'admin'), json=body)


def keys(gw, name=None, grants=GRANTS, **extra):
    response = register(gw, name or unique_name(), grants, **extra)
    assert response.status_code == 201, response.text
    return response.json()['client_id'], response.json()['client_secret']


def jwt_part(token, index):
    part = token.split('.')[index]
    return json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4)))


# ---------------------------------------------------------------------------- registration


def test_register_with_entgra_fields_returns_keys(egw):
    """REG register + ApiApplicationKey (Gson): 201 {client_id, client_secret}, client_id first."""
    response = register(egw, unique_name(), tokenType='JWT', username='admin', isAllowedToAllDomains='false')
    assert response.status_code == 201
    assert response.headers['Content-Type'] == 'application/json'
    assert response.text.startswith('{"client_id":')
    data = response.json()
    assert KEY.match(data['client_id']) and KEY.match(data['client_secret'])


def test_same_grant_set_in_any_order_keeps_the_keys(egw):
    """APP updateAndRetrieveApplicationKeys compares HashSets: order and repetition do not count."""
    name = unique_name()
    first = keys(egw, name)
    assert keys(egw, name, ['client_credentials', 'password', 'refresh_token', 'password']) == first
    assert egw.emu.counts().get('register:recreated', 0) == 0


def test_another_grant_set_recreates_the_application_with_new_keys(egw):
    """APP updateAndRetrieveApplicationKeys: another grant-type set -> deleteApplication + create."""
    name = unique_name()
    old = keys(egw, name)
    token = egw.access(old, scope='dm:devices:view')['access_token']
    new = keys(egw, name, ['password', 'refresh_token'])
    assert new[0] != old[0] and new[1] != old[1]
    assert egw.emu.counts()['register:recreated'] == 1
    # The old keys name an application that no longer exists; its tokens go with it (inferred).
    refused = egw.password(old, scope='dm:devices:view')
    assert refused.status_code == 401
    assert refused.json() == {'error': 'invalid_client', 'error_description': 'Oauth application is not in active state.'}
    assert egw.api('GET', '/devices', token=token).status_code == 401
    assert [app['client_id'] for app in egw.emu.apps() if app['application_name'] == name] == [new[0]]


def test_missing_supported_grant_types_is_a_server_error_page(egw):
    """REG register: String.join(" ", null) throws NullPointerException (HTML page inferred)."""
    response = register(egw, unique_name(), grants=None)
    assert response.status_code == 500
    assert response.headers['Content-Type'].startswith('text/html')
    assert 'NullPointerException' in response.text


def test_missing_tags_is_a_server_error_page_and_empty_tags_are_fine(egw):
    """APP createApiApplication loops over getTags(): null -> NullPointerException; [] subscribes nothing."""
    response = register(egw, unique_name(), tags=None)
    assert response.status_code == 500 and 'NullPointerException' in response.text
    assert register(egw, unique_name(), tags=[]).status_code == 201


def test_token_type_is_upper_cased_and_checked(egw):
    """REG register: tokenType.toUpperCase(ROOT), then TOKEN_TYPE.valueOf; else 400 with the message."""
    assert register(egw, unique_name(), tokenType='jwt').status_code == 201
    assert register(egw, unique_name(), tokenType='default').status_code == 201
    response = register(egw, unique_name(), tokenType='opaque')
    assert response.status_code == 400
    assert response.text == 'Can not find a token type associated with provided token type OPAQUE'


def test_authorization_code_needs_a_callback_url(egw):
    """APP createApiApplication: authorization_code without callbackUrl -> BadRequestException -> 400."""
    name = unique_name()
    response = register(egw, name, ['authorization_code', 'refresh_token'])
    assert response.status_code == 400
    assert response.text == 'Received bad request for registering api application %s' % name
    assert register(egw, name, ['authorization_code', 'refresh_token'], callbackUrl='https://example.invalid/cb').status_code == 201


def test_tags_are_checked_only_when_given(egw):
    """REG register: a non-empty tags list must be among the allowed ones -> else 406."""
    response = register(egw, unique_name(), tags=['nope'])
    assert response.status_code == 406
    assert response.text == 'APIs(Tags) are not allowed to this user.'


def test_body_username_and_password_are_ignored(egw):
    """REG register (7.x) builds ApiApplicationProfile without username/password."""
    name = unique_name()
    first = keys(egw, name)
    assert keys(egw, name, username='someone', password='wrong') == first


# ---------------------------------------------------------------------------- tokens


def test_jwt_application_gets_about_one_kilobyte_jwt(egw):
    """entgra.md Tokens: tokenType JWT (the default) -> a signed JWT access token, about 1 KB."""
    client = keys(egw)
    body = egw.access(client, scope='dm:devices:view dm:device-type:view')
    token = body['access_token']
    parts = token.split('.')
    assert len(parts) == 3 and all(B64URL.match(part) for part in parts)
    assert 700 <= len(token) <= 1500
    assert jwt_part(token, 0)['alg'] == 'RS256'
    claims = jwt_part(token, 1)
    assert claims['scope'] == body['scope'] == 'dm:device-type:view dm:devices:view'
    assert claims['client_id'] == client[0]
    assert claims['exp'] - claims['iat'] == 3600
    assert UUID.match(body['refresh_token'])  # refresh tokens stay opaque
    assert egw.api('GET', '/devices', token=token).status_code == 200


def test_default_token_type_gets_opaque_tokens(egw):
    """APP mapApiApplicationWithIdnDCRClient: tokenType DEFAULT -> an opaque-token OAuth client."""
    client = keys(egw, tokenType='DEFAULT')
    assert UUID.match(egw.access(client, scope='dm:devices:view')['access_token'])


def test_perm_names_are_unknown_and_dropped(egw):
    """SCOPES: Entgra's keys are dm:*/gm:*; unknown names are dropped silently (APIM scope issuer, inferred)."""
    client = keys(egw)
    assert egw.access(client, scope='perm:devices:view dm:devices:view')['scope'] == 'dm:devices:view'
    assert egw.access(client, scope='perm:devices:view perm:device:enroll')['scope'] == 'default'
    assert egw.access(client, scope='gm:groups:view gm:devices:add')['scope'] == 'gm:devices:add gm:groups:view'


def test_users_keep_their_rights_under_the_new_names(egw):
    """SCOPES: the operator's perm:devices:view right is dm:devices:view on Entgra."""
    client = keys(egw)
    body = egw.access(client, scope='dm:devices:view dm:admin:devices:view', username='operator', password='operator')
    assert body['scope'] == 'dm:devices:view'


def test_api_resources_ask_for_entgra_names(egw):
    """SCOPES: DeviceManagementService GET /devices is guarded by dm:devices:view."""
    client = keys(egw)
    token = egw.access(client, scope='dm:device-type:view')['access_token']
    assert egw.api('GET', '/devices', token=token).status_code == 403
    assert egw.api('GET', '/device-types', token=token).status_code == 200


def test_refresh_behaves_as_in_iots_3_3(egw):
    """entgra.md Tokens: refresh as in IoTS 3.3 -> a scope beyond the granted ones is invalid_scope."""
    client = keys(egw)
    body = egw.access(client, scope='dm:devices:view')
    refused = egw.token(client, grant_type='refresh_token', refresh_token=body['refresh_token'], scope='PRODUCTION')
    assert refused.status_code == 400
    assert refused.json() == {'error': 'invalid_scope', 'error_description': 'Invalid Scope!'}
    renewed = egw.token(client, grant_type='refresh_token', refresh_token=body['refresh_token'])
    assert renewed.status_code == 200
    assert renewed.json()['access_token'] != body['access_token']
    assert renewed.json()['access_token'].count('.') == 2
    assert renewed.json()['refresh_token'] == body['refresh_token']


def test_a_grant_the_application_was_not_registered_with_is_unauthorized_client(egw):
    """ISSUER AccessTokenIssuer.issue: isAuthorizedClient false -> 400 unauthorized_client."""
    client = keys(egw, grants=['password', 'refresh_token'])
    response = egw.token(client, grant_type='client_credentials')
    assert response.status_code == 400
    assert response.json() == {
        'error': 'unauthorized_client',
        'error_description': 'The authenticated client is not authorized to use this authorization grant type',
    }
    assert egw.access(client, scope='dm:devices:view')['scope'] == 'dm:devices:view'


def test_revoking_a_jwt_ends_it(egw):
    """The revoke endpoint is unchanged; a revoked JWT is refused at the API like an opaque token."""
    client = keys(egw)
    token = egw.access(client, scope='dm:devices:view')['access_token']
    assert egw.revoke(client, token=token).status_code == 200
    assert egw.api('GET', '/devices', token=token).status_code == 401


def test_iots_mode_is_unchanged_by_entgra_fields(gw):
    """IoTS 3.2.0 ignores unknown keys (RegistrationProfile @JsonIgnoreProperties(ignoreUnknown=true))."""
    name = unique_name()
    response = register(gw, name, tokenType='bogus', username='admin')
    assert response.status_code == 201
    assert response.text.startswith('{"client_secret":')
    assert register(gw, name, ['password']).json() == response.json()
    client = (response.json()['client_id'], response.json()['client_secret'])
    assert UUID.match(gw.access(client, scope='perm:devices:view')['access_token'])


def test_entgra_mode_from_the_constructor_and_the_control_endpoint(tmp_path):
    with Emulator(port=0, version='entgra', state_dir=str(tmp_path)) as emu:
        assert emu.health()['config']['version'] == 'entgra'
        gateway = Gateway(emu)
        client = keys(gateway, 'ans_' + uuid.uuid4().hex[:8])
        assert gateway.access(client, scope='dm:devices:view')['access_token'].count('.') == 2
        assert emu.configure(version='3.2.0')['version'] == '3.2.0'
        gateway.session.close()


def test_the_collections_scope_catalogue_agrees_with_entgras_source():
    """SCOPES: every name the collection asks for (_scopes.py) is the one the emulator read in Entgra's source."""
    from ansible_collections.wso2.iots.plugins.module_utils._scopes import ENTGRA_ONLY, SCOPES
    from iots_emulator.directory import SCOPE_CATALOGUE
    from iots_emulator.entgra_scopes import ENTGRA_SCOPE_CATALOGUE, PERM_TO_ENTGRA

    for logical, names in SCOPES.items():
        assert (names['iots'] in SCOPE_CATALOGUE) is (logical not in ENTGRA_ONLY), logical
        assert names['entgra'] in ENTGRA_SCOPE_CATALOGUE, logical
        assert PERM_TO_ENTGRA[names['iots']] == names['entgra'], logical


def test_every_api_resource_has_an_entgra_scope():
    """SCOPES: each emulated device-mgt resource is guarded by a key Entgra's source declares."""
    from iots_emulator import device_api
    from iots_emulator.entgra_scopes import ENTGRA_SCOPE_CATALOGUE, PERM_TO_ENTGRA

    for route in device_api.ROUTES:
        assert PERM_TO_ENTGRA[route.scope] in ENTGRA_SCOPE_CATALOGUE, (route.method, route.scope)
