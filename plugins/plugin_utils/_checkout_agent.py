# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkout agent: one small process per ansible-playbook run.

It holds, in memory only, the PrivX token, the checkouts the run's plays
made and the Vault secrets the run read (each once: the vault lookup), serves
them to the forked workers over a Unix socket (``_agent_connection``),
lets go of a play's checkouts when the callback says the next play starts or the
run ends, and of everything, then exits, as soon as the controller process is
gone, however it went (normal end, failure, Ctrl-C, SIGTERM, SIGKILL). Letting go
releases a checkout only when no other run on this machine uses it
(``_checkout_leases``) and the run did not leave it to expiry (``_agent_protocol``).
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socketserver
import sys
import threading
import time

from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import parse_timestamp, utc_now
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import (
    IN_DOUBT_TIMEOUTS,
    AccountSecrets,
    current_secret,
    release_through_outage,
)
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    CHECKOUT,
    FINISH,
    LEAVE_TO_EXPIRY,
    PLAY_START,
    READY_LINE,
    RELEASE,
    RELEASE_AT_PLAY_END,
    RELEASE_MODES,
    STATUS,
    TOKEN,
    VAULT_READ,
    ControllerProcess,
    ProtocolError,
    decode_request,
    encode_reply,
    lease_key,
    peer_uid,
)
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import VaultSecrets
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_leases import FileLeases, MemoryLeases

EXPIRY_MARGIN = 5.0
POLL_INTERVAL = 0.5
# A failed checkout is answered from memory for this long, so that 20 forks do not each wait out the retries.
FAILURE_MEMORY = 10.0
# PrivX may give `created` in whole seconds, and its clock and ours differ a little: a checkout created up to this
# long before our request was sent still counts as made by that request.
CREATED_MARGIN = 2.0
# A client has this long to send its request line; an idle connection then ends and frees its thread.
REQUEST_READ_TIMEOUT = 10.0
# At shutdown, calls to PrivX still running are waited for this long at most before releasing.
SHUTDOWN_PATIENCE = 120.0


class Holding:
    """One checkout the run uses, with what is needed to release it.

    ``own``: whether this run's request created the checkout. PrivX gives an API client one checkout per path and
    answers a second request for it with the active one, so two runs with the same API client can be handed the
    same checkout. A checkout is this run's when PrivX created it after our request was sent (``created`` against
    the time we sent it, minus CREATED_MARGIN), which costs no extra call. Who created it no longer decides who
    releases it (see _agent_protocol, "Leases"): runs on this machine release a checkout one of them created, when
    the last of them lets go; a checkout created elsewhere (another machine, an AWX job, the AWX credential plugin)
    is never released here. The margin leaves one case undecidable: a checkout another machine created within
    CREATED_MARGIN before our request counts as made here.

    ``made_here``: whether a run on this machine created it (the leases' answer), ``mode``: one of RELEASE_MODES,
    ``lease``: the key of its lease file, ``holder``: which of the run's API connections uses it (see Leases).

    ``keep_until``: a checkout attempt that got no answer (the client retries after a read timeout, so the
    call took longer than ``timeout``) may still be processed by PrivX later. While this checkout is active,
    that late attempt is answered with it and creates nothing; once it is released, the late attempt would
    create a checkout nobody releases. So such a checkout is not released before IN_DOUBT_TIMEOUTS timeouts
    after the answer: releases of play ends leave it held, and the release at shutdown waits for that moment.
    """

    def __init__(self, secrets, record, *, own=True, keep_until=0.0):
        self.secrets = secrets
        self.record = record
        self.own = own
        self.keep_until = keep_until
        self.last_used = time.time()
        self.made_here = own
        self.mode = RELEASE_AT_PLAY_END
        self.lease = None
        self.holder = ''

    @property
    def path(self):
        return self.record.get('path')

    def expired(self):
        expires = parse_timestamp(self.record.get('expires'))
        return expires is not None and (expires - utc_now()).total_seconds() < EXPIRY_MARGIN

    def release(self, checkout_id):
        """Release one checkout of this path (the leases name it); a warning text when it could not be released."""
        return _release(self.secrets, self.path, checkout_id, self.record.get('expires') if checkout_id == self.record.get('id') else None)


def check_out(secrets, path, clock=time.time):
    """Check ``path`` out; a Holding that knows whether this request created the checkout (see Holding)."""
    sent = clock()
    record = secrets.checkout(path)
    answered = clock()
    created = parse_timestamp(record.get('created'))
    own = created is None or created.timestamp() >= sent - CREATED_MARGIN
    timeout = secrets.client.settings.timeout
    in_doubt = answered - sent >= timeout
    return Holding(secrets, record, own=own, keep_until=answered + IN_DOUBT_TIMEOUTS * timeout if in_doubt else 0.0)


def _longest(mode, other):
    return max(mode, other, key=RELEASE_MODES.index)


class CheckoutAgent:
    """The run's checkouts and API clients. Thread-safe; no lock is held during a call to PrivX but the path's own."""

    def __init__(self, warn, secrets_api=lambda settings: AccountSecrets(PrivXClient(settings)), leases=None):
        self._warn = warn
        self._secrets_api = secrets_api
        self._leases = leases or MemoryLeases()
        self._lock = threading.Lock()
        self._clients = {}
        self._holders = {}
        self._held = {}
        self._paths = {}
        self._failures = {}
        self._key_locks = {}
        self._warned = set()
        self._vault_data = {}
        self._vaults = {}
        self._calls = threading.Condition(self._lock)
        self._running_calls = 0
        self._closing = False

    def _lock_for(self, key):
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _secrets_for(self, connection):
        settings = ConnectionSettings(connection)
        key = settings.cache_key()
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._secrets_api(settings)
                self._holders[key] = str(len(self._holders) + 1)  # tells this run's connections apart in the leases
            return key, self._clients[key]

    def checkout(self, connection, path=None, target_domain=None, username=None, output='secret', release=None, reason=None, host=None):
        """{'value': the secret or the record, 'warning': text once per path and run (see _agent_protocol, checkout)}."""
        mode = release or RELEASE_AT_PLAY_END
        if mode not in RELEASE_MODES:
            raise ProtocolError('unknown release mode %r for the checkout agent' % (mode,))
        with self._calls:
            if self._closing:
                raise PrivXError('the checkout agent is shutting down: the run has ended')
            self._running_calls += 1
        try:
            return self._checkout(connection, path, (target_domain, host), username, output, mode, reason)
        finally:
            with self._calls:
                self._running_calls -= 1
                self._calls.notify_all()

    def _checkout(self, connection, path, place, username, output, mode, reason):
        """``place``: (target domain, host), one of them given when ``path`` is None."""
        key, secrets = self._secrets_for(connection)
        if path is None:
            target_domain, host = place
            path = self._remembered(self._paths, (key, target_domain, host, username),
                                    lambda: secrets.path_of_host(host, username) if host else secrets.path_of(target_domain, username))
        holding = self._remembered(self._held, (key, path), lambda: self._check_out(secrets, path, mode, self._holders[key]),
                                   fresh=lambda held: not held.expired())
        holding.last_used = time.time()
        self._keep_as_long_as(holding, mode)
        value = holding.record if output == 'checkout' else current_secret(holding.record)
        return {'value': value, 'warning': self._warning_once(holding, reason)}

    def vault_read(self, connection, name, personal=False):
        """A Vault secret's data, read once per run and connection and then held in memory (see _agent_protocol)."""
        key, secrets = self._secrets_for(connection)
        with self._lock:
            vault = self._vaults.setdefault(key, VaultSecrets(secrets.client))  # the user id of personal paths, asked once
        return self._remembered(self._vault_data, (key, name, bool(personal)), lambda: vault.data(name, personal=bool(personal)))

    def _check_out(self, secrets, path, mode, holder):
        """Check out under a lease: joined before the request, so that no run here releases the checkout meanwhile."""
        settings = secrets.client.settings
        lease = lease_key(settings.url, settings.client_id or settings.access_token or settings.exchange_token_file
                          or settings.exchange_token, path)
        self._leases.join(lease, holder)
        try:
            holding = check_out(secrets, path)
        except PrivXError:
            _released, warnings, _others = self._leases.let_go(lease, lambda checkout_id: _release(secrets, path, checkout_id), holder)
            for warning in warnings:
                self._warn(warning)
            raise
        holding.lease, holding.holder, holding.mode = lease, holder, mode
        holding.made_here = self._leases.record(lease, holding.record, created=holding.own, keep=mode == LEAVE_TO_EXPIRY)
        return holding

    def _keep_as_long_as(self, holding, mode):
        """A lookup that asks to keep the checkout longer than the ones before it wins (see _agent_protocol)."""
        with self._lock:
            longer = _longest(holding.mode, mode)
            if longer == holding.mode:
                return
            holding.mode = longer
        if longer == LEAVE_TO_EXPIRY:
            self._leases.record(holding.lease, holding.record, created=False, keep=True)

    def _warning_once(self, holding, reason):
        """Once per path and run: that the checkout is left to expire, or that another run created it."""
        kind = 'expiry' if holding.mode == LEAVE_TO_EXPIRY else None if holding.own else 'shared'
        with self._lock:
            if kind is None or (holding.path, kind) in self._warned:
                return None
            self._warned.add((holding.path, kind))
        expires = holding.record.get('expires') or 'its expiry'
        if kind == 'expiry':
            return 'privx.secrets: the checkout of %r is not released when the play ends but left to expire at %s: %s' % (
                holding.path, expires, reason or 'release=expiry')
        shared = "privx.secrets: %r was already checked out by this API client (another run at the same time?): using that checkout" % holding.path
        if holding.made_here:
            return shared + '; the last run on this machine that uses it releases it'
        return shared + ' and leaving its release to that run or to its expiry at %s' % expires

    def _remembered(self, store, key, fetch, fresh=lambda value: True):
        """The value ``store`` holds for ``key``, fetched once however many threads ask; failures are remembered briefly."""
        with self._lock_for(key):
            with self._lock:
                value = store.get(key)
                failure = self._failures.get(key)
            if value is not None and fresh(value):
                return value
            if failure is not None and time.monotonic() - failure[0] < FAILURE_MEMORY:
                raise PrivXError(failure[1])
            try:
                value = fetch()
            except PrivXError as error:
                with self._lock:
                    self._failures[key] = (time.monotonic(), str(error))
                raise
            with self._lock:
                store[key] = value
                self._failures.pop(key, None)
            return value

    def token(self, connection):
        """{'token': the bearer token of this connection's client} (see _agent_protocol, token)."""
        key, secrets = self._secrets_for(connection)
        if secrets.client.settings.access_token:
            raise ProtocolError('the checkout agent shares no access_token: the module has it already')
        with self._lock_for(('token', key)):
            return {'token': secrets.client.current_token()}

    def release(self, *, paths=None, used_before=None, ending=False, shutdown=False):
        """Let go of checkouts (see _agent_protocol): of these ``paths`` (or all) on request; at a play's start, the
        "play" ones last used before ``used_before``; everything when the run is ``ending`` or at ``shutdown``.

        Letting go releases a checkout unless another run on this machine still uses it, or it is left to expiry
        (Leases, in _agent_protocol). An "expiry" checkout asked for by path stays held, with a warning. Except at
        ``shutdown``, a checkout kept for an unanswered attempt (Holding.keep_until) stays held; at shutdown the
        release waits for it. Releases run in parallel; returns the released paths, the kept ones and a warning for
        each that could not be released.
        """
        now = time.time()
        ending = ending or shutdown
        with self._lock:
            chosen = [(key, holding) for key, holding in self._held.items()
                      if (paths is None or holding.path in paths) and _due(holding, used_before, ending, shutdown, now)]
            for key, _holding in chosen:
                del self._held[key]
            left_to_expiry = [] if ending or used_before is not None else sorted(set(
                holding.path for holding in self._held.values()
                if holding.mode == LEAVE_TO_EXPIRY and (paths is None or holding.path in paths)))
        outcomes = {}
        workers = [threading.Thread(target=lambda holding=holding: outcomes.__setitem__(id(holding), self._let_go(holding)))
                   for _key, holding in chosen]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        released = [holding.path for _key, holding in chosen if outcomes[id(holding)][0]]
        warnings = [warning for _key, holding in chosen for warning in outcomes[id(holding)][1]]
        warnings.extend('privx.secrets: the checkout of %r is not released: it is left to expire (release=expiry)' % path
                        for path in left_to_expiry)
        kept = [holding.path for _key, holding in chosen if not outcomes[id(holding)][0] and not outcomes[id(holding)][1]]
        return {'released': sorted(set(released)), 'kept': sorted(set(kept + left_to_expiry)), 'warnings': warnings}

    def _let_go(self, holding):
        """(whether this holding's checkout was released, warnings)."""
        try:
            released, warnings, _others = self._leases.let_go(holding.lease, holding.release, holding.holder)
        except PrivXError as error:
            # Without its lease this run cannot tell whether another run still uses the checkout: leave it to expiry.
            return False, ['privx.secrets: the checkout of %r is not released (%s); PrivX ends it when it expires at %s' % (
                holding.path, error, holding.record.get('expires') or 'its expiry')]
        return holding.record.get('id') in released, warnings

    def release_for_shutdown(self, patience=SHUTDOWN_PATIENCE):
        """Let go of everything once the calls to PrivX under way have ended; clients are not waited for.

        A checkout a running call is making is thereby let go of too, and new checkouts are refused.
        """
        deadline = time.monotonic() + patience
        with self._calls:
            self._closing = True
            while self._running_calls and time.monotonic() < deadline:
                self._calls.wait(min(POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
            keep_until = max([holding.keep_until for holding in self._held.values()] or [0.0])
        pause = keep_until - time.time()
        if pause > 0:
            time.sleep(pause)
        outcome = self.release(shutdown=True)
        for warning in outcome['warnings']:
            self._warn(warning)
        return outcome

    def held_paths(self, *, releasable=False):
        """The paths of checkouts this run would release if no other run used them (made here, not left to expiry);
        ``releasable``: only those a release of all now would release (see release)."""
        now = time.time()
        with self._lock:
            holdings = [holding for holding in self._held.values() if holding.made_here and holding.mode != LEAVE_TO_EXPIRY]
        if releasable:
            holdings = [holding for holding in holdings
                        if holding.keep_until <= now and self._leases.would_release(holding.lease, holding.record.get('id'), holding.holder)]
        return sorted(set(holding.path for holding in holdings))


def _due(holding, used_before, ending, shutdown, now):
    """Whether a release of this kind lets go of this holding (see CheckoutAgent.release)."""
    if holding.keep_until > now and not shutdown:
        return False
    if used_before is not None:
        return holding.mode == RELEASE_AT_PLAY_END and holding.last_used <= used_before
    return ending or holding.mode != LEAVE_TO_EXPIRY


def _release(secrets, path, checkout_id, expires=None):
    """Release one checkout; returns a warning text when it could not be released.

    Retries are the client's (plugins/module_utils/core/client.py): the release is idempotent (core/secrets.py). Only when
    they all met an outage does a second round follow (core/secrets.py, release_through_outage).
    """
    try:
        release_through_outage(secrets, checkout_id)
        return None
    except PrivXError as error:
        return ('privx.secrets: could not release the checkout of %r (%s); PrivX ends it when it expires at %s' % (
            path, error, expires or 'its expiry'))


class _Handler(socketserver.StreamRequestHandler):

    def handle(self):
        if not _same_user(self.connection):
            return
        self.connection.settimeout(REQUEST_READ_TIMEOUT)  # an idle client must not hold its thread for ever
        try:
            line = self.rfile.readline()
        except OSError:
            return
        finished = False
        try:
            operation, arguments = decode_request(line)
            reply = encode_reply(self.server.dispatch(operation, arguments))
            finished = operation == FINISH
        except (PrivXError, ProtocolError) as error:
            reply = encode_reply(error=str(error))
        except Exception as error:  # pylint: disable=broad-exception-caught
            # One odd answer from PrivX must not take the request down without a word; its text may quote
            # data, so only its kind is told.
            reply = encode_reply(error='the checkout agent failed on this request (%s)' % type(error).__name__)
        self.wfile.write(reply)
        self.wfile.flush()
        if finished:
            self.server.on_finish()  # only after the answer is out: the process exits soon after


def _same_user(connection):
    """Refuse peers of another user (the directory's mode already keeps them out; this is the second lock)."""
    uid = peer_uid(connection)
    return uid is None or uid == os.getuid()


class AgentServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    request_queue_size = 128  # every fork of a run may ask at the same moment
    # Shutdown does not wait for clients (one could stay connected and silent): the agent itself waits for
    # the calls to PrivX under way (CheckoutAgent.release_for_shutdown), so a checkout they make is released too.
    daemon_threads = True
    block_on_close = False

    def __init__(self, socket_path, agent, on_finish):
        self.agent = agent
        self.on_finish = on_finish
        previous = os.umask(0o177)
        try:
            super().__init__(socket_path, _Handler)
        finally:
            os.umask(previous)
        os.chmod(socket_path, 0o600)

    def dispatch(self, operation, arguments):
        """The value of one request (see _agent_protocol for the operations)."""
        if operation == CHECKOUT:
            return self.agent.checkout(arguments['connection'], path=arguments.get('path'), target_domain=arguments.get('target_domain'),
                                       username=arguments.get('username'), output=arguments.get('output', 'secret'),
                                       release=arguments.get('release'), reason=arguments.get('reason'), host=arguments.get('host'))
        if operation == RELEASE:
            return self.agent.release(paths=set(arguments['paths']) if arguments.get('paths') is not None else None)
        if operation == PLAY_START:
            return self.agent.release(used_before=arguments.get('used_before'))
        if operation == FINISH:
            return self.agent.release(ending=True)
        if operation == TOKEN:
            return self.agent.token(arguments['connection'])
        if operation == VAULT_READ:
            return self.agent.vault_read(arguments['connection'], arguments['name'], personal=arguments.get('personal', False))
        if operation != STATUS:
            raise ProtocolError('unknown request %r to the checkout agent' % operation)
        # STATUS. 'releasable' is what a RELEASE now would release (checkout_release's check mode).
        return {'pid': os.getpid(), 'held': self.agent.held_paths(), 'releasable': self.agent.held_paths(releasable=True)}


def wait_for_exit(controller, stop):
    """Block until the controller process is gone (or ``stop`` is set)."""
    if hasattr(os, 'pidfd_open'):
        try:
            descriptor = os.pidfd_open(controller.pid)
        except OSError:
            return
        try:
            while not stop.is_set():
                readable, _writable, _failed = select.select([descriptor], [], [], POLL_INTERVAL)
                if readable:
                    return
        finally:
            os.close(descriptor)
        return
    while not stop.is_set() and controller.is_alive():
        stop.wait(POLL_INTERVAL)


def _warning_sink(controller_pid):
    """The controller's stderr, so warnings at its death still reach the person or the job log.

    Opened for appending: a log file the run's stderr goes to must not be truncated or overwritten.
    """
    try:
        return open('/proc/%d/fd/2' % controller_pid, 'a', encoding='utf-8')
    except OSError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description='privx.secrets checkout agent (started by the checkout lookup)')
    parser.add_argument('--controller-pid', type=int, required=True)
    parser.add_argument('--controller-started', required=True)
    parser.add_argument('--socket', required=True)
    parser.add_argument('--lock', required=True)
    args = parser.parse_args(argv)
    controller = ControllerProcess(args.controller_pid, args.controller_started)
    if not controller.is_alive():
        print('error: the controller process %d is gone' % controller.pid, flush=True)
        return 1
    sink = _warning_sink(controller.pid)

    def warn(text):
        if sink is not None:
            sink.write('[WARNING]: %s\n' % text)
            sink.flush()

    stop = threading.Event()
    agent = CheckoutAgent(warn, leases=FileLeases(os.path.dirname(args.socket), controller.name))
    server = AgentServer(args.socket, agent, on_finish=stop.set)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True).start()
    print(READY_LINE, flush=True)
    _detach_stdout()
    watcher = threading.Thread(target=lambda: (wait_for_exit(controller, stop), stop.set()), daemon=True)
    watcher.start()
    while not stop.wait(POLL_INTERVAL):
        pass
    server.shutdown()
    server.server_close()
    agent.release_for_shutdown()
    for path in (args.socket, args.lock):
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


def _detach_stdout():
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == '__main__':
    sys.exit(main())
