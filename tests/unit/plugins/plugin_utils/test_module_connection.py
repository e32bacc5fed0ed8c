# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' action plugin's decisions (plugins/plugin_utils/_module_connection.py) and the run token they hand
over, against the one fake of PrivX (tests/unit/plugins/fake_privx.py): the agent's token op, the client's fallback."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets
from ansible_collections.privx.secrets.plugins.module_utils.module.run_token import agent_token_source, token_from_agent
from ansible_collections.privx.secrets.plugins.plugin_utils import _module_connection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import STATUS, ControllerProcess
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_agent import AgentServer, CheckoutAgent
from ansible_collections.privx.secrets.plugins.plugin_utils._module_connection import (
    ProgressWatcher,
    controller_connection,
    filled_options,
    run_agent,
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


@pytest.mark.parametrize('variable, value, message', [
    ('privx_retries', 'abc', "privx_retries must be a whole number, got 'abc'"),
    ('privx_validate_certs', 'perhaps', "privx_validate_certs must be a boolean, got 'perhaps'"),
])
def test_a_privx_variable_of_the_wrong_type_is_named_not_the_option_the_task_never_set(variable, value, message):
    with pytest.raises(PrivXError) as caught:
        filled_options({'url': 'https://privx.example.com'}, {variable: value}, lambda text: text)
    assert str(caught.value) == message


def test_the_controller_connection_falls_back_to_the_environment_and_is_typed():
    environment = {'PRIVX_URL': '', 'PRIVX_API_BASE_URL': 'https://env.example.com', 'PRIVX_VALIDATE_CERTS': 'no',
                   'PRIVX_CLIENT_ID': 'env-client'}
    connection = controller_connection({'client_id': 'task-client', 'timeout': '7'}, environment)
    assert connection == {'url': 'https://env.example.com', 'client_id': 'task-client', 'validate_certs': False, 'timeout': 7}


@pytest.fixture
def agent_socket(privx):
    """A checkout agent over the fake, serving on a Unix socket as the run's agent does (_checkout_agent.AgentServer)."""
    directory = tempfile.mkdtemp(prefix='privx-test-')
    server = AgentServer(os.path.join(directory, 'agent.sock'),
                         CheckoutAgent(lambda text: None, secrets_api=lambda settings: AccountSecrets(privx.client(settings))),
                         on_finish=lambda: None)
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
    shutil.rmtree(directory)


def test_modules_and_lookups_of_one_api_client_share_one_grant(privx, agent_socket):
    connection = dict(CREDENTIALS, url=URL)
    assert [token_from_agent(agent_socket.server_address, connection) for _task in range(5)] == [FAKE_TOKEN] * 5
    assert privx.token_grants == 1
    # the lookup's checkout through the same agent and the same connection: still one grant
    agent_socket.agent.checkout(connection, path='corp.example.com/alice')
    assert privx.token_grants == 1
    # a module's client asks the agent when it first calls PrivX, and grants nothing itself
    client = privx.client(ConnectionSettings(connection), token_source=agent_token_source(agent_socket.server_address, connection))
    list(client.paginate(paths.TARGET_DOMAINS))
    assert privx.token_grants == 1


def test_an_agent_that_cannot_answer_leaves_the_module_to_its_own_grant(privx, agent_socket):
    assert token_from_agent(agent_socket.server_address, {'url': URL, 'access_token': 'given'}) is None  # nothing to share
    assert token_from_agent('/nonexistent/agent.sock', dict(CREDENTIALS, url=URL)) is None
    client = privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)),
                          token_source=agent_token_source('/nonexistent/agent.sock', dict(CREDENTIALS, url=URL)))
    list(client.paginate(paths.TARGET_DOMAINS))
    assert privx.token_grants == 1
    assert agent_token_source(None, {}) is None


def test_a_task_that_fails_before_its_first_call_asks_nothing(privx):
    asked = []
    privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)), token_source=lambda: asked.append(1))
    assert asked == [] and privx.calls == []


class StartedAgent:
    """AgentConnection as run_agent uses it: status starts the agent, socket_path is where it listens."""

    socket_path = '/run/user/1000/privx.secrets/123-456.sock'

    def __init__(self):
        self.requests = []

    def __call__(self):
        return self

    def request(self, operation, **_arguments):
        self.requests.append(operation)
        return {'pid': 1, 'held': [], 'releasable': []}


def test_the_run_agent_is_started_without_a_call_to_privx(privx):
    agent = StartedAgent()
    assert run_agent(dict(CREDENTIALS, url=URL), agent, environment={}) == (StartedAgent.socket_path, None)
    assert agent.requests == [STATUS] and privx.calls == []


def test_no_agent_where_there_is_nothing_to_share_or_it_cannot_start():
    agent = StartedAgent()
    assert run_agent({'url': URL, 'access_token': 'given'}, agent, environment={}) == (None, 'the task gives an access_token')
    socket_path, why = run_agent({'url': URL, 'client_id': 'c'}, agent, environment={})
    assert socket_path is None and 'incomplete API client credentials' in why
    assert agent.requests == []

    def unusable():
        raise PrivXError('the checkout agent did not start (no answer within 15s)')
    socket_path, why = run_agent(dict(CREDENTIALS, url=URL), unusable, environment={})
    assert socket_path is None and 'did not start' in why


def test_a_rejected_borrowed_token_falls_back_to_one_grant_of_its_own(privx):
    privx.domains.append({'id': 'd2', 'name': 'other'})
    client = privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)), token_source=lambda: 'planted-borrowed-expired')
    privx.script('GET', paths.TARGET_DOMAINS, Reply(401, {'error_message': 'token expired'}), AS_USUAL)
    assert len(list(client.paginate(paths.TARGET_DOMAINS))) == 2
    assert privx.token_grants == 1
    assert len([call for call in privx.calls if call[1] == paths.TARGET_DOMAINS]) == 2


def test_a_borrowed_token_is_used_without_a_grant(privx):
    client = privx.client(ConnectionSettings(dict(CREDENTIALS, url=URL)), token_source=lambda: 'planted-borrowed')
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


def test_a_hung_agent_is_given_up_on_soon_and_the_module_authenticates_itself(monkeypatch):
    """An agent that accepts but never answers (stopped with SIGSTOP, say): each module task would otherwise wait out
    the agent's reply timeout (minutes) before its own grant."""
    monkeypatch.setattr(_module_connection, 'STATUS_TIMEOUT', 0.5, raising=False)
    directory = tempfile.mkdtemp(prefix='pxh')
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection = AgentConnection(controller=ControllerProcess(os.getpid(), 'hung'), directory=directory)
        hung.bind(connection.socket_path)
        hung.listen(1)  # accepts into the backlog, never answers
        answers = []
        runner = threading.Thread(target=lambda: answers.append(run_agent(
            dict(CREDENTIALS, url=URL), lambda: connection, environment={})), daemon=True)
        runner.start()
        runner.join(timeout=20)
        assert not runner.is_alive(), 'run_agent still waits on a hung agent'
        assert answers[0][0] is None and 'the checkout agent cannot be used' in answers[0][1]
    finally:
        hung.close()
        shutil.rmtree(directory)
