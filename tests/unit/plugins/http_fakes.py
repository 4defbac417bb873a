# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IoTS answers for the unit tests: real ``requests.Response`` objects carrying exactly the given bytes.

The ``server`` fixture (conftest.py beside this file) puts them behind ``requests.Session.request``.
"""

import json

import requests


def answer(status, body='', content_type='application/json', headers=None):
    """A real requests.Response, as Session.request returns it: ``body`` as text, anything else as JSON."""
    response = requests.Response()
    response.status_code = status
    if not isinstance(body, str):
        body = json.dumps(body)
    response._content = body.encode('utf-8')
    response.encoding = 'utf-8'
    response.headers['Content-Type'] = content_type
    response.headers.update(headers or {})
    return response
