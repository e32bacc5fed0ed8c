# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lease files through which runs on one machine share checkouts (no agent, no PrivX)."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    LEASES_FOLDER,
    decode_lease,
    lease_key,
    process_start_time,
)
from ansible_collections.privx.secrets.plugins.plugin_utils._checkout_leases import FileLeases, controller_alive

KEY = lease_key('https://privx.example.com', 'client-id', 'd/x')
CHECKOUT = {'id': 'checkout-1', 'path': 'd/x', 'expires': '2999-01-01T00:00:00Z'}


def leases_of(directory, *names):
    live = set(names)
    return live, [FileLeases(str(directory), name, alive=lambda other: other in live) for name in names]


def test_a_lease_file_is_private_and_names_no_credential(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(lease_key('https://privx.example.com', 'planted-access-token', 'd/x'))
    [name] = os.listdir(str(tmp_path / LEASES_FOLDER))
    path = tmp_path / LEASES_FOLDER / name
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / LEASES_FOLDER)).st_mode) == 0o700
    assert 'planted' not in name and 'planted' not in path.read_text()
    assert decode_lease(path.read_text()) == {'users': ['100-1'], 'made_here': []}


def test_the_last_run_to_let_go_releases_what_a_run_here_made(tmp_path):
    live, (first, second) = leases_of(tmp_path, '100-1', '200-1')
    released = []
    for run in (first, second):
        run.join(KEY)
    assert first.record(KEY, CHECKOUT, created=True, keep=False) is True
    assert second.record(KEY, CHECKOUT, created=False, keep=False) is True, 'the second run must learn it was made here'
    assert first.let_go(KEY, released.append) == ([], [], True)
    assert second.would_release(KEY, 'checkout-1') is True
    live.discard('100-1')
    assert second.let_go(KEY, released.append) == (['checkout-1'], [], False)
    assert released == ['checkout-1']
    assert second.let_go(KEY, released.append) == ([], [], False), 'released twice'


def test_a_failed_release_comes_back_as_its_warning(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(KEY)
    run.record(KEY, CHECKOUT, created=True, keep=False)
    assert run.let_go(KEY, lambda _checkout_id: 'could not release') == ([], ['could not release'], False)


def test_an_expired_or_kept_checkout_is_not_released(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(KEY)
    run.record(KEY, dict(CHECKOUT, id='old', expires='2000-01-01T00:00:00Z'), created=True, keep=False)
    run.record(KEY, dict(CHECKOUT, id='kept'), created=True, keep=True)
    assert run.let_go(KEY, lambda checkout_id: 'released %s' % checkout_id) == ([], [], False)


def test_a_damaged_lease_file_reads_as_empty(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(KEY)
    (tmp_path / LEASES_FOLDER / KEY).write_text('{"users": 5, "made_here": [7, {"id": 3}]')
    run.join(KEY)
    assert run.record(KEY, CHECKOUT, created=True, keep=False) is True
    assert run.let_go(KEY, lambda _checkout_id: None) == (['checkout-1'], [], False)


def test_a_join_waits_for_a_release_under_way(tmp_path):
    # The run that lets go holds the lock while it releases: a run that joins meanwhile is answered after the
    # release, so its checkout request cannot be handed the checkout being released.
    _live, (first, second) = leases_of(tmp_path, '100-1', '200-1')
    first.join(KEY)
    first.record(KEY, CHECKOUT, created=True, keep=False)
    events = []

    def slow_release(checkout_id):
        events.append('release started')
        time.sleep(0.5)
        events.append('released %s' % checkout_id)

    letting_go = threading.Thread(target=first.let_go, args=(KEY, slow_release))
    letting_go.start()
    while not events:
        time.sleep(0.01)
    second.join(KEY)
    events.append('joined')
    letting_go.join()
    assert events == ['release started', 'released checkout-1', 'joined']


def test_a_run_is_alive_while_its_controller_is():
    this_process = '%d-%s' % (os.getpid(), process_start_time(os.getpid()))
    assert controller_alive(this_process) is True
    assert controller_alive('%d-1' % os.getpid()) is False, 'a reused pid taken for the run'
    assert controller_alive('not-a-run') is False


def test_a_lease_file_that_cannot_be_used_is_one_line_naming_it(tmp_path):
    # A lease file in the way (here a directory; a full disk or a file made read-only alike) must say which file
    # and why, not the bare name of an OSError.
    _live, (run,) = leases_of(tmp_path, '100-1')
    os.makedirs(str(tmp_path / LEASES_FOLDER / KEY))
    with pytest.raises(PrivXError) as failure:
        run.join(KEY)
    message = str(failure.value)
    assert str(tmp_path / LEASES_FOLDER / KEY) in message and 'directory' in message.lower(), message
    assert '\n' not in message


@pytest.mark.parametrize('kind', ['symlink', 'open to others'])
def test_a_leases_folder_that_is_not_private_is_refused(tmp_path, kind):
    # The lease files decide which checkout a run releases: a folder others may write to (or that leads elsewhere)
    # would let them decide it.
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    folder = tmp_path / 'agent' / LEASES_FOLDER
    folder.parent.mkdir(mode=0o700)
    if kind == 'symlink':
        folder.symlink_to(elsewhere)
    else:
        folder.mkdir()
        os.chmod(str(folder), 0o777)
    run = FileLeases(str(tmp_path / 'agent'), '100-1', alive=lambda _name: True)
    with pytest.raises(PrivXError) as failure:
        run.join(KEY)
    assert str(folder) in str(failure.value), str(failure.value)
    assert os.listdir(str(elsewhere)) == [] and not os.path.exists(str(folder / KEY))


def test_a_lease_file_of_bytes_that_are_not_text_reads_as_empty(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(KEY)
    (tmp_path / LEASES_FOLDER / KEY).write_bytes(b'\xff\xfe{"users": ["\x80"]}')
    run.join(KEY)
    assert decode_lease((tmp_path / LEASES_FOLDER / KEY).read_text()) == {'users': ['100-1'], 'made_here': []}


def test_a_lease_file_that_is_not_a_regular_file_is_refused_in_one_line(tmp_path):
    _live, (run,) = leases_of(tmp_path, '100-1')
    run.join(KEY)
    (tmp_path / LEASES_FOLDER / KEY).unlink()
    os.mkfifo(str(tmp_path / LEASES_FOLDER / KEY), 0o600)
    with pytest.raises(PrivXError) as failure:
        run.join(KEY)
    assert str(tmp_path / LEASES_FOLDER / KEY) in str(failure.value) and 'not a regular file' in str(failure.value)
