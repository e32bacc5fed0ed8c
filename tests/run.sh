#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: unit tests, the emulator's tests, the integration tests
# (real ansible-playbook runs against the emulator), ansible-test sanity, ansible-lint and the docs.
# Usage: bash tests/run.sh [pytest arguments, e.g. -k checkout]   (PRIVX_SKIP_SANITY=1 skips the two slow linters)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
bash tests/setup-venv.sh
venv=$repo/.venv/bin
export PATH=$venv:$PATH

# The collection as ansible_collections/privx/secrets: a link for pytest and ansible-lint (outside the
# checkout, so that ansible-galaxy's build never walks into it), a clean copy for ansible-test.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/collections/ansible_collections/privx"
ln -s "$repo" "$scratch/collections/ansible_collections/privx/secrets"

echo "== pytest: unit, emulator and integration tests"
ANSIBLE_COLLECTIONS_PATH=$scratch/collections python -m pytest --ansible-unit-inject-only -p no:cacheprovider \
    tests/unit tests/emulator/tests tests/integration "$@"

if [ "${PRIVX_SKIP_SANITY:-0}" = "1" ]; then
    exit 0
fi

echo "== ansible-test sanity"
sanity=$scratch/sanity
mkdir -p "$sanity/ansible_collections/privx/secrets"
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$sanity/ansible_collections/privx/secrets/"
(cd "$sanity/ansible_collections/privx/secrets" && ansible-test sanity --venv --python 3.12 --color no)

echo "== ansible-lint (production profile)"
ANSIBLE_COLLECTIONS_PATH=$scratch/collections ansible-lint --offline --profile production
echo "== all tests passed"
