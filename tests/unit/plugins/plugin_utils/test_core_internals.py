# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The core-internals guard: saved definitions equal Ansible's own parse, the switch, and every fallback.

Each probe runs in a fresh Python process, as an Ansible worker does: plugin definitions and
loaded modules are process-wide. The matrix runs this file on every supported ansible-core.
"""

import json
import os
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from ansible import constants as C

from ansible_collections.wso2.iots.plugins.plugin_utils import _core_internals
from ansible_collections.wso2.iots.plugins.plugin_utils._core_internals import _bytecode, _option_definitions

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
LOOKUP = 'ansible_collections.wso2.iots.plugins.lookup.iots_bearer'
OWN_MODULES = (
    'plugin_utils._token_cache',
    'plugin_utils._lookup_base',
    'module_utils._oauth',
    'plugin_utils._core_internals._bytecode',
    'plugin_utils._core_internals._option_definitions',
)

# What a worker does, reported as JSON: how the definitions and our modules were obtained.
PROBE = textwrap.dedent(
    '''
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    from ansible import constants as C
    import ansible.plugins.loader as plugin_loader
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    C.ANSIBLE_HOME = sys.argv[2]
    parsed = []
    real_add_fragments = plugin_loader.add_fragments
    def add_fragments(*args, **kwargs):
        parsed.append(True)
        return real_add_fragments(*args, **kwargs)
    plugin_loader.add_fragments = add_fragments
    loader = DataLoader()
    plugin = plugin_loader.lookup_loader.get('wso2.iots.iots_bearer', loader=loader, templar=Templar(loader=loader))
    plugin.set_own_options({'iots_url': 'https://127.0.0.1:9'}, {})
    lookup = sys.modules[type(plugin).__module__]
    lookup.OPTION_DEFINITIONS.save(plugin)
    loaders = {}
    for name in %r:
        module = sys.modules['ansible_collections.wso2.iots.plugins.' + name]
        loaders[name] = type(module.__spec__.loader).__name__
    print(json.dumps({'parsed': bool(parsed), 'loaders': loaders,
                      'options': dict((k, v) for k, v in plugin.get_options().items())}, default=str))
'''
    % (OWN_MODULES,)
)


def run_probe(ansible_home, **environ):
    env = dict(os.environ, **environ)
    probe = subprocess.run([sys.executable, '-c', PROBE, TESTS, str(ansible_home)], env=env, capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    return json.loads(probe.stdout)


def saved_files(ansible_home):
    directory = os.path.join(str(ansible_home), *_option_definitions.DEFINITIONS_DIR)
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


@pytest.fixture(autouse=True)
def without_switch(monkeypatch):
    monkeypatch.delenv(_core_internals.SWITCH, raising=False)


# ---------------------------------------------------------------------------- the definitions

COMPARE = textwrap.dedent('''
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    from ansible import constants as C
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import lookup_loader
    try:
        from ansible.module_utils._internal._datatag import AnsibleTagHelper
    except ImportError:  # ansible-core < 2.19: no tags
        AnsibleTagHelper = None
    os.environ['IOTS_BEARER_CORE_SHIMS'] = 'false'  # Ansible's own parse
    plugin = lookup_loader.get('wso2.iots.iots_bearer', loader=DataLoader())
    parsed = C.config.get_configuration_definitions('lookup', plugin._load_name)
    saved = json.loads(json.dumps(plugin.option_definitions, sort_keys=True))
    differences, tag_types, templates = [], set(), []
    VALUE_KEYS = ('default', 'choices', 'type', 'elements', 'required', 'env', 'ini', 'vars', 'name', 'section', 'key')

    def compare(mine, theirs, path, holds_values):
        if AnsibleTagHelper:
            base = AnsibleTagHelper.base_type(mine)
        else:  # < 2.19: AnsibleMapping, AnsibleUnicode, ... are the plain types plus a YAML position
            base = next((t for t in (bool, int, float, str, dict, list) if isinstance(mine, t)), type(mine))
        if AnsibleTagHelper:
            tag_types.update(t.__name__ for t in AnsibleTagHelper.tag_types(mine))
        if base is not type(theirs):
            differences.append('%s: %s != %s' % (path, base.__name__, type(theirs).__name__))
        elif isinstance(mine, dict):
            if sorted(mine) != sorted(theirs):
                differences.append('%s: keys %s != %s' % (path, sorted(mine), sorted(theirs)))
            for key in mine:
                compare(mine[key], theirs.get(key), path + '.' + key, holds_values or key in VALUE_KEYS)
        elif isinstance(mine, list):
            if len(mine) != len(theirs):
                differences.append('%s: length' % path)
            for index, (a, b) in enumerate(zip(mine, theirs)):
                compare(a, b, '%s[%d]' % (path, index), holds_values)
        elif mine != theirs:
            differences.append('%s: %r != %r' % (path, mine, theirs))
        if holds_values and isinstance(mine, str) and ('{{' in mine or '{%' in mine):
            templates.append(path)

    compare(parsed, saved, 'options', False)
    print(json.dumps({'count': len(parsed), 'differences': differences, 'tag_types': sorted(tag_types),
                      'templates': templates}))
''')


def test_saved_definitions_equal_ansibles_own_parse():
    """On 2.19+ the parse tags values; the copy equals it value for value and type for type, and no tag matters.

    TrustedAsTemplate only matters for a value that holds a template, and no default, choice or
    source name does; Origin only says where a value came from in messages.
    """
    probe = subprocess.run([sys.executable, '-c', COMPARE, TESTS], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result['count'] > 20
    assert result['differences'] == []
    assert set(result['tag_types']) <= {'Origin', 'TrustedAsTemplate'}
    assert result['templates'] == []


def test_a_worker_with_saved_definitions_gets_the_options_a_parse_gives(tmp_path):
    first = run_probe(tmp_path / 'home')
    later = run_probe(tmp_path / 'home')
    assert first['parsed'] is True and later['parsed'] is False
    assert later['options'] == first['options']


# ---------------------------------------------------------------------------- the switch


def test_the_switch_turns_both_shortcuts_off(tmp_path):
    on = run_probe(tmp_path / 'home')
    assert set(on['loaders'].values()) == {'SourceFileLoader'}
    off = run_probe(tmp_path / 'home', IOTS_BEARER_CORE_SHIMS='false')
    assert off['parsed'] is True  # the saved file exists, but is not used
    assert 'SourceFileLoader' not in off['loaders'].values()
    assert off['options'] == on['options']


def test_with_the_switch_off_nothing_is_saved(tmp_path):
    run_probe(tmp_path / 'home', IOTS_BEARER_CORE_SHIMS='0')
    assert saved_files(tmp_path / 'home') == []


@pytest.mark.parametrize(
    'value, enabled', [('', True), ('true', True), ('1', True), ('false', False), ('False', False), ('no', False), ('off', False), ('0', False)]
)
def test_switch_values(value, enabled):
    assert _core_internals.enabled({_core_internals.SWITCH: value}) is enabled


# ---------------------------------------------------------------------------- fallbacks


def test_an_unwritable_ansible_home_costs_only_the_speed(tmp_path):
    blocker = tmp_path / 'home'
    blocker.write_text('a file where a directory should be')  # fails for root too
    first = run_probe(blocker)
    later = run_probe(blocker)
    assert first['parsed'] is True and later['parsed'] is True
    assert later['options'] == first['options']


def test_any_exception_in_the_config_calls_falls_back_to_the_parse(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('an ansible-core that changed')

    monkeypatch.setattr(C.config, 'has_configuration_definition', broken, raising=False)
    definitions = _option_definitions.SavedOptionDefinitions('lookup', LOOKUP + '_probe', 'options: {}')
    assert definitions.register() is False
    assert definitions.needs_saving is False


# Importing the package when importlib's file loader fails (an ansible-core or Python that changed).
BROKEN_FILE_LOADER = textwrap.dedent('''
    import importlib.util, json, sys
    sys.path.insert(0, sys.argv[1])
    import conftest  # the collection finder
    def broken(*args, **kwargs):
        raise RuntimeError('no file loader')
    importlib.util.spec_from_file_location = broken
    from ansible_collections.wso2.iots.plugins.plugin_utils import _core_internals
    (module,) = _core_internals.load_modules(('plugin_utils._core_internals._option_definitions',))
    definitions = module.SavedOptionDefinitions('lookup', 'probe', 'options: {}')
    print(json.dumps(dict((name, type(sys.modules[_core_internals.__name__ + '.' + name].__spec__.loader).__name__)
                          for name in ('_bytecode', '_option_definitions'))))
''')


def test_the_package_imports_its_modules_as_usual_when_the_file_loader_fails():
    probe = subprocess.run([sys.executable, '-c', BROKEN_FILE_LOADER, TESTS], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    assert 'SourceFileLoader' not in json.loads(probe.stdout).values()


def test_the_code_compiled_from_source_in_every_worker_stays_short():
    """The collection loader compiles the package's __init__ from source in each worker: only the loader is there."""
    import ast

    with open(_core_internals.__file__) as handle:
        tree = ast.parse(handle.read())
    code = [node for node in tree.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    lines = sum(node.end_lineno - node.lineno + 1 for node in code)
    assert lines <= 25, lines


def test_a_module_that_cannot_be_loaded_from_its_file_is_imported_as_usual(monkeypatch):
    import importlib

    monkeypatch.setattr(_bytecode, 'PLUGINS_DIR', '/nonexistent')
    name = 'ansible_collections.wso2.iots.plugins.module_utils._errors'
    package = importlib.import_module('ansible_collections.wso2.iots.plugins.module_utils')
    # the module of this session comes back afterwards, so other tests keep their IotsError class
    monkeypatch.setattr(package, '_errors', getattr(package, '_errors', None), raising=False)
    monkeypatch.delitem(sys.modules, name, raising=False)
    (module,) = _core_internals.load_modules(('module_utils._errors',))
    assert module.__name__ == name and hasattr(module, 'IotsError')


def test_definitions_of_other_code_are_pruned_after_a_day(tmp_path, monkeypatch):
    monkeypatch.setattr(C, 'ANSIBLE_HOME', str(tmp_path))
    directory = tmp_path.joinpath(*_option_definitions.DEFINITIONS_DIR)
    directory.mkdir(parents=True, mode=0o700)
    stale, recent, foreign = (directory / 'iots_bearer-0000.json', directory / 'iots_bearer-1111.json', directory / 'other-2222.json')
    for path in (stale, recent, foreign):
        path.write_text('{}')
    old = time.time() - 2 * _option_definitions.STALE_DEFINITIONS_AGE
    for path in (stale, foreign):
        os.utime(str(path), (old, old))

    class Plugin(object):
        _load_name = LOOKUP
        option_definitions = {'url': {'type': 'str'}}

    definitions = _option_definitions.SavedOptionDefinitions('lookup', LOOKUP, 'options: {}')
    definitions.needs_saving = True
    definitions.save(Plugin())
    current = os.path.basename(definitions.path())
    assert sorted(os.listdir(str(directory))) == sorted([current, recent.name, foreign.name])


# ---------------------------------------------------------------------------- the bundle of code objects

BUNDLED = ('module_utils._urls', 'module_utils._registration')


@pytest.fixture
def bundle_dir(tmp_path, monkeypatch):
    """A fresh BUNDLE_DIR, and the bundled modules unloaded (this session's copies come back afterwards)."""
    import importlib

    monkeypatch.setattr(_bytecode, 'BUNDLE_DIR', str(tmp_path / 'bundles'))
    package = importlib.import_module('ansible_collections.wso2.iots.plugins.module_utils')
    for name in BUNDLED:
        leaf = name.rpartition('.')[2]
        monkeypatch.setattr(package, leaf, getattr(package, leaf, None), raising=False)
        monkeypatch.delitem(sys.modules, '%s.%s' % (_bytecode.PACKAGE, name), raising=False)
    return tmp_path / 'bundles'


def unload_bundled():
    for name in BUNDLED:
        sys.modules.pop('%s.%s' % (_bytecode.PACKAGE, name), None)


def test_several_modules_are_loaded_from_one_bundle_made_by_the_first_load(bundle_dir, monkeypatch):
    first = _core_internals.load_modules(BUNDLED)
    (bundle,) = bundle_dir.iterdir()
    assert [module.__name__ for module in first] == ['%s.%s' % (_bytecode.PACKAGE, n) for n in BUNDLED]
    assert first[0].join_url('https://h', '/token') == 'https://h/token'
    unload_bundled()
    compiled = []
    monkeypatch.setattr(_bytecode, '_compile', compiled.append)
    later = _core_internals.load_modules(BUNDLED)
    assert compiled == []  # from the bundle
    assert later[1].validate_token_type('JWT') == 'JWT'
    assert type(later[0].__spec__.loader).__name__ == 'SourceFileLoader'
    assert list(bundle_dir.iterdir()) == [bundle]


def test_the_bundle_is_written_by_the_one_atomic_write_as_code_not_as_a_secret(bundle_dir, monkeypatch):
    from ansible_collections.wso2.iots.plugins.plugin_utils import _private_files

    writes = []
    real = _private_files.replace_file

    def spy(directory, name, data, mode, *args):
        writes.append((directory, mode))
        return real(directory, name, data, mode, *args)

    monkeypatch.setattr(_private_files, 'replace_file', spy)
    _core_internals.load_modules(BUNDLED)
    assert writes == [(str(bundle_dir), 0o644)]
    (bundle,) = bundle_dir.iterdir()
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o644


def test_a_changed_source_file_makes_a_new_bundle(bundle_dir, monkeypatch):
    _core_internals.load_modules(BUNDLED)
    unload_bundled()
    real_stat = os.stat

    def touched(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        if str(path).endswith('_urls.py'):
            return os.stat_result(result[:8] + (result.st_mtime + 1, result.st_ctime))
        return result

    monkeypatch.setattr(_bytecode.os, 'stat', touched)
    compiled = []
    real_compile = _bytecode._compile
    monkeypatch.setattr(_bytecode, '_compile', lambda path: compiled.append(path) or real_compile(path))
    _core_internals.load_modules(BUNDLED)
    assert len(compiled) == len(BUNDLED)


def test_a_damaged_bundle_is_made_again(bundle_dir):
    _core_internals.load_modules(BUNDLED)
    (bundle,) = bundle_dir.iterdir()
    bundle.write_bytes(b'\x00 not marshal data')
    unload_bundled()
    (urls, registration) = _core_internals.load_modules(BUNDLED)
    assert hasattr(urls, 'join_url') and hasattr(registration, 'validate_grant_types')
    assert bundle.read_bytes() != b'\x00 not marshal data'


def test_an_unwritable_bundle_directory_loads_each_module_as_before(tmp_path, bundle_dir, monkeypatch):
    blocker = tmp_path / 'file'
    blocker.write_text('a file where a directory should be')
    monkeypatch.setattr(_bytecode, 'BUNDLE_DIR', str(blocker / 'bundles'))
    each = []
    real_load = _bytecode.load_with_bytecode
    monkeypatch.setattr(_bytecode, 'load_with_bytecode', lambda name: each.append(name) or real_load(name))
    modules = _core_internals.load_modules(BUNDLED)
    assert each == [module.__name__ for module in modules]  # each from its own .pyc, as a read-only install ships
    assert hasattr(modules[0], 'join_url')
