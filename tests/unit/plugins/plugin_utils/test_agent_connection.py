# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the checkout agent's socket may live, and whom the lookup talks to (no ansible-playbook, no PrivX)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils import _agent_connection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection, agent_directory, private_directory
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import ControllerProcess


@pytest.fixture
def short_dir():
    """A short private directory (a Unix socket's path must stay short)."""
    directory = tempfile.mkdtemp(prefix='pxu')
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def environment(monkeypatch, short_dir):
    for name in ('PRIVX_AGENT_DIR', 'XDG_RUNTIME_DIR', 'ANSIBLE_HOME'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HOME', os.path.join(short_dir, 'home'))
    return monkeypatch


def test_a_relative_agent_directory_is_refused(environment):
    environment.setenv('PRIVX_AGENT_DIR', 'tmp')
    with pytest.raises(PrivXError, match="PRIVX_AGENT_DIR 'tmp' must be an absolute path"):
        agent_directory()


def test_a_symlink_with_a_trailing_slash_is_judged_and_used_by_what_it_points_to(environment, short_dir):
    target = os.path.join(short_dir, 'real')
    os.mkdir(target, 0o700)
    link = os.path.join(short_dir, 'link')
    os.symlink(target, link)
    environment.setenv('PRIVX_AGENT_DIR', link + '/')
    assert agent_directory() == target  # the socket is made in the directory checked, not through the link


def test_a_directory_others_may_replace_is_refused(environment, short_dir):
    shared = os.path.join(short_dir, 'shared')
    os.mkdir(shared)
    os.chmod(shared, 0o777)  # writable by all, without the sticky bit: anyone may rename what is in it
    mine = os.path.join(shared, 'agent')
    os.mkdir(mine, 0o700)
    environment.setenv('PRIVX_AGENT_DIR', mine)
    with pytest.raises(PrivXError, match='other users may replace it'):
        agent_directory()


def test_a_directory_open_to_others_is_refused(short_dir):
    os.chmod(short_dir, 0o755)
    with pytest.raises(PrivXError, match='lets other users in'):
        private_directory(short_dir, create=False)


def test_an_unusable_home_falls_back_to_ansible_home_then_the_temporary_directory(environment, short_dir):
    blocker = os.path.join(short_dir, 'file')
    with open(blocker, 'w', encoding='utf-8'):
        pass
    environment.setenv('HOME', os.path.join(blocker, 'home'))
    environment.setenv('ANSIBLE_HOME', os.path.join(short_dir, 'ansible'))
    assert agent_directory() == os.path.join(short_dir, 'ansible', 'privx')
    environment.setenv('ANSIBLE_HOME', os.path.join(blocker, 'ansible'))
    environment.setenv('TMPDIR', short_dir)
    tempfile.tempdir = None
    try:
        assert agent_directory() == os.path.join(short_dir, 'privx.secrets-%d' % os.getuid())
        assert agent_directory(create=False) == os.path.join(short_dir, 'privx.secrets-%d' % os.getuid())
    finally:
        tempfile.tempdir = None


def test_the_lookup_sends_nothing_to_an_agent_of_another_user(short_dir, monkeypatch):
    controller = ControllerProcess(os.getpid(), 'test')
    connection = AgentConnection(controller=controller, directory=short_dir)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(connection.socket_path)
    server.listen(1)
    received = []

    def serve():
        peer, _address = server.accept()
        with peer:
            peer.settimeout(5)
            try:
                received.append(peer.recv(65536))
            except OSError:
                pass

    thread = threading.Thread(target=serve)
    thread.start()
    # The server runs as this user here; the lookup believing itself another user sees it as foreign.
    monkeypatch.setattr(_agent_connection.os, 'getuid', lambda: os.geteuid() + 1)
    try:
        with pytest.raises(PrivXError, match='runs as another user'):
            connection.request('checkout', start=False, connection={'client_secret': 'planted-client-secret'})
    finally:
        monkeypatch.undo()
        thread.join(10)
        server.close()
    assert received in ([], [b''])


def test_a_fallback_directory_another_user_took_says_how_to_choose_another(environment, short_dir):
    """Issue 17: the refusal of a /tmp fallback that another local user had made did not mention PRIVX_AGENT_DIR."""
    blocker = os.path.join(short_dir, 'file')
    with open(blocker, 'w', encoding='utf-8'):
        pass
    environment.setenv('HOME', os.path.join(blocker, 'home'))
    environment.setenv('TMPDIR', short_dir)
    other_uid = os.getuid() + 1
    taken = os.path.join(short_dir, 'privx.secrets-%d' % other_uid)  # where the other user's run will look
    os.mkdir(taken, 0o700)
    environment.setattr(_agent_connection.os, 'getuid', lambda: other_uid)
    tempfile.tempdir = None
    try:
        with pytest.raises(PrivXError) as caught:
            agent_directory()
    finally:
        environment.undo()
        tempfile.tempdir = None
    assert str(caught.value) == ('refusing the checkout agent directory %s: another user owns it; set PRIVX_AGENT_DIR to an '
                                 'absolute path of a directory of yours (mode 700) to use another one' % taken)


def test_the_agent_module_is_found_under_the_collections_root_this_run_uses():
    from ansible_collections.privx.secrets.plugins.plugin_utils import _agent_connection
    module_file = os.path.join(_agent_connection.COLLECTIONS_ROOT, *_agent_connection.AGENT_MODULE.split('.')) + '.py'
    assert os.path.isfile(module_file)
    assert os.path.samefile(os.path.dirname(module_file), os.path.dirname(_agent_connection.__file__))
