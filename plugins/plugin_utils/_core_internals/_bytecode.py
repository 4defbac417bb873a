# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Internal 2 of the package docstring: ``load_modules``, our modules with their bytecode.

Several modules are loaded from one file of code objects (``BUNDLE_DIR``), made by the first
worker that needs them and used while every source file keeps its size and modification
time: one read and one unmarshal instead of one bytecode file per module.
"""

import hashlib
import importlib
import importlib.util
import marshal
import os
import sys

from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals import enabled

PACKAGE = 'ansible_collections.wso2.iots.plugins'
PLUGINS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '__pycache__')


def debug(message):
    from ansible.utils.display import Display

    Display().vvvv('wso2.iots: %s; using the usual Ansible path' % message)


def source_path(fullname):
    return os.path.join(PLUGINS_DIR, *fullname[len(PACKAGE) + 1 :].split('.')) + '.py'


def load_with_bytecode(fullname):
    """Import one of our modules with importlib's file loader (which keeps bytecode); may raise anything."""
    parent, dummy, leaf = fullname.rpartition('.')
    spec = importlib.util.spec_from_file_location(fullname, source_path(fullname))
    module = sys.modules[fullname] = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]  # a file spec
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]  # a file spec has a loader
    except BaseException:
        del sys.modules[fullname]
        raise
    setattr(importlib.import_module(parent), leaf, module)
    return module


def load_modules(names):
    """Import ``names`` (e.g. ``plugin_utils._token_cache``, dependencies first) keeping their bytecode.

    Returns the modules, however they were loaded: with the switch off, or on any failure, a
    module is imported the usual way.
    """
    fullnames = ['%s.%s' % (PACKAGE, name) for name in names]
    missing = [fullname for fullname in fullnames if fullname not in sys.modules]
    if len(missing) > 1 and enabled():
        try:
            _load_bundle(missing)
        except Exception as exc:  # pylint: disable=broad-except
            debug('%s not loaded from one bundle (%s)' % (', '.join(missing), exc))
    return [_load_module(fullname) for fullname in fullnames]


def _load_bundle(fullnames):
    """Execute the modules ``fullnames`` (dependencies first) from the bundle of their code; may raise anything."""
    paths = [source_path(fullname) for fullname in fullnames]
    stamp = [importlib.util.MAGIC_NUMBER] + [(status.st_mtime_ns, status.st_size) for status in map(os.stat, paths)]
    bundle = os.path.join(
        BUNDLE_DIR, 'modules-%s.%s.bin' % (hashlib.sha256(' '.join(fullnames).encode('utf-8')).hexdigest()[:16], sys.implementation.cache_tag)
    )
    codes = _read_bundle(bundle, stamp)
    if codes is None:
        codes = [_compile(path) for path in paths]
        if not _write_bundle(bundle, marshal.dumps([stamp, codes])):
            return  # each module from its own bytecode, which a read-only install may ship
    for fullname, path, code in zip(fullnames, paths, codes):
        spec = importlib.util.spec_from_file_location(fullname, path)
        module = sys.modules[fullname] = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]  # a file spec
        try:
            exec(code, module.__dict__)  # pylint: disable=exec-used
        except BaseException:
            del sys.modules[fullname]
            raise
        parent, dummy, leaf = fullname.rpartition('.')
        setattr(importlib.import_module(parent), leaf, module)


def _read_bundle(bundle, stamp):
    try:
        with open(bundle, 'rb') as handle:
            saved_stamp, codes = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return codes if saved_stamp == stamp else None


def _compile(path):
    with open(path, 'rb') as handle:
        return compile(handle.read(), path, 'exec', dont_inherit=True)


def _write_bundle(bundle, data):
    """Replace the bundle atomically; False when it cannot be written (a read-only install)."""
    # Imported here: only the worker that makes the bundle writes one.
    from ansible_collections.wso2.iots.plugins.plugin_utils._private_files import replace_file

    try:
        os.makedirs(BUNDLE_DIR, exist_ok=True)
        replace_file(BUNDLE_DIR, os.path.basename(bundle), data, 0o644)  # code, like the .pyc files beside it
    except OSError:
        return False
    return True


def _load_module(fullname):
    module = sys.modules.get(fullname)
    if module is not None:
        return module
    if enabled():
        try:
            return load_with_bytecode(fullname)
        except Exception as exc:  # pylint: disable=broad-except
            debug('%s not loaded from bytecode (%s)' % (fullname, exc))
    return importlib.import_module(fullname)
