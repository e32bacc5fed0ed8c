# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options as Ansible reads them (module/options.py): modules' environment fallbacks, plugins' typed options."""

from __future__ import annotations

import os

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import CONNECTION_OPTIONS, ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.module.options import connection_argument_spec, plugin_connection_options, set_plugin_options


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
    assert ConnectionSettings(dict(params, access_token='planted-token')).validate_certs is True


def test_every_secret_option_is_no_log():
    spec = connection_argument_spec()
    secret = sorted(name for name, option in spec.items() if option.get('no_log'))
    assert secret == ['access_token', 'client_secret', 'exchange_token', 'oauth_client_secret']


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


@pytest.mark.parametrize('value, expected', [('yes', True), ('off', False), ('T', True), (0, False), ('1', True)])
def test_plugin_booleans_read_as_ansible_reads_them(no_privx_environment, value, expected):
    _variables, direct, _environment = plugin_options(direct={'validate_certs': value})
    assert direct['validate_certs'] is expected


def test_plugin_options_hand_the_settings_typed_values(no_privx_environment, monkeypatch):
    """What set_plugin_options converted is what plugin_connection_options gives ConnectionSettings."""
    monkeypatch.setenv('PRIVX_URL', 'https://privx.example.com')
    monkeypatch.setenv('PRIVX_ACCESS_TOKEN', 'planted-token')
    monkeypatch.setenv('PRIVX_TIMEOUT', '9')
    _variables, direct, _environment = plugin_options(variables={'privx_validate_certs': 'false'})
    options = plugin_connection_options(direct.get)
    assert (options['validate_certs'], options['timeout'], options['url']) == (False, 9, 'https://privx.example.com')
    settings = ConnectionSettings(options)
    assert (settings.validate_certs, settings.timeout, settings.retries) == (False, 9, 5)
