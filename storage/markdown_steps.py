"""Turn runbook blocks into steps: which blocks are steps, their phase, details, verify and rollback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from updeck.storage.markdown_blocks import Block
from updeck.storage.markdown_rules import (
    CHECK_CONTEXT,
    SHELL_LANGS,
    is_go_no_go,
    is_point_of_no_return,
    shell_commands,
    verify_verdict,
)
from updeck.storage.markdown_words import (
    CHECK_WORDS,
    inline_text,
    is_imperative,
    looks_like_check,
    phase_of,
)


@dataclass(slots=True)
class Step:
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
    anchor: Step | None = None  # a rollback step: the forward step whose rollback it is
    approval: bool = False  # a go/no-go
    point_of_no_return: bool = False


class StepBuilder:
    def __init__(self, blocks: list[Block], source: str, skipped: list[str]) -> None:
        self.blocks = blocks
        self.source = source
        self.skipped = skipped
        self.items: list[Step] = []
        self.orphan_rollback: list[str] = []
        self.checkboxes = sum(1 for b in blocks if b.kind == "item" and b.checkbox)
        self.folded = 0  # rollback-section steps folded into the rollback of a forward step
        self.check_line = False  # the last line before a code block says check/verify/confirm

    def build(self) -> list[Step]:
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
        current: Step | None = None
        pending: list[str] = []
        pending_rollback: list[str] = []
        rollback_anchor: Step | None = None
        list_base: int | None = None
        stack: list[tuple[int, Step | None]] = []  # (indent, item) of the open list
        gate: tuple[Block, int, str] | None = None  # a go/no-go heading: its approval comes last
        ponr_heading = False  # the section's first step is the point of no return
        for block in self.blocks:
            if block.kind in ("heading", "pseudo"):
                self._close_gate(gate, section_name)
                gate = None
                level = block.level if block.kind == "heading" else 7
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, block.text, phase_of(block.text)))
                section_key += 1
                section_name = block.text
                self._flush_rollback(pending_rollback, rollback_anchor)
                pending_rollback = []
                current = None
                pending = []
                list_base = None
                stack = []
                self.check_line = False
                if is_go_no_go(block.text) and self._phase(headings) != "rollback":
                    gate = (block, section_key, self._phase(headings))
                ponr_heading = is_point_of_no_return(block.text)
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
                note = re.match(r"^\W*notes?\b", inline_text(block.text), re.I) is not None
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
                    if ponr_heading and not in_rollback:
                        item.point_of_no_return, ponr_heading = True, False
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
                    self.skipped.append(f"{self.source}:{block.line}: \"{inline_text(block.text)[:60]}\" "
                                        "reads like a definition, not a step; not imported")
                else:
                    if not note and block.text:
                        shown = inline_text(block.text)[:60]
                        self.skipped.append(f"{self.source}:{block.line}: \"{shown}\" "
                                            "is a plain bullet in a section of checkboxes, before any of "
                                            "them; kept as details of the next step")
                    pending.append(bullet)
                stack.append((block.indent, None))
                continue
            if block.kind == "para":
                list_base = None
                stack = []
                self.check_line = CHECK_CONTEXT.search(block.text) is not None
                if not boxes and len(block.text) <= 400 and (
                        is_imperative(block.text) or (is_go_no_go(block.text) and not in_rollback)):
                    current = self._new(block.text, block, phase, section_name, section_key, in_rollback,
                                        rollback_anchor)
                    current.details.extend(pending)
                    pending = []
                    if ponr_heading and not in_rollback:
                        current.point_of_no_return, ponr_heading = True, False
                    continue
                if in_rollback and current is None:
                    pending_rollback.append(block.text)
                elif current is not None:
                    current.details.append(block.text)
                    if not in_rollback and is_point_of_no_return(block.text):
                        current.point_of_no_return = True
                elif boxes:
                    pending.append(block.text)
                continue
            if block.kind == "code":
                fenced = f"```{block.lang}\n{block.text}\n```"
                if not block.text.strip():
                    continue
                if current is not None:
                    self._code(current, block, fenced, headings)
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
        self._close_gate(gate, section_name)
        return self._fold_rollback_steps()

    def _code(self, current: Step, block: Block, fenced: str,
              headings: list[tuple[int, str, str | None]]) -> None:
        """A code block after a step: its verify when it is a shell check, else details."""
        check_line, self.check_line = self.check_line, False
        step_text = inline_text(current.text)
        step_check = bool(CHECK_WORDS.match(step_text)) or current.text.endswith("?")
        context = (step_check or check_line or CHECK_CONTEXT.search(step_text) is not None
                   or any(CHECK_CONTEXT.search(text) for _, text, _ in headings))
        commands = shell_commands(block.lang, block.text)
        why = verify_verdict(block.lang, commands, check_context=context,
                             reads_like_check=looks_like_check(commands))
        if why is None and not current.verify:
            current.verify = commands
            return
        current.details.append(fenced)
        if why is not None and (context or block.lang.lower() in SHELL_LANGS) and not current.rollback_step:
            self.skipped.append(f"{self.source}:{block.line}: the code block after \"{step_text[:60]}\" "
                                f"was kept in its details, not made a verify: {why}")

    def _close_gate(self, gate: tuple[Block, int, str] | None, section: str) -> None:
        """A go/no-go heading's approval, after the criteria listed under it."""
        if gate is None:
            return
        block, key, phase = gate
        item = Step(text=block.text, line=block.line, phase=phase, section=section, section_key=key,
                    approval=True)
        self.items.append(item)

    def _fold_rollback_steps(self) -> list[Step]:
        """Steps of rollback sections become the rollback text of the step they follow (or,
        before any forward step, of the first one after them); a runbook with no forward
        step keeps them as steps."""
        forward = [it for it in self.items if not it.rollback_step]
        if not forward:
            return self.items
        for index, step in enumerate(self.items):
            if not step.rollback_step:
                continue
            target = step.anchor or next((it for it in self.items[index:] if not it.rollback_step), None)
            if target is None:  # pragma: no cover - forward is not empty
                continue
            lines = [f"- {inline_text(step.text.splitlines()[0])}",
                     *("  " + line for detail in step.details for line in detail.splitlines())]
            block = "\n".join(line.rstrip() for line in lines)
            marker = _marker(step)
            if marker in target.rollback:
                target.rollback[target.rollback.index(marker)] = block
            else:
                target.rollback.append(block)
            self.folded += 1 if step.checkbox else 0
        for step in forward:
            step.rollback = [r for r in step.rollback if not r.startswith(_MARKER)]
        return forward

    def _phase(self, headings: list[tuple[int, str, str | None]]) -> str:
        for _, _, phase in reversed(headings):
            if phase is not None:
                return phase
        return "execute"

    def _new(self, text: str, block: Block, phase: str, section: str, key: int, in_rollback: bool,
             anchor: Step | None) -> Step:
        item = Step(text=text, line=block.line, phase="execute" if in_rollback else phase, section=section,
                     section_key=key, rollback_step=in_rollback, checkbox=block.checkbox)
        self.items.append(item)
        if not in_rollback and self.orphan_rollback:
            # rollback text met before any forward step goes to the first one after it
            item.rollback.extend(self.orphan_rollback)
            self.orphan_rollback = []
        if in_rollback and anchor is not None:
            item.anchor = anchor
            anchor.rollback.append(_marker(item))  # replaced by the step and its details
        if not in_rollback and (is_point_of_no_return(text)):
            item.point_of_no_return = True
        if not in_rollback and is_go_no_go(inline_text(text.splitlines()[0])):
            item.approval = True
        return item

    def _flush_rollback(self, pending: list[str], anchor: Step | None) -> None:
        """Rollback prose and code go to the last forward item before their section."""
        if not pending:
            return
        if anchor is not None:
            anchor.rollback.extend(pending)
        else:
            self.orphan_rollback.extend(pending)


_MARKER = "\0rollback-step:"


def _marker(step: Step) -> str:
    return f"{_MARKER}{id(step)}"
