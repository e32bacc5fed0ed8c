# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' action plugin's decisions (plugins/plugin_utils/_module_connection.py) and the run token they hand
over, against the one fake of PrivX (tests/unit/plugins/fake_privx.py): the agent's token op, the client's fallback."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import TOKEN, ProtocolError
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_agent import CheckoutAgent
from ansible_collections.privx.secrets.plugins.plugin_utils._module_connection import (
    ProgressWatcher,
    borrowed_token,
    controller_connection,
    filled_options,
    with_remote_hint,
)

from fake_privx import TOKEN as FAKE_TOKEN, URL, Reply, AS_USUAL

CREDENTIALS = {'client_id': 'c', 'client_secret': 's', 'oauth_client_secret': 'o'}


class Vaulted:
    """A value that is text only once turned into a string, as ansible-core's vault-encrypted values are."""

    def __str__(self):
        return 'vault-decrypted'


def test_unset_options_come_from_the_privx_variables_rendered():
    variables = {'privx_url': '{{ base }}', 'privx_client_id': 'from-variable', 'privx_client_secret': Vaulted(),
                 'privx_timeout': '60', 'privx_retries': '', 'other': 'x'}
    rendered = []

    def render(value):
        rendered.append(value)
        return 'https://rendered.example.com' if value == '{{ base }}' else value
    # module_defaults reach the action plugin merged into the task's arguments: they win over a variable, as an option does
    args, filled = filled_options({'client_id': 'from-task', 'url': None, 'target_domain': 'd'}, variables, render)
    assert args == {'client_id': 'from-task', 'url': 'https://rendered.example.com', 'client_secret': 'vault-decrypted',
                    'timeout': '60', 'target_domain': 'd'}
    assert filled == ['url', 'client_secret', 'timeout']
    assert 'from-variable' not in rendered  # a set option is not even templated


def test_the_controller_connection_falls_back_to_the_environment_and_is_typed():
    environment = {'PRIVX_URL': '', 'PRIVX_API_BASE_URL': 'https://env.example.com', 'PRIVX_VALIDATE_CERTS': 'no',
                   'PRIVX_CLIENT_ID': 'env-client'}
    connection = controller_connection({'client_id': 'task-client', 'timeout': '7'}, environment)
    assert connection == {'url': 'https://env.example.com', 'client_id': 'task-client', 'validate_certs': False, 'timeout': 7}


class Agent:
    """The agent's side of the socket: CheckoutAgent itself, over the fake."""

    def __init__(self, privx):
        self.agent = CheckoutAgent(lambda text: None, secrets_api=lambda settings: AccountSecrets(privx.client(settings)))
        self.requests = []

    def __call__(self):
        return self

    def request(self, operation, **arguments):
        self.requests.append(operation)
        assert operation == TOKEN
        return self.agent.token(arguments['connection'])


def test_modules_and_lookups_of_one_api_client_share_one_grant(privx):
    agent = Agent(privx)
    args = dict(CREDENTIALS, url=URL)
    tokens = [borrowed_token(args, agent, environment={})[0] for _task in range(5)]
    assert tokens == [FAKE_TOKEN] * 5
    assert privx.token_grants == 1
    # the lookup's checkout through the same agent and the same connection: still one grant
    agent.agent.checkout(dict(CREDENTIALS, url=URL), path='corp.example.com/alice')
    assert privx.token_grants == 1


def test_no_token_is_borrowed_where_there_is_nothing_to_share_or_no_agent(privx):
    agent = Agent(privx)
    assert borrowed_token({'url': URL, 'access_token': 'given'}, agent, environment={}) == (None, 'the task gives an access_token')
    token, why = borrowed_token({'url': URL, 'client_id': 'c'}, agent, environment={})
    assert token is None and 'incomplete API client credentials' in why
    assert agent.requests == [] and privx.token_grants == 0

    def unusable():
        raise PrivXError('the checkout agent did not start (no answer within 15s)')
    token, why = borrowed_token(dict(CREDENTIALS, url=URL), unusable, environment={})
    assert token is None and 'did not start' in why


def test_the_agent_shares_no_access_token(privx):
    with pytest.raises(ProtocolError):
        Agent(privx).agent.token({'url': URL, 'access_token': 'given'})


def test_a_rejected_borrowed_token_falls_back_to_one_grant_of_its_own(privx):
    privx.domains.append({'id': 'd2', 'name': 'other'})
    client = privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)), borrowed_token='planted-borrowed-expired')
    privx.script('GET', paths.TARGET_DOMAINS, Reply(401, {'error_message': 'token expired'}), AS_USUAL)
    assert len(list(client.paginate(paths.TARGET_DOMAINS))) == 2
    assert privx.token_grants == 1
    sent = [call for call in privx.calls if call[1] == paths.TARGET_DOMAINS]
    assert len(sent) == 2


def test_a_borrowed_token_is_used_without_a_grant(privx):
    client = privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)), borrowed_token='planted-borrowed')
    list(client.paginate(paths.TARGET_DOMAINS))
    assert privx.token_grants == 0
    assert client.current_token() == 'planted-borrowed'


def test_a_module_elsewhere_without_settings_says_where_it_runs():
    result = with_remote_hint({'failed': True, 'msg': 'missing required arguments: url'}, 'web1')
    assert 'here on web1' in result['msg'] and 'delegate_to: localhost' in result['msg']
    other = with_remote_hint({'failed': True, 'msg': 'unknown target_domain'}, 'web1')
    assert other['msg'] == 'unknown target_domain'


def test_progress_lines_are_shown_as_they_are_completed_and_the_file_goes():
    shown = []
    with ProgressWatcher(shown.append, interval=0.01) as progress:
        with open(progress.path, 'a', encoding='utf-8') as handle:
            handle.write('waiting for the scan of corp-ad: 0 s, SCANNING\nwaiting for the sc')
            handle.flush()
            deadline = time.monotonic() + 5
            while not shown and time.monotonic() < deadline:
                time.sleep(0.01)
            assert shown == ['waiting for the scan of corp-ad: 0 s, SCANNING']
            handle.write('an of corp-ad: 1 s, SCANNING\n')
    assert shown == ['waiting for the scan of corp-ad: 0 s, SCANNING', 'waiting for the scan of corp-ad: 1 s, SCANNING']
    assert not os.path.exists(os.path.dirname(progress.path))
