# shellcheck shell=bash
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by scripts/test and scripts/demo. find_python: the Python for .venvs/nox; make_nox_venv:
# makes .venvs/nox (nox and antsibull-nox, from tests/nox-requirements.txt) once; run_nox ARGS...
# hands over to nox in the repository.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venvs/nox"
REQUIREMENTS="$REPO/tests/nox-requirements.txt"

# The newest Python from 3.13 down to 3.10 (the collection's controller Pythons) on PATH or under
# pyenv (whose shims run only the active version); python3 too, when it is one of them.
find_python() {
    local candidate root="${PYENV_ROOT:-$HOME/.pyenv}" minor
    local -a candidates=()
    for minor in 13 12 11 10; do
        candidates+=("python3.$minor")
        # newest patch release first
        while IFS= read -r candidate; do
            candidates+=("$candidate")
        done < <(compgen -G "$root/versions/3.$minor.*/bin/python3" | sort -rV)
    done
    candidates+=(python3)
    for candidate in "${candidates[@]}"; do
        if "$candidate" -c 'import sys, venv; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

make_nox_venv() {
    local python="$1"
    if [[ -x "$VENV/bin/nox" ]] && cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
        return 0
    fi
    echo "Making $VENV with $python ($("$python" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])'))" >&2
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || return 1
    # This machine's pip configuration names local mirror folders that may be absent: not news.
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" 2>&1 |
        { grep -v "^WARNING: Location 'file://.*' is ignored" >&2 || true; }
    ((PIPESTATUS[0] == 0)) || return 1
    cp "$REQUIREMENTS" "$VENV/requirements.txt"
}

# shellcheck disable=SC2034  # used by scripts/test and scripts/demo, which source this file
PYTHON="$(find_python)" || {
    echo "wso2.iots needs Python 3.10 or newer (3.10 to 3.13) on PATH or under pyenv (e.g. 'pyenv install 3.13')." >&2
    exit 1
}

run_nox() {
    cd "$REPO" && exec "$VENV/bin/nox" "$@"
}
