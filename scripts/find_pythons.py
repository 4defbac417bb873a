# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find CPython interpreters by minor version: on PATH, under pyenv, in the usual system places.

A pyenv shim answers to every ``python3.X`` name but only runs the versions pyenv has activated,
and a Debian interpreter may lack venv/ensurepip; so each candidate is run once to prove that it
is the version it claims and that it can make a virtual environment.

Used by scripts/test and scripts/demo (to pick the interpreter of their virtualenv), by
scripts/sanity.py (ansible-test looks for ``python3.X`` on PATH) and by noxfile.py.

    find_pythons.py best 3.13 3.12      print the first of these versions that works, else exit 1
    find_pythons.py link DIR 3.9 3.14   make DIR/python3.X symlinks for every version found
    find_pythons.py list 3.10 3.13      print "3.X path" for every version found
"""

import glob
import os
import re
import shutil
import subprocess
import sys

# Prints "3.X /path/of/the/interpreter": a pyenv shim names the interpreter it runs.
_PROBE = 'import sys, venv, ensurepip; sys.stdout.write("%d.%d %s" % (sys.version_info[:2] + (sys.executable,)))'
_probed = {}


def pyenv_root():
    """The pyenv root directory, or None when pyenv is not there."""
    root = os.environ.get('PYENV_ROOT')
    if not root and shutil.which('pyenv'):
        try:
            root = subprocess.run(['pyenv', 'root'], capture_output=True, text=True, timeout=30, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = None
    if not root:
        root = os.path.expanduser('~/.pyenv')
    return root if os.path.isdir(root) else None


def _patch_level(path, minor):
    """Sort key for .../versions/3.12.7/bin/python3.12: newest patch release first."""
    match = re.search(re.escape(minor) + r'\.(\d+)' + re.escape(os.sep), path)
    return int(match.group(1)) if match else -1


def candidates(minor):
    """Paths that may run Python ``minor`` (e.g. '3.12'), most preferred first."""
    name = 'python' + minor
    found = shutil.which(name)
    if found:
        yield found
    root = pyenv_root()
    if root:
        # Only plain CPython releases: no 3.13t (free-threaded), -dev or -rc builds.
        paths = [path for path in glob.glob(os.path.join(root, 'versions', minor + '.*', 'bin', name))
                 if re.search(re.escape(minor) + r'\.\d+' + re.escape(os.sep), path)]
        yield from sorted(paths, key=lambda path: _patch_level(path, minor), reverse=True)
    for directory in ('/usr/local/bin', '/usr/bin'):
        yield os.path.join(directory, name)


def probe(path, minor):
    """The real executable behind ``path`` when it runs Python ``minor`` and can make a virtualenv, else None."""
    if path not in _probed:
        try:
            result = subprocess.run([path, '-c', _PROBE], capture_output=True, text=True, timeout=60, check=False)
            version, _sep, executable = result.stdout.strip().partition(' ')
            _probed[path] = (version, executable) if result.returncode == 0 and executable else None
        except (OSError, subprocess.SubprocessError):
            _probed[path] = None
    found = _probed[path]
    # The real file: a venv's python or a link in our own python3.X folder would make a new
    # virtualenv depend on another one, or a link point at itself.
    return os.path.realpath(found[1]) if found and found[0] == minor else None


def find(minor):
    """The path of a working Python ``minor``, or None."""
    for path in candidates(minor):
        if os.path.isfile(path) and os.access(path, os.X_OK):
            executable = probe(path, minor)
            if executable:
                return executable
    return None


def find_all(minors):
    """{minor: path} for every version in ``minors`` that is available."""
    found = {}
    for minor in minors:
        path = find(minor)
        if path:
            found[minor] = path
    return found


def link(directory, minors):
    """Make ``directory``/python3.X symlinks to the interpreters found; return {minor: path}."""
    os.makedirs(directory, exist_ok=True)
    found = find_all(minors)
    for minor, path in found.items():
        target = os.path.join(directory, 'python' + minor)
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(path, target)
    return found


def _version_key(minor):
    return tuple(int(part) for part in minor.split('.'))


def main(argv):
    if len(argv) < 2 or argv[0] not in ('best', 'link', 'list'):
        sys.stderr.write(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == 'best':
        for minor in args:
            path = find(minor)
            if path:
                print(path)
                return 0
        return 1
    if command == 'link':
        found = link(args[0], args[1:])
        for minor in sorted(found, key=_version_key):
            print('%s %s' % (minor, found[minor]))
        return 0
    for minor, path in find_all(args).items():
        print('%s %s' % (minor, path))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
