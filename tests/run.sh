#!/usr/bin/env bash
# The whole test suite, on a fresh machine too (it needs PyPI, nothing else): unit tests, the emulator's tests, the
# integration tests (real ansible-playbook runs against the emulator, the docs site, galaxy-importer, ansible-builder,
# molecule, every EXAMPLES block, the Event-Driven Ansible rulebooks with ansible-rulebook), then ansible-test sanity
# and ansible-lint on the newest ansible-core.
# Usage: bash tests/run.sh [pytest arguments, e.g. -k checkout]
#   PRIVX_SKIP_SANITY=1         skips ansible-test and ansible-lint (and does not prepare the docs and importer venvs)
#   PRIVX_SANITY_VERSIONS=...   ansible-core versions for ansible-test sanity (tests/sanity.sh; default: newest)
#   PRIVX_PYTEST_WORKERS=N      pytest-xdist workers (default 2; 0 runs in one process)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
bash tests/setup-venv.sh
# ansible-rulebook for the Event-Driven Ansible tests (tests/integration/test_eda_rulebooks.py), which also need Java 17.
bash tests/setup-venv.sh .venv-eda tests/requirements-eda.txt
if ! command -v java >/dev/null 2>&1; then
    echo "tests/run.sh: no java: ansible-rulebook needs a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless)" >&2
fi
if [ "${PRIVX_SKIP_SANITY:-0}" != "1" ]; then
    bash tests/setup-venv.sh .venv-docs tests/requirements-docs.txt
    bash tests/setup-venv.sh .venv-importer tests/requirements-importer.txt
fi
venv=$repo/.venv/bin
export PATH=$venv:$PATH

# The collection as ansible_collections/privx/secrets: a link for pytest and ansible-lint, outside the checkout
# (so that ansible-galaxy's build never walks into it).
scratch=$(mktemp -d)
sanity_pid=""
cleanup() {
    if [ -n "$sanity_pid" ]; then kill "$sanity_pid" 2>/dev/null || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -p "$scratch/collections/ansible_collections/privx"
ln -s "$repo" "$scratch/collections/ansible_collections/privx/secrets"

# ansible-test sanity is CPU-bound while the pytest suite mostly waits for playbooks and the emulator: sanity runs
# beside pytest, its output kept until the end. Each venv of tests/sanity.sh exists before it starts, so the two
# never install into the same place.
if [ "${PRIVX_SKIP_SANITY:-0}" != "1" ]; then
    read -r -a versions <<< "${PRIVX_SANITY_VERSIONS:-newest}"
    for version in "${versions[@]}"; do
        if [ "$version" != newest ]; then bash tests/setup-venv.sh ".venv-$version" "tests/requirements-$version.txt"; fi
    done
    echo "== ansible-test sanity (${versions[*]}) started beside pytest; its output follows pytest's"
    bash tests/sanity.sh "${versions[@]}" > "$scratch/sanity.log" 2>&1 &
    sanity_pid=$!
fi

# Every tests directory: ours, and those of extensions (extensions/*/tests) when there are any.
paths=(tests/unit tests/emulator/tests tests/integration)
for extra in extensions/*/tests; do
    if [ -d "$extra" ]; then paths+=("$extra"); fi
done
workers=${PRIVX_PYTEST_WORKERS:-2}
xdist=()
if [ "$workers" != "0" ]; then
    # loadfile: the tests of one file stay in one worker, so each file starts its emulator once.
    xdist=(-n "$workers" --dist loadfile)
fi

# Every part runs even when an earlier one failed, so that one run reports everything; the exit status says whether
# all passed.
failed=()
echo "== pytest: unit, emulator and integration tests"
ANSIBLE_COLLECTIONS_PATH=$scratch/collections python -m pytest -c tests/pytest.ini --rootdir tests \
    "${xdist[@]}" "${paths[@]}" "$@" || failed+=(pytest)

if [ "${PRIVX_SKIP_SANITY:-0}" != "1" ]; then
    echo "== ansible-lint (production profile)"
    ANSIBLE_COLLECTIONS_PATH=$scratch/collections ansible-lint --offline --profile production || failed+=(ansible-lint)

    echo "== ansible-test sanity (waiting for it to finish)"
    wait "$sanity_pid" || failed+=(ansible-test-sanity)
    sanity_pid=""
    grep -v '^WARNING: Location ' "$scratch/sanity.log" || true
fi

if [ "${#failed[@]}" != "0" ]; then
    echo "== FAILED: ${failed[*]}"
    exit 1
fi
echo "== all tests passed"
