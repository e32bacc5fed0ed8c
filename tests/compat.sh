#!/usr/bin/env bash
# The unit and integration tests once more with the oldest supported ansible-core (2.16, meta/runtime.yml), in the
# venv that tests/sanity.sh 2.16 uses too (Python 3.12 is in 2.16's controller range).
# Usage: bash tests/compat.sh [pytest arguments]    (PRIVX_PYTEST_WORKERS as for tests/run.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
venv=$repo/.venv-2.16
bash tests/setup-venv.sh "$venv" tests/requirements-2.16.txt

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/collections/ansible_collections/privx"
ln -s "$repo" "$scratch/collections/ansible_collections/privx/secrets"
workers=${PRIVX_PYTEST_WORKERS:-2}
xdist=()
if [ "$workers" != "0" ]; then
    xdist=(-n "$workers" --dist loadfile)
fi
echo "== compat: ansible-core $("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)') on $("$venv/bin/python" --version)"
# The docs site and galaxy-importer run from venvs of their own, whatever ansible-core this run uses: tests/run.sh
# runs them once. So do the ansible-rulebook tests, whose playbooks run with .venv-eda's ansible-core whatever this run uses.
PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$scratch/collections "$venv/bin/python" -m pytest -c tests/pytest.ini \
    --rootdir tests "${xdist[@]}" --ignore tests/integration/test_docs_site.py \
    --ignore tests/integration/test_eda_rulebooks.py \
    --deselect integration/test_packaging.py::test_galaxy_importer_accepts_the_tarball_without_error_or_warning \
    tests/unit tests/integration "$@"
