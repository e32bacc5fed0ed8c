# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The two kinds of dropped connection on a write: before PrivX handles the request (nothing applied) and after
# (`applied: true`: the change is made, the answer is lost). A client sees the same thing in both cases.

import pytest
import requests

from emulator_helpers import TD_DB, Api, managed_path
from privx_emulator.harness import ControlError


def usernames(emu) -> set:
    return {account["username"] for account in emu.control.managed_accounts("dbdomain")}


@pytest.mark.parametrize("applied", [False, True])
def test_a_dropped_write_is_applied_only_when_the_fault_says_so(emu, admin: Api, applied: bool) -> None:
    admin.login()
    mark = emu.control.mark()
    fault = emu.control.fault(r"/managedaccounts$", action="drop", method="POST", applied=applied)
    assert fault["applied"] is applied
    with pytest.raises(requests.exceptions.ConnectionError):
        admin.post(managed_path(TD_DB), json={"username": "dropped_write"})
    assert ("dropped_write" in usernames(emu)) is applied
    assert [item["status"] for item in emu.control.requests(since=mark)] == [0], "the client got no answer either way"
    assert emu.control.faults()[0]["hits"] == 1
    again = admin.post(managed_path(TD_DB), json={"username": "dropped_write"})
    assert again.status_code == (400 if applied else 201), again.text


def test_an_applied_drop_of_a_refused_request_changes_nothing(emu, admin: Api) -> None:
    admin.login()
    emu.control.fault(r"/managedaccounts$", action="drop", method="POST", applied=True)
    before = usernames(emu)
    with pytest.raises(requests.exceptions.ConnectionError):
        admin.post(managed_path(TD_DB), json={"username": "app_admin"})  # a duplicate: PrivX refuses it
    assert usernames(emu) == before


@pytest.mark.parametrize("spec", [
    {"action": "drop", "applied": "yes"},
    {"action": "status", "applied": True},
    {"action": "delay", "delay": 1, "applied": True},
])
def test_applied_is_a_boolean_for_drop_only(emu, spec: dict) -> None:
    with pytest.raises(ControlError) as caught:
        emu.control.call("POST", "faults", dict({"path": "x"}, **spec))
    assert caught.value.status == 400 and caught.value.body["property"] == "applied"
    assert emu.control.faults() == []
