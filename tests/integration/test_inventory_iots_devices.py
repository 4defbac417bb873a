# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_devices inventory plugin in real ansible-inventory and ansible-playbook runs against the
emulator over HTTPS, with a seeded fleet of 300 devices in groups.

What is checked is what Ansible built (hosts, groups, variables), what reached the server
(request counts per endpoint) and what the output shows (one message naming the source, no
secret, no traceback).
"""

import json
import math
import os
import subprocess

import pytest
import requests
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from playbook_harness import (
    BIN,
    REPO,
    ansible_environment,
    emulator_fixtures,
    play_recap,
    run_ansible_playbook,
    unwrap_unsafe,
)

ANSIBLE_CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split('.')[:2])

pytestmark = pytest.mark.integration

ANSIBLE_INVENTORY = os.path.join(BIN, 'ansible-inventory')
AWX_SOURCE = os.path.join(REPO, 'docs', 'awx', 'iots_devices.yml')
EVIL = "{{ lookup('pipe', 'id') }}"
EVIL_HOST = 'android_evil'
VAULT_PASSWORD = 'inventory-test-vault'

# The fleet: ACTIVE android tablets in two models, BYOD fire alarms, a few INACTIVE devices, one
# device whose name and property are templates, and two groups besides IoTS's system groups.
TABLETS_T5 = ['t%03d' % n for n in range(140)]
TABLETS_X1 = ['t%03d' % n for n in range(140, 270)]
ALARMS = ['f%02d' % n for n in range(20)]
INACTIVE = ['i%02d' % n for n in range(5)]
ACTIVE_COUNT = len(TABLETS_T5) + len(TABLETS_X1) + len(ALARMS) + 1
LOBBY = [('android', i) for i in TABLETS_T5[:10]] + [('virtual_firealarm', ALARMS[0])]
WAREHOUSE = [('android', i) for i in TABLETS_X1[:50]]

# One emulator for this file, seeded once: every test reads the same fleet.
emulator, emu = emulator_fixtures(scope='module')


@pytest.fixture(scope='module')
def fleet(emulator):
    emulator.seed_devices('android', TABLETS_T5, name='Tablet {id}', properties={'model': 'T5'})
    emulator.seed_devices('android', TABLETS_X1, name='Tablet {id}', properties={'model': 'X1'})
    emulator.seed_devices('virtual_firealarm', ALARMS, ownership='BYOD')
    emulator.seed_devices('android', INACTIVE, status='INACTIVE')
    emulator.seed_devices('android', ['evil'], name=EVIL, properties={'note': EVIL})
    emulator.seed_group('Lobby', members=LOBBY)
    emulator.seed_group('warehouse', members=WAREHOUSE)
    answer = requests.post(
        emulator.url + '/api-application-registration/register',
        auth=('admin', 'admin'),
        json={'applicationName': 'inventory_tests', 'tags': ['device_management']},
        verify=emulator.ca_path,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def ansible_env(emu, tmp_path):
    home, local_tmp = tmp_path / 'ansible-home', tmp_path / 'ansible-tmp'
    home.mkdir()
    local_tmp.mkdir()
    return ansible_environment(home, local_tmp, {'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'})


@pytest.fixture
def source(emu, fleet, tmp_path):
    """Write an inventory source (connection to the emulator plus ``options``) and return its path."""

    def write(name='iots_devices.yml', connection=True, **options):
        config = {'plugin': 'wso2.iots.iots_devices'}
        if connection:
            config.update(url=emu.url, ca_path=emu.ca_path, client_id=fleet['client_id'], client_secret=fleet['client_secret'])
        config.update(options)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config))
        return str(path)

    return write


class Run(object):
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.output = completed.stdout + completed.stderr

    def __repr__(self):
        return 'Run(rc=%s)\n%s' % (self.rc, self.output[-6000:])

    def raw(self):
        return json.loads(self.stdout)

    def inventory(self):
        """The listing with unsafe strings as plain strings."""
        return unwrap_unsafe(self.raw())


@pytest.fixture
def inventory(ansible_env, tmp_path):
    """Run ansible-inventory on a source; ``env`` adds to the environment."""

    def run(path, *args, env=None):
        cmd = [ANSIBLE_INVENTORY, '-i', path] + list(args or ['--list'])
        completed = subprocess.run(
            cmd, env=dict(ansible_env, **(env or {})), cwd=str(tmp_path), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False
        )
        return Run(completed)

    return run


def hosts(listing, group):
    return sorted(listing.get(group, {}).get('hosts', []))


def server_requests(emu):
    """Requests that reached the emulator, by counter, without the zeros."""
    return dict((key, value) for key, value in emu.counts().items() if value)


# ---------------------------------------------------------------------------- hosts and paging


def test_list_reads_every_page_once_with_one_token(inventory, source, emu):
    result = inventory(source())
    assert result.rc == 0, result
    listing = result.inventory()
    hostvars = listing['_meta']['hostvars']
    assert len(hostvars) == ACTIVE_COUNT
    assert len(hosts(listing, 'iots_type_android')) == len(TABLETS_T5) + len(TABLETS_X1) + 1
    assert hosts(listing, 'iots_type_virtual_firealarm') == sorted('virtual_firealarm_' + i for i in ALARMS)
    assert len(hosts(listing, 'iots_status_active')) == ACTIVE_COUNT
    assert 'android_i00' not in hostvars  # INACTIVE: not in the default statuses
    tablet = hostvars['android_t000']
    assert tablet['iots_device_name'] == 'Tablet t000'
    assert tablet['iots_device_properties'] == {'model': 'T5'}
    assert tablet['iots_device_status'] == 'ACTIVE'
    assert tablet['iots_device_ownership'] == 'COPE'
    assert tablet['iots_device_owner'] == 'admin'
    assert tablet['iots_device']['deviceIdentifier'] == 't000'
    assert tablet['ansible_connection'] == 'local'
    pages = math.ceil(ACTIVE_COUNT / 100)
    assert server_requests(emu) == {'token': 1, 'token:client_credentials': 1, 'api': pages, 'GET /devices': pages}


def test_graph_shows_the_groups_and_statuses_filter_on_the_server(inventory, source, emu):
    result = inventory(source(statuses=['inactive']), '--graph')
    assert result.rc == 0, result
    assert '@iots_status_inactive:' in result.stdout
    assert sorted(line.strip(' |-') for line in result.stdout.splitlines() if 'android_i' in line) == sorted(
        ['android_' + i for i in INACTIVE] * 2
    )  # under iots_type_android and iots_status_inactive
    assert emu.counts()['GET /devices'] == 1


# ---------------------------------------------------------------------------- groups


def test_groups_and_keyed_groups_with_one_request_per_group(inventory, source, emu):
    result = inventory(
        source(
            with_groups=True,
            keyed_groups=[
                {'key': 'iots_device_ownership | lower', 'prefix': 'ownership'},
                {'key': 'iots_device_properties.model | default("none")', 'prefix': 'model'},
            ],
            groups={'lobby_alarms': "'iots_group_lobby' in group_names and iots_device_type == 'virtual_firealarm'"},
            compose={'model': 'iots_device_properties.model | default(None)'},
        )
    )
    assert result.rc == 0, result
    listing = result.inventory()
    assert hosts(listing, 'iots_group_lobby') == sorted('%s_%s' % member for member in LOBBY)
    assert hosts(listing, 'iots_group_warehouse') == sorted('%s_%s' % member for member in WAREHOUSE)
    assert 'iots_group_cope' not in listing and 'iots_group_byod' not in listing  # system groups
    assert hosts(listing, 'ownership_byod') == sorted('virtual_firealarm_' + i for i in ALARMS)
    assert len(hosts(listing, 'model_T5')) == len(TABLETS_T5)
    assert len(hosts(listing, 'model_X1')) == len(TABLETS_X1)
    hostvars = listing['_meta']['hostvars']
    assert hostvars['android_t000']['iots_device_groups'] == ['Lobby']
    assert hostvars['android_t150']['iots_device_groups'] == ['warehouse']
    assert hostvars['android_t200']['iots_device_groups'] == []
    assert hostvars['android_t150']['model'] == 'X1'
    counts = emu.counts()
    assert counts['GET /groups'] == 1
    assert counts['GET /groups/id/{groupId}/devices'] == 2  # Lobby and warehouse, one page each
    assert counts['GET /devices'] == math.ceil(ACTIVE_COUNT / 100)
    assert counts['token'] == 1


def test_device_groups_keeps_only_their_members(inventory, source):
    result = inventory(source(device_groups=['Lobby']))
    assert result.rc == 0, result
    listing = result.inventory()
    assert sorted(listing['_meta']['hostvars']) == sorted('%s_%s' % member for member in LOBBY)
    assert hosts(listing, 'iots_group_lobby') == sorted('%s_%s' % member for member in LOBBY)


# ---------------------------------------------------------------------------- cache


@pytest.fixture
def no_requests_library(tmp_path):
    """A PYTHONPATH on which ``import requests`` fails and leaves a mark.

    The mark (``IMPORT_ATTEMPTS`` in the environment) catches an attempt that the code swallows:
    ``_client`` takes an ImportError of requests as "not installed" and carries on.
    """
    folder = tmp_path / 'no-requests' / 'requests'
    folder.mkdir(parents=True)
    (folder / '__init__.py').write_text(
        'import os\n'
        'with open(os.environ["IMPORT_ATTEMPTS"], "a") as mark:\n'
        '    mark.write("requests\\n")\n'
        'raise ImportError("this run must not import requests")\n'
    )
    return {'PYTHONPATH': str(folder.parent), 'IMPORT_ATTEMPTS': str(tmp_path / 'no-requests' / 'attempts')}


def import_attempts(no_requests_library):
    path = no_requests_library['IMPORT_ATTEMPTS']
    if not os.path.exists(path):
        return 0
    with open(path) as handle:
        return len(handle.read().split())


def test_a_warm_cache_sends_no_request_and_never_imports_requests(inventory, source, emu, tmp_path, no_requests_library):
    path = source(with_groups=True, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(tmp_path / 'cache'), cache_timeout=600)
    cold = inventory(path)
    assert cold.rc == 0, cold
    assert emu.counts()['GET /devices'] == math.ceil(ACTIVE_COUNT / 100)

    emu.reset()
    warm = inventory(path, env=no_requests_library)
    assert warm.rc == 0, warm
    assert warm.inventory() == cold.inventory()
    assert server_requests(emu) == {}
    assert import_attempts(no_requests_library) == 0

    if ANSIBLE_CORE < (2, 19):
        return  # ansible-inventory has --flush-cache from 2.19 on (2.16 to 2.18 give it to ansible-playbook only)
    # The same without the cache needs requests, so the poisoned run above proves it was not imported.
    missing = inventory(path, '--list', '--flush-cache', env=no_requests_library)
    assert missing.rc != 0
    assert import_attempts(no_requests_library) >= 1  # the mark works
    assert 'Failed to import the required Python library (requests)' in ' '.join(missing.output.split()), missing

    flushed = inventory(path, '--list', '--flush-cache')
    assert flushed.rc == 0, flushed
    assert flushed.inventory() == cold.inventory()
    assert emu.counts()['GET /devices'] == math.ceil(ACTIVE_COUNT / 100)
    assert emu.counts()['token'] == 1


def test_a_cache_made_for_other_filters_is_not_used(inventory, source, emu, tmp_path):
    cache = dict(cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(tmp_path / 'cache'))
    assert inventory(source(**cache)).rc == 0
    emu.reset()
    result = inventory(source(statuses=['INACTIVE'], **cache))
    assert result.rc == 0, result
    assert sorted(result.inventory()['_meta']['hostvars']) == sorted('android_' + i for i in INACTIVE)
    assert emu.counts()['GET /devices'] == 1


# ---------------------------------------------------------------------------- unsafe values


def test_a_device_named_like_a_template_stays_text_in_the_listing(inventory, source):
    result = inventory(source())
    assert result.rc == 0, result
    # Marked unsafe in the output too, so that AWX or another reader of it keeps it text.
    evil = result.raw()['_meta']['hostvars'][EVIL_HOST]
    assert evil['iots_device_name'] == {'__ansible_unsafe': EVIL}
    assert evil['iots_device_properties'] == {'note': {'__ansible_unsafe': EVIL}}
    assert evil['iots_device']['name'] == {'__ansible_unsafe': EVIL}
    assert 'uid=' not in result.output


PLAYBOOK = '''
- name: Use the devices as hosts
  hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - name: Write what the device variables hold
      ansible.builtin.copy:
        content: "{{ iots_device_name }}|{{ iots_device_properties.note | default('') }}|{{ iots_device.name | default('') }}\\n"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.txt"
        mode: "0600"

    - name: Check the device variables
      ansible.builtin.assert:
        that:
          - iots_device_type in ['android', 'virtual_firealarm']
          - inventory_hostname == iots_device_type ~ '_' ~ iots_device_id
'''


@pytest.fixture
def playbook(ansible_env, tmp_path):
    def run(path, target):
        book = tmp_path / 'devices.yml'
        book.write_text(PLAYBOOK)
        out_dir = tmp_path / 'out'
        out_dir.mkdir(exist_ok=True)
        return run_ansible_playbook(
            str(book), path, ansible_env, variables={'target': target, 'out_dir': str(out_dir)}, vars_file=tmp_path / 'vars.json', forks=5
        ), out_dir

    return run


def test_a_playbook_never_evaluates_a_template_in_a_device_name(playbook, source):
    result, out_dir = playbook(source(), EVIL_HOST)
    assert result.rc == 0, result
    assert play_recap(result.output) == {'ok': 2, 'changed': 1, 'unreachable': 0, 'failed': 0, 'skipped': 0, 'rescued': 0, 'ignored': 0}
    assert (out_dir / (EVIL_HOST + '.txt')).read_text() == '%s|%s|%s\n' % (EVIL, EVIL, EVIL)
    assert 'uid=' not in result.output


RELAY_PLAYBOOK = '''
- name: Pass the device values on, every way a playbook can
  hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - name: Copy them into facts
      ansible.builtin.set_fact:
        relayed_name: "{{ iots_device_name }}"
        relayed_list: "{{ [iots_device_properties.note, hostvars[inventory_hostname].iots_device.name] }}"

    - name: Write what each way gives
      ansible.builtin.copy:
        content: "{{ ([iots_device_name, composed_name, relayed_name, lookup('vars', 'iots_device_name')]
                     + relayed_list + [group_names | select('match', 'name_') | length]) | join('|') }}\\n"
        dest: "{{ out_dir }}/{{ inventory_hostname }}-{{ round }}.txt"
        mode: "0600"

    - name: Show one with debug var=
      ansible.builtin.debug:
        var: relayed_name
'''


def test_server_values_are_never_templated_on_any_path_of_a_playbook(ansible_env, source, tmp_path):
    """compose, keyed_groups and hostname_template render the device values; a set_fact, hostvars, the vars
    lookup and debug var= pass them on; the second run reads them from the inventory cache. A template in them
    stays text everywhere (on 2.16-2.18 because the plugin marks them unsafe, on 2.19+ because the plugin
    does not claim trust for what it sets: either break makes this fail)."""
    path = source(
        compose={'composed_name': 'iots_device_name'},
        keyed_groups=[{'key': 'iots_device_name', 'prefix': 'name'}],
        hostname_template="{{ 'evil' if iots_device_name is search('lookup') else iots_device_type ~ '_' ~ iots_device_id }}",
        cache=True,
        cache_plugin='ansible.builtin.jsonfile',
        cache_connection=str(tmp_path / 'cache'),
    )
    book = tmp_path / 'relay.yml'
    book.write_text(RELAY_PLAYBOOK)
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    for round_ in ('cold', 'warm'):
        result = run_ansible_playbook(
            str(book), path, ansible_env, vars_file=tmp_path / 'vars.json', variables={'target': 'evil', 'out_dir': str(out_dir), 'round': round_}
        )
        assert result.rc == 0, result
        assert play_recap(result.output)['ok'] == 3, result
        assert (out_dir / ('evil-%s.txt' % round_)).read_text() == '|'.join([EVIL] * 6 + ['1']) + '\n'
        assert 'uid=' not in result.output


def test_a_playbook_runs_on_an_iots_group(playbook, source):
    result, out_dir = playbook(source(with_groups=True), 'iots_group_lobby')
    assert result.rc == 0, result
    assert play_recap(result.output)['ok'] == 2 * len(LOBBY)
    assert sorted(os.listdir(str(out_dir))) == sorted('%s_%s.txt' % member for member in LOBBY)


# ---------------------------------------------------------------------------- templated options, AWX


def test_the_token_may_come_from_the_bearer_lookup(inventory, source, emu, fleet):
    # device_types: the token must also let the plugin read the type list
    path = source(
        connection=False, token="{{ lookup('wso2.iots.iots_bearer', 'perm:devices:view', 'perm:device-types:types') }}", device_types=['virtual_firealarm']
    )
    result = inventory(
        path, env={'IOTS_URL': emu.url, 'IOTS_CA_PATH': emu.ca_path, 'IOTS_CLIENT_ID': fleet['client_id'], 'IOTS_CLIENT_SECRET': fleet['client_secret']}
    )
    assert result.rc == 0, result
    assert len(result.inventory()['_meta']['hostvars']) == len(ALARMS)
    assert emu.counts()['token'] == 1


def test_credentials_may_come_from_vault_encrypted_extra_vars(inventory, source, fleet, tmp_path):
    vault = VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode()))])
    secrets = tmp_path / 'vault.yml'
    secrets.write_bytes(vault.encrypt(yaml.safe_dump({'vault_client_secret': fleet['client_secret']})))
    password_file = tmp_path / 'vault-password'
    password_file.write_text(VAULT_PASSWORD)
    path = source(client_secret='{{ vault_client_secret }}', device_types=['virtual_firealarm'])
    # --export: without it, ansible-inventory --list prints the extra variables with every host.
    result = inventory(path, '--list', '--export', '-e', '@%s' % secrets, '--vault-password-file', str(password_file))
    assert result.rc == 0, result
    assert len(result.inventory()['_meta']['hostvars']) == len(ALARMS)
    assert fleet['client_secret'] not in result.output


def test_the_awx_source_file_with_the_credential_type_environment(inventory, emu, fleet):
    # What a credential of docs/awx/iots_credential_type.yml injects: every field, empty ones as "".
    env = {
        'IOTS_URL': emu.url,
        'IOTS_CA_PATH': emu.ca_path,
        'IOTS_CLIENT_ID': fleet['client_id'],
        'IOTS_CLIENT_SECRET': fleet['client_secret'],
        'IOTS_USERNAME': '',
        'IOTS_PASSWORD': '',
    }
    result = inventory(AWX_SOURCE, '--list', '--export', env=env)
    assert result.rc == 0, result
    listing = result.inventory()
    assert len(listing['_meta']['hostvars']) == ACTIVE_COUNT + len(INACTIVE)  # statuses: ACTIVE, INACTIVE, ...
    assert hosts(listing, 'iots_group_lobby') == sorted('%s_%s' % member for member in LOBBY)
    assert hosts(listing, 'ownership_byod') == sorted('virtual_firealarm_' + i for i in ALARMS)


# ---------------------------------------------------------------------------- bad input and faults


def assert_one_clear_failure(result, path, words, secrets=()):
    assert result.rc != 0, result
    # ansible-core <= 2.18 wraps warnings at 79 columns, even inside the path: compare without white space.
    assert ''.join(('wso2.iots.iots_devices inventory source %s: ' % path).split()) in ''.join(result.output.split())
    assert ''.join(words.split()) in ''.join(result.output.split()), result
    assert 'Traceback' not in result.output
    for secret in secrets:
        assert secret not in result.output


def test_an_unknown_status_fails_before_any_request(inventory, source, emu):
    path = source(statuses=['ACTIVE', 'GONE'])
    result = inventory(path)
    assert_one_clear_failure(result, path, 'statuses: GONE is not an IoTS device status; use CREATED, ACTIVE,')
    assert server_requests(emu) == {}


def test_a_source_without_url_names_the_option(inventory, source, emu):
    path = source(connection=False, client_id='x', client_secret='y-secret-value')
    result = inventory(path)
    assert_one_clear_failure(result, path, 'url', secrets=['y-secret-value'])
    assert server_requests(emu) == {}


def test_a_server_fault_is_one_message_without_secrets(inventory, source, emu, fleet):
    emu.set_fault('api', 'status', status=500)
    path = source()
    result = inventory(path)
    assert_one_clear_failure(result, path, '/api/device-mgt/v1.0/devices', secrets=[fleet['client_secret']])
    assert 'HTTP500' in ''.join(result.output.split())


def test_a_missing_scope_is_named(inventory, source, emu, fleet):
    path = source(username='operator', password='operator', with_groups=True)
    result = inventory(path)
    # The operator user may view devices but not groups: IoTS drops the group scopes from the token.
    assert result.rc != 0, result
    assert 'perm:groups:groups' in result.output
    assert 'Traceback' not in result.output
    assert fleet['client_secret'] not in result.output


def test_by_default_a_failing_source_is_a_warning_that_says_why(inventory, source, ansible_env):
    path = source(ownership='corporate')
    result = inventory(path, env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '0'})
    assert result.rc == 0, result
    assert "ownership: 'corporate' is not BYOD or COPE" in ' '.join(result.output.split())
    assert result.inventory()['_meta']['hostvars'] == {}


def test_an_unknown_group_name_fails_naming_the_known_ones(inventory, source, emu):
    path = source(device_groups=['lobby'])
    result = inventory(path)
    assert_one_clear_failure(result, path, "no IoTS group named 'lobby'; the groups this user can see are: Lobby, warehouse")
    assert emu.counts()['GET /devices'] == 0


def test_an_unknown_device_type_fails_naming_the_known_ones(inventory, source, emu):
    path = source(device_types=['android', 'firealarm'])
    result = inventory(path)
    assert_one_clear_failure(result, path, "device_types: 'firealarm' is not a device type of this server; it knows: android, virtual_firealarm.")
    assert emu.counts()['GET /devices'] == 0
