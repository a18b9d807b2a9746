"""The key catalogue: every binding with an id (remappable with ``App.set_keymap``), and
the words the help screen uses. Keys are a contract (see the issue): change with care."""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Keys and marks"),
    Binding("ctrl+c", "quit_app", "Quit", show=False, priority=True, id="app.quit-now"),
]

HOME_BINDINGS: list[BindingType] = [
    Binding("enter", "open_project", "Open", id="home.open"),
    Binding("n", "new_project", "New project", id="home.new"),
    Binding("j,down", "cursor_down", "Down", show=False, id="home.down"),
    Binding("k,up", "cursor_up", "Up", show=False, id="home.up"),
    Binding("R", "reload", "Reload", show=False, id="home.reload"),
    Binding("q", "quit_app", "Quit", id="home.quit"),
]

PROJECT_BINDINGS: list[BindingType] = [
    *[Binding(str(n), f"phase({n})", f"Phase {n}", show=False, id=f"project.phase{n}")
      for n in range(1, 8)],
    Binding("enter", "detail", "Detail", show=False, id="project.detail"),
    Binding("s", "move('start')", "Start", id="project.start"),
    Binding("d", "move('done')", "Done", id="project.done"),
    Binding("f", "move('fail')", "Fail", show=False, id="project.fail"),
    Binding("x", "move('skip')", "Skip", show=False, id="project.skip"),
    Binding("b", "move('block')", "Block", show=False, id="project.block"),
    Binding("u", "move('unblock')", "Unblock", show=False, id="project.unblock"),
    Binding("r", "move('reopen')", "Reopen", show=False, id="project.reopen"),
    Binding("a", "approve", "Approve", id="project.approve"),
    Binding("n", "note", "Note", id="project.note"),
    Binding("v", "verify", "Verify", show=False, id="project.verify"),
    Binding("m", "record_metric", "Reading", id="project.metric"),
    Binding("dollar_sign", "record_cost", "Cost", show=False, id="project.cost"),
    Binding("W", "plan_window", "Plan window", show=False, id="project.plan-window"),
    Binding("slash", "filter", "Filter", id="project.filter"),
    Binding("M", "mine", "Mine", show=False, id="project.mine"),
    Binding("l", "focus_log", "Log", show=False, id="project.log"),
    Binding("p", "toggle_panel", "Panel", id="project.panel"),
    Binding("z", "zoom", "Zoom", id="project.zoom"),
    Binding("c", "cutover", "Cutover", id="project.cutover"),
    Binding("t", "timeline", "Timeline", show=False, id="project.timeline"),
    Binding("L", "lesson", "Lesson", show=False, id="project.lesson"),
    Binding("tab", "focus_next", "Next pane", show=False),
    Binding("escape", "back", "Back", show=False, id="project.back"),
    Binding("q", "leave", "Back", show=False, id="project.quit"),
]

CUTOVER_BINDINGS: list[BindingType] = [
    Binding("d", "finish", "Done", id="cutover.done"),
    Binding("s", "start_next", "Start", id="cutover.start"),
    Binding("j,down", "cursor_down", "Next running", show=False, id="cutover.down"),
    Binding("k,up", "cursor_up", "Prev running", show=False, id="cutover.up"),
    # The rollback's keys come before n and w and are short, so that at 80 columns the key
    # bar shows all of them while a rollback is in progress (the only time they show).
    Binding("f", "step_fail", "Fail", id="cutover.step-fail"),
    Binding("x", "step_skip", "Skip", id="cutover.step-skip"),
    Binding("F", "rollback_finish", "Finish", id="cutover.rollback-finish"),
    Binding("C", "rollback_cancel", "Cancel", id="cutover.rollback-cancel"),
    Binding("n", "note", "Note", id="cutover.note"),
    Binding("w", "window", "Window", id="cutover.window"),
    Binding("W", "plan_window", "Plan", id="cutover.plan-window"),
    Binding("R", "rollback", "Roll back", id="cutover.rollback"),
    Binding("escape,c,q", "back", "Back", id="cutover.back"),
]

# What each action does, in words, for the help screen and the command palette.
ACTION_HELP: dict[str, str] = {
    "help": "show this help (keys, states and marks)",
    "quit_app": "quit updeck",
    "open_project": "open the selected project",
    "new_project": "create a project from a template",
    "reload": "read the project list again",
    "detail": "show the selected item's full detail",
    "move('start')": "start the selected item (its dependencies must be done or skipped)",
    "move('done')": "mark the selected item done",
    "move('fail')": "mark the selected item failed (asks why)",
    "move('skip')": "skip the selected item (asks why)",
    "move('block')": "block the selected item (asks why)",
    "move('unblock')": "unblock the selected item",
    "move('reopen')": "reopen the selected item (asks why)",
    "approve": "record a go or no-go on the selected approval",
    "note": "add a note to the status log",
    "verify": "run the selected item's verify command and record the result",
    "filter": "filter the checklist: words, owner:NAME, owner:me, state:todo, kind:check, "
              "stream:NAME, late, ready; a leading * searches every phase",
    "mine": "my items across every phase (the filter * owner:me); M again clears it",
    "focus_log": "move to the status log (/: search, t: kind filter, o: operator filter, "
                 "End: follow, z: zoom)",
    "toggle_panel": "show or hide the phase panel (budget: 3 Plan; traceability: 2 Reqs, "
                    "4 Test; audiences: 5 Comms; metrics: 7 Monitor)",
    "zoom": "zoom the focused pane (checklist, detail, panel, log) to the full screen; "
            "z or esc again to go back",
    "cutover": "open the cutover view",
    "timeline": "open the timeline: plan against actual, ◆ critical path, now/decide-by/PONR/end",
    "lesson": "note a lesson learned (updeck review lists the lessons)",
    "back": "close the detail or dialog, clear the filter, then go back",
    "leave": "back to the home screen (quits from home)",
    "finish": "mark the running item done (during a rollback: the current backout step)",
    "start_next": "start the next ready item (during a rollback: the next backout step); "
                  "a point of no return asks you to type its id",
    "window": "record that the cutover window opened now (or closed, when open)",
    "record_metric": "record a reading of the selected metric item (shown against its target)",
    "record_cost": "record an actual cost for the selected item (adds to the budget's actual)",
    "plan_window": "plan the cutover window: start (T) and end or length",
    "rollback": "start the rollback (asks why; refused at once after the point of no return)",
    "step_fail": "during a rollback: mark the current backout step failed (asks why)",
    "step_skip": "during a rollback: skip the current backout step (asks why)",
    "rollback_finish": "during a rollback: finish it (every step done or skipped)",
    "rollback_cancel": "during a rollback: cancel it and return to forward work (asks why)",
}

# Longer names in the command palette, where the key bar's one word would not be found.
PALETTE_TITLE: dict[str, str] = {
    "record_metric": "Record a metric reading",
    "record_cost": "Record an actual cost",
    "plan_window": "Plan the cutover window",
    "timeline": "Timeline of the execute phase",
    "lesson": "Note a lesson learned",
    "rollback": "Start the rollback",
    "step_fail": "Fail the current rollback step",
    "step_skip": "Skip the current rollback step",
    "rollback_finish": "Finish the rollback",
    "rollback_cancel": "Cancel the rollback",
}
