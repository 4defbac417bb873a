# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run ansible-doc on every plugin and role of wso2.iots found under a collections path.

A plugin file that ansible-doc cannot list, or whose documentation it cannot load or render
(in JSON and as text), or that makes it warn, is a failure. Used by
tests/integration/test_galaxy_build.py on a collection installed from the built tarball.

    doc_every_plugin.py COLLECTIONS_PATH [NAMESPACE.NAME]
"""

import json
import os
import shutil
import subprocess
import sys

# Folder under plugins/ -> ansible-doc type. action, module_utils, plugin_utils and doc_fragments
# have no documentation of their own.
PLUGIN_TYPES = {
    'modules': 'module',
    'lookup': 'lookup',
    'filter': 'filter',
    'test': 'test',
    'callback': 'callback',
    'connection': 'connection',
    'inventory': 'inventory',
    'become': 'become',
    'cache': 'cache',
    'vars': 'vars',
    'strategy': 'strategy',
}
# Files of these types may hold several plugins each, so ansible-doc's list is the only truth.
MULTI_PLUGIN_FILES = ('filter', 'test')


def ansible_doc_command():
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    return beside if os.path.exists(beside) else shutil.which('ansible-doc')


def run_ansible_doc(collections_path, args):
    env = dict(os.environ)
    for key in list(env):
        if key.startswith('ANSIBLE_'):
            del env[key]
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='1')
    return subprocess.run([ansible_doc_command()] + args, env=env, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL)


def files_of(collection_dir, folder):
    """Plugin names as their files spell them: public .py files of plugins/<folder>."""
    directory = os.path.join(collection_dir, 'plugins', folder)
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.splitext(name)[0] for name in os.listdir(directory) if name.endswith('.py') and not name.startswith('_'))


def roles_of(collection_dir):
    directory = os.path.join(collection_dir, 'roles')
    if not os.path.isdir(directory):
        return []
    return sorted(name for name in os.listdir(directory) if os.path.isdir(os.path.join(directory, name)))


def _core_noise(line):
    """ansible-doc -t role (2.19+) warns about ansible-core's own internal collection, whatever role it shows."""
    return "/ansible/_internal/ansible_collections/" in line and 'cannot detect version' in line


def problems_in(result):
    """Why an ansible-doc run does not count as clean, or None."""
    if result.returncode != 0:
        return 'exit %d: %s' % (result.returncode, (result.stderr or result.stdout).strip()[-800:])
    noise = [line for line in result.stderr.splitlines() if ('[WARNING]' in line or '[ERROR]' in line or 'DEPRECATION' in line) and not _core_noise(line)]
    if noise:
        return ' / '.join(noise)[:800]
    return None


def _documented(collections_path, doc_type, plugins):
    """{plugin: (problem or None, short description)} from one JSON and one text run of ansible-doc
    for all of ``plugins``; None when several were asked for and a run was not clean as a whole."""
    as_json = run_ansible_doc(collections_path, ['-t', doc_type, '--json'] + plugins)
    problem = problems_in(as_json)
    docs = {}
    if not problem:
        try:
            docs = json.loads(as_json.stdout)
        except ValueError as exc:
            problem = 'invalid JSON: %s' % exc
    if not problem:
        as_text = run_ansible_doc(collections_path, ['-t', doc_type] + plugins)
        problem = problems_in(as_text)
        if not problem:
            shown = as_text.stdout.lower()
            unshown = [plugin for plugin in plugins if plugin.lower() not in shown]
            problem = 'the text output does not show %s' % ', '.join(unshown) if unshown else None
    if problem and len(plugins) > 1:
        return None
    results = {}
    for plugin in plugins:
        doc = docs.get(plugin) or {}
        if doc_type == 'role':
            entry_points = doc.get('entry_points') or {}
            summary = (entry_points.get('main') or {}).get('short_description', '')
            results[plugin] = (problem or (None if entry_points else 'no entry points (meta/argument_specs.yml)'), summary)
        else:
            summary = (doc.get('doc') or {}).get('short_description', '')
            results[plugin] = (problem or (None if summary else 'no short_description'), summary)
    return results


def check(collections_path, collection='wso2.iots'):
    """Return (lines to print, number of plugins and roles documented, number of failures)."""
    namespace, name = collection.split('.')
    collection_dir = os.path.join(collections_path, 'ansible_collections', namespace, name)
    lines, failures, checked = [], 0, 0
    entries = []
    for folder, doc_type in sorted(PLUGIN_TYPES.items()):
        if not os.path.isdir(os.path.join(collection_dir, 'plugins', folder)):
            continue
        listed = run_ansible_doc(collections_path, ['-t', doc_type, '-l', collection, '--json'])
        problem = problems_in(listed)
        names = sorted(json.loads(listed.stdout or '{}')) if not problem else []
        if problem:
            lines.append('FAIL list %s plugins: %s' % (doc_type, problem))
            failures += 1
        if doc_type not in MULTI_PLUGIN_FILES:
            for missing in sorted(set('%s.%s' % (collection, plugin) for plugin in files_of(collection_dir, folder)) - set(names)):
                lines.append('FAIL %s %s: the file exists but ansible-doc does not list it' % (doc_type, missing))
                failures += 1
        entries.extend((doc_type, plugin) for plugin in names)
    entries.extend(('role', '%s.%s' % (collection, role)) for role in roles_of(collection_dir))

    for doc_type in sorted(set(doc_type for doc_type, dummy in entries)):
        plugins = [plugin for kind, plugin in entries if kind == doc_type]
        checked += len(plugins)
        # One JSON and one text run of ansible-doc for all plugins of a type (each run costs a
        # second or more of CPU); only when one of them fails does each plugin get runs of its own,
        # to name the one that fails.
        together = _documented(collections_path, doc_type, plugins)
        for plugin in plugins:
            problem, summary = together[plugin] if together else _documented(collections_path, doc_type, [plugin])[plugin]
            if problem:
                lines.append('FAIL %s %s: %s' % (doc_type, plugin, problem))
                failures += 1
            else:
                lines.append('ok   %s %s: %s' % (doc_type, plugin, summary))
    if not checked:
        lines.append('FAIL no plugin or role of %s found under %s' % (collection, collections_path))
        failures += 1
    return lines, checked, failures


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        sys.stderr.write(__doc__)
        return 2
    lines, checked, failures = check(argv[0], *argv[1:2])
    print('\n'.join(lines))
    print('ansible-doc: %d plugins and roles documented, %d failures' % (checked, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
