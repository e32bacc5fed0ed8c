#!/usr/bin/env bash
# Builds the collection's documentation site, offline: antsibull-docs renders the page of every module, plugin and
# role and the guides of docs/docsite/ as RST, then sphinx builds the HTML with warnings as errors.
#
# Usage: bash docs/build.sh [OUTPUT_DIR]      (default: docs/build)
#   The entry page is OUTPUT_DIR/html/index.html.
#   Needs the docs venv (antsibull-docs, sphinx): bash tests/setup-venv.sh .venv-docs tests/requirements-docs.txt
#   PRIVX_DOCS_BIN   the bin directory of another venv with those tools (default: .venv-docs/bin)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:-$repo/docs/build}
case "$output" in
    /*) ;;
    *) output=$PWD/$output ;;
esac
bin=${PRIVX_DOCS_BIN:-$repo/.venv-docs/bin}
if [ ! -x "$bin/antsibull-docs" ] || [ ! -x "$bin/sphinx-build" ]; then
    echo "docs/build.sh: antsibull-docs and sphinx-build not found in $bin:" \
        "run bash tests/setup-venv.sh .venv-docs tests/requirements-docs.txt" >&2
    exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# This checkout as privx.secrets, alone on the collections path: not a copy installed elsewhere, and no ansible.cfg
# of the caller's that could name another.
mkdir -p "$scratch/collections/ansible_collections/privx"
ln -s "$repo" "$scratch/collections/ansible_collections/privx/secrets"
unset ANSIBLE_CONFIG
export PATH=$bin:$PATH ANSIBLE_COLLECTIONS_PATH=$scratch/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_NOCOLOR=1
cd "$scratch"

# The Sphinx configuration antsibull-docs generates for this version of itself, with the collection at the site's root.
site=$scratch/site
mkdir -m 0755 "$site"
antsibull-docs sphinx-init --use-current --fail-on-error --no-add-antsibull-docs-version --squash-hierarchy \
    --project privx.secrets --title privx.secrets --copyright 'privx.secrets contributors' \
    --dest-dir "$site" privx.secrets > /dev/null

# Offline: the generated pages refer to pages of docs.ansible.com (return values, plugin types, module_defaults,
# ansible.cfg settings). Instead of fetching Ansible's inventory, Sphinx reads one written here that names those
# pages with their real addresses, so every reference resolves and every link works. The other inventories
# sphinx-init sets up (Python, Jinja) are left out: no page refers to them.
"$bin/python" - "$site/ansible_devel.inv" <<'EOF'
import sys
import zlib

REFERENCES = [  # name, domain:role, page on docs.ansible.com ($ is the name), title
    ('ansible_configuration_settings', 'std:label', 'reference_appendices/config.html#$', 'Ansible Configuration Settings'),
    ('common_return_values', 'std:label', 'reference_appendices/common_return_values.html#$', 'Return Values'),
    ('action_plugins', 'std:label', 'plugins/action.html#$', 'Action plugins'),
    ('callback_plugins', 'std:label', 'plugins/callback.html#$', 'Callback plugins'),
    ('lookup_plugins', 'std:label', 'plugins/lookup.html#$', 'Lookup plugins'),
    ('module_defaults', 'std:label', 'playbook_guide/playbooks_module_defaults.html#$', 'Module defaults'),
    ('ANSIBLE_CALLBACKS_ENABLED', 'std:envvar', 'reference_appendices/config.html#envvar-$', '-'),
]
header = '# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n'
body = ''.join('%s %s -1 %s %s\n' % entry for entry in REFERENCES)
with open(sys.argv[1], 'wb') as handle:
    handle.write(header.encode() + zlib.compress(body.encode()))
EOF
cat >> "$site/conf.py" <<EOF

# docs/build.sh: intersphinx reads the local inventory only, never the network.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '$site/ansible_devel.inv'),
}
EOF

# The RST of the collection (plugins, roles, docs/docsite/ guides), then the HTML site.
chmod og-w "$site/rst"  # antsibull-docs wants the directory writable by itself only
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --fail-on-error --use-current \
    --squash-hierarchy --dest-dir "$site/rst" privx.secrets
rm -rf "$output/html"
sphinx-build -b html -c "$site" -d "$scratch/doctrees" -W --keep-going -q "$site/rst" "$output/html"
echo "docs/build.sh: built $output/html/index.html"
