# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The bearer token option of the device-management modules and the inventory plugin
    # (TOKEN_ARGSPEC in plugins/module_utils/_access_token.py). Use it beside wso2.iots.connection.
    DOCUMENTATION = r'''
options:
  token:
    description:
      - >-
        An OAuth 2.0 access token for the IoTS device-management API, sent as C(Authorization: Bearer).
      - For example C({{ lookup('wso2.iots.iots_bearer', scopes=[...]) }}) or the C(access_token) returned by
        M(wso2.iots.iots_token). It must hold the scopes listed in this plugin's description.
      - When set, no token is requested and the credential options are not used.
      - >-
        When not set, a token with exactly the needed scopes is requested with O(client_id) and O(client_secret):
        the password grant when O(username) and O(password) are given, else the client_credentials grant.
        When IoTS refuses that token during the run as expired or revoked (HTTP 401, fault code 900901; for
        example in a long bulk run), the same grant gets a new one and the refused request is sent again with
        it. A given O(token) is not renewed: the task fails saying the token is missing, expired or revoked.
      - Modules also read the E(IOTS_TOKEN) environment variable.
    type: str
'''

    PLUGINS = r'''
options:
  token:
    env:
      - name: IOTS_TOKEN
    ini:
      - section: wso2_iots
        key: token
    vars:
      - name: iots_token
'''
