#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The least HTTP work of a bulk iots_device run, for bench_devices.py's ``floor`` way: a plain
requests.Session making exactly the requests the module makes, and nothing else.

    python floor_client.py CONFIG.json

CONFIG holds url, ca_path, client_id, client_secret, scopes (as the module asks for them) and devices
(the playbook's list: type, id, name). The requests: one client_credentials token; the paged list of
the type's devices (100 a page, until count); then, only when some device is not enrolled yet, the
device-type list and one enrolment per missing device. A second run from the same state therefore
makes the reads alone, as the module does. No checks beyond the HTTP status: this is a floor, not a client.
"""

import json
import sys

import requests

API = '/api/device-mgt/v1.0'
PAGE = 100


def main(path):
    with open(path) as handle:
        config = json.load(handle)
    url = config['url']
    session = requests.Session()
    # verify on each request, as the module's client does: a session's verify loses to REQUESTS_CA_BUNDLE.
    verify = config['ca_path']
    form = {'grant_type': 'client_credentials', 'scope': ' '.join(config['scopes'])}
    answer = session.post(url + '/token', data=form, auth=(config['client_id'], config['client_secret']), verify=verify)
    answer.raise_for_status()
    session.headers['Authorization'] = 'Bearer ' + answer.json()['access_token']
    enrolled = set()
    for device_type in sorted(set(item['type'] for item in config['devices'])):
        offset = 0
        while True:
            answer = session.get(url + API + '/devices', params={'type': device_type, 'offset': offset, 'limit': PAGE}, verify=verify)
            answer.raise_for_status()
            data = answer.json()
            page = data.get('devices') or []
            enrolled.update((row['type'], row['deviceIdentifier']) for row in page if row['enrolmentInfo']['status'] != 'REMOVED')
            offset += PAGE
            if len(page) < PAGE or offset >= data.get('count', 0):
                break
    missing = [item for item in config['devices'] if (item['type'], item['id']) not in enrolled]
    if missing:
        session.get(url + API + '/device-types', verify=verify).raise_for_status()
    for item in missing:
        body = {'type': item['type'], 'deviceIdentifier': item['id'], 'name': item['name'], 'enrolmentInfo': {'ownership': 'COPE', 'status': 'ACTIVE'}}
        session.post(url + API + '/device/agent/enroll', json=body, verify=verify).raise_for_status()


if __name__ == '__main__':
    main(sys.argv[1])
