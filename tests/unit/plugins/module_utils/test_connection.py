# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
import yaml

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import CONNECTION_OPTIONS, PLUGIN_VARIABLE, ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError

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
    assert failure(timeout=0) == 'timeout must be at least 1, got 0'
    assert failure(retries=-1) == 'retries must be at least 0, got -1'


@pytest.mark.parametrize('option, value, expected', [
    ('validate_certs', 'no', "validate_certs must be a boolean, got 'no'"),
    ('validate_certs', '', "validate_certs must be a boolean, got ''"),
    ('timeout', '7', "timeout must be a whole number, got '7'"),
    ('retries', True, 'retries must be a whole number, got True'),
])
def test_the_settings_take_typed_values_only(option, value, expected):
    """Callers read booleans and numbers (an argument spec, module/options.py, AWX's boolean field): a text is a bug of theirs."""
    assert failure(**{option: value}) == expected


def test_unset_typed_options_take_their_defaults():
    value = settings(validate_certs=None, timeout=None, retries=None, ca_path='')
    assert (value.validate_certs, value.timeout, value.retries, value.ca_path) == (True, 30, 5, None)


def fragment(part):
    from ansible_collections.privx.secrets.plugins.doc_fragments.connection import ModuleDocFragment
    return yaml.safe_load(getattr(ModuleDocFragment, part))['options']


def test_the_modules_fragment_describes_what_the_action_plugin_hands_over():
    """run_agent and progress_path: documented once (privx.secrets.connection.modules), typed alike."""
    from ansible_collections.privx.secrets.plugins.module_utils.module.options import handed_over_argument_spec
    documented, spec = fragment('MODULES'), handed_over_argument_spec()
    assert list(documented) == list(spec)
    assert all(documented[name]['type'] == option['type'] for name, option in spec.items())
    assert not any(option.get('no_log') for option in spec.values()), 'no secret is handed over in an option'


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


EXCHANGE_JWT = 'eyJhbGciOiJSUzI1NiJ9.planted-exchange-payload.signature'


def exchange_settings(**options):
    return ConnectionSettings(dict({'url': 'https://privx.example.com'}, **options))


@pytest.mark.parametrize('others, expected', [
    ({'access_token': 'a-bearer-token-value'}, 'access_token and a token to exchange (exchange_token) are both set'),
    (CLIENT, 'a token to exchange (exchange_token) and API client credentials (client_id, client_secret, '
             'oauth_client_secret) are both set'),
    ({'client_secret': 'api-client-secret-value'},
     'a token to exchange (exchange_token) and API client credentials (client_secret) are both set'),
    (dict(CLIENT, access_token='a-bearer-token-value'), 'access_token and a token to exchange (exchange_token) and API '
                                                        'client credentials (client_id, client_secret, oauth_client_secret) are all set'),
])
def test_one_connection_method_each(others, expected):
    with pytest.raises(PrivXConfigError) as caught:
        exchange_settings(exchange_token=EXCHANGE_JWT, **others)
    message = str(caught.value)
    assert message.startswith(expected) and '\n' not in message, message
    for secret in (EXCHANGE_JWT, 'a-bearer-token-value', *SECRETS.values()):
        assert secret not in message


def test_the_token_and_its_file_exclude_each_other(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(EXCHANGE_JWT)
    with pytest.raises(PrivXConfigError) as caught:
        exchange_settings(exchange_token=EXCHANGE_JWT, exchange_token_file=str(token_file))
    assert str(caught.value) == 'exchange_token and exchange_token_file are both set: give the token or the file it is in, not both'


def test_the_token_file_is_read_at_each_grant(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(EXCHANGE_JWT + '\n')
    value = exchange_settings(exchange_token_file=str(token_file), exchange_scope='privx-user')
    assert (value.exchange, value.identity, value.exchange_scope, value.client_id) == (True, 'exchange token', 'privx-user', None)
    assert value.token_to_exchange() == EXCHANGE_JWT
    token_file.write_text('eyJ.next.token')
    assert value.token_to_exchange() == 'eyJ.next.token'
    token_file.write_text('\n')
    with pytest.raises(PrivXConfigError, match="exchange_token_file '.*' is empty"):
        value.token_to_exchange()
    token_file.unlink()
    with pytest.raises(PrivXConfigError, match="exchange_token_file '.*' cannot be read: No such file or directory"):
        value.token_to_exchange()
    assert EXCHANGE_JWT not in repr(value)


def test_a_token_file_too_large_for_a_token_fails_without_reading_it_whole(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(EXCHANGE_JWT)
    value = exchange_settings(exchange_token_file=str(token_file))
    # Replaced after the settings were checked: a symlink to /dev/zero would never end a whole read.
    token_file.unlink()
    token_file.symlink_to('/dev/zero')
    with pytest.raises(PrivXConfigError, match="exchange_token_file '.*' is larger than 65536 bytes"):
        value.token_to_exchange()


def test_the_token_file_must_exist(tmp_path):
    with pytest.raises(PrivXConfigError, match="exchange_token_file '.*missing' does not exist"):
        exchange_settings(exchange_token_file=str(tmp_path / 'missing'))
    with pytest.raises(PrivXConfigError, match="is not a file"):
        exchange_settings(exchange_token_file=str(tmp_path))


def test_an_exchange_connection_differs_in_its_cache_key_by_token_file_and_scope(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(EXCHANGE_JWT)
    keys = {exchange_settings(exchange_token_file=str(token_file)).cache_key(),
            exchange_settings(exchange_token_file=str(token_file), exchange_scope='s').cache_key(),
            exchange_settings(exchange_token=EXCHANGE_JWT).cache_key()}
    assert len(keys) == 3
