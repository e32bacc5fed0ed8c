# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which runs on this machine use a path's checkout, so that none releases it under another.

The lease files and the rules are specified in ``_agent_protocol`` ("Leases"); this module keeps them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import threading
import time

from ansible_collections.privx.secrets.plugins.module_utils.core.dates import parse_timestamp
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    LEASES_FOLDER,
    ControllerProcess,
    decode_lease,
    encode_lease,
)


class Leases:
    """The leases as one run (``me``, its controller's name) reads and changes them; ``alive(name)`` tells a live run.

    ``holder`` tells apart the users of one path within the run (its agent's API connections: see _agent_protocol).
    """

    def __init__(self, me, alive):
        self.me = me
        self._alive = alive

    def _user(self, holder):
        return '%s/%s' % (self.me, holder) if holder else self.me

    def _others(self, users, holder):
        mine = self._user(holder)
        return [name for name in users if name != mine and self._alive(name.partition('/')[0])]

    @contextlib.contextmanager
    def _locked_state(self, key):
        """The state of ``key``, locked against every other run, for changing in place."""
        raise NotImplementedError

    def join(self, key, holder=''):
        """Say that this run is about to check the path out: before the request is sent."""
        with self._locked_state(key) as state:
            state['users'] = self._others(state['users'], holder) + [self._user(holder)]

    def record(self, key, checkout, *, created, keep):
        """Note the checkout this run got (``created``: by its own request); returns whether a run here created it.

        ``keep``: this run leaves it to expiry, so no run here releases it.
        """
        expires = parse_timestamp(checkout.get('expires'))
        with self._locked_state(key) as state:
            entry = next((item for item in state['made_here'] if item['id'] == checkout['id']), None)
            if entry is None and created:
                entry = {'id': checkout['id'], 'expires': expires.timestamp() if expires else 0.0, 'keep': False}
                state['made_here'].append(entry)
            if entry is not None and keep:
                entry['keep'] = True
            return entry is not None

    def let_go(self, key, release, holder=''):
        """This run is done with the path. When no live run is left, release what runs here made and nobody keeps.

        ``release(checkout_id)`` releases one and returns a warning text when it could not. Returns (the released
        checkout ids, warnings, whether another live run still uses the path).
        """
        with self._locked_state(key) as state:
            others = self._others(state['users'], holder)
            state['users'] = others
            if others:
                return [], [], True
            due = [item['id'] for item in state['made_here'] if not item['keep'] and not _expired(item)]
            state['made_here'] = []
            outcomes = [(checkout_id, release(checkout_id)) for checkout_id in due]
        return ([checkout_id for checkout_id, warning in outcomes if warning is None],
                [warning for _checkout_id, warning in outcomes if warning], False)

    def would_release(self, key, checkout_id, holder=''):
        """Whether ``let_go`` now would release this checkout."""
        with self._locked_state(key) as state:
            due = [item for item in state['made_here'] if item['id'] == checkout_id and not item['keep'] and not _expired(item)]
            return bool(due) and not self._others(state['users'], holder)


def _expired(entry):
    return bool(entry['expires']) and entry['expires'] <= time.time()


def controller_alive(name):
    controller = ControllerProcess.from_name(name)
    return controller is not None and controller.is_alive()


class FileLeases(Leases):
    """The lease files in the agent directory, shared by the runs of this OS user that use it."""

    def __init__(self, directory, me, alive=controller_alive):
        super().__init__(me, alive)
        self.folder = os.path.join(directory, LEASES_FOLDER)

    @contextlib.contextmanager
    def _locked_state(self, key):
        path = os.path.join(self.folder, key)
        try:
            self._check_folder()
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as error:
            raise _unusable(path, error.strerror or error) from None
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # a named pipe, say
            os.close(descriptor)
            raise _unusable(path, 'it is not a regular file')
        # Bytes that are not text read as a damaged file: empty (decode_lease).
        with os.fdopen(descriptor, 'r+', encoding='utf-8', errors='replace') as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            before = handle.read()
            state = decode_lease(before)
            yield state
            after = encode_lease(state)
            if after != before:
                try:
                    handle.seek(0)
                    handle.truncate()
                    handle.write(after)
                    handle.flush()
                except OSError as error:
                    raise _unusable(path, error.strerror or error) from None

    def _check_folder(self):
        """The folder must be this user's own directory that no one else may write to: its files decide what a run releases."""
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        info = os.lstat(self.folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise PrivXError('refusing the checkout lease folder %s: it must be a directory of this user that others may not '
                             'write to, not a symlink; remove it and the next run makes it again' % self.folder)


def _unusable(path, reason):
    return PrivXError('cannot use the checkout lease file %s: %s' % (path, reason))


class MemoryLeases(Leases):
    """Leases in memory: a run with no agent directory to share is alone; tests give several runs one ``store``."""

    def __init__(self, me='this run', alive=lambda _name: True, store=None):
        super().__init__(me, alive)
        self._store = {} if store is None else store
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def _locked_state(self, key):
        with self._guard:
            lock, state = self._store.setdefault(key, (threading.Lock(), {'users': [], 'made_here': []}))
        with lock:
            yield state
