# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kill a writer with SIGKILL while it writes the token cache or the vault file, and look at the file.

Run by test_crash_safety.py as ``python kill_while_writing.py <json spec>``; prints one JSON
object. This process has no threads, so it can fork writers safely: each writer is a child that
writes with the collection's own code (EntryDirectory.write of the token cache, or
write_atomically under the DirectoryLock of wso2.iots.vault_vars); this process kills it and
then checks that the file is exactly the old or the new version and that the lock is free.

spec: {"target": "token_cache", "directory": ..., "key": ..., "entries": [old, new], ...} or
      {"target": "vault_file", "path": ..., "data": [old vars, new vars], ...}, both with
      "rounds": N, "seed": S, "max_delay": seconds, "vault_password": ...
"""

import fcntl
import json
import os
import random
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), '.build', 'collections'))

from ansible.parsing.vault import VaultLib, VaultSecret  # noqa: E402  (after the path set-up)

from ansible_collections.wso2.iots.plugins.plugin_utils import _private_files, _token_cache, _vars_file  # noqa: E402
from ansible_collections.wso2.iots.plugins.plugin_utils._vault_secrets import VaultCodec  # noqa: E402

# Where a deterministic kill stops the writer: before the temp file is synced, before the
# rename, after the rename (before the directory is synced), and (token cache) after writing
# while it still holds the fetch lock of the entry.
PAUSE_POINTS = ('before_fsync', 'before_replace', 'after_replace')
TOKEN_CACHE_PAUSE_POINTS = PAUSE_POINTS + ('holding_the_fetch_lock',)


class Target(object):
    """One file, written with the collection's code: old and new version, and how to check it."""

    def __init__(self, spec):
        self.spec = spec
        secret = VaultSecret(spec['vault_password'].encode('utf-8'))
        self.secrets = [('iots', secret)]
        if spec['target'] == 'token_cache':
            self.tier = _token_cache.DiskTier(spec['directory'], 'persistent', vault=VaultCodec(self.secrets, self.secrets[0]))
            self.key = spec['key']
            self.path = os.path.join(spec['directory'], self.key + _token_cache.ENTRY_SUFFIX)
            self.versions = spec['entries']
        else:
            self.path = spec['path']
            vault = VaultLib(self.secrets)
            # Encrypted once: each version is a fixed byte string, so "old or new" is a byte comparison.
            self.versions = spec['data']
            self.ciphertexts = [vault.encrypt(_vars_file.render_yaml(data).encode('utf-8'), secret, vault_id='iots') for data in self.versions]

    def write(self, version):
        if self.spec['target'] == 'token_cache':
            self.tier.write(self.key, self.versions[version])
        else:
            self._write_vars_file(version)

    def write_as_next_run(self, version):
        """A later write, as the next run makes it, after the killed writers' temp files have aged."""
        if self.spec['target'] == 'token_cache':
            old = time.time() - 3600
            for name in self.leftovers():
                os.utime(os.path.join(self.spec['directory'], name), (old, old))
            self.tier.write(self.key, self.versions[version])
        else:
            self._write_vars_file(version)

    def _write_vars_file(self, version):
        """What the vault_vars action does: under the directory lock, every temp file left is dead."""
        directory, name = os.path.split(self.path)
        with _private_files.exclusive_lock(directory, 5):
            _private_files.write_private_file(directory, name, self.ciphertexts[version], mode=0o600, dead_after=0)

    def which_version(self):
        """0 (old), 1 (new), or a description of what is wrong."""
        if self.spec['target'] == 'token_cache':
            entry = self.tier.read(self.key)
            for index, version in enumerate(self.versions):
                if entry == version:
                    return index
            return 'unreadable or another entry: %r' % (entry,)
        with open(self.path, 'rb') as handle:
            data = handle.read()
        if data in self.ciphertexts:
            index = self.ciphertexts.index(data)
            current = _vars_file.read_current(self.path, VaultCodec(self.secrets))
            if current.data != self.versions[index]:
                return 'decrypts to other data'
            return index
        return 'neither version: %d bytes' % len(data)

    def lock_is_free(self):
        """True when the lock the writer held can be taken at once (the kernel dropped it)."""
        if self.spec['target'] == 'token_cache':
            path = os.path.join(self.spec['directory'], self.key + _token_cache.LOCK_SUFFIX)
            if not os.path.exists(path):
                return True  # plain writes take no lock
        else:
            path = os.path.dirname(self.path)
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def leftovers(self):
        directory = os.path.dirname(self.path)
        return sorted(name for name in os.listdir(directory) if name.endswith('.tmp'))


def child_writes_forever(target, ready):
    """The writer: new, old, new, ... until killed; says once that the first rewrite started."""
    os.write(ready, b'x')
    version = 1
    while True:
        target.write(version)
        version = 1 - version


def child_pauses(target, ready, point):
    """The writer of the new version, stopped for ever at ``point``."""
    real_fsync, real_replace = os.fsync, os.replace
    calls = {'fsync': 0}

    def stop():
        os.write(ready, b'x')
        while True:
            time.sleep(60)

    def fsync(fd):
        calls['fsync'] += 1
        if point == 'before_fsync' and calls['fsync'] == 1:
            stop()
        if point == 'after_replace' and calls['fsync'] == 2:
            stop()  # the directory sync that follows the rename
        return real_fsync(fd)

    def replace(source, destination):
        if point == 'before_replace':
            stop()
        return real_replace(source, destination)

    if point == 'holding_the_fetch_lock':
        # As a lookup that fetched a token: it writes the entry under the entry's lock.
        with target.tier.lock(target.key, 5):
            target.write(1)
            stop()
    os.fsync, os.replace = fsync, replace
    target.write(1)
    stop()  # a writer without a second fsync (should not happen) still waits to be killed


def run_child(function, *args):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            function(args[0], write_end, *args[1:])
        finally:
            os._exit(1)
    os.close(write_end)
    return pid, read_end


def kill(pid, read_end, delay):
    os.read(read_end, 1)  # the writer has started
    os.close(read_end)
    if delay:
        time.sleep(delay)
    started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return time.monotonic() - started


def round_result(target, how):
    version = target.which_version()
    return {'how': how, 'version': version, 'lock_free': target.lock_is_free(), 'leftovers': len(target.leftovers())}


def main():
    spec = json.loads(sys.argv[1])
    target = Target(spec)
    rng = random.Random(spec.get('seed', 0))
    results = []
    target.write(0)
    for point in TOKEN_CACHE_PAUSE_POINTS if spec['target'] == 'token_cache' else PAUSE_POINTS:
        target.write(0)
        pid, ready = run_child(child_pauses, target, point)
        kill(pid, ready, 0)
        results.append(round_result(target, point))
    for dummy in range(spec['rounds']):
        pid, ready = run_child(child_writes_forever, target)
        kill(pid, ready, rng.uniform(0, spec.get('max_delay', 0.03)))
        results.append(round_result(target, 'random'))
    left_by_kills = target.leftovers()
    # The next writer works: the new version, then the old one, written and read back.
    next_ok = True
    for version in (1, 0):
        target.write_as_next_run(version)
        next_ok = next_ok and target.which_version() == version
    print(json.dumps({'rounds': results, 'next_write_works': next_ok, 'left_by_kills': left_by_kills, 'left_after_next_write': target.leftovers()}))


if __name__ == '__main__':
    main()
