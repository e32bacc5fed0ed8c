# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checkout agent: one small process per ansible-playbook run.

It holds, in memory only, the PrivX token and the checkouts the run's plays
made, serves them to the forked workers over a Unix socket (``_agent_connection``),
releases a play's checkouts when the callback says the next play starts or the
run ends, and releases everything and exits as soon as the controller process
is gone, however it went (normal end, failure, Ctrl-C, SIGTERM, SIGKILL).
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

from ansible_collections.privx.secrets.plugins.module_utils._client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils._connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils._secrets import (
    IN_DOUBT_TIMEOUTS,
    AccountSecrets,
    current_secret,
    release_through_outage,
)
from ansible_collections.privx.secrets.plugins.module_utils._time import parse_timestamp, utc_now
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import peer_uid
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    CHECKOUT,
    FINISH,
    PLAY_START,
    READY_LINE,
    RELEASE,
    ControllerProcess,
    ProtocolError,
    decode_request,
    encode_reply,
)

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

    ``own``: whether this run created the checkout, and so must release it. PrivX gives an API client one
    checkout per path and answers a second request for it with the active one, so two runs with the same API
    client (two AWX jobs, slices of one job) can be handed the same checkout; the run that created it
    releases it, the other one uses it and leaves it alone (its creator, or expiry, ends it). A checkout is
    this run's when PrivX created it after our request was sent (``created`` against the time we sent it,
    minus CREATED_MARGIN). This costs no extra call. Reading the caller's active checkouts once before the
    first checkout was the other option, but it misses a checkout another run makes after that read, which
    is exactly the case of two runs that overlap. The margin leaves one case undecidable: two runs that
    request the same path within CREATED_MARGIN of each other both take the checkout as theirs.

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

    @property
    def path(self):
        return self.record.get('path')

    def expired(self):
        expires = parse_timestamp(self.record.get('expires'))
        return expires is not None and (expires - utc_now()).total_seconds() < EXPIRY_MARGIN


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


class CheckoutAgent:
    """The run's checkouts and API clients. Thread-safe; no lock is held during a call to PrivX but the path's own."""

    def __init__(self, warn, secrets_api=lambda settings: AccountSecrets(PrivXClient(settings))):
        self._warn = warn
        self._secrets_api = secrets_api
        self._lock = threading.Lock()
        self._clients = {}
        self._held = {}
        self._paths = {}
        self._failures = {}
        self._key_locks = {}
        self._warned = set()
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
            return key, self._clients[key]

    def checkout(self, connection, path=None, target_domain=None, username=None, output='secret'):
        """{'value': the secret or the record, 'warning': text the first time this run uses another run's checkout}."""
        with self._calls:
            if self._closing:
                raise PrivXError('the checkout agent is shutting down: the run has ended')
            self._running_calls += 1
        try:
            return self._checkout(connection, path, target_domain, username, output)
        finally:
            with self._calls:
                self._running_calls -= 1
                self._calls.notify_all()

    def _checkout(self, connection, path, target_domain, username, output):
        key, secrets = self._secrets_for(connection)
        if path is None:
            path = self._remembered(self._paths, (key, target_domain, username), lambda: secrets.path_of(target_domain, username))
        holding = self._remembered(self._held, (key, path), lambda: check_out(secrets, path),
                                   fresh=lambda held: not held.expired())
        holding.last_used = time.time()
        warning = None
        if not holding.own:
            with self._lock:
                if holding.path not in self._warned:
                    self._warned.add(holding.path)
                    warning = ('privx.secrets: %r was already checked out by this API client (another run at the same '
                               'time?): using that checkout and leaving its release to that run or to its expiry at %s' % (
                                   holding.path, holding.record.get('expires') or 'its expiry'))
        value = holding.record if output == 'checkout' else current_secret(holding.record)
        return {'value': value, 'warning': warning}

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

    def release(self, *, paths=None, used_before=None, shutdown=False):
        """Release the checkouts this run made (of these paths, or all; only those last used before ``used_before``).

        Checkouts of other runs are forgotten, not released. Except at ``shutdown``, a checkout kept for an
        unanswered attempt (Holding.keep_until) stays held; at shutdown the release waits for it.
        Releases run in parallel; returns the released paths and a warning for each that could not be released.
        """
        now = time.time()
        with self._lock:
            chosen = [(key, holding) for key, holding in self._held.items()
                      if (paths is None or holding.path in paths) and (used_before is None or holding.last_used <= used_before)
                      and (shutdown or _releasable(holding, now))]
            for key, _holding in chosen:
                del self._held[key]
        mine = [holding for _key, holding in chosen if holding.own]
        outcomes = {}
        workers = [threading.Thread(target=lambda holding=holding: outcomes.__setitem__(id(holding), _release(holding)))
                   for holding in mine]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        warnings = [outcomes[id(holding)] for holding in mine if outcomes.get(id(holding))]
        released = [holding.path for holding in mine if not outcomes.get(id(holding))]
        return {'released': sorted(set(released)), 'warnings': warnings}

    def release_for_shutdown(self, patience=SHUTDOWN_PATIENCE):
        """Release everything once the calls to PrivX under way have ended; clients are not waited for.

        A checkout a running call is making is thereby released too, and new checkouts are refused.
        """
        deadline = time.monotonic() + patience
        with self._calls:
            self._closing = True
            while self._running_calls and time.monotonic() < deadline:
                self._calls.wait(min(POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
            keep_until = max([holding.keep_until for holding in self._held.values() if holding.own] or [0.0])
        pause = keep_until - time.time()
        if pause > 0:
            time.sleep(pause)
        outcome = self.release(shutdown=True)
        for warning in outcome['warnings']:
            self._warn(warning)
        return outcome

    def held_paths(self, *, releasable=False):
        """The paths of this run's checkouts; ``releasable``: only those a release now would release (see release)."""
        now = time.time()
        with self._lock:
            return sorted(set(holding.path for holding in self._held.values()
                              if holding.own and (not releasable or _releasable(holding, now))))


def _releasable(holding, now):
    """Whether a release before shutdown releases (or, for another run's checkout, forgets) this holding."""
    return not holding.own or holding.keep_until <= now


def _release(holding):
    """Release one checkout; returns a warning text when it could not be released.

    Retries are the client's (plugins/module_utils/_client.py): the release is idempotent (_secrets.py). Only when
    they all met an outage does a second round follow (_secrets.release_through_outage).
    """
    try:
        release_through_outage(holding.secrets, holding.record['id'])
        return None
    except PrivXError as error:
        return ('privx.secrets: could not release the checkout of %r (%s); PrivX ends it when it expires at %s' % (
            holding.path, error, holding.record.get('expires') or 'its expiry'))


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
                                       username=arguments.get('username'), output=arguments.get('output', 'secret'))
        if operation == RELEASE:
            return self.agent.release(paths=set(arguments['paths']) if arguments.get('paths') is not None else None)
        if operation == PLAY_START:
            return self.agent.release(used_before=arguments.get('used_before'))
        if operation == FINISH:
            return self.agent.release()
        # STATUS, the last of OPERATIONS. 'releasable' is what a RELEASE now would release (checkout_release's check mode).
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
    agent = CheckoutAgent(warn)
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
