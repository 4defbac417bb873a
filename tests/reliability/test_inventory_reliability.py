# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The iots_devices inventory under faults, bad input and a secret-leak scan: real ansible-inventory
and ansible-playbook runs against the emulator, with a fleet of 150 devices (two pages) in a group.

* a fault anywhere in the run (the token, the first or the second page of devices, a group's
  members; 5xx, a dropped connection, a cut-off answer, an expired token) fails the source with one
  message naming the source, the URL, the status and the server's words, without a traceback; a
  failing source never gives half an inventory (by default it is a warning and no host at all);
* with its cache, a warm entry keeps the hosts while the server fails (no request at all, as the
  documentation says); an expired entry is not used: the run fails clearly and leaves the entry as
  it was;
* bad options fail before any request, naming the option;
* no password, client secret or token appears in the output of -vvvv runs, in the cache or in any
  file the runs leave.
"""

import json
import os
import re
import subprocess
import time
from urllib.parse import quote

import pytest
import yaml

from playbook_harness import BIN, play_recap, run_ansible_playbook, unwrap_unsafe
from reliability_harness import ADMIN_PASSWORD, PLAYBOOKS, KnownSecrets, file_hashes, files_under, password_grant, register_app, total

pytestmark = pytest.mark.reliability

ANSIBLE_INVENTORY = os.path.join(BIN, 'ansible-inventory')
TYPE = 'ri_sensor'
FLEET = ['ri-%03d' % n for n in range(150)]
MEMBERS = FLEET[:5]
API = r'https://127\.0\.0\.1:\d+/api/device-mgt/v1\.0'


@pytest.fixture(scope='module')
def fleet(emulator):
    """150 devices of a type of their own (two list pages) and a group of five: once per worker."""
    emulator.add_device_type(TYPE)
    emulator.seed_devices(TYPE, FLEET)
    emulator.seed_group('ri-group', members=[(TYPE, device_id) for device_id in MEMBERS])
    return register_app(emulator, 'rel_inventory')


class Inventory(object):
    """ansible-inventory runs on sources written into the test's work dir, in the runner's private environment."""

    def __init__(self, playbooks, emu, app):
        self.playbooks = playbooks
        self.emu = emu
        self.app = app
        self.outputs = []
        self.cache_dir = os.path.join(playbooks.home, '.cache', 'iots_inventory')

    def source(self, name='iots_devices.yml', connection=True, **options):
        config = {'plugin': 'wso2.iots.iots_devices', 'device_types': [TYPE]}
        if connection:
            config.update(
                url=self.emu.url,
                ca_path=self.emu.ca_path,
                username='admin',
                password=ADMIN_PASSWORD,
                client_id=self.app['client_id'],
                client_secret=self.app['client_secret'],
                timeout=10,
            )
        config.update(options)
        folder = os.path.join(self.playbooks.workdir, 'sources')
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        with open(path, 'w') as handle:
            yaml.safe_dump(config, handle)
        return path

    def cached(self, **options):
        return dict(cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=self.cache_dir, cache_timeout=600, **options)

    def run(self, path, *args, unparsed_failed=True):
        env = self.playbooks.environment({'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1' if unparsed_failed else '0'})
        completed = subprocess.run(
            [ANSIBLE_INVENTORY, '-i', path] + list(args or ['--list']),
            env=env,
            cwd=self.playbooks.workdir,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        run = Run(completed)
        self.outputs.append(run.output)
        return run


class Run(object):
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.output = completed.stdout + completed.stderr

    def __repr__(self):
        return 'Run(rc=%s)\n%s' % (self.rc, self.output[-4000:])

    def hosts(self):
        # With -vvvv the verbose lines come first on stdout; the listing is the JSON object after them.
        start = self.stdout.find('{') if self.stdout.startswith('{') else self.stdout.find('\n{') + 1
        try:
            listing = unwrap_unsafe(json.JSONDecoder().raw_decode(self.stdout[start:])[0]) if start >= 0 else {}
        except ValueError:
            return None
        return sorted(listing.get('_meta', {}).get('hostvars', {}))


@pytest.fixture
def inventory(playbooks, emu, fleet):
    return Inventory(playbooks, emu, fleet)


def flat(text):
    # ansible-core <= 2.18 wraps warnings at 79 columns, even inside a URL: compare without white space.
    return re.sub(r'\s+', '', text)


def clear_failure(run, path, pattern):
    """What is wrong with a failed source (empty: the plugin's one message, matching ``pattern``)."""
    problems = []
    if run.rc == 0:
        problems.append('the source did not fail')
    text = flat(run.output)
    start = text.find(flat('wso2.iots.iots_devices inventory source %s:' % path))
    if start < 0:
        problems.append('no message naming the source')
    elif not re.search(flat(pattern), text[start:]):
        problems.append('the message does not say %r' % pattern)
    if 'Traceback' in run.output:
        problems.append('a traceback in the output')
    return problems


def arm_after(emu, passed, **fault):
    """Let the token requests and the first ``passed`` API requests through, fault every one after them
    (``passed=None``: every request, the token's too)."""
    if passed is not None:
        emu.set_fault('token', 'latency', latency=0)
    if passed:
        emu.set_fault('api', 'latency', latency=0, times=passed)
    emu.set_fault('all', **fault)


EVERY_HOST = sorted('%s_%s' % (TYPE, device_id) for device_id in FLEET)


# ---------------------------------------------------------------------------- faults


# ansible-core builds the inventory from what the source adds and shows its failure as a warning
# (wrapped at 79 columns up to 2.18): both differ by release.
@pytest.mark.every_core
def test_a_fault_mid_run_fails_the_source_clearly_and_never_gives_half_an_inventory(inventory, emu, tally):
    plain = inventory.source()
    grouped = inventory.source('grouped.iots_devices.yml', with_groups=True)
    expired = password_grant(emu, inventory.app)['access_token']
    emu.expire_tokens()
    with_expired = inventory.source('expired.iots_devices.yml', token=expired)
    pages = r'GET %s/devices\?\S*type=%s\S*' % (API, TYPE)
    # name, source, requests let through, fault, what the message says, counts that must hold. The plugin
    # reads GET /device-types first (an unknown type is an error), then the groups, then the device pages.
    cases = [
        (
            'token 503',
            plain,
            None,
            {'kind': 'status', 'status': 503},
            r'POST https://127\.0\.0\.1:\d+/token failed: HTTP 503 101503: Runtime Error',
            {'token': 3, 'api': 0},
        ),
        ('page 1 500', plain, 1, {'kind': 'status', 'status': 500}, pages + r' failed: HTTP 500 101500: Runtime Error', {'GET /devices': 1}),
        (
            'page 2 drop',
            plain,
            2,
            {'kind': 'drop'},
            pages + r'offset=100\S* failed: the connection was closed in the middle of the answer',
            {'GET /devices': 4},
        ),
        (
            'page 2 cut off',
            plain,
            2,
            {'kind': 'truncated_json'},
            pages + r'offset=100\S* answered HTTP 200 but its body is not the expected JSON',
            {'GET /devices': 2},
        ),
        (
            'group members 503',
            grouped,
            2,
            {'kind': 'status', 'status': 503},
            r'GET %s/groups/id/\d+/devices\S* failed: HTTP 503 101503: Runtime Error' % API,
            {'GET /devices': 0},
        ),
        ('expired token', with_expired, 0, None, r'GET %s/device-types failed: HTTP 401 900901: Invalid Credentials' % API, {'token': 0, 'GET /devices': 0}),
    ]
    found = {}
    for name, path, passed, fault, says, counts in cases:
        emu.reset()
        if fault:
            arm_after(emu, passed, **fault)
        run = inventory.run(path)
        problems = clear_failure(run, path, says)
        got = emu.counts()
        problems += ['%s: %s requests, expected %s' % (k, got[k], v) for k, v in counts.items() if got[k] != v]
        found[name] = problems
    # By default a failing source is a warning, and no host of it is kept: never half an inventory.
    emu.reset()
    arm_after(emu, 2, kind='status', status=500)
    warned = inventory.run(plain, unparsed_failed=False)
    found['page 2 500, failing sources only warned about'] = clear_failure(warned, plain, pages + r'offset=100\S* failed: HTTP 500')[1:] + (
        [] if warned.rc == 0 and warned.hosts() == [] else ['rc %s, hosts %r' % (warned.rc, warned.hosts())]
    )
    emu.clear_faults()
    secrets = KnownSecrets(emu).count(texts=inventory.outputs, paths=inventory.playbooks.scanned_dirs)
    tally('faults: inventory', len(found), sum(1 for p in found.values() if not p), total(secrets))
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert not secrets, secrets


# ---------------------------------------------------------------------------- the cache


def cache_files(inventory):
    return sorted(files_under([inventory.cache_dir]))


def test_a_warm_cache_keeps_the_hosts_while_the_server_fails_and_an_expired_one_fails_clearly(inventory, emu, tally):
    path = inventory.source('cached.iots_devices.yml', **inventory.cached())
    found = {}
    cold = inventory.run(path)
    entries = cache_files(inventory)
    found['a cold run reads the server and fills the cache'] = (
        []
        if cold.rc == 0 and cold.hosts() == EVERY_HOST and len(entries) == 1
        else ['rc %s, %s hosts, cache files %r' % (cold.rc, len(cold.hosts() or ()), entries)]
    )
    before = file_hashes(*entries)

    emu.reset()
    emu.set_fault('all', 'status', status=503)
    warm = inventory.run(path)
    sent = dict((key, value) for key, value in emu.counts().items() if value and key != 'control')
    found['a warm entry keeps every host while the server fails, without a request'] = (
        [] if warm.rc == 0 and warm.hosts() == EVERY_HOST and not sent else ['rc %s, requests %r' % (warm.rc, sent)]
    )

    # The entry is past cache_timeout (600 s): it must not be used, and the failure must not replace it.
    an_hour_ago = time.time() - 3600
    for entry in entries:
        os.utime(entry, (an_hour_ago, an_hour_ago))
    expired = inventory.run(path)
    problems = clear_failure(expired, path, r'POST https://127\.0\.0\.1:\d+/token failed: HTTP 503 101503')
    if file_hashes(*entries) != before:
        problems.append('the failed run changed the cache entry')
    found['an expired entry is not used: the run fails clearly and leaves the entry as it was'] = problems

    emu.clear_faults()
    emu.reset()
    again = inventory.run(path)
    found['the next run after the fault reads the server again'] = (
        [] if again.rc == 0 and again.hosts() == EVERY_HOST and emu.counts()['GET /devices'] == 2 else [repr(again)]
    )
    secrets = KnownSecrets(emu).count(texts=inventory.outputs, paths=inventory.playbooks.scanned_dirs)
    tally(
        'faults: inventory',
        len(found),
        sum(1 for p in found.values() if not p),
        total(secrets),
        note='inventory cache: a warm entry served 150 hosts with the server failing, without a request',
    )
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert not secrets, secrets


# ---------------------------------------------------------------------------- bad input


def test_a_bad_inventory_source_fails_before_any_request(inventory, emu, tally):
    user_in_url = 'https://admin:%s@127.0.0.1:8243' % quote(ADMIN_PASSWORD, safe='')
    # name, options, what the message says, counts that must stay 0
    cases = [
        ('an unknown status', {'statuses': ['ACTIVE', 'GONE']}, r'statuses: GONE is not an IoTS device status', ()),
        ('an unknown ownership', {'ownership': 'corporate'}, r"ownership: 'corporate' is not BYOD or COPE", ()),
        ('device_types with an empty name', {'device_types': [TYPE, ' ']}, r'device_types must be a list of non-empty names', ()),
        ('url without a scheme', {'url': 'iots.example.com:8243'}, r'must start with https://', ()),
        ('url with user:password@', {'url': user_in_url}, r'url must not contain user:password@', ()),
        ('timeout negative', {'timeout': -1}, r'timeout must be a positive number of seconds', ()),
        ('ca_path that does not exist', {'ca_path': '/nonexistent/iots-ca.pem'}, r'ca_path /nonexistent/iots-ca\.pem does not exist', ()),
        (
            'no credentials',
            {'username': None, 'password': None, 'client_id': None, 'client_secret': None},
            r'No access token and no client_id or client_secret',
            (),
        ),
        (
            'an unknown device group',
            {'device_groups': ['ri-no-such-group']},
            r"device_groups: no IoTS group named 'ri-no-such-group'; the groups this user can see are: .*ri-group",
            ('GET /devices',),
        ),
    ]
    found = {}
    for index, (name, options, says, silent) in enumerate(cases):
        path = inventory.source('bad%d.iots_devices.yml' % index, **dict(options))
        emu.reset()
        run = inventory.run(path)
        problems = clear_failure(run, path, says)
        counts = emu.counts()
        sent = dict((key, counts[key]) for key in (silent or ('token', 'api')) if counts[key])
        if sent:
            problems.append('requests were sent: %r' % sent)
        found['inventory: ' + name] = problems
    secrets = KnownSecrets(emu).count(texts=inventory.outputs, paths=inventory.playbooks.scanned_dirs)
    tally('bad input', len(found), sum(1 for p in found.values() if not p), total(secrets))
    failures = dict((case, problems) for case, problems in found.items() if problems)
    assert not failures, failures
    assert not secrets, secrets


# ---------------------------------------------------------------------------- secrets


@pytest.mark.every_core  # ansible-core's -vvvv output and wrapped warnings differ by release
def test_no_secret_of_the_inventory_in_any_output_or_file(inventory, emu, known_secrets, tally):
    given = password_grant(emu, inventory.app, scopes=('perm:devices:view', 'perm:device-types:types', 'perm:groups:groups', 'perm:groups:devices'))
    credentials = inventory.source('credentials.iots_devices.yml', **inventory.cached(with_groups=True))
    with_token = inventory.source('token.iots_devices.yml', token=given['access_token'], username=None, password=None, client_id=None, client_secret=None)
    runs = {}
    runs['ansible-inventory -vvvv --list, password and client secret, cache filled'] = inventory.run(credentials, '--list', '-vvvv')
    runs['ansible-inventory -vvvv --graph, from the cache'] = inventory.run(credentials, '--graph', '-vvvv')
    runs['ansible-inventory -vvvv --list, a given token'] = inventory.run(with_token, '--list', '-vvvv')
    emu.set_fault('api', 'html')
    runs['ansible-inventory -vvvv --list, a given token, the server failing'] = inventory.run(with_token, '--list', '-vvvv')
    runs['the same, password and client secret, cache bypassed'] = inventory.run(
        inventory.source('nocache.iots_devices.yml', with_groups=True), '--list', '-vvvv'
    )
    emu.clear_faults()
    play = run_ansible_playbook(os.path.join(PLAYBOOKS, 'devices', 'inventory_hosts.yml'), credentials, inventory.playbooks.environment(), verbosity=4)

    cases = dict((name, known_secrets.count(texts=[run.output])) for name, run in runs.items())
    cases['ansible-playbook -vvvv on the inventory'] = known_secrets.count(texts=[play.output])
    cases['files under HOME (the inventory cache), ANSIBLE_HOME and the temp dirs'] = known_secrets.count(paths=inventory.playbooks.scanned_dirs)
    hits = dict((case, found) for case, found in cases.items() if found)
    tally(
        'secrets',
        len(cases),
        len(cases) - len(hits),
        sum(total(found) for found in hits.values()),
        note='inventory: 5 ansible-inventory runs and a play at -vvvv, the cache and every file',
    )

    # The runs did what they should.
    listing = runs['ansible-inventory -vvvv --list, password and client secret, cache filled']
    assert listing.rc == 0 and listing.hosts() == EVERY_HOST, listing
    assert runs['ansible-inventory -vvvv --list, a given token'].hosts() == EVERY_HOST
    # (ansible-core 2.18 and older wrap warnings: the words may stand on two lines)
    assert 'HTML page' in ' '.join(runs['ansible-inventory -vvvv --list, a given token, the server failing'].output.split())
    assert play.rc == 0 and play_recap(play.output).get('ok') == len(MEMBERS), play
    assert cache_files(inventory), 'the inventory cache is empty'
    # Positive control: the scan finds the secrets in the source files that hold them on purpose.
    control = known_secrets.count(paths=[credentials, with_token])
    for label in ('admin password', 'client secret', 'access token'):
        assert any(found.startswith(label) for found in control), (label, control)
    assert not hits, hits


def test_an_unknown_key_or_device_type_in_a_source_is_an_error_naming_it(inventory, emu):
    misspelled = inventory.source('misspelled.iots_devices.yml', device_type=[TYPE])
    unknown_type = inventory.source('unknown_type.iots_devices.yml', device_types=['ri_nosuchtype'])
    problems = {}
    for path, name in ((misspelled, 'device_type'), (unknown_type, 'ri_nosuchtype')):
        emu.reset()
        run = inventory.run(path)
        problems[name] = clear_failure(run, path, re.escape(name))
    assert not any(problems.values()), problems
