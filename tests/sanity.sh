#!/usr/bin/env bash
# ansible-test sanity (no ignore file) on a clean copy of the checkout, once per ansible-core version.
# Usage: bash tests/sanity.sh [VERSION ...]    VERSION: 2.16, 2.18, 2.20 (each its own venv from
# tests/requirements-VERSION.txt) or "newest" (the development .venv); default: newest.
# ansible-test keeps its per-test venvs in ~/.ansible/test/venv, keyed by their requirements: made once, then reused.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# ansible-test wants the collection at .../ansible_collections/privx/secrets, without .git or tests/output.
copy=$scratch/ansible_collections/privx/secrets
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$copy/"

for version in "${@:-newest}"; do
    if [ "$version" = newest ]; then
        venv=$repo/.venv
        bash tests/setup-venv.sh
    else
        venv=$repo/.venv-$version
        bash tests/setup-venv.sh "$venv" "tests/requirements-$version.txt"
    fi
    echo "== ansible-test sanity: ansible-core $("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    rm -rf "$copy/tests/output"
    (cd "$copy" && PATH=$venv/bin:$PATH ansible-test sanity --venv --python 3.12 --color no)
done
