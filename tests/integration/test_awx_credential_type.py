# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential type as users create it: what playbooks/awx_credential_type.yml hands awx.awx.credential_type,
and what the awx CLI command of meta/awx/README.md sends, checked against AWX's rules for a custom credential type.

No AWX and no awx.awx: a stand-in awx.awx.credential_type module (same options) and a stand-in `awx` command record
what they were given.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import types

import pytest
import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import REPO, ansible_bin

TYPE_FILE = os.path.join(REPO, 'meta', 'awx', 'credential_type.yml')
EXCHANGE_TYPE_FILE = os.path.join(REPO, 'meta', 'awx', 'credential_type_exchange.yml')
CLI_README = os.path.join(REPO, 'meta', 'awx', 'README.md')

# awx.awx.credential_type's options (its documentation), so that an option it lacks fails here too.
STUB_MODULE = '''#!/usr/bin/python
from __future__ import annotations

import json
import os

from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={
    'name': {'required': True}, 'new_name': {}, 'description': {},
    'kind': {'choices': ['ssh', 'vault', 'net', 'scm', 'cloud', 'insights']},
    'inputs': {'type': 'dict'}, 'injectors': {'type': 'dict'},
    'state': {'choices': ['present', 'absent', 'exists'], 'default': 'present'},
}, supports_check_mode=True)
with open(os.environ['AWX_STUB_RECORD'], 'a', encoding='utf-8') as handle:
    handle.write(json.dumps(dict(module.params, check_mode=module.check_mode)) + '\\n')
module.exit_json(changed=True)
'''

# The awx CLI's reading of a JSON field: JSON, else YAML; '@path' reads a file.
STUB_AWX = '''#!%s
import json, sys
with open(%r, 'a', encoding='utf-8') as handle:
    handle.write(json.dumps(sys.argv[1:]) + '\\n')
''' % (sys.executable, '%s')

# AWX's rules for a custom credential type (its API refuses anything else), in our words.
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
NAME = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FILE_TEMPLATE = re.compile(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$')
EXTRA_VAR = re.compile(r'^[a-zA-Z_{}]+[a-zA-Z0-9_{}]*$')
# Variables AWX keeps for itself; ANSIBLE_* are refused too.
RESERVED_ENV = {'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID', 'INVENTORY_UPDATE_ID',
                'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES', 'CALLBACK_QUEUE', 'CALLBACK_CONNECTION',
                'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'}


def input_problems(inputs):
    if not isinstance(inputs, dict):
        return ['inputs is not a mapping']
    problems = ['inputs: unknown key %r' % key for key in inputs if key not in ('fields', 'required')]
    seen = set()
    for field in inputs.get('fields', []):
        where = 'inputs field %r' % field.get('id')
        problems += ['%s: unknown key %r' % (where, key) for key in field if key not in FIELD_KEYS]
        if not isinstance(field.get('id'), str) or not isinstance(field.get('label'), str):
            problems.append('%s: id and label are required text' % where)
            continue
        if not NAME.match(field['id']) or field['id'] == 'tower' or field['id'] in seen:
            problems.append('%s: not a variable name, reserved, or repeated' % where)
        seen.add(field['id'])
        kind = field.get('type', 'string')
        if kind not in ('string', 'boolean'):
            problems.append('%s: type %r' % (where, kind))
        elif 'default' in field and type(field['default']) is not {'string': str, 'boolean': bool}[kind]:  # pylint: disable=unidiomatic-typecheck
            problems.append('%s: default is not a %s' % (where, kind))
        if kind != 'string':
            problems += ['%s: %s only for strings' % (where, key) for key in ('choices', 'multiline', 'format', 'secret') if key in field]
        if field.get('format', 'url') not in ('ssh_private_key', 'url'):
            problems.append('%s: format %r' % (where, field['format']))
        problems += ['%s: %s is not a boolean' % (where, key) for key in ('multiline', 'secret') if not isinstance(field.get(key, False), bool)]
        if 'choices' in field and (not field['choices'] or len(set(field['choices'])) != len(field['choices'])):
            problems.append('%s: choices empty or repeated' % where)
        if field.get('ask_at_runtime'):
            problems.append('%s: ask_at_runtime is for built-in types only' % where)
    required = inputs.get('required', [])
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        problems.append('inputs: required is not a list of names')
    # AWX does not check this one; a required field that does not exist could never be filled in.
    problems += ['inputs: required %r is no field' % name for name in required if name not in seen]
    return problems


def injector_problems(injectors, field_ids):
    if not isinstance(injectors, dict):
        return ['injectors is not a mapping']
    problems = ['injectors: unknown key %r' % key for key in injectors if key not in ('file', 'env', 'extra_vars')]
    files = injectors.get('file', {})
    problems += ['injectors file %r: not template or template.<name>' % key for key in files if not FILE_TEMPLATE.match(key)]
    if 'template' in files and len(files) > 1:
        problems.append('injectors file: template and template.<name> together')
    for name, value in injectors.get('env', {}).items():
        if not NAME.match(name) or name.startswith('ANSIBLE_') or name in RESERVED_ENV:
            problems.append('injectors env %r: not allowed' % name)
        if not isinstance(value, str) or not value.isascii():
            problems.append('injectors env %r: not ASCII text' % name)
    problems += ['injectors extra_vars %r: not a variable name' % key for key in injectors.get('extra_vars', {}) if not EXTRA_VAR.match(key)]
    # Every template must render with the type's own fields and tower.filename of the files it writes, nothing else.
    namespace = {name: 'EXAMPLE' for name in field_ids}
    if 'template' in files:
        namespace['tower'] = types.SimpleNamespace(filename='EXAMPLE_FILENAME')
    else:
        namespace['tower'] = types.SimpleNamespace(filename=types.SimpleNamespace(**{key.split('.', 1)[1]: 'EXAMPLE_FILENAME' for key in files}))
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ('file', 'env'):
        for name, template in injectors.get(kind, {}).items():
            try:
                environment.from_string(template).render(namespace)
            except (UndefinedError, TemplateSyntaxError) as error:
                problems.append('injectors %s %r: %s' % (kind, name, error))
    return problems


def awx_problems(credential_type):
    """What AWX would refuse in this credential type, as a list of reasons."""
    problems = [] if credential_type.get('kind') in ('cloud', 'net') else ['kind must be cloud or net']
    if not credential_type.get('name'):
        problems.append('name is required')
    problems += input_problems(credential_type.get('inputs'))
    field_ids = [field.get('id') for field in (credential_type.get('inputs') or {}).get('fields', []) if isinstance(field, dict)]
    return problems + injector_problems(credential_type.get('injectors'), field_ids)


def the_file(path=TYPE_FILE):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def payload(recorded):
    return {key: recorded[key] for key in ('name', 'description', 'kind', 'inputs', 'injectors')}


def test_the_rules_catch_what_awx_refuses():
    """The checks below can fail: each of these is a mistake AWX refuses, the first the one the README warned about."""
    good = the_file()
    assert awx_problems(good) == []
    pasted_with_its_key = dict(good, inputs={'inputs': good['inputs']})
    assert 'inputs: unknown key \'inputs\'' in awx_problems(pasted_with_its_key)
    broken = copy.deepcopy(good)
    broken['kind'] = 'ssh'
    broken['injectors']['env']['ANSIBLE_CONFIG'] = '{{ url }}'
    broken['injectors']['env']['PRIVX_TOKEN'] = '{{ token }}'
    broken['inputs']['fields'].append({'id': 'url', 'label': 'again', 'type': 'boolean', 'default': 'yes'})
    assert len(awx_problems(broken)) == 5, awx_problems(broken)


@pytest.fixture(scope='module')
def awx_stub(tmp_path_factory):
    """A collections path holding a stand-in awx.awx.credential_type, and the file it records its arguments in."""
    root = tmp_path_factory.mktemp('awx-stub')
    modules = root / 'ansible_collections' / 'awx' / 'awx' / 'plugins' / 'modules'
    modules.mkdir(parents=True)
    (modules / 'credential_type.py').write_text(STUB_MODULE)
    return str(root), root / 'recorded.jsonl'


def run_playbook(collections_path, awx_stub, tmp_path, *arguments):
    stub_path, record = awx_stub
    if record.exists():
        record.unlink()
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_', 'CONTROLLER_'))}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path + os.pathsep + stub_path, ANSIBLE_NOCOLOR='1', AWX_STUB_RECORD=str(record))
    completed = subprocess.run([ansible_bin('ansible-playbook'), 'privx.secrets.awx_credential_type', '--check'] + list(arguments),
                               cwd=str(tmp_path), capture_output=True, text=True, env=env, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_the_playbook_sends_both_files_as_awx_takes_them(collections_path, awx_stub, tmp_path):
    api_client, exchange = run_playbook(collections_path, awx_stub, tmp_path)
    for recorded in (api_client, exchange):
        assert recorded['check_mode'] is True and recorded['state'] == 'present'
        # As written: Ansible templated nothing ("{{ url }}" and the others are AWX's templates).
        assert recorded['injectors']['env']['PRIVX_URL'] == '{{ url }}'
        assert awx_problems(payload(recorded)) == []
    assert payload(api_client) == the_file()
    assert payload(exchange) == the_file(EXCHANGE_TYPE_FILE)


def test_the_exchange_type_hands_the_collection_a_token_file_and_holds_no_privx_secret():
    """AWX writes the token to a file of the job (its file injector) and names it in PRIVX_EXCHANGE_TOKEN_FILE, which the
    collection reads again at each token grant; nothing of an API client is asked for or injected."""
    exchange = the_file(EXCHANGE_TYPE_FILE)
    assert awx_problems(exchange) == []
    env = exchange['injectors']['env']
    assert env['PRIVX_EXCHANGE_TOKEN_FILE'] == '{{ tower.filename.exchange_token }}'
    assert exchange['injectors']['file']['template.exchange_token'] == '{{ exchange_token }}'
    assert not [name for name in env if 'CLIENT' in name or name in ('PRIVX_ACCESS_TOKEN', 'PRIVX_EXCHANGE_TOKEN')]
    fields = {field['id']: field for field in exchange['inputs']['fields']}
    assert fields['exchange_token']['secret'] is True and 'client_secret' not in fields
    assert exchange['inputs']['required'] == ['url', 'exchange_token']


def test_the_playbook_takes_another_credential_type_file(collections_path, awx_stub, tmp_path):
    other = the_file()
    other['name'] = 'PrivX token exchange'
    del other['description']
    other['inputs'] = {'fields': [{'id': 'url', 'label': 'PrivX URL'}, {'id': 'token', 'label': 'Token', 'secret': True}],
                       'required': ['url', 'token']}
    other['injectors'] = {'env': {'PRIVX_URL': '{{ url }}', 'PRIVX_ACCESS_TOKEN': '{{ token }}'}}
    path = tmp_path / 'other.yml'
    path.write_text(yaml.safe_dump(other))
    [recorded] = run_playbook(collections_path, awx_stub, tmp_path, '-e', 'privx_credential_type_file=%s' % path)
    assert recorded['description'] is None
    assert dict(payload(recorded), description='x') == dict(other, description='x')
    assert awx_problems(payload(recorded)) == []


def cli_command():
    with open(CLI_README, encoding='utf-8') as handle:
        blocks = re.findall(r'```sh\n(.*?)```', handle.read(), re.S)
    [block] = [block for block in blocks if 'awx credential_types create' in block]
    return block


def awx_json_field(value):
    if value.startswith('@'):
        with open(os.path.expanduser(value[1:]), encoding='utf-8') as handle:
            value = handle.read()
    try:
        return json.loads(value)
    except ValueError:
        return yaml.safe_load(value)


def test_the_awx_cli_command_of_the_readme_sends_the_file_as_awx_takes_it(collections_path, tmp_path):
    """The command as documented, with the collection where ansible-galaxy installs it and `awx` a stand-in."""
    home = tmp_path / 'home'
    (home / '.ansible' / 'collections').mkdir(parents=True)
    os.symlink(os.path.join(collections_path, 'ansible_collections'), str(home / '.ansible' / 'collections' / 'ansible_collections'))
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    record = tmp_path / 'awx.jsonl'
    (bin_dir / 'awx').write_text(STUB_AWX % str(record))
    (bin_dir / 'awx').chmod(0o755)
    # python3 as the docs run it: one with PyYAML (this one).
    os.symlink(sys.executable, str(bin_dir / 'python3'))
    env = dict(os.environ, HOME=str(home), PATH=str(bin_dir) + os.pathsep + os.environ.get('PATH', ''))
    completed = subprocess.run(['bash', '-euo', 'pipefail', '-c', cli_command()], cwd=str(tmp_path), capture_output=True,
                               text=True, env=env, timeout=60, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [argv] = [json.loads(line) for line in record.read_text().splitlines()]
    assert argv[:2] == ['credential_types', 'create']
    options = dict(zip(argv[2::2], argv[3::2]))
    assert sorted(options) == ['--description', '--injectors', '--inputs', '--kind', '--name']
    sent = {key[2:]: awx_json_field(value) if key in ('--inputs', '--injectors') else value for key, value in options.items()}
    assert sent == the_file()
    assert awx_problems(sent) == []
