# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent protocol's messages, as both ends encode and decode them."""

from __future__ import annotations

import os

import pytest

from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    CHECKOUT,
    OPERATIONS,
    ControllerProcess,
    ProtocolError,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)


def test_a_request_is_one_json_line_with_its_operation():
    line = encode_request(CHECKOUT, path='d/a', output='secret')
    assert line.endswith(b'\n') and line.count(b'\n') == 1
    assert decode_request(line) == (CHECKOUT, {'path': 'd/a', 'output': 'secret'})


@pytest.mark.parametrize('line', [b'', b'not json\n', b'[]\n', b'{"op": "steal"}\n', b'{"path": "d/a"}\n'])
def test_anything_else_is_refused(line):
    with pytest.raises(ProtocolError):
        decode_request(line)


def test_only_known_operations_are_sent():
    assert set(OPERATIONS) == {'checkout', 'play_start', 'release', 'finish', 'token', 'status', 'vault_read'}
    with pytest.raises(ProtocolError):
        encode_request('steal')


def test_replies():
    assert decode_reply(encode_reply({'value': 1, 'warning': None})) == (True, {'value': 1, 'warning': None})
    assert decode_reply(encode_reply(error='no account secret')) == (False, 'no account secret')
    with pytest.raises(ProtocolError, match='without an answer'):
        decode_reply(b'')


def test_the_controller_is_named_by_pid_and_start_time():
    controller = ControllerProcess.current()
    assert controller.is_alive()
    again = ControllerProcess.from_name(controller.name)
    assert (again.pid, again.started) == (os.getpid(), controller.started)
    assert ControllerProcess.from_name('stale') is None
    assert not ControllerProcess(os.getpid(), 'another-start').is_alive()
