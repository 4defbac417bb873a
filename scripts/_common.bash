# shellcheck shell=bash
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What scripts/test and scripts/demo share: finding an interpreter, making a virtualenv that is
# reused while its requirements stay the same, and the symlink tree that lets Ansible load the
# work tree as the wso2.iots collection. Sourced, never run.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$REPO/.build"
COLLECTIONS="$BUILD/collections"

# Prints a header that stands out in a long CI log.
section() {
    printf '\n==== %s ==== [%s]\n' "$*" "$(date +%H:%M:%S)"
}

note() {
    printf '%s\n' "$*" >&2
}

# Any Python 3 that can run scripts/find_pythons.py (it only needs the standard library).
bootstrap_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11 python3.10 /usr/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 7))' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# pick_python 3.13 3.12: the path of the first of these versions that runs and can make a venv.
pick_python() {
    local boot
    boot="$(bootstrap_python)" || {
        note "No Python 3 found on PATH."
        return 1
    }
    "$boot" "$REPO/scripts/find_pythons.py" best "$@"
}

# ensure_venv DIR PYTHON REQUIREMENT-ARG...: make DIR a virtualenv of PYTHON with the requirements
# installed (pip arguments: a requirements file relative to the repository, or a specifier). A
# stamp of the requirements' text lets a second run skip pip entirely; when only the requirements
# changed, pip updates the virtualenv in place; another interpreter means a new virtualenv.
ensure_venv() {
    local dir="$1" python="$2"
    shift 2
    local stamp_file="$dir/.wso2-iots-stamp" version stamp arg
    version="$("$python" -c 'import sys; print(sys.version)')" || return 1
    stamp="$*"
    for arg in "$@"; do
        [[ -f "$REPO/$arg" ]] && stamp+=$'\n'"$(cat "$REPO/$arg")"
    done
    # Requirement files include others (-r unit/requirements.txt): stamp those too.
    for arg in "$REPO"/tests/unit/requirements.txt "$REPO"/tests/integration/requirements.txt; do
        [[ -f "$arg" ]] && stamp+=$'\n'"$(cat "$arg")"
    done
    if [[ -x "$dir/bin/python" && "$("$dir/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)" == "$version" ]]; then
        if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
            note "Reusing virtualenv $dir ($("$dir/bin/python" --version))"
            return 0
        fi
        note "Updating virtualenv $dir: its requirements changed"
    else
        note "Creating virtualenv $dir with $python"
        rm -rf "$dir"
        "$python" -m venv "$dir" || return 1
    fi
    rm -f "$stamp_file"
    local pip_args=() item
    for item in "$@"; do
        if [[ -f "$REPO/$item" ]]; then
            pip_args+=(-r "$REPO/$item")
        else
            pip_args+=("$item")
        fi
    done
    # This machine's pip configuration names local mirror folders that may be absent; pip warns
    # about each on every package, which hides real messages.
    (
        set -o pipefail
        "$dir/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q "${pip_args[@]}" 2>&1 |
            { grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
    ) || {
        note "pip install failed in $dir"
        return 1
    }
    printf '%s' "$stamp" >"$stamp_file"
}

# The work tree as ansible_collections/wso2/iots, so Ansible and pytest load it in place.
collection_tree() {
    mkdir -p "$COLLECTIONS/ansible_collections/wso2"
    ln -sfn "$REPO" "$COLLECTIONS/ansible_collections/wso2/iots"
}
