# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""scripts/pythons.py: what scripts/test says about Pythons before it makes anything, and how the demo finds one."""

import importlib.util
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = importlib.util.spec_from_file_location('iots_scripts_pythons', os.path.join(REPO, 'scripts', 'pythons.py'))
pythons = importlib.util.module_from_spec(SPEC)  # type: ignore[arg-type]  # a file spec
SPEC.loader.exec_module(pythons)  # type: ignore[union-attr]  # a file spec has a loader


def test_the_matrix_is_read_from_the_noxfile():
    constants = pythons.noxfile_constants()
    assert constants['OLDEST'] == '2.16' and constants['NEWEST'] in constants['MATRIX']
    needs = dict((version, (sessions, required)) for version, sessions, required in pythons.default_session_needs())
    assert needs[constants['MATRIX']['2.16']] == ('tests-2.16', True)
    assert needs[constants['MATRIX'][constants['NEWEST']]][0].startswith('tests-%s, sanity' % constants['NEWEST'])
    assert needs['3.9'][1] is False  # a module Python of sanity only


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A machine with no Python on PATH and a pyenv root that holds what the test puts there."""
    root = tmp_path / 'pyenv'
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    monkeypatch.setenv('PYENV_ROOT', str(root))

    def install(version):
        minor = version.rsplit('.', 1)[0]
        binary = root / 'versions' / version / 'bin' / ('python' + minor)
        binary.parent.mkdir(parents=True)
        binary.write_text('')
        return str(binary)

    return install


def test_the_newest_python_found_is_chosen_and_its_newest_patch_release(machine):
    assert pythons.newest(['3.10', '3.11', '3.12', '3.13']) is None
    machine('3.11.2')
    assert pythons.newest(['3.10', '3.11', '3.12', '3.13']) == '3.11'
    old, new = machine('3.12.1'), machine('3.12.10')
    assert pythons.newest(['3.10', '3.11', '3.12', '3.13']) == '3.12'
    assert pythons.find('3.12') == new != old


def test_scripts_test_names_the_missing_pythons(machine, capsys):
    machine('3.13.0')
    pythons.main()
    out, err = capsys.readouterr()
    assert 'Python 3.13  found     tests-2.21' in out
    assert 'Python 3.10  MISSING   tests-2.16' in out
    assert 'Python 3.12  MISSING   eda (ansible-rulebook)' in out
    assert 'the sessions on Python 3.10, 3.12 will fail: e.g. pyenv install 3.10 3.12' in err
