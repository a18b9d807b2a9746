"""The demo project: the shipped CRM sample with weeks of history already in its log.

``updeck demo`` works on a fresh install with no set-up: :func:`ensure_demo` makes the
project in the demo data folder (never among real projects unless ``--db`` says so),
through the engine like any operator would, so every rule holds and the log's hash chain
is intact. The story, told by several operators:

- the cutover window is planned to start about an hour and a half from now;
- assess, requirements and plan are done, a few items skipped with reasons, approvals
  given by two operators, costs recorded, a note or two, verifications recorded;
- the test phase is partly done: one verification failed and passed on a re-run, one
  item is in progress and running late; the first communication went out;
- what is still open is what a team would be looking at right now.

Nothing here runs any command: verifications in the demo are recorded as history.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from updeck.models.commands import (
    AddNote,
    Command,
    CreateProject,
    DecideApproval,
    ItemAction,
    MoveItem,
    PlanWindow,
    RecordCost,
    RecordVerification,
    Refusal,
)
from updeck.models.engine import submit as engine_submit
from updeck.models.events import Event, Operator, utc_now
from updeck.models.project import Project, Window, instantiate
from updeck.models.state import ProjectState
from updeck.models.template import ItemSpec, Template
from updeck.storage import witness
from updeck.storage.errors import DamagedProject, ProjectExists, ProjectNotFound, StorageError
from updeck.storage.locations import SHIPPED_TEMPLATES
from updeck.storage.repository import Repository

DEMO_TEMPLATE = "crm-upgrade"
DEMO_ID = "crm-demo"
DEMO_NAME = "CRM upgrade (demo)"
DEMO_HOST = "jump-01"
OPERATORS: tuple[str, ...] = ("maria", "chen", "olu", "priya", "sam")
SKIP_REASONS: tuple[str, ...] = (
    "covered by the vendor's own assessment last quarter",
    "not applicable: no on-premise integrations left",
    "merged into the data-migration rehearsal",
    "done as part of the previous minor upgrade",
)
LEAD_IN = timedelta(minutes=90)  # the window starts this long after the demo is made

Factory = Callable[[datetime], Command]


def ensure_demo(repo: Repository, *, reset: bool = False, now: datetime | None = None,
                template: Template | None = None, sha256: str = "") -> str:
    """The id of the demo project in ``repo``, made (with its history) if missing.

    ``reset`` throws the existing demo project away first. ``template`` replaces the
    shipped CRM sample (tests use a small one). Raises :class:`StorageError` when the
    sample cannot be loaded.
    """
    if reset:
        remove_demo(repo)
    elif DEMO_ID in repo.project_ids():
        try:
            repo.load(DEMO_ID)
        except DamagedProject:
            remove_demo(repo)  # the demo is ours to repair: make it again
        else:
            return DEMO_ID
    if template is None:
        template, sha256 = _sample()
    now = now or utc_now()
    with contextlib.suppress(ProjectExists):  # another `updeck demo` made it just now
        build_demo(repo, template, now, sha256=sha256)
    return DEMO_ID


def remove_demo(repo: Repository) -> None:
    """Delete the demo project (only that one) from ``repo``'s folder."""
    repo.forget(DEMO_ID)
    try:
        folder = repo.project_dir(DEMO_ID)
    except ProjectNotFound:  # pragma: no cover - DEMO_ID is a valid id
        return
    shutil.rmtree(folder, ignore_errors=True)
    witness.forget(folder)  # thrown away on purpose: the new demo is not a rewrite
    repo.forget(DEMO_ID)


def _sample() -> tuple[Template, str]:
    from updeck.storage.templates import TemplateErrors, TemplateNotFound, find_template

    try:
        loaded = find_template(DEMO_TEMPLATE, search_path=[SHIPPED_TEMPLATES])
    except (TemplateNotFound, TemplateErrors) as exc:
        raise StorageError(f"the demo's sample template {DEMO_TEMPLATE} cannot be loaded from "
                           f"{SHIPPED_TEMPLATES}: {exc}") from None
    return loaded.template, loaded.sha256


def _who(index: int) -> Operator:
    return Operator(OPERATORS[index % len(OPERATORS)], DEMO_HOST)


def _spread(start: datetime, end: datetime, factories: Sequence[Factory]) -> list[tuple[datetime, Factory]]:
    """Give each step a moment, evenly between ``start`` and ``end``."""
    if not factories:
        return []
    step = (end - start) / max(1, len(factories))
    return [(start + step * i, f) for i, f in enumerate(factories)]


def build_demo(repo: Repository, template: Template, now: datetime, *, sha256: str = "") -> ProjectState:
    """Create the demo project and write its history through the engine."""
    t = (now + LEAD_IN).replace(second=0, microsecond=0)
    t -= timedelta(minutes=t.minute % 5)
    values = {v.name: v.default if v.default is not None else f"demo-{v.name}"
              for v in template.variables}
    for name in template.variable_names():
        values.setdefault(name, f"demo-{name}")
    project = instantiate(template, DEMO_NAME, values, None, project_id=DEMO_ID,
                          sources_sha256=sha256)
    created_at = t - timedelta(days=36)
    # The story runs through the engine in memory, then is written once (import_log):
    # one disk write instead of one locked write per command, so `updeck demo` opens fast.
    book = _Book()
    state = book.create(project, _who(0), created_at)
    window = Window(t, t + timedelta(seconds=template.window_duration or 4 * 3600))
    story = _Story(book, state, window, now)  # type: ignore[arg-type]
    story.run()
    return repo.import_log(book.events)


class _Book:
    """The demo's history made in memory by the engine (the parts of Repository the story
    uses), written to disk in one piece afterwards."""

    def __init__(self) -> None:
        self.state: ProjectState | None = None
        self.events: list[Event] = []

    def create(self, project: Project, by: Operator, at: datetime) -> ProjectState:
        self.submit(DEMO_ID, CreateProject(project=project, by=by, at=at))
        assert self.state is not None
        return self.state

    def submit(self, project_id: str, command: Command) -> Any:
        state, result = engine_submit(self.state, command)
        if not isinstance(result, Refusal):
            self.state = state
            self.events.extend(result)
        return result

    def load(self, project_id: str) -> ProjectState:
        assert self.state is not None
        return self.state


class _Story:
    def __init__(self, repo: Repository, state: ProjectState, window: Window, now: datetime) -> None:
        self.repo = repo
        self.state = state
        self.window = window
        self.t = window.start or now
        self.now = now
        self.skips = 0
        self.specs = state.specs
        self.phase_items: dict[str, list[ItemSpec]] = {
            p.id: _dependency_order(p.items) for p in state.project.template.phases
        }
        self.depended_on = {d for spec in self.specs.values() for d in spec.depends_on}

    def submit(self, command: Command) -> bool:
        result = self.repo.submit(DEMO_ID, command)
        return not isinstance(result, Refusal)

    def play(self, start: datetime, end: datetime, factories: Sequence[Factory]) -> None:
        for at, factory in _spread(start, min(end, self.now), factories):
            self.submit(factory(at))

    def run(self) -> None:
        t = self.t
        self.play(t - timedelta(days=36, hours=-1), t - timedelta(days=35, hours=20), [
            lambda at: PlanWindow(window=self.window, by=_who(0), at=at),
        ])
        windows = {
            "assess": (t - timedelta(days=35), t - timedelta(days=29)),
            "requirements": (t - timedelta(days=28), t - timedelta(days=23)),
            "plan": (t - timedelta(days=22), t - timedelta(days=16)),
        }
        for number, (phase, (start, end)) in enumerate(windows.items()):
            self.play(start, end, self.finish_phase(phase, number))
            if phase == "assess":
                self.play(end, end + timedelta(hours=2), [
                    lambda at: AddNote(text="Inventory shared with the vendor; licence count "
                                            "confirmed at 420 seats", by=_who(1), at=at),
                ])
        self.test_phase()
        self.communicate()

    # --- the finished phases --------------------------------------------------------

    def finish_phase(self, phase: str, number: int) -> list[Factory]:
        steps: list[Factory] = []
        owner = number + 1
        for index, spec in enumerate(self.phase_items.get(phase, [])):
            if spec.is_approval:
                steps.extend(self.approve(spec, go=True))
                continue
            if self.should_skip(spec, index):
                reason = SKIP_REASONS[self.skips % len(SKIP_REASONS)]
                self.skips += 1
                steps.append(self.move(spec.id, ItemAction.SKIP, owner, reason))
                continue
            if phase != "requirements":
                steps.append(self.move(spec.id, ItemAction.START, owner))
            steps.extend(self.checks(spec, owner, fail_first=False))
            steps.append(self.move(spec.id, ItemAction.DONE, owner))
            if spec.cost is not None:
                steps.append(self.cost(spec, owner + 2, 1.08 if index % 2 else 0.95))
        return steps

    def should_skip(self, spec: ItemSpec, index: int) -> bool:
        if not spec.required:
            return True
        return index % 5 == 3 and spec.id not in self.depended_on and spec.phase != "requirements"

    def move(self, item: str, action: ItemAction, who: int, reason: str = "") -> Factory:
        return lambda at: MoveItem(item=item, action=action, reason=reason, by=_who(who), at=at)

    def approve(self, spec: ItemSpec, *, go: bool) -> list[Factory]:
        steps: list[Factory] = []
        for number, approver in enumerate(spec.approvers):
            note = "numbers look good" if number == 0 else ""
            steps.append(self.decision(spec.id, approver, go, note, 3 + number))  # different people
        return steps

    def decision(self, item: str, approver: str, go: bool, note: str, who: int) -> Factory:
        return lambda at: DecideApproval(item=item, go=go, approver=approver, note=note,
                                         by=_who(who), at=at)

    def checks(self, spec: ItemSpec, who: int, *, fail_first: bool) -> list[Factory]:
        if not spec.verify:
            return []
        steps: list[Factory] = []
        if fail_first:
            steps.append(self.verification(spec, who, 1, "checked 48 objects\n2 checks FAILED: "
                                                         "custom field mapping, export job\n", 41.3))
        steps.append(self.verification(spec, who, 0, "checked 48 objects\nall checks passed\n", 38.9))
        return steps

    def verification(self, spec: ItemSpec, who: int, code: int, output: str, seconds: float) -> Factory:
        return lambda at: RecordVerification(item=spec.id, command=spec.verify, exit_code=code,
                                             output_tail=output, duration=seconds, host=DEMO_HOST,
                                             by=_who(who), at=at)

    def cost(self, spec: ItemSpec, who: int, factor: float) -> Factory:
        amount = round((spec.cost or 0.0) * factor, 2)
        return lambda at: RecordCost(item=spec.id, amount=amount, note="invoice received",
                                     by=_who(who), at=at)

    # --- the phase in progress ----------------------------------------------------------

    def test_phase(self) -> None:
        """Most tests done (one verification failed, then passed on a re-run), the sign-off
        given by two people, one test running late, and what depends on it still to do."""
        items = self.phase_items.get("test", [])
        tasks = [s for s in items if not s.is_approval]
        approvals = [s for s in items if s.is_approval]
        ids = {s.id for s in items}
        needed = _closure([a.id for a in approvals], lambda i: [d for d in self.specs[i].depends_on
                                                               if d in ids])
        spare = [s for s in tasks if s.id not in needed] or tasks
        late = next((s for s in reversed(spare) if s.estimate), spare[-1] if spare else None)
        held = {late.id} if late else set()
        dependents: dict[str, list[str]] = {}
        for spec in items:
            for dep in spec.depends_on:
                dependents.setdefault(dep, []).append(spec.id)
        held = _closure(list(held), lambda i: dependents.get(i, []))
        done = [s for s in tasks if s.id not in held]
        steps: list[Factory] = []
        failed_once = False
        for spec in done:
            steps.append(self.move(spec.id, ItemAction.START, 2))
            steps.extend(self.checks(spec, 2, fail_first=not failed_once))
            failed_once = failed_once or bool(spec.verify)
            steps.append(self.move(spec.id, ItemAction.DONE, 2))
            if spec.cost is not None:
                steps.append(self.cost(spec, 4, 1.12))
        if len(done) > 1:
            steps.insert(len(steps) // 2, lambda at: AddNote(
                text="Staging refresh took longer than planned; rehearsal moved by a day",
                by=_who(2), at=at))
        for spec in approvals:
            if spec.id not in held:
                steps.extend(self.approve(spec, go=True))
        t = self.t
        self.play(t - timedelta(days=14), self.now - timedelta(hours=20), steps)
        if late is not None:
            self.start_late_item(late)

    def start_late_item(self, spec: ItemSpec) -> None:
        running_for = timedelta(seconds=2 * (spec.estimate or 3600) + 900)
        started = self.now - min(running_for, timedelta(hours=18))
        if not self.submit(MoveItem(item=spec.id, action=ItemAction.START, by=_who(1), at=started)):
            return
        self.submit(AddNote(text=f"{spec.id} is slower than the estimate; vendor support "
                                 "ticket opened", item=spec.id, by=_who(1),
                            at=max(started, self.now - timedelta(minutes=20))))

    def communicate(self) -> None:
        # The first announcement went out; the rest is still to do (and may be late).
        items = self.phase_items.get("communicate", [])
        state = self.repo.load(DEMO_ID)
        first = next((s for s in items if state.is_ready(s.id) and not s.is_approval), None)
        if first is None:
            return
        at = max(self.now - timedelta(minutes=15), state.updated_at or self.now)
        self.submit(MoveItem(item=first.id, action=ItemAction.DONE,
                             reason="sent to all users and the support desk", by=_who(4), at=at))


def _closure(start: Sequence[str], step: Callable[[str], Sequence[str]]) -> set[str]:
    """``start`` and everything reachable from it through ``step``."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(step(current))
    return seen


def _dependency_order(items: Sequence[ItemSpec]) -> list[ItemSpec]:
    """Items of one phase with in-phase dependencies first, template order otherwise."""
    ids = {s.id for s in items}
    placed: set[str] = set()
    out: list[ItemSpec] = []
    pending = list(items)
    while pending:
        progressed = False
        for spec in list(pending):
            if all(d in placed or d not in ids for d in spec.depends_on):
                out.append(spec)
                placed.add(spec.id)
                pending.remove(spec)
                progressed = True
        if not progressed:  # a cycle (the loader refuses them): keep template order
            out.extend(pending)
            break
    return out
