# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.privx.secrets.plugins.module_utils._connection import (
    CONNECTION_OPTIONS,
    PLUGIN_VARIABLE,
    ConnectionSettings,
    connection_argument_spec,
    set_plugin_options,
)
from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXConfigError

SECRETS = {'client_secret': 'api-client-secret-value', 'oauth_client_secret': 'oauth-secret-value'}
CLIENT = dict(SECRETS, url='https://privx.example.com', client_id='deployer')


def settings(**overrides):
    options = dict(CLIENT)
    options.update(overrides)
    return ConnectionSettings(options)


def failure(**overrides):
    with pytest.raises(PrivXConfigError) as caught:
        settings(**overrides)
    message = str(caught.value)
    assert '\n' not in message
    for secret in SECRETS.values():
        assert secret not in message
    return message


def test_valid_settings_keep_defaults_and_strip_the_trailing_slash():
    value = settings(url='https://privx.example.com/')
    assert value.url == 'https://privx.example.com'
    assert (value.oauth_client_id, value.timeout, value.retries, value.verify) == ('privx-external', 30, 5, True)
    assert 'secret' not in repr(value)


def test_url_without_scheme_says_how_to_write_it():
    assert failure(url='privx.example.com') == "url 'privx.example.com' has no scheme: write it as https://privx.example.com"
    assert 'not an http(s) URL' in failure(url='ftp://privx.example.com')


def test_missing_url_names_the_environment_variables():
    assert 'PRIVX_URL or PRIVX_API_BASE_URL' in failure(url=None)


def test_no_credentials_at_all():
    message = failure(client_id=None, client_secret=None, oauth_client_secret=None)
    assert message.startswith('no PrivX credentials')


def test_incomplete_credentials_name_what_is_missing():
    assert failure(oauth_client_secret=None).startswith('incomplete API client credentials: oauth_client_secret not set')


def test_access_token_and_client_credentials_exclude_each_other():
    message = failure(access_token='a-bearer-token-value')
    assert message.startswith('access_token and API client credentials (client_id, client_secret, oauth_client_secret) are both set')
    assert 'a-bearer-token-value' not in message
    token_only = ConnectionSettings({'url': 'https://privx', 'access_token': 'a-bearer-token-value'})
    assert token_only.identity == 'access token'


def test_ca_path_must_exist(tmp_path):
    assert failure(ca_path=str(tmp_path / 'missing.pem')) == "ca_path '%s' does not exist" % (tmp_path / 'missing.pem')
    assert 'is not a file' in failure(ca_path=str(tmp_path))
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('PEM')
    assert settings(ca_path=str(bundle), validate_certs=False).verify == str(bundle)


def test_numbers_are_checked():
    assert failure(timeout='0') == 'timeout must be at least 1, got 0'
    assert failure(retries='many') == "retries must be a whole number, got 'many'"


def test_module_spec_takes_the_first_environment_variable_found(monkeypatch):
    monkeypatch.setenv('PRIVX_API_BASE_URL', 'https://second.example.com')
    monkeypatch.setenv('PRIVX_URL', 'https://first.example.com')
    monkeypatch.setenv('PRIVX_API_CLIENT_SECRET', 'from-go-sdk-name')
    monkeypatch.setenv('PRIVX_TIMEOUT', '7')
    result = ArgumentSpecValidator(connection_argument_spec()).validate({})
    assert result.error_messages == []
    params = result.validated_parameters
    assert params['url'] == 'https://first.example.com'
    assert params['client_secret'] == 'from-go-sdk-name'
    assert params['timeout'] == 7
    assert 'from-go-sdk-name' in result._no_log_values


def test_an_empty_environment_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv('PRIVX_URL', '')
    monkeypatch.setenv('PRIVX_API_BASE_URL', 'https://go-sdk.example.com')
    monkeypatch.setenv('PRIVX_RETRIES', '')
    monkeypatch.setenv('PRIVX_VALIDATE_CERTS', '')
    monkeypatch.setenv('PRIVX_CA_PATH', '')
    result = ArgumentSpecValidator(connection_argument_spec()).validate({})
    assert result.error_messages == []
    params = result.validated_parameters
    assert (params['url'], params['retries'], params['validate_certs'], params['ca_path']) == ('https://go-sdk.example.com', 5, True, None)
    plugin_view = ConnectionSettings(dict(CLIENT, validate_certs='', ca_path='', timeout='', retries=''))
    assert (plugin_view.validate_certs, plugin_view.ca_path, plugin_view.timeout, plugin_view.retries) == (True, None, 30, 5)


def test_every_secret_option_is_no_log():
    spec = connection_argument_spec()
    assert sorted(name for name, option in spec.items() if option.get('no_log')) == ['access_token', 'client_secret', 'oauth_client_secret']


def fragment(part):
    from ansible_collections.privx.secrets.plugins.doc_fragments.connection import ModuleDocFragment
    return yaml.safe_load(getattr(ModuleDocFragment, part))['options']


def test_the_doc_fragment_describes_the_options_of_the_table():
    """CONNECTION_OPTIONS is the one table; the documentation of modules and plugins must say the same."""
    modules, plugins = fragment('DOCUMENTATION'), fragment('PLUGINS')
    assert list(modules) == list(plugins) == list(CONNECTION_OPTIONS)
    for name, option in CONNECTION_OPTIONS.items():
        documented = modules[name]
        assert documented['type'] == option.type, name
        assert documented.get('default') == option.default, name
        assert documented.get('required', False) == (name == 'url'), name
        fallback = ', then '.join('E(%s)' % env for env in option.env)
        assert any(line.startswith('Modules fall back to') and fallback + '.' in line for line in documented['description']), name
        # Ansible takes the last variable of a plugin option's env list that is set: the preferred one goes last.
        assert [entry['name'] for entry in plugins[name]['env']] == list(reversed(option.env)), name
        assert plugins[name]['ini'] == [{'section': 'privx', 'key': name}], name
        assert plugins[name]['vars'] == [{'name': PLUGIN_VARIABLE % name}], name
        # Sources only: the type, default and description of the modules' part are what ansible-doc shows for plugins.
        assert sorted(plugins[name]) == ['env', 'ini', 'vars'], name


@pytest.mark.parametrize('value, expected', [('yes', True), ('off', False), ('T', True), (0, False), ('', True), (None, True)])
def test_booleans_read_as_ansible_reads_them(value, expected):
    assert settings(validate_certs=value).validate_certs is expected


def test_a_bad_boolean_names_the_option():
    assert failure(validate_certs='maybe') == "validate_certs must be a boolean, got 'maybe'"


class RecordingPlugin:
    """Stands in for a lookup: records what set_options got, and the PRIVX_* environment it would read."""

    def __init__(self):
        self.calls = []

    def set_options(self, var_options=None, direct=None):
        # Only the connection options' variables: others (PRIVX_SANITY_VERSIONS of tests/run.sh) are none of its business.
        connection_variables = {name for option in CONNECTION_OPTIONS.values() for name in option.env}
        environment = {name: value for name, value in os.environ.items() if name in connection_variables}
        self.calls.append((var_options, direct, environment))


def plugin_options(variables=None, direct=None):
    plugin = RecordingPlugin()
    set_plugin_options(plugin, variables or {}, direct or {})
    [call] = plugin.calls
    return call


@pytest.fixture
def no_privx_environment(monkeypatch):
    for option in CONNECTION_OPTIONS.values():
        for name in option.env:
            monkeypatch.delenv(name, raising=False)


def test_plugins_do_not_see_empty_environment_variables_and_get_them_back(no_privx_environment, monkeypatch):
    """ansible-core would read an empty PRIVX_VALIDATE_CERTS as false and fail on an empty PRIVX_TIMEOUT."""
    for name in ('PRIVX_VALIDATE_CERTS', 'PRIVX_TIMEOUT', 'PRIVX_CA_PATH', 'PRIVX_URL'):
        monkeypatch.setenv(name, '')
    _variables, direct, environment = plugin_options()
    # Text options keep theirs: plugin_connection_options reads past it, and names PRIVX_URL when url is missing.
    assert environment == {'PRIVX_URL': ''}
    assert direct == {}
    assert [os.environ[name] for name in ('PRIVX_VALIDATE_CERTS', 'PRIVX_TIMEOUT', 'PRIVX_CA_PATH')] == ['', '', '']


def test_plugin_bool_and_int_options_are_converted_from_the_first_source_set(no_privx_environment, monkeypatch):
    monkeypatch.setenv('PRIVX_VALIDATE_CERTS', 'ture')  # never read: the variable comes first
    monkeypatch.setenv('PRIVX_TIMEOUT', ' 7 ')
    monkeypatch.setenv('PRIVX_RETRIES', '3')
    variables, direct, _environment = plugin_options(
        variables={'privx_validate_certs': 'no', 'privx_retries': '', 'privx_ca_path': '', 'privx_url': ''},
        direct={'retries': '0', 'output': 'secret', 'ca_path': ''})
    assert variables == {'privx_validate_certs': 'no', 'privx_url': ''}
    assert direct == {'validate_certs': False, 'timeout': 7, 'retries': 0, 'output': 'secret'}


@pytest.mark.parametrize('source, expected', [
    ({'direct': {'validate_certs': 'ture'}}, "validate_certs must be a boolean, got 'ture'"),
    ({'variables': {'privx_timeout': 'soon'}}, "timeout must be a whole number, got 'soon'"),
    ({'environment': {'PRIVX_RETRIES': 'many'}}, "retries must be a whole number, got 'many'"),
    ({'environment': {'PRIVX_VALIDATE_CERTS': 'perhaps'}}, "validate_certs must be a boolean, got 'perhaps'"),
])
def test_a_bad_plugin_boolean_or_number_names_the_option(no_privx_environment, monkeypatch, source, expected):
    for name, value in source.get('environment', {}).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(PrivXConfigError) as caught:
        plugin_options(source.get('variables'), source.get('direct'))
    assert str(caught.value) == expected
