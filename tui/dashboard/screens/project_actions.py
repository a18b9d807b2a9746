"""The project screen's commands: each key checks the selected item, opens its dialog and
submits what the dialog answers (move, approve, note, verify, metric, cost, window).

Every change goes through the engine via the app's write worker; the screen shows it
when it is on disk.
"""

from __future__ import annotations

import socket

from updeck.models.commands import AddNote, DecideApproval, ItemAction, MoveItem, RecordCost, RecordMetric
from updeck.models.rollups import metric_not_met
from updeck.tui.dashboard.screens.base import ProjectShowingScreen
from updeck.tui.dashboard.widgets.checklist import Checklist

REASON_ACTIONS = {"fail", "skip", "block", "reopen"}
VERB = {"start": "Start", "done": "Done", "fail": "Fail", "skip": "Skip", "block": "Block",
        "unblock": "Unblock", "reopen": "Reopen"}


class ProjectActions(ProjectShowingScreen):
    """The actions of :class:`~updeck.tui.dashboard.screens.project.ProjectScreen`."""

    @property
    def current_item(self) -> str | None:
        return self.query_one("#checklist", Checklist).current

    def _item_or_say(self) -> str | None:
        item = self.current_item
        if item is None:
            self.notify("no item selected", severity="warning")
        return item

    def action_move(self, action: str) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        state = self.live.state
        off_target = (metric_not_met(state.specs[item], state.items[item])
                      if action == "done" and state.specs[item].kind == "metric" else None)
        if action in REASON_ACTIONS or off_target:
            from updeck.tui.dashboard.screens.reason import ReasonDialog

            title = f"{VERB[action]} {item}: {state.specs[item].title}"
            if off_target:  # the rules want a reason to close a metric that is not on target
                title = f"{VERB[action]} {item} anyway? {off_target.split(';')[0].split(': ', 1)[-1]}"
            self.ask(ReasonDialog(title), lambda reason: self._move(item, action, reason)
                     if reason else None)
            return
        self.submit(self._move(item, action, ""))  # a point of no return is confirmed first

    def _move(self, item: str, action: str, reason: str) -> MoveItem:
        return MoveItem(item=item, action=ItemAction(action), reason=reason, **self.stamp())

    def action_approve(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        spec = self.live.state.specs[item]
        if not spec.is_approval:
            self.notify(f"{item} is not an approval item (kind: {spec.kind}); "
                        "go to a go/no-go item", severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.approve import ApproveDialog

        self.ask(ApproveDialog(self.live.state, item, self.operator),
                 lambda result: DecideApproval(item=item, go=result.go, approver=result.approver,
                                               note=result.note, change=result.change,
                                               **self.stamp()))

    def action_note(self) -> None:
        from updeck.tui.dashboard.screens.note import NoteDialog

        self.ask(NoteDialog(self.current_item),
                 lambda result: AddNote(text=result.text, item=result.item, **self.stamp()))

    def action_lesson(self) -> None:
        from updeck.tui.dashboard.screens.note import NoteDialog

        self.ask(NoteDialog(self.current_item, lesson=True),
                 lambda result: AddNote(text=result.text, item=result.item, lesson=True,
                                        **self.stamp()))

    def action_verify(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        command = self.live.state.specs[item].verify.strip()
        if not command:
            self.notify(f"{item} has no verify command", severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.verify import VerifyDialog

        app = self.dashboard

        def done(yes: bool | None) -> None:
            if yes:
                app.run_verification(self.project_id, item, command)
            else:
                self.poll_soon()

        app.push_screen(VerifyDialog(item, command, app.operator.host or socket.gethostname(),
                                     app.operator.user, app.verify_timeout),
                        done)

    def action_record_metric(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        state = self.live.state
        spec = state.specs[item]
        if spec.kind != "metric":
            metrics = [s.id for s in state.specs.values() if s.kind == "metric"]
            where = (f"metric items: {', '.join(metrics[:4])}"
                     + (" …" if len(metrics) > 4 else "") + " (phase 7)") if metrics \
                else "this project has no metric items"
            self.notify(f"{item} is not a metric item (kind: {spec.kind}); {where}",
                        severity="warning", markup=False)
            return
        from updeck.tui.dashboard.screens.metric_dialog import MetricDialog

        self.ask(MetricDialog(state, item),
                 lambda result: RecordMetric(item=item, value=result.value, note=result.note,
                                             **self.stamp()))

    def action_record_cost(self) -> None:
        item = self._item_or_say()
        if item is None or self.live is None:
            return
        from updeck.tui.dashboard.screens.cost_dialog import CostDialog

        self.ask(CostDialog(self.live.state, item),
                 lambda result: RecordCost(item=item, amount=result.amount, note=result.note,
                                           **self.stamp()))

    def action_plan_window(self) -> None:
        if self.live is not None:
            from updeck.tui.dashboard.screens.window_dialog import ask_plan_window

            ask_plan_window(self, self.live.state)
