"""The one sanitiser (updeck.models.text): nothing that reaches a person can steer a terminal."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from updeck.models.text import block, exact, numbered, one_line

C0_C1 = {*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))}
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"}

# Text with a high share of the dangerous characters, not only what st.text() usually draws.
hostile = st.lists(st.one_of(
    st.characters(),
    st.sampled_from(sorted(C0_C1)),
    st.sampled_from(["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028", "\u061c",
                     "\U000e0041", "\x1b]0;", "\x9b", "\r\n"]),
)).map("".join)


@given(hostile)
def test_one_line_holds_no_control_or_invisible_character(text: str) -> None:
    out = one_line(text)
    assert not C0_C1 & set(out)
    assert not any(unicodedata.category(c) in INVISIBLE for c in out)


@given(hostile)
def test_block_keeps_only_newlines(text: str) -> None:
    out = block(text)
    assert not (C0_C1 - {"\n"}) & set(out)
    assert not any(unicodedata.category(c) in INVISIBLE for c in out if c != "\n")
    assert out.count("\n") == text.replace("\r\n", "\n").count("\n")


@given(hostile)
def test_exact_loses_nothing(text: str) -> None:
    out = exact(text)
    assert not (C0_C1 - {"\n"}) & set(out)
    # Every character is there, either itself or as its escape.
    assert len(out) >= len(text)


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_is_untouched(text: str) -> None:
    assert one_line(text) == text == block(text) == exact(text)


def test_the_reported_verify_command_shows_what_runs() -> None:
    # Issue 13: this showed as "$ df -h / ; : ''" and the touch ran unseen.
    command = "df -h / ; : '\x1b]9999;' ; touch /tmp/x ; : '\x1b\\'"
    shown = exact(command)
    assert "touch /tmp/x" in shown
    assert shown == "df -h / ; : '\\x1b]9999;' ; touch /tmp/x ; : '\\x1b\\'"


def test_forged_log_line_stays_on_one_line() -> None:
    assert one_line("alice\n#99 2026-12-05 root item_done") == (
        "alice ⏎ #99 2026-12-05 root item_done")


def test_bidi_and_zero_width_are_shown() -> None:
    assert one_line("safe\u202eexe.txt") == "safe\\u202eexe.txt"
    assert one_line("a\u200bb\ufeff") == "a\\u200bb\\ufeff"
    assert one_line("tag\U000e0041") == "tag\\U000e0041"


def test_letters_of_any_script_stay() -> None:
    assert one_line("Zoë 東京 ✔ ⏎") == "Zoë 東京 ✔ ⏎"


def test_numbered_lines_count_every_line() -> None:
    lines = numbered("\n".join(f"echo {n}" for n in range(1, 36)))
    assert len(lines) == 35
    assert lines[0] == " 1  echo 1" and lines[-1] == "35  echo 35"
    assert numbered("a\tb\r") == ["1  a\\tb\\r"]


@given(st.recursive(st.none() | hostile, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(hostile, inner, max_size=3), max_leaves=6))
def test_json_visible_is_the_same_json_and_prints_safely(data: object) -> None:
    import json

    from updeck.models.text import json_visible

    text = json_visible(json.dumps(data, indent=2, ensure_ascii=False))
    assert json.loads(text) == data
    assert not (C0_C1 - {"\n"}) & set(text)
    assert not any(unicodedata.category(c) in INVISIBLE for c in text if c != "\n")
