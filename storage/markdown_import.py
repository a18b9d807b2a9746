"""Turn a Markdown runbook into a template (format 1).

``import_markdown(text, source="runbook.md", template_id=None) -> ImportResult``

Runbooks in the wild are messy, so the importer reads them line by line and never
gives up: every construct it does not turn into an item but that *looks like* a step
is listed in ``ImportResult.skipped`` with the reason. The YAML it writes is checked
with :func:`updeck.storage.templates.load_template_text` before it is returned.

What becomes an item
--------------------
- Every checkbox line (``- [ ]``, ``* [ ]``, ``+ [ ]``, ``1. [ ]``, checked or not --
  a template is a plan, the ticks are not kept), at any depth, also inside
  ``<details>`` blocks and block quotes.
- In a section (the text under one heading) without checkboxes: the outermost plain
  list items (``-``, ``*``, ``+``, ``1.``, ``1)``), and paragraphs that start with an
  imperative verb ("Stop the writers.", "Execute a checkpoint. Command: ..."). Deeper
  list items go into the ``details`` of their step. In a section *with* checkboxes,
  only the checkboxes are steps and the other bullets and prose are their details.
- Lazy continuation lines and indented paragraphs belong to the list item above them.
  Nesting is recognised at any indent width (2, 3 or 4 spaces, tabs as 4).

How each item is filled in
--------------------------
- ``title``: the step's first line of text, without list and checkbox markers, bold or
  italic markers and link targets; cut at a sentence end (or a word) near 100
  characters, the full text kept in ``details``. Placeholders such as ``<VERSION>``,
  ``X.Y`` or ``{{name}}`` are kept verbatim; nothing is rendered.
- ``verify``: the first fenced code block after the step when the step reads like a
  check (check, verify, confirm, ensure, make sure, validate...) or every command in the
  block reads like a read-only check (``kubectl get``, ``select``, ``systemctl status``,
  ``curl``...); an inline command after "command:" in a check step. Other code goes
  into ``details`` as a fenced block.
- ``owner``: the first ``@name`` mention (not an e-mail address).
- ``estimate``: the first duration in the title, else in the step's details:
  ``~30 minutes``, ``2 hours``, ``45s``, ``up to 40 minutes``, ``5 (mins)``,
  ``(mins): 5``; a range such as ``30-60 seconds`` takes its upper bound.
- ``kind``: ``check`` for checks and questions, ``comms`` in the communicate phase,
  else ``task``.
- ``depends_on``: each step depends on the previous step *of the same section* -- a
  runbook section is usually meant to be done in order; sections themselves are left
  independent, since runbooks often hold alternatives. Edit the result to taste.
- ``x-section`` and ``x-source`` (``file:line``) say where the item came from.

Headings become groups, mapped to a phase by their words (the nearest heading that
matches decides; bold-only lines such as ``**Testing plans**`` and ``<summary>`` texts
count as headings one level below the current one):

=========================================================  ================
words in the heading                                       phase
=========================================================  ================
rollback, roll back, backout, back out, revert             rollback (below)
pre-check(s), precheck, prerequisite(s), preparation,      assess
prepare, readiness, pre-upgrade, assessment, inventory
post, verify, verification, validation, validate,          monitor
monitor(ing), tracking, after the upgrade
test(s), testing, rehearsal, rehearse, dry run             test
communicate, communication(s), announce(ment),             communicate
notify, notification, training
requirement(s)                                             requirements
anything else                                              execute
=========================================================  ================

Rollback sections: their steps are imported as optional (``required: false``)
execute items tagged ``rollback`` with ``when: only when rolling back`` (so no
checkbox is lost), and the section's text (steps, prose and code) is also attached as
the ``rollback`` text of the last forward item before the section, or of the first one
after it when none came before.

Not imported, and reported in ``skipped``: table rows, front matter, bullets that
define terms (`` `name` - what it is``), code blocks that follow no step, checkboxes
inside code blocks, anything step-like inside an HTML comment, empty list items. An
unclosed code fence is ended at the next heading, checkbox or numbered step (reported);
an unclosed ``<!--`` hides only its own line (reported). Zero-width characters are
dropped; a missing final newline is fine.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from updeck.models.durations import format_duration
from updeck.models.phases import PHASE_IDS
from updeck.storage.yaml_nodes import MAX_BYTES

__all__ = ["ImportResult", "MarkdownImportError", "import_markdown"]

TITLE_LIMIT = 100
ID_LIMIT = 48


class MarkdownImportError(ValueError):
    """A bad ``template_id``, a runbook too big for one template, or (a bug) output that
    does not validate; the message says which."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The template as YAML text and as plain data, with counts and what was left out."""

    yaml_text: str
    template_dict: dict[str, Any]
    items_count: int
    checkbox_count: int
    skipped: list[str] = field(default_factory=list)


# --- line-level patterns -----------------------------------------------------------

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
_MENTION = re.compile(r"(?<![\w.@/])@([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_]+?)_(?![\w_])")
_INLINE_CODE = re.compile(r"`([^`]+)`")

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT_WORDS = (r"(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_WORDS = re.compile(_NUM + r"(?:\s*(?:-|–|to)\s*" + _NUM + r")?\s*" + _UNIT_WORDS + r"\b", re.I)
_DURATION_COMPACT = re.compile(r"(?<![\w.])((?:\d+(?:\.\d+)?[smhdw])+)(?![\w.])")
_DURATION_PAREN_AFTER = re.compile(_NUM + r"\s*\(\s*" + _UNIT_WORDS + r"\s*\)", re.I)
_DURATION_PAREN_BEFORE = re.compile(r"\(\s*" + _UNIT_WORDS + r"\s*\)\s*[:=|-]?\s*" + _NUM, re.I)

_PHASE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rollback", re.compile(r"\broll(?:ing|ed)?[- ]?backs?\b|\bback[- ]?out\b|\brevert", re.I)),
    ("assess", re.compile(r"\bpre[- ]?(?:checks?|requisites?|upgrade|flight)\b|\bprerequisites?\b|"
                          r"\bprepar(?:e|ation|ing)\b|\breadiness\b|\bassess(?:ment)?\b|\binventory\b",
                          re.I)),
    ("monitor", re.compile(r"\bpost\b|\bverif(?:y|ication)\b|\bvalidat(?:e|ion)\b|\bmonitor(?:ing)?\b|"
                           r"\btracking\b|\bafter the upgrade\b", re.I)),
    ("test", re.compile(r"\btests?\b|\btesting\b|\brehears(?:e|al)\b|\bdry[- ]run\b", re.I)),
    ("communicate", re.compile(r"\bcommunicat(?:e|ion|ions)\b|\bannounce(?:ment)?s?\b|"
                               r"\bnotif(?:y|ication)s?\b|\btraining\b", re.I)),
    ("requirements", re.compile(r"\brequirements?\b", re.I)),
)

_VERBS = frozenset("""
add adjust allow apply approve archive ask assign backup build bump call cancel capture change
check clean cleanup clear close collect commit configure confirm connect copy create cut decommission
define delete deploy destroy determine disable download drain drop edit email enable ensure
escalate execute export fail failover fetch fill find fix flush follow freeze gather get grant
identify increase inform initialize initiate install invite kick launch list load lock login
make mark merge migrate modify monitor mount move navigate notify obtain open page pause perform
ping prepare print promote provision publish pull push put reboot rebuild
record redirect reduce refresh register reindex reload remove rename repeat replace request
reset resize restart restore resume retire review revoke roll rotate run save scale
schedule send set setup share shut shutdown snapshot specify start stop submit suspend switch
sync tag take tell terminate test tidy trigger turn unlock unmount unpause update upgrade upload use
validate verify vacuum wait warm watch write
""".split())  # noqa: SIM905
_CHECK_WORDS = re.compile(r"^(?:check|verify|confirm|ensure|make sure|validate|test|assert|look|"
                          r"see|watch|monitor)\b", re.I)
_CHECK_COMMAND = re.compile(
    r"^(?:sudo\s+)?(?:"
    r"kubectl\s+(?:get|describe|version|top|logs|rollout\s+status|cluster-info)|"
    r"gcloud\b.*\b(?:list|describe|get-server-config)\b|"
    r"(?:gitlab-)?psql\b.*\b(?:select|\\d|show)\b|select\b|show\b|"
    r"systemctl\s+(?:status|is-active|is-enabled)|curl\b|wget\s+--spider|ping\b|dig\b|nslookup\b|"
    r"pg_isready\b|.*patronictl\s+list|.*\s--check\b|.*\s(?:status|health|version|--version)(?:\s|$)|grep\b|"
    r"test\s|\[\s|ls\b|cat\b|df\b|free\b|uptime\b|ss\b|netstat\b|openssl\s+s_client|"
    r"dpkg\s+-l|rpm\s+-q|helm\s+(?:list|status)|docker\s+ps|aws\b.*\bdescribe|terraform\s+plan"
    r")", re.I)


# --- blocks --------------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    kind: str  # heading, pseudo, item, para, code, table
    line: int  # 1-based
    text: str = ""
    level: int = 0
    indent: int = 0
    checkbox: bool = False
    lang: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Item:
    text: str
    line: int
    phase: str
    section: str
    section_key: int
    rollback_step: bool = False
    details: list[str] = field(default_factory=list)
    verify: str = ""
    rollback: list[str] = field(default_factory=list)
    checkbox: bool = False


def _clean_lines(text: str) -> list[str]:
    lines = text.splitlines()
    return [_ZERO_WIDTH.sub("", line).expandtabs(4).rstrip() for line in lines]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Parser:
    """Markdown lines -> blocks, collecting what it had to leave out."""

    def __init__(self, lines: list[str], source: str) -> None:
        self.lines = lines
        self.source = source
        self.skipped: list[str] = []
        self.blocks: list[_Block] = []
        # lines made only of backticks or tildes: the only ones that can close a fence
        self.closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
        for index, line in enumerate(lines):
            bare = line.strip()
            if len(bare) >= 3 and len(set(bare)) == 1 and bare[0] in self.closers:
                self.closers[bare[0]].append((index, len(bare)))

    def where(self, index: int) -> str:
        return f"{self.source}:{index + 1}"

    def parse(self) -> list[_Block]:
        lines = self.lines
        i = self._front_matter()
        n = len(lines)
        para: list[str] = []
        para_line = 0
        item: _Block | None = None  # the list item that continuation lines join
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
                    self.blocks.append(_Block("pseudo", i + 1, _inline_text(title)))
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
                self.blocks.append(_Block("heading", i + 1, _inline_text(heading.group(2)),
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
                self.blocks.append(_Block("heading", para_line, _inline_text(text),
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
                item = _Block("item", i + 1, (box.group(2) or "").strip() if box else body,
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
        self.blocks.append(_Block("code", i + 1, "\n".join(body).strip("\n"), lang=lang, lines=body))
        return next_index

    def _paragraph(self, para: list[str], line: int) -> None:
        text = " ".join(para)
        pseudo = _PSEUDO.match(text)
        if pseudo and len(pseudo.group(1)) <= 160:
            self.blocks.append(_Block("pseudo", line, _inline_text(pseudo.group(1)).rstrip(":")))
            return
        self.blocks.append(_Block("para", line, text, lines=list(para)))


# --- text helpers --------------------------------------------------------------------


def _inline_text(text: str) -> str:
    """Markdown inline markup removed from emphasis and links; code spans kept."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def _first_word(text: str) -> str:
    plain = _inline_text(text)
    plain = re.sub(r"^[`'\"(\[]+", "", plain)
    match = re.match(r"[A-Za-z][A-Za-z-]*", plain)
    return match.group(0).lower() if match else ""


def _is_imperative(text: str) -> bool:
    return _first_word(text) in _VERBS


def _title(text: str) -> tuple[str, bool]:
    """A one-line title and whether text was cut off."""
    plain = _inline_text(text)
    plain = _MENTION.sub(lambda m: m.group(0), plain)
    if len(plain) <= TITLE_LIMIT:
        return plain or "Step", False
    window = plain[: TITLE_LIMIT + 1]
    cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind(": "))
    if cut >= 30:
        return plain[: cut + 1].rstrip(":").strip(), True
    space = window.rfind(" ")
    return (plain[: space if space > 30 else TITLE_LIMIT].rstrip(" ,;:-") + "…"), True


def _slug(text: str) -> str:
    plain = _INLINE_CODE.sub(lambda m: m.group(1), _inline_text(text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if len(slug) > ID_LIMIT:
        slug = slug[:ID_LIMIT]
        if "-" in slug[20:]:
            slug = slug[: slug.rfind("-")]
        slug = slug.strip("-")
    return slug or "step"


def _estimate(text: str) -> str | None:
    """The first duration mentioned in prose, as a template duration (``40m``)."""
    best: tuple[int, int] | None = None  # (position, seconds)
    for pattern in (_DURATION_WORDS, _DURATION_PAREN_AFTER):
        for match in pattern.finditer(text):
            groups = [g for g in match.groups() if g]
            unit = groups[-1].lower()
            numbers = [float(g) for g in groups[:-1]]
            seconds = int(max(numbers) * _UNIT_SECONDS[unit[0]])
            if best is None or match.start() < best[0]:
                best = (match.start(), seconds)
            break
    before = _DURATION_PAREN_BEFORE.search(text)
    if before and (best is None or before.start() < best[0]):
        best = (before.start(), int(float(before.group(2)) * _UNIT_SECONDS[before.group(1)[0].lower()]))
    compact = _DURATION_COMPACT.search(text)
    if compact and (best is None or compact.start() < best[0]):
        total = 0.0
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)([smhdw])", compact.group(1)):
            total += float(number) * _UNIT_SECONDS[unit]
        best = (compact.start(), int(total))
    if best is None or best[1] <= 0:
        return None
    return format_duration(best[1])


def _phase_of(heading: str) -> str | None:
    for phase, pattern in _PHASE_RULES:
        if pattern.search(heading):
            return phase
    return None


def _looks_like_check(code: str) -> bool:
    commands = [c.strip() for c in code.splitlines()
                if c.strip() and not c.strip().startswith(("#", "--", "//"))]
    return bool(commands) and all(_CHECK_COMMAND.match(c) for c in commands)


# --- assembling items ----------------------------------------------------------------


class _Builder:
    def __init__(self, blocks: list[_Block], source: str, skipped: list[str]) -> None:
        self.blocks = blocks
        self.source = source
        self.skipped = skipped
        self.items: list[_Item] = []
        self.orphan_rollback: list[str] = []
        self.checkboxes = sum(1 for b in blocks if b.kind == "item" and b.checkbox)

    def build(self) -> list[_Item]:
        headings: list[tuple[int, str, str | None]] = []
        section_key = 0
        section_name = ""
        # which sections hold checkboxes
        has_box: dict[int, bool] = {}
        key = 0
        for block in self.blocks:
            if block.kind in ("heading", "pseudo"):
                key += 1
            elif block.kind == "item" and block.checkbox:
                has_box[key] = True
        current: _Item | None = None
        pending: list[str] = []
        pending_rollback: list[str] = []
        rollback_anchor: _Item | None = None
        list_base: int | None = None
        stack: list[tuple[int, _Item | None]] = []  # (indent, item) of the open list
        for block in self.blocks:
            if block.kind in ("heading", "pseudo"):
                level = block.level if block.kind == "heading" else 7
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, block.text, _phase_of(block.text)))
                section_key += 1
                section_name = block.text
                self._flush_rollback(pending_rollback, rollback_anchor)
                pending_rollback = []
                current = None
                pending = []
                list_base = None
                stack = []
                if self._phase(headings) == "rollback":
                    last_forward = [it for it in self.items if not it.rollback_step]
                    rollback_anchor = last_forward[-1] if last_forward else None
                continue
            phase = self._phase(headings)
            in_rollback = phase == "rollback"
            boxes = has_box.get(section_key, False)
            if block.kind == "item":
                if list_base is None:
                    list_base = block.indent
                while stack and stack[-1][0] >= block.indent:
                    stack.pop()
                parent = stack[-1][1] if stack else None
                top = block.indent <= list_base + 1 or not stack
                is_step = block.checkbox if boxes else top
                text = "\n".join([block.text, *block.lines]).strip()
                note = re.match(r"^\W*notes?\b", _inline_text(block.text), re.I) is not None
                definition = re.match(r"^`[^`]+`\s*[-–—:]\s", block.text) is not None
                if is_step and not block.checkbox and (note or definition):
                    is_step = False
                if is_step and not text:
                    self.skipped.append(f"{self.source}:{block.line}: an empty list item was not imported")
                    stack.append((block.indent, None))
                    continue
                if is_step:
                    item = self._new(text, block, phase, section_name, section_key, in_rollback,
                                     rollback_anchor)
                    item.details.extend(pending)
                    pending = []
                    current = item
                    stack.append((block.indent, item))
                    continue
                owner = parent or current
                depth = max(0, block.indent - (list_base or 0)) // 2
                marker = "- [ ] " if block.checkbox else "- "
                bullet = "  " * depth + marker + "\n  ".join(text.splitlines())
                if owner is not None:
                    owner.details.append(bullet)
                    if in_rollback and owner is rollback_anchor:
                        pending_rollback.append(bullet)
                elif definition:
                    self.skipped.append(f"{self.source}:{block.line}: \"{_inline_text(block.text)[:60]}\" "
                                        "reads like a definition, not a step; not imported")
                else:
                    if not note and block.text:
                        shown = _inline_text(block.text)[:60]
                        self.skipped.append(f"{self.source}:{block.line}: \"{shown}\" "
                                            "is a plain bullet in a section of checkboxes, before any of "
                                            "them; kept as details of the next step")
                    pending.append(bullet)
                stack.append((block.indent, None))
                continue
            if block.kind == "para":
                list_base = None
                stack = []
                if not boxes and _is_imperative(block.text) and len(block.text) <= 400:
                    current = self._new(block.text, block, phase, section_name, section_key, in_rollback,
                                        rollback_anchor)
                    current.details.extend(pending)
                    pending = []
                    continue
                if in_rollback and current is None:
                    pending_rollback.append(block.text)
                elif current is not None:
                    current.details.append(block.text)
                elif boxes:
                    pending.append(block.text)
                continue
            if block.kind == "code":
                fenced = f"```{block.lang}\n{block.text}\n```"
                if not block.text.strip():
                    continue
                if current is not None:
                    check = bool(_CHECK_WORDS.match(_inline_text(current.text))) or current.text.endswith("?")
                    if not current.verify and (check or _looks_like_check(block.text)):
                        current.verify = block.text
                    else:
                        current.details.append(fenced)
                elif in_rollback:
                    pending_rollback.append(fenced)
                else:
                    first = block.text.strip().splitlines()[0][:60]
                    self.skipped.append(f"{self.source}:{block.line}: a code block (\"{first}\") follows no "
                                        "step in its section; not imported")
                continue
            if block.kind == "table":  # pragma: no cover - tables are reported by the parser
                continue
        self._flush_rollback(pending_rollback, rollback_anchor)
        return self.items

    def _phase(self, headings: list[tuple[int, str, str | None]]) -> str:
        for _, _, phase in reversed(headings):
            if phase is not None:
                return phase
        return "execute"

    def _new(self, text: str, block: _Block, phase: str, section: str, key: int, in_rollback: bool,
             anchor: _Item | None) -> _Item:
        item = _Item(text=text, line=block.line, phase="execute" if in_rollback else phase, section=section,
                     section_key=key, rollback_step=in_rollback, checkbox=block.checkbox)
        self.items.append(item)
        if not in_rollback and self.orphan_rollback:
            # rollback text met before any forward step goes to the first one after it
            item.rollback.extend(self.orphan_rollback)
            self.orphan_rollback = []
        if in_rollback and anchor is not None:
            anchor.rollback.append(f"- {_inline_text(text.splitlines()[0])}")
        return item

    def _flush_rollback(self, pending: list[str], anchor: _Item | None) -> None:
        """Rollback prose and code go to the last forward item before their section."""
        if not pending:
            return
        if anchor is not None:
            anchor.rollback.extend(pending)
        else:
            self.orphan_rollback.extend(pending)


def _item_dicts(items: list[_Item], source: str) -> dict[str, list[dict[str, Any]]]:
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    previous_in_section: dict[int, str] = {}
    phases: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        paragraphs = re.split(r"\n\s*\n", it.text.strip())
        first = " ".join(paragraphs[0].split("\n"))
        title, cut = _title(first)
        base = _slug(title)
        number = next_number.get(base, 1)
        item_id = base if number == 1 else f"{base}-{number}"
        while item_id in taken:
            number += 1
            item_id = f"{base}-{number}"
        next_number[base] = number + 1
        taken.add(item_id)
        entry: dict[str, Any] = {"id": item_id, "title": title}
        details: list[str] = []
        if cut:
            details.append(first)
        details.extend(p for p in paragraphs[1:] if p.strip())
        details.extend(it.details)
        if details:
            entry["details"] = "\n\n".join(d for d in details if d.strip())
        kind = "task"
        plain = _inline_text(first)
        if _CHECK_WORDS.match(plain) or plain.rstrip().endswith("?"):
            kind = "check"
        elif it.phase == "communicate":
            kind = "comms"
        if kind != "task":
            entry["kind"] = kind
        mention = _MENTION.search(it.text)
        if mention:
            entry["owner"] = mention.group(1)
        if it.rollback_step:
            entry["required"] = False
        estimate = _estimate(_inline_text(it.text)) or _estimate(_inline_text(" ".join(it.details)))
        if estimate:
            entry["estimate"] = estimate
        prev = previous_in_section.get(it.section_key)
        if prev:
            entry["depends_on"] = [prev]
        previous_in_section[it.section_key] = item_id
        verify = it.verify
        if not verify and kind == "check":
            inline = re.search(r"`([^`]*\s[^`]*)`", first)
            if inline:
                verify = inline.group(1).strip()
        if verify:
            entry["verify"] = verify
        if it.rollback:
            entry["rollback"] = "\n".join(it.rollback)
        if it.rollback_step:
            entry["when"] = "only when rolling back"
            entry["tags"] = ["rollback"]
        if it.section:
            entry["x-section"] = it.section
        entry["x-source"] = f"{source}:{it.line}"
        phases.setdefault(it.phase, []).append(entry)
    return phases


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter when present


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """``yaml.safe_dump`` that writes multi-line text as literal blocks (``|``)."""


def _represent_str(dumper: Any, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    node: yaml.Node = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


_Dumper.add_representer(str, _represent_str)


def _template_id(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    return slug or "imported-runbook"


def import_markdown(text: str, *, source: str = "runbook.md", template_id: str | None = None) -> ImportResult:
    """A template from a Markdown runbook; see the module docstring for the rules.

    ``source`` names the runbook in messages and ``x-source`` keys; ``template_id``
    overrides the id derived from the first heading (or from ``source``). Raises
    :class:`MarkdownImportError` only if the generated YAML fails validation (a bug).
    """
    from updeck.storage.templates import TEMPLATE_ID, TemplateErrors, load_template_text

    if template_id is not None and (not TEMPLATE_ID.fullmatch(template_id) or len(template_id) > 64):
        raise MarkdownImportError(f"{template_id!r} is not a valid template id; use lowercase letters, "
                                  "digits and '-', at most 64 characters")
    lines = _clean_lines(text)
    parser = _Parser(lines, source)
    blocks = parser.parse()
    skipped = parser.skipped
    builder = _Builder(blocks, source, skipped)
    items = builder.build()
    first_heading = next((b.text for b in blocks if b.kind == "heading"), "")
    stem = re.sub(r"\.(md|markdown|txt)$", "", source.rsplit("/", 1)[-1], flags=re.I)
    name = first_heading or stem or "Imported runbook"
    tid = template_id or _template_id(first_heading or stem)
    phases = _item_dicts(items, source)
    data: dict[str, Any] = {
        "format": 1,
        "id": tid,
        "name": name,
        "version": "0.1.0",
        "description": f"Imported from {source}. Review owners, estimates and dependencies before use.",
        "x-imported-from": source,
        "phases": {phase: {"items": phases[phase]} for phase in PHASE_IDS if phase in phases},
    }
    if not phases:
        data["phases"] = {"execute": {"items": []}}
    yaml_text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000,
                          default_flow_style=False)
    size = len(yaml_text.encode("utf-8"))
    if size > MAX_BYTES:
        raise MarkdownImportError(f"{source}: the template would be {size // 1024} KiB with {len(items)} "
                                  "items, over the 1 MiB limit of template files; split the runbook")
    try:
        load_template_text(yaml_text, name=f"{source} (imported)", search_path=[])
    except TemplateErrors as exc:
        raise MarkdownImportError(f"the imported template does not validate:\n{exc}") from None
    return ImportResult(yaml_text, data, len(items), builder.checkboxes, skipped)
