# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's token for a module on the controller: asked of the run's checkout agent when the module first calls PrivX.

The action plugin (plugins/action/connection_info.py) hands the module the agent's socket (``run_agent``); the
module sends it one ``token`` request of the agent protocol (plugins/plugin_utils/_agent_protocol.py, the spec: one
JSON line with ``op`` and ``connection``, one JSON line back, ``{"ok": true, "value": {"token": ...}}``), only to an
agent of its own OS user, since the connection options carry credentials. Any failure leaves the module to make its
own grant: a run's token is an economy, never a condition.
"""

from __future__ import annotations

import json
import os
import socket
import struct

TOKEN_REQUEST = 'token'
TIMEOUT = 60.0
BUFFER = 65536


def agent_token_source(socket_path, connection):
    """A token source for PrivXClient (None without a socket): the agent's token for these connection options, or None."""
    if not socket_path:
        return None
    return lambda: token_from_agent(socket_path, connection)


def token_from_agent(socket_path, connection, timeout=TIMEOUT):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            channel.settimeout(timeout)
            channel.connect(socket_path)
            if _peer_uid(channel) not in (None, os.getuid()):
                return None
            channel.sendall(json.dumps({'op': TOKEN_REQUEST, 'connection': connection}).encode() + b'\n')
            answer = json.loads(_read_line(channel) or b'null')
    except (OSError, ValueError):
        return None
    value = answer.get('value') if isinstance(answer, dict) and answer.get('ok') else None
    token = value.get('token') if isinstance(value, dict) else None
    return token if isinstance(token, str) and token else None


def _peer_uid(channel):
    if not hasattr(socket, 'SO_PEERCRED'):
        return None
    credentials = channel.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
    return struct.unpack('3i', credentials)[1]


def _read_line(channel):
    chunks = []
    while not chunks or not chunks[-1].endswith(b'\n'):
        chunk = channel.recv(BUFFER)
        if not chunk:
            break
        chunks.append(chunk)
    return b''.join(chunks)
