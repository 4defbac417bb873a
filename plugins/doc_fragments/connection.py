# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The shared connection options. Modules read IOTS_* environment variables on the host
    # that runs them; plugins (the lookup) also read variables and an ini section (PLUGINS).
    DOCUMENTATION = r'''
requirements:
  - requests (on the host that runs the module, and on the controller for the lookup)
options:
  url:
    description:
      - Base URL of the IoTS API gateway, for example C(https://iots.example.com:8243).
      - A trailing slash is removed; IoTS matches paths exactly.
      - C(http://) works but sends passwords and tokens in clear text, and a warning says so.
      - Modules also read the E(IOTS_URL) environment variable.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the gateway's TLS certificate.
      - IoTS ships a self-signed certificate (CN=localhost). Prefer O(ca_path) over turning this off.
      - Modules also read E(IOTS_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) to verify the gateway with.
      - Modules also read E(IOTS_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for the gateway to connect and to answer, per request.
      - Connection errors and HTTP 502/503/504 are retried twice with backoff; 4xx answers never are.
      - Modules also read E(IOTS_TIMEOUT).
    type: int
    default: 30
  username:
    description:
      - IoTS user, for example C(admin), or C(user@tenant.com) for a tenant user.
      - Modules also read E(IOTS_USERNAME).
    type: str
  password:
    description:
      - Password of O(username).
      - Modules also read E(IOTS_PASSWORD).
    type: str
  client_id:
    description:
      - OAuth client id (consumer key) returned by M(wso2.iots.iots_app_register).
      - Modules also read E(IOTS_CLIENT_ID).
    type: str
  client_secret:
    description:
      - OAuth client secret (consumer secret) returned by M(wso2.iots.iots_app_register).
      - Modules also read E(IOTS_CLIENT_SECRET).
    type: str
  token_path:
    description:
      - Path of the OAuth 2.0 token endpoint below O(url).
      - The default is the IoTS gateway's; change it to talk to another RFC 6749 server.
      - Modules also read E(IOTS_TOKEN_PATH).
    type: str
    default: /token
  server_flavor:
    description:
      - Which scope names the server uses, where the collection chooses scopes itself (the device modules, the
        inventory plugin, the default scopes of the P(wso2.iots.credentials#role) role).
      - V(iots) for WSO2 IoTS 3.2.x and 3.3.x (and Entgra before 5.0.31), for example C(perm:devices:view).
      - V(entgra) for Entgra IoT Server / UEM 5.0.31 and later, which renamed them, for example C(dm:devices:view).
      - Scopes you name yourself are sent as written. When a server drops requested scopes that are the other
        flavour's names, the error says so and names the equivalents.
      - See R(the Entgra guide,ansible_collections.wso2.iots.docsite.entgra_guide).
      - Modules also read E(IOTS_SERVER_FLAVOR).
    type: str
    choices: [iots, entgra]
    default: iots
'''

    PLUGINS = r'''
options:
  url:
    env:
      - name: IOTS_URL
    ini:
      - section: wso2_iots
        key: url
    vars:
      - name: iots_url
  validate_certs:
    env:
      - name: IOTS_VALIDATE_CERTS
    ini:
      - section: wso2_iots
        key: validate_certs
    vars:
      - name: iots_validate_certs
  ca_path:
    env:
      - name: IOTS_CA_PATH
    ini:
      - section: wso2_iots
        key: ca_path
    vars:
      - name: iots_ca_path
  timeout:
    env:
      - name: IOTS_TIMEOUT
    ini:
      - section: wso2_iots
        key: timeout
    vars:
      - name: iots_timeout
  username:
    env:
      - name: IOTS_USERNAME
    ini:
      - section: wso2_iots
        key: username
    vars:
      - name: iots_username
  password:
    env:
      - name: IOTS_PASSWORD
    ini:
      - section: wso2_iots
        key: password
    vars:
      - name: iots_password
  client_id:
    env:
      - name: IOTS_CLIENT_ID
    ini:
      - section: wso2_iots
        key: client_id
    vars:
      - name: iots_client_id
  client_secret:
    env:
      - name: IOTS_CLIENT_SECRET
    ini:
      - section: wso2_iots
        key: client_secret
    vars:
      - name: iots_client_secret
  token_path:
    env:
      - name: IOTS_TOKEN_PATH
    ini:
      - section: wso2_iots
        key: token_path
    vars:
      - name: iots_token_path
  server_flavor:
    env:
      - name: IOTS_SERVER_FLAVOR
    ini:
      - section: wso2_iots
        key: server_flavor
    vars:
      - name: iots_server_flavor
'''
