#!/usr/bin/env bash
# Creates (or refreshes) a virtualenv from a pinned requirements file, and rebuilds it only when that file changes
# (its sha256 is stamped into the venv). Afterwards, when the venv holds ansible-core, prepares ansible-test's pip
# bootstrap from PyPI (tests/ansible_test_pip.py), so that `ansible-test ... --venv` needs no other download host.
#
# Usage: bash tests/setup-venv.sh [VENV_DIR REQUIREMENTS_FILE]    (default: .venv from tests/requirements.txt)
# Python: $PRIVX_PYTHON, else the first Python >= 3.12 found (ansible-core 2.21 needs it; 2.16 to 2.20 run on it too).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=${1:-.venv}
requirements=${2:-tests/requirements.txt}

python_ok() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
    local candidate
    local candidates=("${PRIVX_PYTHON:-}" python3.14 python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        candidates+=("$(pyenv root)"/versions/3.1[2-9]*/bin/python)
    fi
    for candidate in "${candidates[@]}"; do
        if python_ok "$candidate"; then
            command -v "$candidate" || echo "$candidate"
            return 0
        fi
    done
    echo "setup-venv: no Python 3.12 or newer found; set PRIVX_PYTHON to one" >&2
    return 1
}

stamp=$venv/.requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    python=$(find_python)
    echo "setup-venv: creating $venv from $requirements with $python"
    # A symlinked .venv (a shared, ready venv) is replaced by a private one, never emptied.
    if [ -L "$venv" ]; then rm -f "$venv"; else rm -rf "$venv"; fi
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi

if "$venv/bin/python" -c 'import ansible_test' >/dev/null 2>&1; then
    "$venv/bin/python" tests/ansible_test_pip.py
fi
