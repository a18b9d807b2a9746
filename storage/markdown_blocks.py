"""Parse a Markdown runbook into blocks (headings, items, paragraphs, code); notes what it leaves out."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from updeck.storage.markdown_words import inline_text

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`]*)$")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$")
_CHECKBOX = re.compile(r"^\[([ xX])\](?:[ \t]+(.*))?$")
_TABLE = re.compile(r"^\s*\|.*\|\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_PSEUDO = re.compile(r"^(?:\*\*|__)([^*_].*?)(?:\*\*|__)\s*:?\s*(?:[-–—]\s*(?:\*[^*].*\*|_[^_].*_)\s*)?$")
_DETAILS_TAG = re.compile(r"</?details[^>]*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE)
_STEP_LIKE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\S")


@dataclass(slots=True)
class Block:
    kind: str  # heading, pseudo, item, para, code, table
    line: int  # 1-based
    text: str = ""
    level: int = 0
    indent: int = 0
    checkbox: bool = False
    lang: str = ""
    lines: list[str] = field(default_factory=list)


def clean_lines(text: str) -> list[str]:
    lines = text.splitlines()
    return [_ZERO_WIDTH.sub("", line).expandtabs(4).rstrip() for line in lines]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class BlockParser:
    """Markdown lines -> blocks, collecting what it had to leave out."""

    def __init__(self, lines: list[str], source: str) -> None:
        self.lines = lines
        self.source = source
        self.skipped: list[str] = []
        self.blocks: list[Block] = []
        # lines made only of backticks or tildes: the only ones that can close a fence
        self.closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
        for index, line in enumerate(lines):
            bare = line.strip()
            if len(bare) >= 3 and len(set(bare)) == 1 and bare[0] in self.closers:
                self.closers[bare[0]].append((index, len(bare)))

    def where(self, index: int) -> str:
        return f"{self.source}:{index + 1}"

    def parse(self) -> list[Block]:
        lines = self.lines
        i = self._front_matter()
        n = len(lines)
        para: list[str] = []
        para_line = 0
        item: Block | None = None  # the list item that continuation lines join
        blank_before = False

        def flush() -> None:
            nonlocal para
            if para:
                self._paragraph(para, para_line)
            para = []

        while i < n:
            line = lines[i]
            # blockquotes: read their content as ordinary Markdown
            quoted = re.match(r"^\s*(?:>\s?)+", line)
            if quoted:
                line = line[quoted.end():]
            # HTML comments
            if "<!--" in line:
                line, i, consumed = self._comment(line, i)
                if consumed:
                    continue
            line = _DETAILS_TAG.sub("", line)
            summary = _SUMMARY.search(line)
            if summary:
                flush()
                item = None
                title = summary.group(1).strip()
                if title:
                    self.blocks.append(Block("pseudo", i + 1, inline_text(title)))
                line = _SUMMARY.sub("", line)
                if not line.strip():
                    i += 1
                    continue
            stripped = line.strip()
            if not stripped:
                flush()
                blank_before = True
                i += 1
                continue
            fence = _FENCE.match(line)
            if fence:
                flush()
                i = self._code(i, fence, line)
                blank_before = False
                continue
            heading = _HEADING.match(line)
            if heading and (heading.group(2) or "").strip():
                flush()
                item = None
                self.blocks.append(Block("heading", i + 1, inline_text(heading.group(2)),
                                          level=len(heading.group(1))))
                i += 1
                blank_before = False
                continue
            if _HR.match(line):
                flush()
                item = None
                i += 1
                continue
            if para and not item and _SETEXT.match(line):
                text = " ".join(s.strip() for s in para)
                para = []
                self.blocks.append(Block("heading", para_line, inline_text(text),
                                          level=1 if line.strip().startswith("=") else 2))
                i += 1
                continue
            if _TABLE.match(line):
                flush()
                item = None
                start = i
                while i < n and _TABLE.match(lines[i]):
                    i += 1
                rows = i - start
                self.skipped.append(f"{self.where(start)}: a table ({rows} rows) was not imported: tables "
                                    "are not steps; turn the rows into a list to import them")
                continue
            listed = _LIST.match(line)
            if listed:
                flush()
                indent = len(listed.group(1))
                body = (listed.group(3) or "").strip()
                box = _CHECKBOX.match(body)
                item = Block("item", i + 1, (box.group(2) or "").strip() if box else body,
                              indent=indent, checkbox=bool(box),
                              level=indent + len(listed.group(2)) + 1)
                self.blocks.append(item)
                blank_before = False
                i += 1
                continue
            # continuation of a list item: lazy (no blank line) or indented past its marker
            if item is not None and (not blank_before or _indent(line) >= item.level) and not para:
                if blank_before:
                    item.lines.append("")
                item.lines.append(stripped)
                blank_before = False
                i += 1
                continue
            item = None
            if not para:
                para_line = i + 1
            para.append(stripped)
            blank_before = False
            i += 1
        flush()
        return self.blocks

    def _front_matter(self) -> int:
        lines = self.lines
        i = 0
        while i < len(lines) and (not lines[i].strip() or
                                  (lines[i].strip().startswith("<!--") and lines[i].strip().endswith("-->"))):
            i += 1
        if i < len(lines) and lines[i].strip() == "---":
            for j in range(i + 1, min(len(lines), i + 200)):
                if lines[j].strip() in ("---", "..."):
                    self.skipped.append(f"{self.where(i)}: front matter ({j - i - 1} lines) was not "
                                        "imported: it is page metadata, not steps")
                    return j + 1
        return 0

    def _comment(self, line: str, i: int) -> tuple[str, int, bool]:
        """Remove comments from ``line``; (remaining text, next index, whole lines consumed)."""
        out = ""
        rest = line
        while "<!--" in rest:
            before, _, after = rest.partition("<!--")
            out += before
            if "-->" in after:
                rest = after.split("-->", 1)[1]
                continue
            # spans lines?
            for j in range(i + 1, len(self.lines)):
                if "-->" in self.lines[j]:
                    hidden = [after, *self.lines[i + 1: j], self.lines[j].split("-->", 1)[0]]
                    self._hidden_steps(hidden, i)
                    tail = self.lines[j].split("-->", 1)[1]
                    if (out + tail).strip():
                        self.lines[j] = out + tail
                        return "", j, True
                    return "", j + 1, True
            self.skipped.append(f"{self.where(i)}: an HTML comment opened here never closes; only this "
                                "line was treated as a comment")
            self._hidden_steps([after], i)
            rest = ""
        return out + rest, i, False

    def _hidden_steps(self, lines: list[str], i: int) -> None:
        for offset, text in enumerate(lines):
            if _STEP_LIKE.match(text):
                self.skipped.append(f"{self.where(i + offset)}: \"{text.strip()[:80]}\" is inside an HTML "
                                    "comment; not imported")

    def _code(self, i: int, fence: re.Match[str], line: str) -> int:
        lines = self.lines
        marker = fence.group(2)
        indent = len(fence.group(1))
        lang = fence.group(3).strip().split(" ")[0] if fence.group(3) else ""
        end = None
        closers = self.closers[marker[0]]
        for j, length in closers[bisect.bisect_right(closers, (i, 10**9)):]:
            if length >= len(marker):
                end = j
                break
        if end is None:
            stop = len(lines)
            for j in range(i + 1, len(lines)):
                s = lines[j]
                if (re.match(r"^ {0,3}#{2,6}\s+\S", s) or re.match(r"^\s*[-*+]\s+\[[ xX]\]", s)
                        or re.match(r"^ {0,3}\d{1,9}[.)]\s+\S", s)):
                    stop = j
                    break
            self.skipped.append(f"{self.where(i)}: a code fence opened here never closes; it was ended at "
                                f"line {stop} (before the next heading or step)")
            body = lines[i + 1: stop]
            next_index = stop
        else:
            body = lines[i + 1: end]
            next_index = end + 1
        body = [b[indent:] if b[:indent].strip() == "" else b.lstrip() for b in body]
        for offset, text in enumerate(body):
            if re.match(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\[[ xX]\]", text):
                self.skipped.append(f"{self.where(i + 1 + offset)}: \"{text.strip()[:60]}\" is inside a code "
                                    "block; kept there as code, not imported as a step")
        self.blocks.append(Block("code", i + 1, "\n".join(body).strip("\n"), lang=lang, lines=body))
        return next_index

    def _paragraph(self, para: list[str], line: int) -> None:
        text = " ".join(para)
        pseudo = _PSEUDO.match(text)
        if pseudo and len(pseudo.group(1)) <= 160:
            self.blocks.append(Block("pseudo", line, inline_text(pseudo.group(1)).rstrip(":")))
            return
        self.blocks.append(Block("para", line, text, lines=list(para)))

