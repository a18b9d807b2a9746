"""Turn a Markdown runbook into a template (format 1): parse, find the steps, write the YAML.

``import_markdown(text, source="runbook.md", template_id=None) -> ImportResult``

Runbooks in the wild are messy, so the importer reads them line by line and never
gives up: every construct it does not turn into an item but that *looks like* a step
is listed in ``ImportResult.skipped`` with the reason. The YAML it writes is checked
with :func:`updeck.storage.templates.load_template_text` before it is returned.
The work is in three steps: :mod:`updeck.storage.markdown_blocks` (lines -> blocks),
:mod:`updeck.storage.markdown_steps` (blocks -> steps) and this module (steps -> the template's
items and YAML); :mod:`updeck.storage.markdown_words` holds how the prose is read.

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
- ``verify`` (rules in :mod:`updeck.storage.markdown_rules`): the first fenced code block
  after the step that is shell (``sh``, ``bash``, ``shell``, ``console`` -- its ``$``
  lines --), or has no language and sits under a heading, step or line that says
  check/verify/confirm; the step or every command must read like a check; nothing
  destructive (``rm -rf``, ``| sh``, ``| bash``, ``mkfs``, ``dd of=``, ``DROP``) and no SQL.
  An inline command of a check step follows the same rules. Other code goes into
  ``details`` as a fenced block; a check whose code was refused is listed in ``skipped``.
- ``owner``: ``(owner: NAME)`` (taken out of the title), ``@name`` (not an e-mail
  address) or ``Owner: NAME``, whichever comes first.
- ``estimate``: the first duration in the title, else in the step's details:
  ``~30 minutes``, ``2 hours``, ``45s``, ``up to 40 minutes``, ``5 (mins)``,
  ``(mins): 5``; a range such as ``30-60 seconds`` takes its upper bound. A duration
  after "after", "every", "older than", "retention"... says when, not how long: skipped.
- ``kind``: ``approval`` for a go/no-go line (approvers: its owner, else
  ``change-manager``, listed in ``skipped`` to be named), ``check`` for checks and
  questions, ``comms`` in the communicate phase, else ``task``. A heading with go/no-go
  adds an approval after the steps under it (its criteria).
- ``point_of_no_return``: the step's text or the prose after it says "point of no
  return" (or a heading does: its first step).
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

Rollback sections: the section's text (steps with their details, prose and code) is
the ``rollback`` text of the last forward item before the section, or of the first one
after it when none came before; its steps are not forward items
(``ImportResult.folded_into_rollback`` counts their checkboxes). A runbook with no
forward step at all keeps them as optional (``required: false``) execute items tagged
``rollback`` with ``when: only when rolling back``. A runbook over 1 MiB is refused.

Not imported, and reported in ``skipped``: table rows, front matter, bullets that
define terms (`` `name` - what it is``), code blocks that follow no step, checkboxes
inside code blocks, anything step-like inside an HTML comment, empty list items. An
unclosed code fence is ended at the next heading, checkbox or numbered step (reported);
an unclosed ``<!--`` hides only its own line (reported). Zero-width characters are
dropped; a missing final newline is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from updeck.models.phases import PHASE_IDS
from updeck.storage.markdown_blocks import BlockParser, clean_lines
from updeck.storage.markdown_rules import (
    MAX_RUNBOOK_BYTES,
    OWNER_IN_TITLE,
    inline_verdict,
    owner_of,
)
from updeck.storage.markdown_steps import Step, StepBuilder
from updeck.storage.markdown_words import (
    CHECK_WORDS,
    find_estimate,
    inline_text,
    make_slug,
    make_title,
)
from updeck.storage.yaml_nodes import MAX_BYTES

__all__ = ["MAX_RUNBOOK_BYTES", "ImportResult", "MarkdownImportError", "import_markdown"]

GUESSED_APPROVER = "change-manager"


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
    folded_into_rollback: int = 0  # checkboxes of rollback sections, now rollback text


def _item_dicts(items: list[Step], source: str, guessed: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The template's items by phase; what had to be guessed is added to ``guessed``."""
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    previous_in_section: dict[int, str] = {}
    phases: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        paragraphs = re.split(r"\n\s*\n", it.text.strip())
        first = " ".join(paragraphs[0].split("\n"))
        title, cut = make_title(OWNER_IN_TITLE.sub("", first) or first)
        base = make_slug(title)
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
        plain = inline_text(first)
        if it.approval:
            kind = "approval"
        elif CHECK_WORDS.match(plain) or plain.rstrip().endswith("?"):
            kind = "check"
        elif it.phase == "communicate":
            kind = "comms"
        if kind != "task":
            entry["kind"] = kind
        owner = owner_of(it.text)
        if owner:
            entry["owner"] = owner
        if it.approval:
            entry["approvers"] = [owner or GUESSED_APPROVER]
            if not owner:
                guessed.append(f"{source}:{it.line}: \"{title[:60]}\" is a go/no-go: imported as an "
                               f"approval by {GUESSED_APPROVER}; name the real approvers")
        if it.point_of_no_return:
            entry["point_of_no_return"] = True
        if it.rollback_step:
            entry["required"] = False
        estimate = find_estimate(inline_text(it.text)) or find_estimate(inline_text(" ".join(it.details)))
        if estimate:
            entry["estimate"] = estimate
        prev = previous_in_section.get(it.section_key)
        if prev:
            entry["depends_on"] = [prev]
        previous_in_section[it.section_key] = item_id
        verify = "" if it.approval else it.verify
        if not verify and kind == "check":
            inline = re.search(r"`([^`]*\s[^`]*)`", first)
            why = inline_verdict(inline.group(1)) if inline else None
            if inline and why is None:
                verify = inline.group(1).strip()
            elif inline:
                guessed.append(f"{source}:{it.line}: the command in \"{title[:60]}\" was not made a "
                               f"verify: {why}")
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


class _Dumper(_BaseDumper):  # type: ignore[misc]  # base chosen at run time (libyaml or not)
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
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_RUNBOOK_BYTES:
        raise MarkdownImportError(f"{source}: the runbook is {size // 1024} KiB, over the 1 MiB an import "
                                  "reads; split it")
    lines = clean_lines(text)
    parser = BlockParser(lines, source)
    blocks = parser.parse()
    skipped = parser.skipped
    builder = StepBuilder(blocks, source, skipped)
    items = builder.build()
    first_heading = next((b.text for b in blocks if b.kind == "heading"), "")
    stem = re.sub(r"\.(md|markdown|txt)$", "", source.rsplit("/", 1)[-1], flags=re.I)
    name = first_heading or stem or "Imported runbook"
    tid = template_id or _template_id(first_heading or stem)
    phases = _item_dicts(items, source, skipped)
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
    return ImportResult(yaml_text, data, len(items), builder.checkboxes, skipped, builder.folded)
