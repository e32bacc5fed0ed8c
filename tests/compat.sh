#!/usr/bin/env bash
# The unit and integration tests once more with the oldest supported ansible-core (2.16), on Python 3.10 or 3.11
# (ansible-core 2.16's controller range). Skips, saying so, when no such Python is found.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

python=""
candidates=("${PRIVX_COMPAT_PYTHON:-}" python3.11 python3.10 python3)
if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.1[01].*/bin/python)
fi
for candidate in "${candidates[@]}"; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info < (3, 12))' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "compat: no Python 3.10 or 3.11 found; skipping the ansible-core 2.16 run"
    exit 0
fi

venv=$repo/.venv-compat
stamp=$venv/.requirements.sha256
wanted=$(sha256sum tests/requirements-compat.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "compat: creating .venv-compat with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r tests/requirements-compat.txt
    echo "$wanted" > "$stamp"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/collections/ansible_collections/privx"
ln -s "$repo" "$scratch/collections/ansible_collections/privx/secrets"
echo "== compat: $("$venv/bin/ansible" --version | head -1) on $("$venv/bin/python" --version)"
PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$scratch/collections "$venv/bin/python" -m pytest tests/unit tests/integration "$@"
