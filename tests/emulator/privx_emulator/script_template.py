# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Rotation script templates (docs/privx-api-admin.md, "Script templates"). PrivX's server is written in Go and its
# script templates are Go text/templates: `{{ ... }}` actions in a script's text, filled in with the account being
# rotated. This module is a subset of text/template that is large enough for rotation scripts: text, comments,
# `{{- -}}` trimming, pipelines with the built-in functions, parenthesised arguments, `$` variables, and
# if / else / else if / with / range ... end. It refuses what text/template refuses with text/template's own error
# text (`template: script:3: unclosed action`), so that a client sees PrivX's kind of error.
#
# [emulator's choice] The variables a script may use are those of SCRIPT_DATA: PrivX's documentation names them in
# its UI, not in the API reference. {{define}}, {{template}} and {{block}} are not supported (no rotation script
# needs them); they are refused with a message that says so.

import json
import re
import urllib.parse

TEMPLATE_NAME = "script"
# The fields of the data a rotation script is executed with [emulator's choice], and the test values the compile
# endpoint ("compile script with test data") renders them with.
SCRIPT_FIELDS = ("Username", "Password", "OldPassword")
TEST_DATA = {"Username": "testuser", "Password": "TestPassword-1", "OldPassword": "OldTestPassword-1"}
DATA_TYPE = "rotation.ScriptData"

_UNTERMINATED = {'"': "unterminated quoted string", "`": "unterminated raw quoted string", "'": "unterminated character constant"}
_KEYWORDS = ("if", "else", "end", "range", "with", "define", "template", "block", "break", "continue")
_UNSUPPORTED = ("define", "template", "block")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+))
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<dot>\.)
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<identifier>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)


# The end of an action: the first `}}` outside a string literal.
_ACTION_END = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|\}\}')


class TemplateError(Exception):
    """A template that does not parse or execute; the message is text/template's."""


def _parse_error(line: int, message: str) -> TemplateError:
    return TemplateError(f"template: {TEMPLATE_NAME}:{line}: {message}")


# -- lexing: text and actions -------------------------------------------------------------------------------------

class _Action:
    def __init__(self, body: str, line: int, column: int) -> None:
        self.body = body
        self.line = line
        self.column = column


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _action_end(text: str, start: int, line: int) -> int:
    """Where the `}}` closing the action that starts at `start` is; string literals may hold `}}`."""
    position = start
    while True:
        match = _ACTION_END.search(text, position)
        if match is None:
            raise _parse_error(line, "unclosed action")
        if match.group(0) == "}}":
            return match.start()
        position = match.end()


def _split(text: str) -> list:
    """Text pieces (str) and actions (_Action), with the `{{-` / `-}}` trimming applied."""
    pieces, position, trim_next = [], 0, False
    while True:
        start = text.find("{{", position)
        chunk = text[position:] if start < 0 else text[position:start]
        if trim_next:
            chunk = chunk.lstrip(" \t\r\n")
        if start < 0:
            pieces.append(chunk)
            return pieces
        line = _line_of(text, start)
        inner = start + 2
        if text.startswith("- ", inner) or text.startswith("-\t", inner) or text.startswith("-\n", inner):
            chunk = chunk.rstrip(" \t\r\n")
            inner += 1
        pieces.append(chunk)
        end = _action_end(text, inner, line)
        body = text[inner:end]
        trim_next = body.endswith((" -", "\t-", "\n-"))
        if trim_next:
            body = body[:-1]
        # text/template reports an execution error at the byte offset of the action's first node in its line.
        first = inner + len(body) - len(body.lstrip())
        pieces.append(_Action(body, line, first - text.rfind("\n", 0, first) - 1))
        position = end + 2


# -- parsing ------------------------------------------------------------------------------------------------------

class _Node:
    """kind: text | action | if | with | range; `pipe` [(declared variable or None, [commands])];
    `body` and `otherwise` lists of nodes."""

    def __init__(self, kind: str, line: int, column: int = 0, value=None) -> None:
        self.kind = kind
        self.line = line
        self.column = column
        self.value = value
        self.body = []
        self.otherwise = []


def _tokens(action: _Action) -> list:
    tokens, position, body = [], 0, action.body
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None:
            character = body[position]
            if character in _UNTERMINATED:
                raise _parse_error(action.line, _UNTERMINATED[character])
            raise _parse_error(action.line, f"unexpected bad character U+{ord(character):04X} '{character}' in command")
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group(0)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, functions: dict) -> None:
        self.functions = functions
        self.variables = [{"$"}]

    def parse(self, pieces: list) -> list:
        nodes, stop = self._list(iter(pieces), None)
        if stop is not None:
            raise _parse_error(stop.line, f"unexpected {{{{{stop.value}}}}}")
        return nodes

    def _list(self, pieces, opener):
        """Nodes up to the {{else}} or {{end}} that closes `opener` (None: the whole template)."""
        nodes = []
        for piece in pieces:
            if isinstance(piece, str):
                if piece:
                    nodes.append(_Node("text", 0, value=piece))
                continue
            node = self._action(piece, pieces)
            if node is None:
                continue
            if node.kind in ("end", "else"):
                if opener is None:
                    raise _parse_error(node.line, f"unexpected {{{{{node.kind}}}}}")
                return nodes, node
            nodes.append(node)
        if opener is not None:
            raise _parse_error(opener.line, "unexpected EOF")
        return nodes, None

    def _action(self, action: _Action, pieces):
        text = action.body.strip()
        if text.startswith("/*"):
            if not text.endswith("*/"):
                raise _parse_error(action.line, "unclosed comment")
            return None
        tokens = _tokens(action)
        if not tokens:
            raise _parse_error(action.line, "missing value for command")
        kind, word = tokens[0]
        if kind == "identifier" and word in _UNSUPPORTED:
            raise _parse_error(action.line, f"{{{{{word}}}}} is not supported by the PrivX emulator")
        if kind == "identifier" and word in ("end", "break", "continue"):
            if len(tokens) > 1:
                raise _parse_error(action.line, f"unexpected {tokens[1][1]} in {word}")
            if word != "end":
                raise _parse_error(action.line, f"{{{{{word}}}}} outside {{{{range}}}}")
            return _Node("end", action.line, value="end")
        if kind == "identifier" and word == "else":
            node = _Node("else", action.line, value="else")
            node.body = tokens[1:]
            return node
        if kind == "identifier" and word in ("if", "with", "range"):
            return self._control(word, tokens[1:], action, pieces)
        node = _Node("action", action.line, action.column)
        node.value = self._pipeline(tokens, action, "command")
        return node

    def _control(self, word: str, tokens: list, action: _Action, pieces) -> _Node:
        node = _Node(word, action.line, action.column)
        node.value = self._pipeline(tokens, action, word)
        self.variables.append(set())
        node.body, stop = self._list(pieces, node)
        self.variables.pop()
        if stop.kind == "else":
            if stop.body and stop.body[0] == ("identifier", "if") and word == "if":
                node.otherwise = [self._control("if", stop.body[1:], _Action("", stop.line, 0), pieces)]
                return node
            if stop.body:
                raise _parse_error(stop.line, f"unexpected {stop.body[0][1]} in else")
            self.variables.append(set())
            node.otherwise, stop = self._list(pieces, node)
            self.variables.pop()
            if stop.kind != "end":
                raise _parse_error(stop.line, "expected end; found {{else}}")
        return node

    def _pipeline(self, tokens: list, action: _Action, context: str) -> tuple:
        declared = None
        if len(tokens) >= 2 and tokens[0][0] == "variable" and tokens[1][0] in ("declare", "assign"):
            declared = tokens[0][1]
            if tokens[1][0] == "assign" and not self._known(declared):
                raise _parse_error(action.line, f'undefined variable "{declared}"')
            tokens = tokens[2:]
        commands, current, depth = [], [], 0
        for token in tokens:
            if token[0] == "pipe" and depth == 0:
                commands.append(current)
                current = []
                continue
            depth += {"open": 1, "close": -1}.get(token[0], 0)
            if depth < 0:
                raise _parse_error(action.line, "unexpected right paren")
            current.append(token)
        if depth > 0:
            raise _parse_error(action.line, "unclosed left paren")
        commands.append(current)
        if any(not command for command in commands):
            raise _parse_error(action.line, f"missing value for {context}")
        parsed = [self._command(command, action) for command in commands]
        if declared is not None:
            self.variables[-1].add(declared.split(".")[0])
        return declared, parsed

    def _known(self, variable: str) -> bool:
        return any(variable.split(".")[0] in scope for scope in self.variables)

    def _command(self, tokens: list, action: _Action) -> list:
        operands, position = [], 0
        while position < len(tokens):
            kind, word = tokens[position]
            if kind == "open":
                depth, end = 0, position
                for end in range(position, len(tokens)):
                    depth += {"open": 1, "close": -1}.get(tokens[end][0], 0)
                    if depth == 0:
                        break
                operands.append(("pipeline", self._pipeline(tokens[position + 1:end], action, "parenthesized pipeline")))
                position = end + 1
                continue
            operands.append(self._operand(kind, word, action))
            position += 1
        return operands

    def _operand(self, kind: str, word: str, action: _Action) -> tuple:
        if kind == "identifier":
            if word in ("true", "false"):
                return ("literal", word == "true")
            if word == "nil":
                return ("literal", None)
            if word in _KEYWORDS:
                raise _parse_error(action.line, f"unexpected <{word}> in command")
            if word not in self.functions:
                raise _parse_error(action.line, f'function "{word}" not defined')
            return ("function", word)
        if kind == "variable":
            if not self._known(word):
                raise _parse_error(action.line, f'undefined variable "{word.split(".")[0]}"')
            return ("variable", word)
        if kind in ("field", "dot"):
            return (kind, word)
        if kind in ("string", "char"):
            return ("literal", json.loads(word) if kind == "string" else json.loads('"' + word[1:-1].replace('"', '\\"') + '"'))
        if kind == "raw":
            return ("literal", word[1:-1])
        if kind == "number":
            return ("literal", _number(word, action))
        raise _parse_error(action.line, f"unexpected {word!r} in command")


def _number(word: str, action: _Action):
    text = word.replace("_", "")
    try:
        if re.match(r"^[+-]?0[xX]", text):
            return int(text, 16)
        return int(text) if re.match(r"^[+-]?[0-9]+$", text) else float(text)
    except ValueError:
        raise _parse_error(action.line, f"bad number syntax: {word!r}") from None


# -- execution ----------------------------------------------------------------------------------------------------

def _truth(value) -> bool:
    return value not in (None, False, 0, "", [], {}) or value is True


def _printable(value) -> str:
    if value is None:
        return "<no value>"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _go_print(*args) -> str:
    # fmt.Sprint puts spaces between operands when neither side is a string.
    text = ""
    for index, arg in enumerate(args):
        if index and not isinstance(arg, str) and not isinstance(args[index - 1], str):
            text += " "
        text += _printable(arg)
    return text


def _go_printf(fmt, *args) -> str:
    if not isinstance(fmt, str):
        raise TemplateError("wrong type for value; expected string")
    values = list(args)

    def verb(match):
        if match.group(0) == "%%":
            return "%"
        if not values:
            return f"%!{match.group(1)}(MISSING)"
        value = values.pop(0)
        if match.group(1) == "q":
            return json.dumps(_printable(value))
        if match.group(1) == "d" and not (isinstance(value, int) and not isinstance(value, bool)):
            return f"%!d({type(value).__name__}={_printable(value)})"
        return _printable(value)

    text = re.sub(r"%%|%([svqd])", verb, fmt)
    if values:
        text += "%!(EXTRA " + ", ".join(_printable(value) for value in values) + ")"
    return text


def _compare(operator):
    def compare(left, *rights):
        if not rights:
            raise TemplateError("missing argument for comparison")
        for right in rights:
            if type(left) is not type(right) and not ({type(left), type(right)} <= {int, float}):  # pylint: disable=unidiomatic-typecheck
                raise TemplateError("incompatible types for comparison")
            if operator(left, right):
                return True
        return False
    return compare


def _escape_html(text: str) -> str:
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;")):
        text = text.replace(character, entity)
    return text


def _index(item, *keys):
    for key in keys:
        try:
            item = item[key]
        except (TypeError, IndexError, KeyError):
            raise TemplateError(f"cannot index {_printable(item)} with {_printable(key)}") from None
    return item


FUNCTIONS = {
    "and": lambda *args: next((arg for arg in args if not _truth(arg)), args[-1] if args else None),
    "or": lambda *args: next((arg for arg in args if _truth(arg)), args[-1] if args else None),
    "not": lambda arg: not _truth(arg),
    "len": len,
    "index": _index,
    "print": _go_print,
    "println": lambda *args: " ".join(_printable(arg) for arg in args) + "\n",
    "printf": _go_printf,
    "html": lambda *args: _escape_html(_go_print(*args)),
    "js": lambda *args: json.dumps(_go_print(*args))[1:-1].replace("'", "\\'"),
    "urlquery": lambda *args: urllib.parse.quote_plus(_go_print(*args)),
    "eq": _compare(lambda left, right: left == right),
    "ne": _compare(lambda left, right: left != right),
    "lt": _compare(lambda left, right: left < right),
    "le": _compare(lambda left, right: left <= right),
    "gt": _compare(lambda left, right: left > right),
    "ge": _compare(lambda left, right: left >= right),
}


class _Executor:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.scopes = [{"$": data}]
        self.out = []

    def run(self, nodes: list, dot) -> None:
        for node in nodes:
            if node.kind == "text":
                self.out.append(node.value)
            elif node.kind == "action":
                value = self._pipeline(node, dot)
                if node.value[0] is None:
                    self.out.append(_printable(value))
            else:
                self._control(node, dot)

    def _control(self, node: _Node, dot) -> None:
        value = self._pipeline(node, dot)
        self.scopes.append({})
        if node.kind == "range":
            if not isinstance(value, (list, dict)) and value is not None:
                self._fail(node, f"range can't iterate over {_printable(value)}")
            items = list(value.values()) if isinstance(value, dict) else list(value or [])
            for item in items:
                self.run(node.body, item)
            if not items:
                self.run(node.otherwise, dot)
        elif _truth(value):
            self.run(node.body, value if node.kind == "with" else dot)
        else:
            self.run(node.otherwise, dot)
        self.scopes.pop()

    def _fail(self, node: _Node, message: str, at: str = ""):
        where = f" at <{at}>" if at else ""
        raise TemplateError(f'template: {TEMPLATE_NAME}:{node.line}:{node.column}: executing "{TEMPLATE_NAME}"{where}: {message}')

    def _pipeline(self, node: _Node, dot, pipeline=None):
        declared, commands = pipeline or node.value
        value, first = None, True
        for command in commands:
            value = self._command(node, command, dot, None if first else value, not first)
            first = False
        if declared is not None:
            self.scopes[-1][declared] = value
        return value

    def _command(self, node: _Node, operands: list, dot, piped, has_piped: bool):
        kind, word = operands[0]
        if kind == "function":
            args = [self._operand(node, operand, dot) for operand in operands[1:]] + ([piped] if has_piped else [])
            try:
                return FUNCTIONS[word](*args)
            except TemplateError as exc:
                self._fail(node, f"error calling {word}: {exc}", word)
            except TypeError:
                self._fail(node, f"wrong number of args for {word}", word)
        if len(operands) > 1 or has_piped:
            self._fail(node, f"can't give argument to non-function {word}", word)
        return self._operand(node, operands[0], dot)

    def _operand(self, node: _Node, operand: tuple, dot):
        kind, word = operand
        if kind == "literal":
            return word
        if kind == "dot":
            return dot
        if kind == "pipeline":
            return self._pipeline(node, dot, word)
        if kind == "function":
            self._fail(node, f"can't use function {word} as a value")
        if kind == "variable":
            name, *path = word.split(".")
            value = next(scope[name] for scope in reversed(self.scopes) if name in scope)
            return self._fields(node, value, path, word)
        return self._fields(node, dot, word.split(".")[1:], word)

    def _fields(self, node: _Node, value, path: list, word: str):
        for name in path:
            if not isinstance(value, dict) or (value is self.data and name not in SCRIPT_FIELDS):
                type_name = DATA_TYPE if value is self.data else type(value).__name__
                self._fail(node, f"can't evaluate field {name} in type {type_name}", word)
            value = value.get(name)
        return value


def parse(script: str) -> list:
    """The template's nodes; TemplateError when it does not parse."""
    return _Parser(FUNCTIONS).parse(_split(script))


def render(script: str, data: dict) -> str:
    """The script filled in with `data` (SCRIPT_FIELDS); TemplateError when it does not parse or execute."""
    executor = _Executor(dict(data))
    executor.run(parse(script), executor.data)
    return "".join(executor.out)


def compile_script(script: str) -> str:
    """What the compile endpoint answers: the script rendered with TEST_DATA."""
    return render(script, TEST_DATA)
