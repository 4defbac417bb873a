# shellcheck shell=bash
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by scripts/test and scripts/demo: makes .venvs/nox (nox and antsibull-nox, from
# tests/nox-requirements.txt) once, then run_nox ARGS... hands over to nox in the repository.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venvs/nox"
REQUIREMENTS="$REPO/tests/nox-requirements.txt"

# Python 3.12 or 3.13 on PATH or under pyenv (whose shims run only the active version).
find_python() {
    local candidate
    for candidate in python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3; do
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] not in ((3, 12), (3, 13)))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ ! -x "$VENV/bin/nox" ]] || ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
    PYTHON="$(find_python)" || {
        echo "wso2.iots needs Python 3.12 or 3.13 (e.g. 'pyenv install 3.13')." >&2
        exit 1
    }
    echo "Making $VENV with $PYTHON" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || exit 1
    # This machine's pip configuration names local mirror folders that may be absent: not news.
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" 2>&1 |
        { grep -v "^WARNING: Location 'file://.*' is ignored" >&2 || true; }
    ((PIPESTATUS[0] == 0)) || exit 1
    cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

run_nox() {
    cd "$REPO" && exec "$VENV/bin/nox" "$@"
}
