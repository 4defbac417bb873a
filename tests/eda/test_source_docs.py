# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The source's DOCUMENTATION matches what parse_args accepts, and renders as galaxy-importer renders it
(``ansible-doc -M extensions/eda/plugins/event_source --json device_events``); Galaxy lists the folder."""

import json
import os
import runpy
import subprocess
import sys

import yaml

from conftest import REPO, SOURCE

from ansible_collections.wso2.iots.plugins.module_utils import _events
from ansible_collections.wso2.iots.plugins.module_utils._client import DEFAULT_TIMEOUT

SOURCE_DIR = os.path.dirname(SOURCE)


def documentation():
    return yaml.safe_load(runpy.run_path(SOURCE)['DOCUMENTATION'])


def test_documented_options_are_the_accepted_arguments_with_their_defaults():
    options = documentation()['options']
    accepted = set(_events.STRING_ARGS) | {'validate_certs', 'timeout', 'device_types', 'interval', 'events', 'emit_initial', 'max_polls'}
    assert set(options) == accepted
    parsed = _events.parse_args({'url': 'https://iots.example.com:8243', 'token': 'x'})
    for name, spec in options.items():
        if 'default' in spec:
            assert parsed[name] == spec['default'], name
    assert options['timeout']['default'] == DEFAULT_TIMEOUT
    assert options['events']['choices'] == list(_events.EVENT_KINDS)
    assert [name for name, spec in options.items() if spec.get('required')] == ['url']


def test_ansible_doc_renders_the_source_as_galaxy_importer_does():
    ansible_doc = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    result = subprocess.run([ansible_doc, '-M', SOURCE_DIR, '--json', 'device_events'], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)['device_events']['doc']
    assert doc['short_description'].startswith('Events when IoTS devices')
    assert 'interval' in doc['options'] and doc['options']['url']['required'] is True


def test_galaxy_lists_the_event_source_folder():
    with open(os.path.join(REPO, 'meta', 'extensions.yml')) as stream:
        extensions = yaml.safe_load(stream)['extensions']
    folders = [e['args']['ext_dir'] for e in extensions]
    assert folders == ['eda/plugins/event_source']
    assert os.path.exists(os.path.join(REPO, 'extensions', folders[0], 'device_events.py'))
