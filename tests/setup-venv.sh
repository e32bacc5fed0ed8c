#!/usr/bin/env bash
# Creates (or refreshes) the development virtualenv .venv with tests/requirements.txt.
# Python: $PRIVX_PYTHON, else the first Python >= 3.12 found (ansible-core 2.21 needs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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

stamp=.venv/.requirements.sha256
wanted=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    exit 0
fi
python=$(find_python)
echo "setup-venv: creating .venv with $python"
rm -rf .venv
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r tests/requirements.txt
echo "$wanted" > "$stamp"
