# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Files that hold secrets on the controller: private directories, safe reads, atomic writes, locks.

The token cache and the vault_vars action both keep credentials in files; this is the one
place that decides how such a file is created, read, replaced and locked. Standard library only.
"""

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time

# A write takes milliseconds: a temp file this old (seconds) was left by a writer that was killed.
DEAD_TEMP_FILE_AGE = 60
# What read_private_file accepts at most; a token entry is a few hundred bytes.
MAX_FILE_BYTES = 64 * 1024
_LOCK_POLL_FIRST = 0.005
_LOCK_POLL_MAX = 0.05
_TEMP_SUFFIX = '.tmp'


class UnusableDirectory(Exception):
    """A directory that is missing, foreign, shared or unwritable; the message is for the user."""


class LockTimeout(Exception):
    """Another process held the lock for longer than the caller wanted to wait."""

    def __init__(self, path, timeout):
        super(LockTimeout, self).__init__('%s stayed locked for %s s' % (path, seconds(timeout)))
        self.path = path
        self.timeout = timeout


def seconds(value):
    """``1.5`` -> ``'1.5'``, ``30.0`` -> ``'30'``: seconds as people write them."""
    return ('%.1f' % value).rstrip('0').rstrip('.')


def make_private_directories(path):
    """Create ``path`` and every missing parent with mode 0700 (os.makedirs gives parents the umask's)."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # made by a parallel process a moment ago
            pass


def ensure_private_directory(path, create_parents=False):
    """Create ``path`` (0700) if needed and check it is ours alone; raises UnusableDirectory.

    Tokens are credentials: a directory another user owns, or that group or others may enter,
    could let them read tokens or plant entries, so it is refused rather than repaired.
    """
    try:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            if create_parents:
                make_private_directories(os.path.dirname(path))
            with contextlib.suppress(FileExistsError):  # another fork made it
                os.mkdir(path, 0o700)
            info = os.stat(path)
    except OSError as exc:
        raise UnusableDirectory('%s cannot be created (%s)' % (path, exc.strerror or exc))
    if not stat.S_ISDIR(info.st_mode):
        raise UnusableDirectory('%s is not a directory' % path)
    if info.st_uid != os.geteuid():
        raise UnusableDirectory('%s is owned by uid %d, not by this user (uid %d)' % (path, info.st_uid, os.geteuid()))
    if info.st_mode & 0o077:
        raise UnusableDirectory('%s is open to group or others (mode %04o); it must be 0700' % (path, stat.S_IMODE(info.st_mode)))
    if not os.access(path, os.W_OK | os.X_OK):
        raise UnusableDirectory('%s is not writable' % path)
    return path


def read_private_file(path, max_bytes=MAX_FILE_BYTES):
    """The bytes of ``path``, or None when it is missing or not a small private file of ours.

    No symlinks, owned by this user, no group or other bits: anything else could have been
    planted, and a planted token would send requests with someone else's credentials.
    """
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077 or info.st_size > max_bytes:
            return None
        chunks = []
        while True:
            chunk = os.read(fd, max_bytes + 1)
            if not chunk:
                break
            chunks.append(chunk)
        return b''.join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_private_file(directory, name, data, mode=0o600, dead_after=DEAD_TEMP_FILE_AGE):
    """Replace the secret ``directory/name`` atomically (see replace_file), mode 0600 unless told.

    The directory's privacy is ensure_private_directory's to check; this only writes.
    """
    replace_file(directory, name, data, mode, dead_after)


def replace_file(directory, name, data, mode, dead_after=DEAD_TEMP_FILE_AGE):
    """Replace ``directory/name`` atomically: temp file in the same dir, fsync, rename, fsync the dir.

    The collection's one atomic write (secrets here, the lookup's code bundle in _core_internals).
    Readers see the old or the new content, never a partial one. A writer killed half-way
    leaves only a temp file; the next write of the same name removes those older than
    ``dead_after`` seconds (0 when the caller holds a lock that every writer takes).
    """
    remove_dead_temp_files(directory, name, dead_after)
    fd, temp_path = tempfile.mkstemp(prefix='.%s.' % name, suffix=_TEMP_SUFFIX, dir=directory)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_path, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    sync_directory(directory)


def remove_dead_temp_files(directory, name, older_than=DEAD_TEMP_FILE_AGE):
    """Delete the temp files of ``name`` that killed writers left (they hold secrets, maybe in plaintext)."""
    prefix = '.%s.' % name
    limit = time.time() - older_than
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for candidate in names:
        if candidate.startswith(prefix) and candidate.endswith(_TEMP_SUFFIX):
            path = os.path.join(directory, candidate)
            with contextlib.suppress(OSError):
                if older_than <= 0 or os.lstat(path).st_mtime < limit:
                    os.unlink(path)


def sync_directory(directory):
    """fsync a directory, so that a rename in it survives a crash (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path, timeout, clock=time.monotonic, sleep=time.sleep):
    """Hold an exclusive flock on ``path`` (a directory, or a lock file created 0600); raises LockTimeout.

    The kernel drops the lock when its holder dies, so a crashed process leaves nothing stale.
    """
    if os.path.isdir(path):
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    else:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
        fd = os.open(path, flags, 0o600)
    try:
        deadline = clock() + timeout
        delay = _LOCK_POLL_FIRST
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
            if clock() >= deadline:
                raise LockTimeout(path, timeout)
            sleep(delay)
            delay = min(delay * 2, _LOCK_POLL_MAX)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
