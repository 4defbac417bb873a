# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's metadata agrees with its code.

* Every IoTS module (plugins/modules/iots_*.py) is in the ``iots`` action group of meta/runtime.yml
  and documents it (extends ``wso2.iots.attributes.action_group``), and nothing else is
  (community.hashi_vault #251: modules forgotten in the group).
* galaxy.yml has what ansible-galaxy and Galaxy need, with licences that exist in LICENSES/.
* requires_ansible, the version matrix (noxfile.py) and the execution-environment requirements
  match what the code imports.
"""

import ast
import os
import re
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_yaml(*parts):
    with open(os.path.join(REPO, *parts)) as stream:
        return yaml.safe_load(stream)


def python_files(*parts):
    top = os.path.join(REPO, *parts)
    for directory, _dirs, files in os.walk(top):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(directory, name)


@pytest.fixture(scope='module')
def runtime():
    return load_yaml('meta', 'runtime.yml')


@pytest.fixture(scope='module')
def galaxy():
    return load_yaml('galaxy.yml')


class TestActionGroup:
    def test_group_is_sorted_and_has_no_duplicates(self, runtime):
        group = runtime['action_groups']['iots']
        assert group == sorted(set(group))

    def test_the_fragment_names_the_group(self):
        from ansible_collections.wso2.iots.plugins.doc_fragments.attributes import ModuleDocFragment

        attributes = yaml.safe_load(ModuleDocFragment.ACTION_GROUP)['attributes']
        assert attributes['action_group']['membership'] == ['wso2.iots.iots']


class TestGalaxy:
    def test_identity(self, galaxy):
        assert galaxy['namespace'] == 'wso2'
        assert galaxy['name'] == 'iots'
        assert re.match(r'^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$', str(galaxy['version']))

    @pytest.mark.parametrize('key', ['readme', 'authors', 'description', 'license', 'tags', 'build_ignore'])
    def test_has(self, galaxy, key):
        assert galaxy.get(key), 'galaxy.yml needs %s' % key

    def test_readme_exists(self, galaxy):
        assert os.path.isfile(os.path.join(REPO, galaxy['readme']))

    def test_every_licence_has_its_text(self, galaxy):
        for licence in galaxy['license']:
            assert os.path.isfile(os.path.join(REPO, 'LICENSES', licence + '.txt')), licence

    def test_license_and_license_file_are_exclusive(self, galaxy):
        assert not (galaxy.get('license') and galaxy.get('license_file'))

    def test_tags_are_what_galaxy_accepts(self, galaxy):
        assert len(galaxy['tags']) <= 20
        for tag in galaxy['tags']:
            assert re.match(r'^[a-z][a-z0-9_]{0,63}$', tag), tag

    def test_no_link_to_a_place_that_is_not_there(self, galaxy):
        # The optional links stay out until the collection has a public home; when they come back, https only.
        for key in ('repository', 'documentation', 'homepage', 'issues'):
            assert galaxy.get(key) is None or galaxy[key].startswith('https://'), key
            assert 'wso2-iots/ansible-collection-wso2-iots' not in (galaxy.get(key) or ''), key

    def test_no_dependencies(self, galaxy):
        assert not galaxy.get('dependencies')

    @pytest.mark.parametrize(
        'path',
        [
            'tests',
            'scripts',
            'benchmarks',
            '.ci',
            'noxfile.py',
            'antsibull-nox.toml',
            'ruff.toml',
            '.pylintrc',
            '.mypy.ini',
            '.yamllint-docs',
            '.venvs',
            '.build',
            '.nox',
        ],
    )
    def test_development_files_stay_out_of_the_tarball(self, galaxy, path):
        assert path in galaxy['build_ignore']


class TestVersions:
    def test_requires_ansible_is_a_lower_bound(self, runtime):
        assert re.match(r'^>=2\.\d+\.\d+$', runtime['requires_ansible'])

    def test_the_matrix_starts_at_requires_ansible(self, runtime):
        with open(os.path.join(REPO, 'noxfile.py')) as source:
            tree = ast.parse(source.read())
        matrix = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'MATRIX')
        minors = sorted(int(release.split('.')[1]) for release in matrix)
        lowest = int(runtime['requires_ansible'].split('.')[1])
        assert minors[0] == lowest
        assert minors == list(range(lowest, minors[-1] + 1)), 'the matrix skips a release'


def requirement_names(*parts):
    names = set()
    with open(os.path.join(REPO, *parts)) as requirements:
        for line in requirements:
            line = line.split('#', 1)[0].strip()
            if line:
                names.add(re.split(r'[\s<>=!~;\[]', line, maxsplit=1)[0].lower().replace('_', '-'))
    return names


class TestExecutionEnvironment:
    # Imports that ansible-core itself brings (its own dependencies) need no requirement.
    FROM_ANSIBLE_CORE = {'ansible', 'ansible_collections', 'jinja2', 'yaml', 'cryptography', 'packaging', 'resolvelib', 'markupsafe'}

    def test_builder_metadata_points_at_the_requirements(self):
        metadata = load_yaml('meta', 'execution-environment.yml')
        assert metadata['version'] == 1
        assert os.path.isfile(os.path.join(REPO, metadata['dependencies']['python']))

    def test_requirement_files_agree(self):
        assert requirement_names('requirements.txt') == requirement_names('meta', 'ee-requirements.txt')

    @pytest.mark.skipif(sys.version_info < (3, 10), reason='sys.stdlib_module_names is new in Python 3.10')
    def test_every_third_party_import_is_a_requirement(self):
        listed = requirement_names('meta', 'ee-requirements.txt')
        third_party = {}
        for path in python_files('plugins'):
            with open(path) as source:
                tree = ast.parse(source.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split('.')[0]
                    if top not in sys.stdlib_module_names and top not in self.FROM_ANSIBLE_CORE and top != '__future__':
                        third_party.setdefault(top.lower().replace('_', '-'), os.path.relpath(path, REPO))
        unlisted = {name: path for name, path in third_party.items() if name not in listed}
        assert not unlisted, 'imported but not in meta/ee-requirements.txt and requirements.txt: %s' % unlisted
        assert 'requests' in third_party


class TestSuites:
    """tests/pytest-suites.txt names every test folder: a folder it does not list would pass unnoticed,
    without running."""

    @staticmethod
    def listed_suites():
        with open(os.path.join(REPO, 'tests', 'pytest-suites.txt')) as listing:
            return [line.split()[0] for line in listing if line.split('#', 1)[0].strip()]

    def test_every_folder_with_tests_is_a_suite(self):
        with_tests = sorted(
            'tests/' + name
            for name in os.listdir(os.path.join(REPO, 'tests'))
            if any(
                files for _dir, _dirs, files in os.walk(os.path.join(REPO, 'tests', name)) if any(f.startswith('test_') and f.endswith('.py') for f in files)
            )
        )
        assert sorted(self.listed_suites()) == with_tests


def plugin_doc_blocks():
    """(file, name, text) of every DOCUMENTATION, EXAMPLES and RETURN string of the plugins and the event source."""
    found = []
    for folder in ('plugins', os.path.join('extensions', 'eda', 'plugins')):
        for directory, _dirs, files in os.walk(os.path.join(REPO, folder)):
            for name in sorted(files):
                if not name.endswith('.py'):
                    continue
                path = os.path.join(directory, name)
                with open(path) as source:
                    tree = ast.parse(source.read())
                for node in tree.body:
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') in ('DOCUMENTATION', 'EXAMPLES', 'RETURN'):
                        found.append((os.path.relpath(path, REPO), node.targets[0].id, node.value.value))
    return found


@pytest.mark.parametrize('path, block, text', plugin_doc_blocks(), ids=lambda value: value if isinstance(value, str) and '\n' not in value else None)
def test_every_plugin_doc_block_is_yaml(path, block, text):
    """A plain YAML line holding ': ' (or '#') breaks a module's documentation: ansible-doc, sanity and
    galaxy-importer then fail, each slowly and far from the line; this names it in a second."""
    try:
        list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        pytest.fail('%s %s is not YAML: %s' % (path, block, ' '.join(str(exc).split())))
