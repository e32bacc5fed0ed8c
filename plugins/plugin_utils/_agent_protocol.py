# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The protocol between the checkout agent and its clients (the lookups, the callback, the action plugin).

Parties
  One agent (``_checkout_agent``) serves one controller: the ansible-playbook process, identified by
  ``ControllerProcess`` (its pid and its start time, so that a reused pid is not taken for it). Its clients run in
  the controller (callback, action plugin) or in the controller's forked workers (lookup).

Transport
  A Unix stream socket ``<pid>-<start time>.sock`` beside a lock file ``<pid>-<start time>.lock`` (the lock makes
  many forks start one agent) in a directory of the OS user, mode 0700 (``_agent_connection.agent_directory``).
  Both ends check the other's user id (``peer_uid``, SO_PEERCRED) and talk only to the same user; the client checks
  before it sends connection options, which carry credentials.

  A lookup of a check-mode run that returns placeholders makes no agent start; the first one creates an empty file
  ``<pid>-<start time>.`` + CHECK_MODE_NOTICE there (O_EXCL: only one succeeds) and warns, so that the run warns once.
  A lookup that checks something out to be let go at its play's end while the ``privx.secrets.checkouts`` callback
  is not enabled does the same with ``<pid>-<start time>.`` + CALLBACK_OFF_NOTICE, so that the run says once that
  the checkouts stay until the run ends.
  Files of these four kinds whose controller is gone are removed by the next run (``remove_leftovers``).

Start
  The first client that finds no agent starts one (``python -m`` of ``_checkout_agent``, with the collections root
  on its path) and waits for the agent to print READY_LINE on its stdout, which it does once its socket listens.
  Clients that only let go (the callback, ``checkout_release``) never start one: no agent means nothing is held.
  The modules' action plugin (plugins/action/connection_info.py) starts one as the lookup does (with ``status``), for
  the modules' ``token`` requests.

Messages
  One request per connection. A request is one line: a JSON object with ``op``, one of OPERATIONS, and that
  operation's arguments, then a newline. The reply is one line: ``{"ok": true, "value": ...}`` or
  ``{"ok": false, "error": "one line for the user"}``. The agent closes the connection after the reply, and a client
  that sends no request line within the agent's read timeout is disconnected.

Operations
  ``checkout``   connection (the connection options), path, or target_domain or host with username, output ("secret" or
                 "checkout"), release (one of RELEASE_MODES, "play" when left out) and reason (text or null: why
                 "expiry", for the warning) -> {"value": the secret or the checkout record, "warning": text or null}.
                 The warning comes once per path and run: when the checkout is left to expire (naming the expiry
                 time and the reason), or when PrivX handed over a checkout another run created. Lookups of one path
                 that ask for different release modes keep the checkout as long as the longest of them asks.
  ``play_start`` used_before (epoch seconds) -> {"released": [paths], "kept": [paths], "warnings": [texts]}: lets go
                 of the "play" checkouts last used before a new play started.
  ``release``    paths (a list, or null for all) -> {"released": [...], "kept": [...], "warnings": [...]}: lets go of
                 the "play" and "run" checkouts; an "expiry" checkout stays held and is listed in "kept" with a warning.
  ``finish``     -> {"released": [...], "kept": [...], "warnings": [...]}: lets go of everything; the agent then exits.
  ``token``      connection (the connection options) -> {"token": a bearer token of that connection's API client}:
                 the token the agent's client for those options holds (granted now when it holds none, or one about to
                 expire). Sent by a module that runs on the controller (module_utils/module/run_token.py, which speaks
                 this protocol without importing this file: modules cannot) when it first calls PrivX; the modules'
                 action plugin (plugins/action/connection_info.py) starts the agent with ``status`` and hands the
                 module its socket. So a run grants one token however many module tasks and lookups use one API
                 client, and a task refused for its input calls nothing. Refused (an error) for options with
                 ``access_token``: there is nothing to share.
  ``vault_read`` connection, name (a Vault secret's name), personal (true: the caller's own personal secret, under
                 /vault/api/v1/user/{its user id}/) -> the secret's data (a JSON object). Each (connection, name, personal)
                 is read from PrivX once per run, with the run's one token for that connection, and answered from the
                 agent's memory after: never written to a file. A caller without a read role of the secret gets an
                 error, as for a secret that does not exist; a failure is answered from memory for a few seconds
                 (_checkout_agent.FAILURE_MEMORY), then tried again.
  ``status``     -> {"pid": the agent's pid, "held": [paths of the checkouts this run would release if no other run
                 used them], "releasable": [the paths a ``release`` of all now would release]}. "releasable" leaves
                 out what "held" has but a release would keep: an "expiry" checkout, one kept for an unanswered
                 attempt (_checkout_agent.Holding), one another run on this machine uses (Leases).

  The action plugin ``checkout_release`` depends on exactly this: in check mode it reports ``status``'s
  "releasable" (filtered by the task's paths) as what it would release; otherwise it sends ``release`` with the
  task's paths (null for ``all``) and returns "released" and "kept", and "warnings" as the task's warnings.

  "Letting go" of a checkout releases it unless another run may still be using it (Leases below): "released" lists
  the paths released, "kept" those left to another run or to PrivX's expiry, "warnings" a line for each release that
  failed. An "expiry" checkout is never released by this run; when it ends, it is only let go (Leases).

Release modes (RELEASE_MODES, from the shortest)
  "play"    let go when the play that used it ends (the callback's play_start), else when the run ends.
  "run"     let go when the run ends.
  "expiry"  never released: PrivX ends it at its expiry (the password policy's max_checkout_duration).

Leases: runs on one machine that share a checkout
  PrivX gives one API client one checkout per path and answers a second request with the active one, without telling
  anyone that it is now shared. Agents that share the agent directory (runs of one OS user with the same
  PRIVX_AGENT_DIR, XDG_RUNTIME_DIR or HOME) tell each other in LEASES_FOLDER: one file per (PrivX URL, API client,
  path), named by ``lease_key`` (a SHA-256 digest: no credential appears in it), mode 0600, read and written only
  under an exclusive flock on that file. Its content is a JSON object (``decode_lease``; anything else reads as
  empty):
    "users"      the runs that use the path's checkout or are about to: ``ControllerProcess.name``, a slash and a
                 number that tells the run's connections apart (one run may reach one API client with two sets of
                 connection options, a longer timeout say: each is a user of its own);
    "made_here"  [{"id": checkout id, "expires": epoch seconds, "keep": bool}]: checkouts of the path that a run of
                 this directory created (as its agent judged, _checkout_agent.check_out) and nobody released yet;
                 "keep" once a run that used it asked for "expiry".
  A run joins (adds its name) BEFORE it sends its checkout request, and records the checkout it got after. A run lets
  go by removing its name; when no live run is left in "users" (a run whose controller is gone counts as left), it
  releases every unexpired checkout of "made_here" that is not "keep", still holding the lock, and empties the list.
  So a run that joins while another lets go either is seen, and the checkout stays, or joins after the release and
  gets a new checkout. Lease files stay (one per path ever used; without users once every run let go). Runs that do
  not share the directory (other machines, AWX jobs in their own containers) cannot see each other: that is what
  "expiry" is for.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
import struct
from urllib.parse import urlsplit

READY_LINE = 'privx-checkout-agent ready'

CHECKOUT = 'checkout'
PLAY_START = 'play_start'
RELEASE = 'release'
FINISH = 'finish'
STATUS = 'status'
TOKEN = 'token'
VAULT_READ = 'vault_read'
OPERATIONS = (CHECKOUT, PLAY_START, RELEASE, FINISH, TOKEN, STATUS, VAULT_READ)

RELEASE_AT_PLAY_END = 'play'
RELEASE_AT_RUN_END = 'run'
LEAVE_TO_EXPIRY = 'expiry'
RELEASE_MODES = (RELEASE_AT_PLAY_END, RELEASE_AT_RUN_END, LEAVE_TO_EXPIRY)

LEASES_FOLDER = 'leases'
CHECK_MODE_NOTICE = 'checkmode'
CALLBACK_OFF_NOTICE = 'nocallback'
NOTICES = (CHECK_MODE_NOTICE, CALLBACK_OFF_NOTICE)


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


def lease_key(url, client, path):
    """The name of a path's lease file: a digest of PrivX's URL, the API client (its id, its access token, or its
    exchange token or the file of it) and the path.

    The URL counts as the same however its scheme and host are capitalised and whether it names the default port:
    runs that write one PrivX's URL differently share its checkouts all the same.
    """
    return hashlib.sha256(json.dumps([_one_way_to_write(url), client, path]).encode()).hexdigest()


def _one_way_to_write(url):
    parsed = urlsplit(url)
    scheme = parsed.scheme.lower()
    port = parsed.port if parsed.port != {'https': 443, 'http': 80}.get(scheme) else None
    return '%s://%s%s' % (scheme, parsed.hostname or '', ':%d' % port if port else '')


def decode_lease(text):
    """The lease state a lease file holds: {"users": [...], "made_here": [...]}, empty when the text is not one."""
    try:
        state = json.loads(text) if text.strip() else {}
    except ValueError:
        state = {}
    if not isinstance(state, dict):
        state = {}
    users = [name for name in state.get('users') or [] if isinstance(name, str)]
    made_here = [{'id': entry['id'], 'expires': float(entry.get('expires') or 0), 'keep': bool(entry.get('keep'))}
                 for entry in state.get('made_here') or [] if isinstance(entry, dict) and isinstance(entry.get('id'), str)
                 and isinstance(entry.get('expires', 0), (int, float))]
    return {'users': users, 'made_here': made_here}


def encode_lease(state):
    return json.dumps({'users': state['users'], 'made_here': state['made_here']}, sort_keys=True)


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


def peer_uid(connection):
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED), or None where the system cannot tell."""
    if not hasattr(socket, 'SO_PEERCRED'):
        return None
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
    return struct.unpack('3i', credentials)[1]
