# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The protocol between the checkout agent and its clients (the lookup, the callback, the action plugin).

Parties
  One agent (``_checkout_agent``) serves one controller: the ansible-playbook process, identified by
  ``ControllerProcess`` (its pid and its start time, so that a reused pid is not taken for it). Its clients run in
  the controller (callback, action plugin) or in the controller's forked workers (lookup).

Transport
  A Unix stream socket ``<pid>-<start time>.sock`` beside a lock file ``<pid>-<start time>.lock`` (the lock makes
  many forks start one agent) in a directory of the OS user, mode 0700 (``_agent_connection.agent_directory``).
  Both ends check the other's user id (SO_PEERCRED) and talk only to the same user; the client checks before it
  sends connection options, which carry credentials.

Start
  The first client that finds no agent starts one and waits for the agent to print READY_LINE on its stdout, which
  it does once its socket listens.

Messages
  One request per connection. A request is one line: a JSON object with ``op``, one of OPERATIONS, and that
  operation's arguments, then a newline. The reply is one line: ``{"ok": true, "value": ...}`` or
  ``{"ok": false, "error": "one line for the user"}``. The agent closes the connection after the reply, and a client
  that sends no request line within the agent's read timeout is disconnected.

Operations
  ``checkout``   connection (the connection options), path, or target_domain with username, output ("secret" or
                 "checkout") -> {"value": the secret or the checkout record, "warning": text or null}. The warning
                 comes once per path and run, when PrivX handed over a checkout another run created.
  ``play_start`` used_before (epoch seconds) -> {"released": [paths], "warnings": [texts]}: releases the checkouts
                 last used before a new play started.
  ``release``    paths (a list, or null for all) -> {"released": [...], "warnings": [...]}.
  ``finish``     -> {"released": [...], "warnings": [...]}: releases everything; the agent then exits.
  ``status``     -> {"pid": the agent's pid, "held": [paths of the checkouts this run holds and will release]}.
"""

from __future__ import annotations

import json
import multiprocessing
import os

READY_LINE = 'privx-checkout-agent ready'

CHECKOUT = 'checkout'
PLAY_START = 'play_start'
RELEASE = 'release'
FINISH = 'finish'
STATUS = 'status'
OPERATIONS = (CHECKOUT, PLAY_START, RELEASE, FINISH, STATUS)


class ProtocolError(ValueError):
    """A message that does not follow the protocol."""


def encode_request(operation, **arguments):
    if operation not in OPERATIONS:
        raise ProtocolError('unknown request %r to the checkout agent' % operation)
    return json.dumps(dict(arguments, op=operation)).encode() + b'\n'


def decode_request(line):
    """(operation, arguments) of a request line; ProtocolError when it is not one."""
    try:
        request = json.loads(line)
    except ValueError:
        raise ProtocolError('malformed request to the checkout agent') from None
    if not isinstance(request, dict) or request.get('op') not in OPERATIONS:
        raise ProtocolError('unknown request to the checkout agent')
    operation = request.pop('op')
    return operation, request


def encode_reply(value=None, error=None):
    answer = {'ok': False, 'error': error} if error is not None else {'ok': True, 'value': value}
    return json.dumps(answer).encode() + b'\n'


def decode_reply(line):
    """(ok, value or error text) of a reply line; ProtocolError when there is none."""
    try:
        answer = json.loads(line) if line else None
    except ValueError:
        raise ProtocolError('the checkout agent answered something that is not JSON') from None
    if not isinstance(answer, dict):
        raise ProtocolError('the checkout agent closed the connection without an answer')
    if answer.get('ok'):
        return True, answer.get('value')
    return False, answer.get('error') or 'the checkout agent failed'


class ControllerProcess:
    """The ansible-playbook process an agent serves: its pid, and its start time against pid reuse."""

    def __init__(self, pid, started):
        self.pid = pid
        self.started = started

    @classmethod
    def current(cls):
        pid = os.getpid()
        if _in_worker_process():
            pid = multiprocessing.parent_process().pid
        return cls(pid, process_start_time(pid))

    @property
    def name(self):
        """The stem of the agent's socket and lock file names."""
        return '%d-%s' % (self.pid, self.started)

    @classmethod
    def from_name(cls, stem):
        """The controller a socket or lock file stem names, or None when it names none."""
        pid, _dash, started = stem.partition('-')
        return cls(int(pid), started) if pid.isdigit() else None

    def is_alive(self):
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return process_start_time(self.pid) == self.started


def _in_worker_process():
    """True inside ansible's forked WorkerProcess, whose parent is the controller."""
    try:
        from ansible.executor.process.worker import WorkerProcess
    except ImportError:
        return multiprocessing.parent_process() is not None
    return isinstance(multiprocessing.current_process(), WorkerProcess)


def process_start_time(pid):
    """Start time of a process in clock ticks since boot (Linux), or '0' where /proc has none."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            fields = handle.read().rsplit(b')', 1)[1].split()
    except (OSError, IndexError):
        return '0'
    return fields[19].decode() if len(fields) > 19 else '0'
