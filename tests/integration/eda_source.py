# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the tests of the event source privx.secrets.privx_events: the source loaded from its file (as
ansible-rulebook loads it, by path), run by its own main() with an asyncio queue, and the PrivX calls that make
something happen (through the collection's own client, which the source module carries)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SOURCE_PATH = os.path.join(REPO, 'extensions', 'eda', 'plugins', 'event_source', 'privx_events.py')


def load_source():
    """A fresh module of the source file (its own globals, so a test may replace its `wait`)."""
    spec = importlib.util.spec_from_file_location('privx_events_under_test', SOURCE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_args(emulator, client='admin', **options):
    credentials = emulator.clients[client]
    args = {'url': emulator.url, 'client_id': credentials['client_id'], 'client_secret': credentials['client_secret'],
            'oauth_client_secret': credentials['oauth_client_secret'], 'ca_path': emulator.ca_path, 'retries': 1,
            'interval': 0.1}
    args.update(options)
    return args


class RunningSource:
    """main(queue, args) on an event loop of its own thread; events() reads what it queued so far."""

    def __init__(self, module, args):
        self.module = module
        self.args = args
        self.loop = asyncio.new_event_loop()
        self.queue = None
        self.task = None
        self.error = None
        self._received = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        self.task = self.loop.create_task(self.module.main(self.queue, self.args))
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # pylint: disable=broad-except
            self.error = error

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        if self.task is not None and not self.task.done():
            self.loop.call_soon_threadsafe(self.task.cancel)
        self._thread.join(timeout=30)
        self.loop.close()

    def events(self):
        if self.queue is not None:
            while True:
                try:
                    self._received.append(self.queue.get_nowait())
                except (asyncio.QueueEmpty, RuntimeError):
                    break
        return list(self._received)

    def wait_for(self, condition, timeout=20, message='events'):
        """Poll events() until condition(events) holds; the events."""
        deadline = time.monotonic() + timeout
        while True:
            if self.error is not None:
                raise AssertionError('the source stopped: %s' % self.error)
            found = self.events()
            if condition(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %s s waiting for %s; got %r' % (timeout, message, found))
            time.sleep(0.05)


def of_type(events, kind, **fields):
    """The events of one privx.type whose object has these fields (target_domain by name)."""
    found = []
    for event in events:
        privx = event['privx']
        obj = privx['object']
        if privx['type'] != kind:
            continue
        if all((obj.get(key) or {}).get('name') == value if key == 'target_domain' else obj.get(key) == value
               for key, value in fields.items()):
            found.append(event)
    return found


class Privx:
    """What the test does to PrivX, as an administrator: through the collection's client."""

    def __init__(self, module, emulator, client='admin'):
        settings = module.connection_settings(source_args(emulator, client))
        self.client = module.client_module.PrivXClient(settings)
        self.paths = module.paths

    def domain_id(self, name):
        return next(item['id'] for item in self.client.get(self.paths.TARGET_DOMAINS, params={'limit': 1000})['items']
                    if item['name'] == name)

    def rotate(self, emulator, domain, username):
        account = emulator.control.managed_account(domain, username)
        self.client.post(self.paths.managed_account_rotate(account['target_domain']['id'], account['id']))

    def scan(self, domain):
        self.client.post(self.paths.target_domain_refresh(self.domain_id(domain)))
