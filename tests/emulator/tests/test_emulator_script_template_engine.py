# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The emulator's subset of Go text/template (privx_emulator/script_template.py), in process: what it renders, and
# text/template's own error for what it refuses.

import pytest

# emulator_helpers puts privx_emulator on sys.path.
import emulator_helpers  # noqa: F401  pylint: disable=unused-import
from privx_emulator.script_template import TemplateError, compile_script, render

DATA = {"Username": "root", "Password": "N3w-pass", "OldPassword": ""}


@pytest.mark.parametrize("script, expected", [
    ("plain text, no action", "plain text, no action"),
    ("echo '{{.Username}}:{{.Password}}' | chpasswd", "echo 'root:N3w-pass' | chpasswd"),
    ("a  {{- .Username -}}  b", "arootb"),
    ("{{/* a comment */}}x{{- /* trimmed */ -}} y", "xy"),
    ("{{if .OldPassword}}old{{else if eq .Username \"root\"}}root{{else}}other{{end}}", "root"),
    ("{{if not .OldPassword}}none{{end}}", "none"),
    ("{{with .Username}}<{{.}}>{{end}}{{with .OldPassword}}never{{else}}empty{{end}}", "<root>empty"),
    ("{{$u := .Username}}{{$u}}{{$u = \"x\"}}{{$u}}", "rootx"),
    ("{{printf \"%s:%q %d%%\" .Username .Password 7}}", 'root:"N3w-pass" 7%'),
    ("{{.Password | len}} {{len (print .Username .Password)}}", "8 12"),
    ("{{print 1 2 \"a\" 3}}|{{println .Username}}", "1 2a3|root\n"),
    ("{{and .Username .OldPassword}}|{{or .OldPassword .Username}}", "|root"),
    ("{{html \"<a&b>\"}} {{js \"it's\"}} {{urlquery \"a b&c\"}}", "&lt;a&amp;b&gt; it\\'s a+b%26c"),
    ("{{if lt 1 2}}{{if ge 2 2.0}}ok{{end}}{{end}}", "ok"),
    ("{{\"}}\"}} {{`raw {{x}}`}} {{'a'}}", "}} raw {{x}} a"),
    ("{{.OldPassword}}|{{$.Username}}", "|root"),
])
def test_renders(script: str, expected: str) -> None:
    assert render(script, DATA) == expected


@pytest.mark.parametrize("script, message", [
    ("{{.Username", "template: script:1: unclosed action"),
    ("ok\n{{ \"}}", "template: script:2: unterminated quoted string"),
    ("{{/* never closed }}", "template: script:1: unclosed comment"),
    ("{{nosuch .Username}}", 'template: script:1: function "nosuch" not defined'),
    ("{{if}}x{{end}}", "template: script:1: missing value for if"),
    ("{{.Username | }}", "template: script:1: missing value for command"),
    ("{{else}}", "template: script:1: unexpected {{else}}"),
    ("{{if .Username}}a{{else}}b{{else}}c{{end}}", "template: script:1: expected end; found {{else}}"),
    ("{{(len .Username}}", "template: script:1: unclosed left paren"),
    ("{{len .Username)}}", "template: script:1: unexpected right paren"),
    ("{{.Username !}}", "template: script:1: unexpected bad character U+0021 '!' in command"),
    ("{{$x = 1}}", 'template: script:1: undefined variable "$x"'),
    ("{{if .Username}}{{$x := 1}}{{end}}{{$x}}", 'template: script:1: undefined variable "$x"'),
    ("{{break}}", "template: script:1: {{break}} outside {{range}}"),
    ("{{define \"x\"}}{{end}}", "template: script:1: {{define}} is not supported by the PrivX emulator"),
    ("{{range .Username}}{{end}}", 'template: script:1:2: executing "script": range can\'t iterate over root'),
    ("{{eq .Username 1}}", 'template: script:1:2: executing "script" at <eq>: error calling eq: incompatible types for comparison'),
    ("{{index .Username 9}}", 'template: script:1:2: executing "script" at <index>: error calling index: cannot index root with 9'),
    ("{{.Username .Password}}", 'template: script:1:2: executing "script" at <.Username>: can\'t give argument to non-function .Username'),
    ("{{.Username.Length}}", 'template: script:1:2: executing "script" at <.Username.Length>: can\'t evaluate field Length in type str'),
])
def test_refuses(script: str, message: str) -> None:
    with pytest.raises(TemplateError) as raised:
        render(script, DATA)
    assert str(raised.value) == message


def test_compile_uses_test_data() -> None:
    assert compile_script("{{.Username}} {{.Password}} {{.OldPassword}}") == "testuser TestPassword-1 OldTestPassword-1"
