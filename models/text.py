"""The one sanitiser for text shown to a person: nothing in it can steer a terminal.

Every face (dashboard, CLI, exports) passes text from templates, logs and people through
:func:`one_line` (a field on one line) or :func:`block` (several lines). Nothing is
dropped: a control character or escape sequence is shown as ``\\x1b``, a bidi override or
zero-width character as ``\\u202e``, so what a person reads is what the text holds.
"""

from __future__ import annotations

import re
import unicodedata

NEWLINE_MARK = "⏎"

# Anything outside printable ASCII is looked at; categories Cc (C0, DEL, C1), Cf (format:
# bidi overrides, zero-width, tags), Zl/Zp (line and paragraph separators) and Cs (lone
# surrogates) and unassigned code points (Cn) are shown as escapes.
_SUSPECT = re.compile(r"[^\x20-\x7e\n]")
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
_NAMED = {"\t": "\\t", "\r": "\\r"}


def escape_char(char: str) -> str:
    """``\\x1b`` for a code point up to 0xff, ``\\u202e`` or ``\\U000e0001`` above."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_hidden(char: str) -> bool:
    """True for a character that would act on a terminal or hide itself instead of showing."""
    return unicodedata.category(char) in _HIDDEN


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return escape_char(char) if is_hidden(char) else char


def block(text: object, *, tabs: int = 4) -> str:
    """Several lines: newlines stay (``\\r\\n`` becomes ``\\n``), tabs become spaces,
    every other control or invisible character is shown escaped."""
    value = str(text).replace("\r\n", "\n")
    if tabs:
        value = value.expandtabs(tabs)
    return _SUSPECT.sub(_visible, value)


def one_line(text: object) -> str:
    """One line: newlines shown as `` ⏎ ``, tabs as a space, the rest as in :func:`block`."""
    value = str(text).replace("\r\n", "\n").replace("\t", " ")
    if "\n" in value:
        value = f" {NEWLINE_MARK} ".join(value.split("\n"))
    return _SUSPECT.sub(_visible, value)


def exact(text: object) -> str:
    """Text exactly as it will run (a command): only the escape form differs; tabs shown
    as ``\\t`` so that nothing about the bytes is guessed. Newlines stay."""
    return _SUSPECT.sub(_visible, str(text))


def numbered(text: object) -> list[str]:
    """:func:`exact` split into lines ``  1  first line`` (a trailing newline counts as an
    empty last line, so nothing a command holds is left out)."""
    lines = exact(text).split("\n")
    width = len(str(len(lines)))
    return [f"{n:>{width}}  {line}" for n, line in enumerate(lines, 1)]


def _json_escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if not is_hidden(char):
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_visible(text: str) -> str:
    """JSON text (from ``json.dumps``) with every hidden character inside its strings
    written as a JSON ``\\uXXXX`` escape: still valid JSON, same data, safe to print."""
    return _SUSPECT.sub(_json_escape, text)
