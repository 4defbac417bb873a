#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iots_token
short_description: Get, refresh or revoke an OAuth access token of WSO2 IoT Server
version_added: 1.0.0
description:
  - Gets an OAuth 2.0 access token from the WSO2 IoT Server (IoTS) gateway with the password, refresh_token or
    client_credentials grant (steps 4 and 5 of the IoTS guide "Generating the access token").
  - Verifies that the server granted every requested scope. IoTS silently drops the scopes a user lacks, so a
    play would otherwise fail much later with HTTP 403 (code 900910) on an API call.
  - Refreshes without sending C(scope) (the documented C(scope=PRODUCTION) breaks on IoTS 3.3 with
    C(invalid_scope)) and falls back to the password grant when the refresh token is rejected.
  - Revokes a token (RFC 7009) with O(state=absent).
  - Works with any RFC 6749 token endpoint that accepts HTTP Basic client authentication; see O(token_path).
author:
  - wso2.iots contributors (@wso2-iots)
extends_documentation_fragment:
  - wso2.iots.connection
  - wso2.iots.attributes
  - wso2.iots.attributes.action_group
attributes:
  check_mode:
    support: partial
    details:
      - With O(state=present) the grant is performed in check mode too, so that later tasks of a C(--check) run
        have a real token to use. A grant changes nothing that a user manages (the server may record a new token).
      - With O(state=absent) nothing is sent in check mode; the task predicts C(changed=true).
  diff_mode:
    support: none
options:
  state:
    description:
      - V(present) gets a token with O(grant_type).
      - V(absent) revokes O(token) at the revocation endpoint beside O(token_path), C(/revoke) below O(url) by
        default (C(/oauth2/token) gives C(/oauth2/revoke); a path not ending in C(/token) gives C(/revoke)).
        IoTS answers HTTP 200 even for unknown or already revoked tokens, so the task always reports
        C(changed=true).
    type: str
    choices: [present, absent]
    default: present
  grant_type:
    description:
      - The OAuth 2.0 grant to use with O(state=present).
      - V(password) needs O(username) and O(password) (step 4 of the IoTS guide).
      - V(refresh_token) needs O(refresh_token). C(scope) is never sent on refresh; the new token keeps the
        scopes of the original one. If the server rejects the refresh token (C(invalid_grant) or
        C(invalid_request), for example because it expired or was revoked) and O(username) and O(password) are
        given, the password grant takes over and RV(grant_used) says so.
      - V(client_credentials) gets a token for the application itself (for applications registered through
        IoTS, its owner is the tenant administrator). The server issues no refresh token for it.
    type: str
    choices: [password, refresh_token, client_credentials]
    default: password
  refresh_token:
    description:
      - The refresh token for O(grant_type=refresh_token), as returned in RV(refresh_token) by an earlier task.
    type: str
  scopes:
    description:
      - The scopes to ask for, for example C(perm:devices:view). A single space-separated string is accepted too,
        as in the IoTS guide. Duplicates are dropped and the order does not matter.
      - The token is checked against this list for every grant. With O(grant_type=refresh_token) the list is
        not sent, only compared with the scopes of the refreshed token, and used if the password grant takes over.
      - IoTS grants only the scopes whose permissions the user holds (and that are defined by APIs the
        application is subscribed to). When some are missing the task fails and names them, unless
        O(allow_partial_scopes=true).
    type: list
    elements: str
  allow_partial_scopes:
    description:
      - Accept a token that lacks some of O(scopes). The task then warns, naming the missing scopes, and
        returns them in RV(missing_scopes).
    type: bool
    default: false
  token:
    description:
      - The access token or refresh token to revoke with O(state=absent). Revoking either token of a pair
        revokes both.
    type: str
notes:
  - C(changed) is always V(false) with O(state=present) because getting a token changes nothing that a user
    manages; with O(state=absent) it is always V(true) because IoTS cannot say whether the token was still active.
  - IoTS hands out one token per client, user and set of granted scopes, and returns the same token to every
    request until it is close to its expiry. Two runs (or two hosts) that use the same application, user and
    scopes therefore share a token, and revoking it in one run breaks the others. Revoke at the end of a play
    only when the application name is unique to that run.
  - Repeated password grants return the same token with a smaller RV(expires_in); rely on RV(expires_at).
  - The result contains the tokens. Register it, and set C(no_log) on tasks that would print it; the returned
    RV(refresh_token) is not masked even when it equals the O(refresh_token) that was passed in.
  - Ansible masks every value of a C(no_log) option wherever it appears in the output, so with a password that
    is also a user or scope name (for example C(admin)) those names appear as C(********).
seealso:
  - module: wso2.iots.iots_app_register
  - plugin: wso2.iots.iots_bearer
    plugin_type: lookup
    description: A cached bearer token for the tasks of a play, obtained the same way.
  - name: "WSO2 IoT Server 3.2.0: Generating the Access Token"
    description: The IoTS guide whose steps 4 and 5 this module automates.
    link: https://docs.wso2.com/display/IOTS320/Generating+the+Access+Token
  - name: RFC 6749 The OAuth 2.0 Authorization Framework
    description: The grants used by this module.
    link: https://www.rfc-editor.org/rfc/rfc6749
  - name: RFC 7009 OAuth 2.0 Token Revocation
    description: How O(state=absent) revokes a token.
    link: https://www.rfc-editor.org/rfc/rfc7009
'''

EXAMPLES = r'''
- name: Work with the device APIs
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      ca_path: /etc/pki/tls/certs/iots-ca.pem
      client_id: "{{ iots_client_id }}"
      client_secret: "{{ iots_client_secret }}"
  block:
    - name: Get a token for the scopes this play needs (password grant)
      wso2.iots.iots_token:
        username: devops
        password: "{{ iots_devops_password }}"
        scopes:
          - perm:devices:view
          - perm:devices:details
          - perm:device-types:types
      register: iots_login
      no_log: true

    - name: List the devices
      ansible.builtin.uri:
        url: https://iots.example.com:8243/api/device-mgt/v1.0/devices
        ca_path: /etc/pki/tls/certs/iots-ca.pem
        headers:
          Authorization: "Bearer {{ iots_login.access_token }}"
          Accept: application/json
      register: devices

- name: Scopes as one space-separated string, as in the IoTS guide, accepting a partial grant
  wso2.iots.iots_token:
    url: https://iots.example.com:8243
    client_id: "{{ iots_client_id }}"
    client_secret: "{{ iots_client_secret }}"
    username: operator
    password: "{{ iots_operator_password }}"
    scopes: perm:devices:view perm:devices:details perm:admin
    allow_partial_scopes: true
  register: iots_login
  no_log: true

- name: Refresh the token; fall back to the password grant if the refresh token was rejected
  wso2.iots.iots_token:
    url: https://iots.example.com:8243
    client_id: "{{ iots_client_id }}"
    client_secret: "{{ iots_client_secret }}"
    grant_type: refresh_token
    refresh_token: "{{ iots_login.refresh_token }}"
    username: devops
    password: "{{ iots_devops_password }}"
    scopes:
      - perm:devices:view
      - perm:devices:details
      - perm:device-types:types
  register: iots_login
  no_log: true

- name: Show which grant produced the token
  ansible.builtin.debug:
    msg: "{{ iots_login.grant_used }}, valid until {{ iots_login.expires_at }}"

- name: Token for the application itself (no refresh token is issued)
  wso2.iots.iots_token:
    url: https://iots.example.com:8243
    client_id: "{{ iots_client_id }}"
    client_secret: "{{ iots_client_secret }}"
    grant_type: client_credentials
  register: iots_app_token
  no_log: true

# Log in, work, and revoke the token in any case. IoTS gives the same token to every run with the
# same application, user and scopes: revoking it breaks those other runs. Do this only with an
# application that is unique to this run.
- name: Use a token for one block and revoke it afterwards
  module_defaults:
    group/wso2.iots.iots:
      url: https://iots.example.com:8243
      client_id: "{{ iots_run_client_id }}"
      client_secret: "{{ iots_run_client_secret }}"
  block:
    - name: Log in
      wso2.iots.iots_token:
        username: devops
        password: "{{ iots_devops_password }}"
        scopes: [perm:devices:view]
      register: iots_login
      no_log: true

    - name: Count the devices
      ansible.builtin.uri:
        url: https://iots.example.com:8243/api/device-mgt/v1.0/devices
        headers:
          Authorization: "Bearer {{ iots_login.access_token }}"
          Accept: application/json
  always:
    - name: Revoke the token
      wso2.iots.iots_token:
        state: absent
        token: "{{ iots_login.access_token }}"
      when: iots_login.access_token is defined
'''

RETURN = r'''
access_token:
  description: The access token, to send as C(Authorization) C(Bearer) header.
  returned: when O(state=present)
  type: str
  sample: 237bfc64-9567-3edf-9ad6-3795d37fa368
refresh_token:
  description:
    - The newest refresh token. With O(grant_type=refresh_token) this is the one the server returned, or the one
      passed in if the server returned none. Keep it for the next refresh.
  returned: when O(state=present) and the server issued one (never for O(grant_type=client_credentials))
  type: str
  sample: 62e597b3-0960-39c0-894f-7056fcdf2dc6
token_type:
  description: The token type the server reported.
  returned: when O(state=present)
  type: str
  sample: Bearer
expires_in:
  description:
    - Seconds the access token stays valid, as the server reported it. A repeated grant of an active IoTS token
      reports the remaining lifetime.
  returned: when O(state=present)
  type: int
  sample: 3600
expires_at:
  description: When the access token expires, in ISO 8601 UTC, counted from the moment the request was sent.
  returned: when O(state=present)
  type: str
  sample: '2024-05-01T13:00:00Z'
scopes:
  description:
    - The granted scopes, sorted, without the placeholder C(default) that IoTS reports when it grants none.
    - If the server does not report the scopes, they are the requested ones (RFC 6749 section 5.1).
  returned: when O(state=present), and on a failed scope check
  type: list
  elements: str
  sample: [perm:device-types:types, perm:devices:details, perm:devices:view]
missing_scopes:
  description: The requested scopes that were not granted; empty when every requested scope was granted.
  returned: when O(state=present), and on a failed scope check
  type: list
  elements: str
  sample: [perm:admin]
grant_used:
  description:
    - The grant that produced the token. V(password) with O(grant_type=refresh_token) means the refresh token
      was rejected and the password grant took over (RV(msg) says why).
  returned: when O(state=present)
  type: str
  sample: password
msg:
  description: Why the password grant took over from the refresh grant, or the error of a failed task.
  returned: on fallback to the password grant, and on failure
  type: str
  sample: "POST https://iots.example.com:8243/token failed: HTTP 400 invalid_grant: Provided Authorization Grant is invalid."
revoked:
  description: Whether a revocation request was sent and accepted (V(false) in check mode).
  returned: when O(state=absent)
  type: bool
  sample: true
method:
  description: The HTTP method of the request that failed.
  returned: on failure of a request
  type: str
  sample: POST
url:
  description: The URL of the request that failed.
  returned: on failure of a request
  type: str
  sample: https://iots.example.com:8243/token
status:
  description: The HTTP status of the failed request.
  returned: on failure, when the server answered
  type: int
  sample: 401
error:
  description: The OAuth error code or gateway fault code the server answered.
  returned: on failure, when the server answered one
  type: str
  sample: invalid_client
description:
  description: The server's own description of the error.
  returned: on failure, when the server answered
  type: str
  sample: Client Authentication failed.
'''

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsScopeError
from ansible_collections.wso2.iots.plugins.module_utils._module import IotsModule
from ansible_collections.wso2.iots.plugins.module_utils._oauth import (
    GRANT_TYPES,
    check_scopes,
    normalize_scopes,
    obtain_token,
    revoke,
)
from ansible_collections.wso2.iots.plugins.module_utils._options import connection_argspec

# Returned even when equal to a no_log input: the refresh grant usually returns the refresh token it was
# given (IoTS does not rotate it), and Ansible would mask it as ``********``, breaking the next refresh.
RETURNED_TOKENS = ('access_token', 'refresh_token')


def argument_spec():
    spec = connection_argspec()
    spec.update(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        grant_type=dict(type='str', default='password', choices=list(GRANT_TYPES)),
        refresh_token=dict(type='str', no_log=True),
        scopes=dict(type='list', elements='str'),
        allow_partial_scopes=dict(type='bool', default=False),
        token=dict(type='str', no_log=True),
    )
    return spec


def revoke_token(module, client):
    params = module.params
    if not module.check_mode:
        try:
            revoke(client, params['client_id'], params['client_secret'], params['token'], token_path=params['token_path'])
        except IotsError as exc:
            module.fail_iots(exc)
    module.exit_json(changed=True, revoked=not module.check_mode)


def get_token(module, client):
    params = module.params
    try:
        requested = normalize_scopes(params['scopes'])
        token = obtain_token(
            client,
            params['grant_type'],
            params['client_id'],
            params['client_secret'],
            username=params['username'],
            password=params['password'],
            refresh_token=params['refresh_token'],
            scopes=requested,
            token_path=params['token_path'],
        )
    except IotsError as exc:
        module.fail_iots(exc)

    # A client_credentials token belongs to the application, not to the username option.
    owner = params['username'] if token['grant_used'] != 'client_credentials' else None
    try:
        check_scopes(token, requested, username=owner)
    except IotsScopeError as exc:
        if not params['allow_partial_scopes']:
            module.fail_iots(exc, missing_scopes=exc.missing_scopes, scopes=exc.granted_scopes)
        module.warn(
            '%s Continuing because allow_partial_scopes is true; API calls that need the missing scopes will fail with HTTP 403 (900910).' % exc.message
        )

    result = dict(
        changed=False,
        access_token=token['access_token'],
        token_type=token['token_type'],
        expires_in=token['expires_in'],
        expires_at=token['expires_at'],
        scopes=token['scopes'],
        missing_scopes=token['missing_scopes'],
        grant_used=token['grant_used'],
    )
    if token.get('refresh_token'):
        result['refresh_token'] = token['refresh_token']
    if token.get('fallback_reason'):
        result['msg'] = 'The refresh token was rejected, so the password grant was used instead: %s' % token['fallback_reason']
    module.exit_returning_secrets(RETURNED_TOKENS, **result)


def main():
    module = IotsModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[('state', 'absent', ['token', 'client_id', 'client_secret'])],
    )
    client = module.client()
    if module.params['state'] == 'absent':
        revoke_token(module, client)
    else:
        get_token(module, client)


if __name__ == '__main__':
    main()
