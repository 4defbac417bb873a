# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A bytecode cache for the modules' AnsiballZ payloads, in the reliability suite's runs only.

A module runs from a zip file (AnsiballZ), and Python's zipimport compiles every .py it imports
from a zip anew, in every module process: ansible.module_utils.basic and its helpers cost about
0.17 s of CPU per module task, most of what a failing module task costs. PlaybookRunner puts this
directory on PYTHONPATH and names a cache directory in WSO2_IOTS_TEST_ZIP_BYTECODE, so every module
process (and nothing else) keeps the code it compiled: keyed by the Python version, the file's path
inside the zip and the sha256 of its source, so a changed source is compiled again. The code object
is the one compile() gives for that source; only its file name is set to the path of this run.
Without the variable, or on a Python whose zipimport differs, nothing changes.
"""

import hashlib
import marshal
import os
import sys
import zipimport

_DIRECTORY = os.environ.get('WSO2_IOTS_TEST_ZIP_BYTECODE')
_COMPILE = getattr(zipimport, '_compile_source', None)


def _named(code, filename):
    """``code`` and every code object nested in it, with ``filename`` as their file name."""
    consts = tuple(_named(const, filename) if isinstance(const, type(code)) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _compile_source(pathname, source):
    inside = pathname.rsplit('.zip' + os.sep, 1)[-1]
    key = hashlib.sha256(b'\0'.join((sys.version.encode(), inside.encode('utf-8', 'surrogateescape'), source))).hexdigest()
    path = os.path.join(_DIRECTORY, key)
    try:
        with open(path, 'rb') as handle:
            return _named(marshal.loads(handle.read()), pathname)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = _COMPILE(pathname, source)
    try:
        temp = '%s.%d.tmp' % (path, os.getpid())
        with open(temp, 'wb') as handle:
            handle.write(marshal.dumps(code))
        os.replace(temp, path)
    except OSError:
        pass
    return code


if _DIRECTORY and _COMPILE is not None and os.path.isdir(_DIRECTORY):
    zipimport._compile_source = _compile_source
