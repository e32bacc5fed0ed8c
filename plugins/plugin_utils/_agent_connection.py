# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reaching the run's checkout agent from the lookup, the callback and the action plugin.

One agent serves one ansible-playbook (the controller process). Lookups run
in forked workers whose memory dies with them, so the checkouts and the token
live in the agent; the workers reach it over a Unix socket in a directory only
this OS user can enter. The first lookup of a run starts the agent.
"""

from __future__ import annotations

import fcntl
import os
import select
import socket
import stat
import subprocess
import sys
import tempfile
import time

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    NOTICES,
    READY_LINE,
    ControllerProcess,
    ProtocolError,
    decode_reply,
    encode_request,
    peer_uid,
)

# The agent runs as ``python -m`` of its module, beside this one, with the directory that holds ansible_collections/ on
# its path: this file's path less one folder for each part of this module's name (ansible_collections.privx.secrets...),
# so it is the copy of the collection that this run uses, wherever ANSIBLE_COLLECTIONS_PATH put it.
AGENT_MODULE = __name__.rpartition('.')[0] + '._checkout_agent'
COLLECTIONS_ROOT = os.path.abspath(__file__).rsplit(os.sep, __name__.count('.') + 1)[0]
START_TIMEOUT = 15.0
REPLY_TIMEOUT = 300.0
CONNECT_PATIENCE = 30.0
MAX_SOCKET_PATH = 104  # sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs
SOCKET_NAME_ROOM = 'x' * 32  # '<pid>-<start time>.sock'
BUFFER = 65536


def private_directory(path, *, create=True):
    """The resolved ``path``: created with mode 0700, or an existing directory of this user closed to others.

    The checks look at the directory the path resolves to, so that a symlink (``/link/`` with its trailing
    slash too) is judged by what it points to, and the socket is then made in that resolved directory.
    """
    if create:
        try:
            os.makedirs(path, mode=0o700)
        except FileExistsError:
            pass
    resolved = os.path.realpath(path)
    info = os.lstat(resolved)
    if not stat.S_ISDIR(info.st_mode):
        raise _refused(path, 'it is not a directory')
    if info.st_uid != os.getuid():
        raise _refused(path, 'another user owns it')
    if info.st_mode & 0o077:
        raise _refused(path, 'its mode %o lets other users in (want 700)' % stat.S_IMODE(info.st_mode))
    parent = os.stat(os.path.dirname(resolved))
    # Whoever may rename entries in the parent could swap the directory for one of theirs after this check.
    if parent.st_uid not in (0, os.getuid()) or (parent.st_mode & 0o022 and not parent.st_mode & stat.S_ISVTX):
        raise _refused(path, 'other users may replace it in %s' % os.path.dirname(resolved))
    return resolved


def _refused(path, reason):
    # A fallback in the shared temporary directory may have been taken by another local user: say how to move on.
    return PrivXError('refusing the checkout agent directory %s: %s; set PRIVX_AGENT_DIR to an absolute path of a '
                      'directory of yours (mode 700) to use another one' % (path, reason))


def _fits(path):
    return len(os.path.join(path, SOCKET_NAME_ROOM)) <= MAX_SOCKET_PATH


def agent_directory(*, create=True):
    """Where the agent's socket lives, or (without ``create``) None when no agent can be running.

    PRIVX_AGENT_DIR when set: it must be absolute, because the agent runs with its working directory at /
    and a relative path would mean another directory there. Otherwise the first usable of
    $XDG_RUNTIME_DIR/privx.secrets, $ANSIBLE_HOME/privx, ~/.ansible/privx and a per-user directory in the
    temporary directory (and in /tmp): usable means short enough for a Unix socket's path and, when it has to be
    created, creatable (an unwritable HOME moves on to the next). An existing directory that fails the checks
    of ``private_directory`` is refused, not skipped.
    """
    explicit = os.environ.get('PRIVX_AGENT_DIR')
    if explicit:
        if not os.path.isabs(explicit):
            raise PrivXError('PRIVX_AGENT_DIR %r must be an absolute path' % explicit)
        if not _fits(explicit):
            raise PrivXError('the checkout agent directory %s is too deep for a Unix socket: set PRIVX_AGENT_DIR '
                             'to a shorter one' % explicit)
        if not create and not os.path.lexists(explicit):
            return None
        try:
            return _usable_directory(explicit, create=create)
        except OSError as error:
            raise PrivXError('cannot create the checkout agent directory %s (PRIVX_AGENT_DIR): %s' % (
                explicit, error.strerror or error)) from None
    fallback = 'privx.secrets-%d' % os.getuid()
    runtime = os.environ.get('XDG_RUNTIME_DIR')
    candidates = [os.path.join(runtime, 'privx.secrets') if runtime and os.path.isdir(runtime) else None,
                  os.path.join(os.environ['ANSIBLE_HOME'], 'privx') if os.environ.get('ANSIBLE_HOME') else None,
                  os.path.join(os.path.expanduser('~'), '.ansible', 'privx'),
                  os.path.join(tempfile.gettempdir(), fallback), os.path.join('/tmp', fallback)]
    candidates = [path for path in candidates if path and os.path.isabs(path) and _fits(path)]
    if not create:
        existing = [path for path in candidates if os.path.lexists(path)]
        return private_directory(existing[0], create=False) if existing else None
    problems = []
    for candidate in candidates:
        if os.path.lexists(candidate):
            return private_directory(candidate, create=False)
        try:
            return _usable_directory(candidate, create=True)
        except OSError as error:
            problems.append('%s (%s)' % (candidate, error.strerror or error))
    raise PrivXError('found no directory for the checkout agent: %s; set PRIVX_AGENT_DIR to a directory of yours' % (
        '; '.join(problems) or 'every candidate path is too long for a Unix socket'))


def _usable_directory(path, *, create):
    if create:
        os.makedirs(os.path.dirname(path.rstrip('/')) or '/', mode=0o700, exist_ok=True)
    return private_directory(path, create=create)


class AgentConnection:
    """Requests to the agent of one controller; starts it on demand."""

    def __init__(self, controller=None, directory=None):
        self.controller = controller or ControllerProcess.current()
        self.directory = directory or agent_directory()
        self.socket_path = os.path.join(self.directory, self.controller.name + '.sock')
        self.lock_path = os.path.join(self.directory, self.controller.name + '.lock')

    @classmethod
    def if_running(cls):
        """The connection to this run's agent when one may be running, else None; creates nothing."""
        directory = agent_directory(create=False)
        return cls(directory=directory) if directory else None

    def request(self, operation, *, start=True, timeout=REPLY_TIMEOUT, **arguments):
        """Send one request; returns the agent's value or raises PrivXError (whatever went wrong).

        With ``start`` False and no agent running, returns None (nothing to do). ``timeout``: seconds to wait for the
        answer (a request that calls PrivX may take long; one that does not should not wait on a hung agent).
        """
        connection = self._connect()
        if connection is None:
            if not start:
                return None
            connection = self._start_agent()
        try:
            with connection:
                connection.settimeout(timeout)
                _check_served_by_this_user(connection, self.socket_path)
                connection.sendall(encode_request(operation, **arguments))
                ok, value = decode_reply(_read_line(connection))
        except ProtocolError as error:
            raise PrivXError(str(error)) from None
        except OSError as error:
            raise PrivXError('the checkout agent did not answer %s: %s' % (operation, type(error).__name__)) from None
        if not ok:
            raise PrivXError(value)
        return value

    def _connect(self):
        """A connection to the running agent, or None when there is none."""
        deadline = time.monotonic() + CONNECT_PATIENCE
        while True:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(REPLY_TIMEOUT)
            try:
                connection.connect(self.socket_path)
                return connection
            except (FileNotFoundError, ConnectionRefusedError):
                connection.close()
                return None
            except BlockingIOError:
                # Many forks at once can fill the listen queue for a moment: wait for a place.
                connection.close()
                if time.monotonic() > deadline:
                    raise PrivXError('the checkout agent at %s is too busy to accept a connection' % self.socket_path) from None
                time.sleep(0.01)
            except OSError as error:
                connection.close()
                raise PrivXError('cannot reach the checkout agent at %s: %s' % (self.socket_path, error.strerror or error)) from None

    def _start_agent(self):
        """Start the agent once, however many forks ask at the same moment."""
        with open(os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600), 'r+b') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            connection = self._connect()
            if connection is not None:
                return connection
            if os.path.lexists(self.socket_path):
                os.unlink(self.socket_path)  # left behind by an agent that was killed
            remove_leftovers(self.directory)
            self._spawn()
            connection = self._connect()
        if connection is None:
            raise PrivXError('the checkout agent started but its socket %s does not answer' % self.socket_path)
        return connection

    def _spawn(self):
        # The agent gets its connection options over the socket: none of the PRIVX_* values in its environment.
        environment = {name: value for name, value in os.environ.items() if not name.startswith('PRIVX_')}
        environment['PYTHONPATH'] = os.pathsep.join(filter(None, [COLLECTIONS_ROOT, environment.get('PYTHONPATH')]))
        command = [sys.executable, '-m', AGENT_MODULE, '--controller-pid', str(self.controller.pid),
                   '--controller-started', self.controller.started, '--socket', self.socket_path,
                   '--lock', self.lock_path]
        process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True, cwd='/')
        with process.stdout:
            ready, _writable, _failed = select.select([process.stdout], [], [], START_TIMEOUT)
            line = process.stdout.readline().decode(errors='replace').strip() if ready else ''
        if line != READY_LINE:
            process.kill()
            raise PrivXError('the checkout agent did not start (%s)' % (line or 'no answer within %ds' % START_TIMEOUT))


def first_time_in_run(notice):
    """True for the first process of this run that asks about ``notice`` (a file name suffix, see _agent_protocol).

    True as well when the agent directory is unusable: the notice is then given more than once rather than never.
    """
    controller = ControllerProcess.current()
    try:
        directory = agent_directory()
        os.close(os.open(os.path.join(directory, '%s.%s' % (controller.name, notice)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    except (OSError, PrivXError):
        return True
    remove_leftovers(directory)
    return True


def remove_leftovers(directory):
    """Remove the files of runs whose controller is gone (an agent killed with SIGKILL leaves its socket and lock)."""
    for name in os.listdir(directory):
        stem, _dot, suffix = name.rpartition('.')
        controller = ControllerProcess.from_name(stem)
        if suffix in ('sock', 'lock') + NOTICES and controller is not None and not controller.is_alive():
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def _check_served_by_this_user(connection, socket_path):
    """Connection options carry credentials: send them only to an agent of this OS user."""
    uid = peer_uid(connection)
    if uid is not None and uid != os.getuid():
        raise PrivXError('refusing the checkout agent at %s: it runs as another user (uid %d)' % (socket_path, uid))


def _read_line(connection):
    chunks = []
    while True:
        chunk = connection.recv(BUFFER)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b'\n'):
            break
    return b''.join(chunks)
