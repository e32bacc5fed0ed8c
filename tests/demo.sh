#!/usr/bin/env bash
# The demo, on a fresh machine too: sets up .venv, starts the PrivX emulator and runs playbooks/demo.yml against it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup-venv.sh
exec .venv/bin/python tests/demo.py
