# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CheckoutAgent against the one fake of PrivX (tests/unit/plugins/fake_privx.py): no sockets, no ansible-playbook."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets
from ansible_collections.privx.secrets.plugins.plugin_utils import _checkout_agent
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    LEAVE_TO_EXPIRY,
    RELEASE_AT_PLAY_END,
    RELEASE_AT_RUN_END,
    STATUS,
    ProtocolError,
    lease_key,
)
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_agent import CheckoutAgent
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_leases import FileLeases, MemoryLeases

from fake_privx import FakePrivX, stamp

CONNECTION = {'url': 'https://privx.example.com', 'client_id': 'c', 'client_secret': 's', 'oauth_client_secret': 'o',
              'timeout': 2}


@pytest.fixture
def api(privx):
    """([the one fake of PrivX], a secrets API factory as the agent takes it: AccountSecrets over the real client)."""

    def secrets_api(settings, delay=None):
        if delay is not None:
            privx.checkout_delay = delay
        return AccountSecrets(privx.client(settings))
    return [privx], secrets_api


def posts(privx):
    """The paths of the checkout requests PrivX got."""
    return [body['path'] for method, path, body in privx.calls if (method, path) == ('POST', paths.CHECKOUTS)]


def make_agent(secrets_api):
    warnings = []
    return CheckoutAgent(warnings.append, secrets_api=secrets_api), warnings


def test_one_checkout_per_path_however_many_threads_ask(api):
    made, secrets_api = api
    agent, _warnings = make_agent(lambda settings: secrets_api(settings, delay=0.2))
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(agent.checkout(CONNECTION, path='d/a'))) for _thread in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert posts(made[0]) == ['d/a']
    assert {answer['value'] for answer in answers} == {'planted-d/a'}
    assert agent.release()['released'] == ['d/a']
    assert made[0].active == {}


def test_a_checkout_another_run_made_is_used_warned_about_once_and_never_released(api):
    made, secrets_api = api
    agent, _warnings = make_agent(secrets_api)
    agent.checkout(CONNECTION, path='d/mine')
    made[0].already_active('d/theirs', age=30)
    first = agent.checkout(CONNECTION, path='d/theirs')
    second = agent.checkout(CONNECTION, path='d/theirs')
    assert first['value'] == 'planted-d/theirs'
    assert "'d/theirs' was already checked out by this API client" in first['warning']
    assert second['warning'] is None
    assert agent.held_paths() == ['d/mine']
    assert agent.release_for_shutdown()['released'] == ['d/mine']
    assert list(made[0].active) == ['d/theirs'], 'the other run\'s checkout was released'


def test_a_checkout_made_just_now_by_our_request_is_ours(api):
    made, secrets_api = api
    agent, _warnings = make_agent(secrets_api)
    # PrivX gives whole seconds (up to one earlier than the moment), and its clock may lag ours a little: still ours.
    made[0].created_offset = -0.9
    assert agent.checkout(CONNECTION, path='d/a')['warning'] is None
    assert agent.release()['released'] == ['d/a']


def test_a_checkout_whose_request_went_unanswered_is_kept_until_a_late_attempt_cannot_create_another(api, monkeypatch):
    made, secrets_api = api
    monkeypatch.setattr(_checkout_agent, 'IN_DOUBT_TIMEOUTS', 0.5)
    # A call that takes longer than the timeout (2 s here, 1 s wait after): the client retried an unanswered attempt.
    agent, _warnings = make_agent(lambda settings: secrets_api(settings, delay=2.05))
    agent.checkout(CONNECTION, path='d/a')
    assert agent.release()['released'] == [], 'released while a late attempt could still create a checkout'
    assert agent.held_paths() == ['d/a']
    started = time.monotonic()
    assert agent.release_for_shutdown()['released'] == ['d/a']
    assert time.monotonic() - started >= 0.5
    assert made[0].active == {}


def test_status_lists_as_releasable_only_what_a_release_now_releases(api, monkeypatch):
    # checkout_release's check mode shows STATUS's 'releasable': a checkout held back by keep_until is not in it.
    made, secrets_api = api
    monkeypatch.setattr(_checkout_agent, 'IN_DOUBT_TIMEOUTS', 30)
    agent, _warnings = make_agent(lambda settings: secrets_api(settings, delay=2.05))
    agent.checkout(CONNECTION, path='d/a')
    made[0].checkout_delay = 0.0
    agent.checkout(CONNECTION, path='d/b')
    server = type('Server', (), {'agent': agent})()
    status = _checkout_agent.AgentServer.dispatch(server, STATUS, {})
    assert status['held'] == ['d/a', 'd/b']
    assert status['releasable'] == ['d/b']
    assert agent.release()['released'] == status['releasable']


def test_shutdown_waits_for_calls_under_way_and_then_refuses_new_ones(api):
    made, secrets_api = api
    agent, _warnings = make_agent(lambda settings: secrets_api(settings, delay=0.5))
    thread = threading.Thread(target=agent.checkout, args=(CONNECTION,), kwargs={'path': 'd/a'})
    thread.start()
    time.sleep(0.1)
    assert agent.release_for_shutdown()['released'] == ['d/a'], 'a checkout under way at shutdown was left behind'
    thread.join()
    assert made[0].active == {}
    with pytest.raises(PrivXError, match='shutting down'):
        agent.checkout(CONNECTION, path='d/b')


def test_a_failed_release_is_a_warning_at_shutdown(api):
    made, secrets_api = api
    agent, warnings = make_agent(secrets_api)
    agent.checkout(CONNECTION, path='d/a')

    release = paths.checkout_release(made[0].active['d/a']['id'])
    made[0].answers[('POST', release)] = PrivXApiError('POST', release, 400, 'REFUSED', 'refused')
    agent.release_for_shutdown()
    assert len(warnings) == 1 and "could not release the checkout of 'd/a'" in warnings[0]


def test_a_failed_checkout_is_answered_from_memory_for_a_while(api):
    made, secrets_api = api
    agent, _warnings = make_agent(secrets_api)
    connection = dict(CONNECTION, retries=0)
    agent.checkout(connection, path='d/warm')
    made[0].answers[('POST', paths.CHECKOUTS)] = PrivXApiError('POST', paths.CHECKOUTS, 503, 'MAX_LOAD')
    for _attempt in range(5):
        with pytest.raises(PrivXError, match='503'):
            agent.checkout(connection, path='d/a')
    assert posts(made[0]) == ['d/warm', 'd/a']


def test_releases_run_in_parallel(api):
    made, secrets_api = api
    agent, _warnings = make_agent(secrets_api)
    for number in range(5):
        agent.checkout(CONNECTION, path='d/%d' % number)
    made[0].release_delay = 0.3
    started = time.monotonic()
    assert agent.release()['released'] == ['d/%d' % number for number in range(5)]
    assert time.monotonic() - started < 1.0


# -- Runs that share a checkout (issue 25) ------------------------------------------


class Machine:
    """Runs of one machine against one PrivX: each run an agent, all sharing one fake PrivX and one set of leases."""

    def __init__(self, leases_class=MemoryLeases, **leases_options):
        self.privx = FakePrivX()
        self.live = set()
        self.store = {}
        self.leases_class = leases_class
        self.leases_options = leases_options
        self.warnings = {}

    def run(self, name):
        self.live.add(name)
        self.warnings[name] = []
        options = dict(self.leases_options) or {'store': self.store}
        leases = self.leases_class(me=name, alive=lambda other: other in self.live, **options)
        return CheckoutAgent(self.warnings[name].append, secrets_api=lambda settings: AccountSecrets(self.privx.client(settings)),
                             leases=leases)

    def end(self, name, agent):
        self.live.discard(name)
        return agent.release_for_shutdown()


@pytest.fixture(params=['memory', 'files'])
def machine(request, tmp_path):
    if request.param == 'memory':
        return Machine()
    return Machine(FileLeases, directory=str(tmp_path))


def test_the_last_of_two_runs_that_share_a_checkout_releases_it_whichever_ends_first(machine):
    for first_to_end in ('a', 'b'):
        machine.privx.released.clear()
        runs = {'a': machine.run('a'), 'b': machine.run('b')}
        runs['a'].checkout(CONNECTION, path='d/x')
        machine.privx.active['d/x']['created'] = stamp(time.time() - 30)  # so that B can tell it did not create it
        joined = runs['b'].checkout(CONNECTION, path='d/x')
        [checkout_id] = [record['id'] for record in machine.privx.active.values()]
        second_to_end = 'b' if first_to_end == 'a' else 'a'
        outcome = machine.end(first_to_end, runs[first_to_end])
        assert outcome['released'] == [] and outcome['kept'] == ['d/x']
        assert machine.privx.released == [] and 'd/x' in machine.privx.active, 'released under the other run'
        assert machine.end(second_to_end, runs[second_to_end])['released'] == ['d/x']
        assert machine.privx.released == [checkout_id]
        # The run that joined was told that the checkout was shared, and who releases it.
        assert joined['warning'].endswith("'d/x' was already checked out by this API client (another run at the same "
                                          "time?): using that checkout; the last run on this machine that uses it releases it")


def test_a_run_that_joined_before_the_other_let_go_keeps_the_checkout(machine):
    # B has joined (its request is on its way) when A lets go: A must not release what B is about to be handed.
    first, second = machine.run('a'), machine.run('b')
    first.checkout(CONNECTION, path='d/x')
    settings = ConnectionSettings(CONNECTION)
    second._leases.join(lease_key(settings.url, settings.client_id, 'd/x'))  # pylint: disable=protected-access
    assert machine.end('a', first)['released'] == []
    assert second.checkout(CONNECTION, path='d/x')['value'] == 'planted-d/x'
    assert machine.end('b', second)['released'] == ['d/x']
    assert machine.privx.active == {}


def test_a_run_whose_controller_is_gone_is_not_waited_for(machine):
    first, second = machine.run('a'), machine.run('b')
    first.checkout(CONNECTION, path='d/x')
    second.checkout(CONNECTION, path='d/x')
    machine.live.discard('b')  # killed, and its agent with it: it never lets go
    assert machine.end('a', first)['released'] == ['d/x']


@pytest.mark.parametrize('written', ['https://PrivX.Example.com', 'https://privx.example.com:443/', 'HTTPS://privx.example.com/'])
def test_runs_that_write_one_privx_url_differently_still_share_the_lease(machine, written):
    # One PrivX and one API client share one checkout, however each run's url is written: the run that ends first
    # must still see the other.
    first, second = machine.run('a'), machine.run('b')
    first.checkout(CONNECTION, path='d/x')
    machine.privx.active['d/x']['created'] = stamp(time.time() - 30)
    second.checkout(dict(CONNECTION, url=written), path='d/x')
    assert machine.end('a', first)['released'] == [] and machine.privx.released == [], 'released under the other run'
    assert machine.end('b', second)['released'] == ['d/x']


def test_a_checkout_made_elsewhere_is_never_released_here(machine):
    machine.privx.already_active('d/x', age=30)
    agent = machine.run('a')
    answer = agent.checkout(CONNECTION, path='d/x')
    assert 'leaving its release to that run or to its expiry' in answer['warning']
    outcome = machine.end('a', agent)
    assert outcome['released'] == [] and outcome['kept'] == ['d/x'] and machine.privx.released == []


def test_expiry_is_never_released_not_even_by_the_last_run_and_is_said_once(machine):
    keeper, player = machine.run('keeper'), machine.run('player')
    answers = [keeper.checkout(CONNECTION, path='d/x', release=LEAVE_TO_EXPIRY, reason='because') for _round in range(3)]
    expires = machine.privx.active['d/x']['expires']
    assert answers[0]['warning'] == ("privx.secrets: the checkout of 'd/x' is not released when the play ends but left "
                                     "to expire at %s: because" % expires)
    assert [answer['warning'] for answer in answers[1:]] == [None, None]
    player.checkout(CONNECTION, path='d/x')
    assert keeper.release(used_before=time.time())['released'] == []  # a play's end
    asked = keeper.release(paths=['d/x'])  # checkout_release
    assert asked['released'] == [] and asked['kept'] == ['d/x'] and 'left to expire' in asked['warnings'][0]
    assert keeper.held_paths() == [] and keeper.checkout(CONNECTION, path='d/x')['value'] == 'planted-d/x'
    assert machine.end('keeper', keeper)['released'] == []
    assert machine.end('player', player)['released'] == [], 'the last run released a checkout another run left to expire'
    assert machine.privx.released == []


def test_a_later_lookup_asking_for_expiry_keeps_the_checkout_of_an_earlier_one():
    machine = Machine()
    agent = machine.run('a')
    agent.checkout(CONNECTION, path='d/x')
    assert 'left to expire' in agent.checkout(CONNECTION, path='d/x', release=LEAVE_TO_EXPIRY)['warning']
    assert agent.checkout(CONNECTION, path='d/x', release=RELEASE_AT_PLAY_END)['warning'] is None
    assert machine.end('a', agent)['released'] == [] and machine.privx.released == []


def test_run_mode_outlives_the_play_and_play_mode_does_not():
    machine = Machine()
    agent = machine.run('a')
    agent.checkout(CONNECTION, path='d/play')
    agent.checkout(CONNECTION, path='d/run', release=RELEASE_AT_RUN_END)
    assert agent.release(used_before=time.time())['released'] == ['d/play']
    assert agent.release(ending=True)['released'] == ['d/run']


def test_an_unknown_release_mode_is_refused():
    agent = Machine().run('a')
    with pytest.raises(ProtocolError, match="unknown release mode 'never'"):
        agent.checkout(CONNECTION, path='d/x', release='never')


def test_status_does_not_offer_a_checkout_another_run_still_uses(machine):
    first, second = machine.run('a'), machine.run('b')
    first.checkout(CONNECTION, path='d/x')
    first.checkout(CONNECTION, path='d/y')
    second.checkout(CONNECTION, path='d/x')
    assert first.held_paths() == ['d/x', 'd/y']
    assert first.held_paths(releasable=True) == ['d/y']
    assert first.release()['released'] == ['d/y']


def test_one_run_with_two_connections_to_one_api_client_keeps_the_checkout_for_the_other():
    # The same API client with another timeout is another connection of the run, and another holder of the checkout.
    machine = Machine()
    agent = machine.run('a')
    agent.checkout(CONNECTION, path='d/x')
    agent.checkout(dict(CONNECTION, timeout=30), path='d/x', release=RELEASE_AT_RUN_END)
    assert agent.release(used_before=time.time())['kept'] == ['d/x'], 'released under the run\'s other connection'
    assert machine.privx.released == []
    assert agent.release(ending=True)['released'] == ['d/x']


def test_a_lease_file_that_fails_at_the_end_is_a_warning_and_the_other_checkouts_are_still_released(api, tmp_path):
    # A lease file that cannot be used when the run ends (a full disk, a file made unreadable) must not take the
    # agent down with an exception: the other paths are still let go, and the broken one is named in a warning.
    made, secrets_api = api
    warnings = []
    agent = CheckoutAgent(warnings.append, secrets_api=secrets_api, leases=FileLeases(str(tmp_path), '100-1', alive=lambda _name: True))
    agent.checkout(CONNECTION, path='d/broken')
    agent.checkout(CONNECTION, path='d/fine')
    settings = ConnectionSettings(CONNECTION)
    broken = tmp_path / 'leases' / lease_key(settings.url, settings.client_id, 'd/broken')
    broken.unlink()
    broken.mkdir()
    outcome = agent.release_for_shutdown()
    assert outcome['released'] == ['d/fine'] and 'd/fine' not in made[0].active
    assert 'd/broken' in made[0].active, 'released without knowing whether another run uses it'
    assert [warning for warning in warnings if "'d/broken'" in warning and str(broken) in warning], warnings


def test_a_vault_secret_is_read_once_however_many_threads_ask_and_failures_are_remembered(api):
    made, secrets_api = api
    made[0].vault_secret('db/app', {'password': 'planted-unit-vault'})
    agent, _warnings = make_agent(secrets_api)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(agent.vault_read(CONNECTION, 'db/app'))) for _thread in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [{'password': 'planted-unit-vault'}] * 20
    assert made[0].count('GET', paths.vault_secret('db/app')) == 1 and made[0].token_grants == 1
    for _attempt in range(2):
        with pytest.raises(PrivXError, match="no Vault secret named 'no/such'"):
            agent.vault_read(CONNECTION, 'no/such')
    assert made[0].count('GET', paths.vault_secret('no/such')) == 1
