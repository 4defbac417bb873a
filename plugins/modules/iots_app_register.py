#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_app_register
short_description: Register an OAuth application with WSO2 IoT Server and get its client credentials
version_added: 1.0.0
description:
  - Registers an OAuth application through the WSO2 IoT Server (IoTS) gateway and returns its client ID and
    client secret (step 2 of the IoTS guide "Generating the access token",
    C(POST /api-application-registration/register) with the user's HTTP Basic credentials).
  - The application is subscribed to the APIs that carry the given O(tags). Use the returned credentials with
    M(wso2.iots.iots_token) or the P(wso2.iots.iots_bearer#lookup) lookup.
  - Safe to repeat. IoTS returns the same client ID and client secret every time the same O(application_name)
    is registered, whoever registers it, because the application is created once in the tenant
    administrator's namespace.
  - Works with Entgra IoT Server / UEM too. Every registration also sends the grant types (O(grant_types)), the
    token type (O(token_type)) and the user name, which Entgra needs and IoTS 3.2.0 ignores.
  - On Entgra 7.x the same name keeps its keys only while the B(set) of grant types stays the same. Registering it
    with another set deletes the application and creates it again with new keys. Keep O(grant_types) the same
    everywhere an application name is registered.
  - There is no O(ignore:state=absent). IoTS 3.2.0 cannot unregister an application (it answers HTTP 403 to
    C(DELETE /api-application-registration/unregister)). Delete an application in the API Store
    (C(https://<iots-host>:9443/store), B(Applications)) if you need to.
author:
  - wso2.iots contributors (@wso2-iots)
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.attributes
  - wso2.iots.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - Nothing is sent to the server in check mode. IoTS has no call that reads an application, so the module
        predicts the result. It predicts C(changed=false) when O(client_id) is given, because a registration
        under the same name returns that ID again. Without O(client_id) it predicts C(changed=true).
      - In check mode RV(client_secret) is not returned and RV(client_id) is O(client_id) (or V(null)).
  diff_mode:
    support: full
    details:
      - The diff shows the application name, the tags and the client ID, never the client secret.
      - Without O(client_id) the state before is unknown and shown empty.
options:
  username:
    description:
      - IoTS user who registers the application, for example C(admin), or C(user@tenant.com) for a tenant
        user.
      - The user needs the permission C(/permission/admin/device-mgt/device/api/subscribe) or the C(admin)
        role; otherwise IoTS answers HTTP 403 with an empty body.
      - Modules also read E(IOTS_USERNAME).
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - Modules also read E(IOTS_PASSWORD).
    type: str
    required: true
  client_id:
    description:
      - The client ID the caller already holds for this application, for example from its vault.
      - IoTS has no call that reads an application, so this is how the module knows whether anything changed.
        The task reports C(changed=false) when the server returns this client ID, and C(changed=true) when it
        returns another one (or when O(client_id) is not given).
      - When the server returns another client ID (Entgra recreated the application, or an administrator changed
        it), the task reports C(changed=true), sets RV(client_id_changed) and warns that the old client ID and
        secret no longer work.
      - Modules also read E(IOTS_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Not used by this module. Accepted so that one C(group/wso2.iots.iots) entry in C(module_defaults) can
        serve every module of the collection.
      - Even when it equals the returned secret, RV(client_secret) is returned unmasked.
    type: str
  token_path:
    description:
      - Not used by this module. Accepted so that one C(group/wso2.iots.iots) entry in C(module_defaults) can
        serve every module of the collection.
    type: str
    default: /token
  application_name:
    description:
      - Name of the application in the IoTS API Store.
      - 1 to 70 letters, digits, C(_), C(.) or C(-), starting with a letter or digit.
      - Pick a distinctive name, for example C(ansible_<inventory>_<purpose>). IoTS looks the name up with an SQL
        C(LIKE) search and takes the first match, so a name that is part of another application's name can
        return that other application's keys. Names are shared by every user of the tenant, and every user who
        may register and knows the name gets the same client secret.
    type: str
    required: true
  tags:
    description:
      - The API tags the application subscribes to. IoTS accepts C(device_management), C(scep_management),
        C(device_agent) and the names of device types (for example C(android)); anything else is refused with
        HTTP 406.
      - Subscriptions are only ever added. Registering an existing application with more tags subscribes it to
        more APIs and keeps its keys; the task cannot see that on the server and does not report it as a
        change.
    type: list
    elements: str
    default: [device_management]
  allowed_to_all_domains:
    description:
      - Whether users of every tenant may use the application (C(isAllowedToAllDomains)).
      - Used only when IoTS first generates the keys of the application; later registrations ignore it.
      - When not set, nothing is sent and IoTS uses V(false).
    type: bool
  validity_period:
    description:
      - Validity in seconds of the API Store application token (C(validityPeriod)), a positive number.
      - Used only when IoTS first generates the keys. It does not change the lifetime of tokens from the
        password grant. When not set, IoTS uses C(3600).
    type: int
  grant_types:
    description:
      - The OAuth grant types the application may use (C(supportedGrantTypes)). Entgra registers the application
        with exactly these and answers C(unauthorized_client) to any other; IoTS 3.2.0 ignores the list.
      - The default is the grants this collection uses. They are sent in this order on every run, because Entgra
        7.x recreates the application, with new keys, when the set differs from the one it was registered with.
      - C(authorization_code) and C(implicit) need O(callback_url).
    type: list
    elements: str
    choices:
      - password
      - refresh_token
      - client_credentials
      - authorization_code
      - implicit
      - urn:ietf:params:oauth:grant-type:saml2-bearer
      - urn:ietf:params:oauth:grant-type:jwt-bearer
      - urn:ietf:params:oauth:grant-type:device_code
      - urn:ietf:params:oauth:grant-type:token-exchange
      - iwa:ntlm
      - access_token
    default: [password, refresh_token, client_credentials]
  token_type:
    description:
      - The kind of access tokens Entgra issues for the application (C(tokenType)). V(JWT), Entgra's default, gives
        signed JWTs of about 1 KB; V(DEFAULT) gives opaque tokens. IoTS 3.2.0 ignores it and issues UUIDs.
      - Used only when Entgra creates the application; it does not change an existing one.
    type: str
    choices: [JWT, DEFAULT]
    default: JWT
  callback_url:
    description:
      - The redirect URI of the application (C(callbackUrl)); needed with the C(authorization_code) or
        C(implicit) grant, which this collection does not use itself.
    type: str
notes:
  - The result contains the client secret. Set C(no_log) on the task, or on any task that would print the
    registered result, and keep the secret in Ansible Vault; the P(wso2.iots.credentials#role) role does this
    with M(wso2.iots.vault_vars).
  - Ansible masks every value of a C(no_log) option wherever it appears in the output, so with a password that
    is also a user or application name (for example C(admin)) those names appear as C(********).
  - Connection errors and HTTP 502, 503 and 504 are retried; this is safe because a registration under the same
    name always returns the same keys.
  - Which servers, and what differs on Entgra's, is in the R(Entgra guide,ansible_collections.wso2.iots.docsite.entgra_guide).
seealso:
  - module: wso2.iots.iots_token
  - plugin: wso2.iots.iots_bearer
    plugin_type: lookup
  - module: wso2.iots.vault_vars
  - ref: ansible_collections.wso2.iots.credentials_role
    description: The wso2.iots.credentials role registers the application, proves the credentials with a token and keeps them in Ansible Vault.
  - name: "WSO2 IoT Server 3.2.0: Generating the Access Token"
    description: The IoTS guide whose step 2 this module automates.
    link: https://docs.wso2.com/display/IOTS320/Generating+the+Access+Token
'''

EXAMPLES = r'''
- name: Register the application for this inventory
  wso2.iots.iots_app_register:
    url: https://iots.example.com:8243
    ca_path: /etc/pki/tls/certs/iots-ca.pem
    username: admin
    password: "{{ iots_admin_password }}"
    application_name: ansible_production_provisioning
  register: iots_app
  no_log: true  # the result holds the client secret

- name: Keep the credentials in a vault-encrypted vars file
  wso2.iots.vault_vars:
    path: "{{ inventory_dir }}/group_vars/all/iots_credentials.yml"
    data:
      iots_client_id: "{{ iots_app.client_id }}"
      iots_client_secret: "{{ iots_app.client_secret }}"
  no_log: true

# Passing the client ID you already hold makes changed honest: a later run reports
# changed=false as long as IoTS returns the same keys.
- name: Register again, reporting a change only if the keys differ from the stored ones
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      ca_path: /etc/pki/tls/certs/iots-ca.pem
      username: "{{ iots_username }}"
      password: "{{ iots_password }}"
      client_id: "{{ iots_client_id | default(omit) }}"
  block:
    - name: Register the application (subscribed to the device management and Android APIs)
      wso2.iots.iots_app_register:
        application_name: ansible_production_provisioning
        tags:
          - device_management
          - android
      register: iots_app
      no_log: true

    - name: Say whether the stored credentials are still current
      ansible.builtin.debug:
        msg: "{{ 'New client credentials, store them' if iots_app is changed else 'Stored credentials are current' }}"

- name: Register with an Entgra server for the password grant only, with opaque tokens
  wso2.iots.iots_app_register:
    url: https://entgra.example.com
    username: admin
    password: "{{ entgra_admin_password }}"
    application_name: ansible_entgra_devices
    client_id: "{{ iots_client_id | default(omit) }}"  # held keys: changed and a warning if Entgra made new ones
    grant_types: [password, refresh_token]
    token_type: DEFAULT
  register: entgra_app
  no_log: true

- name: Register as a tenant user
  wso2.iots.iots_app_register:
    url: https://iots.example.com:8243
    username: devops@tenant.com
    password: "{{ iots_tenant_password }}"
    application_name: ansible_tenant_com_devices
    allowed_to_all_domains: false
    validity_period: 3600
  register: iots_tenant_app
  no_log: true
'''

RETURN = r'''
client_id:
  description:
    - The OAuth client ID (consumer key) of the application.
    - In check mode, the given O(client_id), or V(null).
  returned: always
  type: str
  sample: Ad9iV9VJ9EwyujpmLVzCi59rX8Aa
client_secret:
  description:
    - The OAuth client secret (consumer secret) of the application. Keep it secret; see the notes.
  returned: success, except in check mode
  type: str
  sample: nboXPDTm9S1cK1yPbhAvJenbbzsa
client_id_changed:
  description:
    - Whether the server returned another client ID than the given O(client_id). The old client ID and secret then
      no longer work.
    - V(false) when O(client_id) was not given, and in check mode.
  returned: always
  type: bool
  sample: false
application_name:
  description: The application name that was registered.
  returned: always
  type: str
  sample: ansible_production_provisioning
msg:
  description: What went wrong, in one line naming the request, the HTTP status, the server's words and a hint.
  returned: failure
  type: str
  sample: >-
    POST https://iots.example.com:8243/api-application-registration/register failed: HTTP 403 empty body.
    User devops is authenticated but may not register applications: it needs the permission
    /permission/admin/device-mgt/device/api/subscribe (or the admin role).
url:
  description: The URL of the request that failed.
  returned: failure of a request
  type: str
  sample: https://iots.example.com:8243/api-application-registration/register
status:
  description: The HTTP status of the failed request.
  returned: failure, when the server answered
  type: int
  sample: 406
error:
  description: The error code or gateway fault code the server answered.
  returned: failure, when the server answered one
  type: str
  sample: '101503'
description:
  description: The server's own words about the failure.
  returned: failure, when the server answered
  type: str
  sample: APIs(Tags) are not allowed to this user.
'''

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._module import IotsModule
from ansible_collections.wso2.iots.plugins.module_utils._oauth import (
    DEFAULT_TAGS,
    register,
    validate_application_name,
    validate_tags,
)
from ansible_collections.wso2.iots.plugins.module_utils._options import connection_argspec
from ansible_collections.wso2.iots.plugins.module_utils._registration import (
    DEFAULT_GRANT_TYPES,
    DEFAULT_TOKEN_TYPE,
    KNOWN_GRANT_TYPES,
    TOKEN_TYPES,
    client_id_change_warning,
    validate_grant_types,
    validate_token_type,
)

# Shown in the check-mode diff where IoTS would assign the client ID.
UNKNOWN_CLIENT_ID = '(assigned by IoTS on registration)'


def argument_spec():
    spec = connection_argspec(
        username=dict(required=True),
        password=dict(required=True),
    )
    spec.update(
        application_name=dict(type='str', required=True),
        tags=dict(type='list', elements='str', default=list(DEFAULT_TAGS)),
        allowed_to_all_domains=dict(type='bool'),
        validity_period=dict(type='int'),
        grant_types=dict(type='list', elements='str', default=list(DEFAULT_GRANT_TYPES), choices=list(KNOWN_GRANT_TYPES)),
        token_type=dict(type='str', default=DEFAULT_TOKEN_TYPE, choices=list(TOKEN_TYPES)),
        callback_url=dict(type='str'),
    )
    return spec


def validated_request(params):
    """The registration as the module will send it; bad input fails here, before any request."""
    for name in ('username', 'password'):
        if not params[name]:
            raise IotsOptionError('%s must not be empty.' % name)
    if params['validity_period'] is not None and params['validity_period'] < 1:
        raise IotsOptionError('validity_period must be a positive number of seconds, got %d.' % params['validity_period'])
    return dict(
        application_name=validate_application_name(params['application_name']),
        tags=validate_tags(params['tags']),
        allowed_to_all_domains=params['allowed_to_all_domains'],
        validity_period=params['validity_period'],
        grant_types=validate_grant_types(params['grant_types'], params['callback_url']),
        token_type=validate_token_type(params['token_type']),
        callback_url=params['callback_url'] or None,
    )


def registration_diff(request, known_client_id, client_id):
    """Name, tags and client ID before and after; the secret never appears in a diff."""
    after = dict(application_name=request['application_name'], tags=request['tags'], client_id=client_id)
    if not known_client_id:
        return dict(before={}, after=after)
    before = dict(after, client_id=known_client_id)
    return dict(before=before, after=after)


def main():
    module = IotsModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    try:
        request = validated_request(params)
    except IotsError as exc:
        module.fail_iots(exc)
    client = module.client()
    known_client_id = params['client_id'] or None

    if module.check_mode:
        # IoTS has no read call: predict from the ID the caller holds (the same name yields the same ID).
        result = dict(changed=known_client_id is None, client_id=known_client_id, application_name=request['application_name'], client_id_changed=False)
        shown_client_id = known_client_id or UNKNOWN_CLIENT_ID
    else:
        try:
            registered = register(client, params['username'], params['password'], **request)
        except IotsError as exc:
            module.fail_iots(exc, application_name=request['application_name'])
        result = dict(changed=registered['client_id'] != known_client_id, **registered)
        shown_client_id = registered['client_id']
        warning = client_id_change_warning(request['application_name'], known_client_id, shown_client_id)
        result['client_id_changed'] = warning is not None
        if warning:
            module.warn(warning)

    if module._diff:
        result['diff'] = registration_diff(request, known_client_id, shown_client_id)
    module.exit_returning_secrets(('client_id', 'client_secret'), **result)


if __name__ == '__main__':
    main()
