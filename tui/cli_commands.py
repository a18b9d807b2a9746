"""The work behind each ``updeck`` subcommand (parsing is in :mod:`tui.cli`).

Each handler takes the parsed arguments and returns an exit code, or raises
:class:`tui.cli.CliError` with one sentence for the user. Storage, template and OS
errors are turned into such sentences by :func:`describe_exception`. Only the
subcommands that open a screen import Textual (through :mod:`tui.app`), lazily.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import time
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.commands import (
    AddNote,
    CloseWindow,
    Command,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    PlanWindow,
    RecordCost,
    RecordMetric,
    RecordVerification,
    Refusal,
)
from models.durations import format_duration
from models.events import Event, Operator, utc_now
from models.project import Window
from models.state import ProjectState
from storage.errors import (
    AmbiguousProject,
    Busy,
    DamagedProject,
    ProjectNotFound,
    StorageError,
    WriteFailed,
)
from storage.feed import Watcher, WatchStopped
from storage.identity import current_operator
from storage.repository import Repository, open_repository
from tui.cli import EXIT_OK, EXIT_PENDING, EXIT_REFUSED, EXIT_USAGE, CliError
from tui.cli_output import (
    clean,
    emit,
    emit_json,
    gate_data,
    gate_text,
    list_text,
    log_entry,
    log_line,
    project_row,
    status_data,
    status_text,
    table,
)
from tui.cli_values import parse_amount, parse_end, parse_moment, parse_timeout, parse_var, parse_window
from tui.verify_run import run_check

if TYPE_CHECKING:
    pass

POLL_SECONDS = 0.3  # how often --follow and --wait look at the change marker
FULL_CHECK_SECONDS = 5.0  # and how often they look regardless of it


def warn(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(clean(f"updeck: {message}"), file=sys.stderr, flush=True)


class Context:
    """What most commands need: the repository, the operator, the time."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    @cached_property
    def repo(self) -> Repository:
        return open_repository(getattr(self.args, "db", None))

    @cached_property
    def operator(self) -> Operator:
        return current_operator(getattr(self.args, "as_name", None))

    def now(self) -> datetime:
        return utc_now()

    def project_id(self) -> str:
        return self.repo.resolve(self.args.project)

    def state(self, project_id: str) -> ProjectState:
        return self.repo.load(project_id)

    def submit(self, project_id: str, command: Command) -> list[Event]:
        result = self.repo.submit(project_id, command)
        if isinstance(result, Refusal):
            if result.not_found:
                item = getattr(command, "item", None)
                hint = _item_hint(self.state(project_id), item) if item else ""
                raise CliError(result.reason + hint, EXIT_USAGE)
            raise CliError(result.reason, EXIT_REFUSED)
        return result


def _item_hint(state: ProjectState, item_id: str) -> str:
    import difflib

    close = difflib.get_close_matches(item_id, list(state.specs), n=3, cutoff=0.6)
    if close:
        return "; did you mean " + " or ".join(close) + "?"
    return f"; 'updeck export {state.id} --format csv' lists the items"


def _need_item(state: ProjectState, item_id: str) -> None:
    if item_id not in state.specs:
        raise CliError(f"no item {item_id!r} in project {state.id}" + _item_hint(state, item_id),
                       EXIT_USAGE)


def _print_events(events: list[Event]) -> None:
    for event in events:
        emit(log_line(event))


def _value(parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _schedule(state: ProjectState, now: datetime) -> Any:
    from models.schedule import compute_schedule

    return compute_schedule(state, now)


# --- the dashboard -------------------------------------------------------------------

def has_screen() -> bool:
    """A terminal to draw on, or a Textual driver that brings its own (textual-serve runs
    the dashboard over pipes with ``TEXTUAL_DRIVER`` set)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _open_dashboard(repo: Repository, project_id: str | None, read_only: bool,
                    operator: Operator) -> int:
    if not has_screen():
        raise CliError("the dashboard needs a terminal; in scripts use a subcommand such as "
                       "'updeck list' or 'updeck status PROJECT'", EXIT_USAGE)
    try:
        from tui.app import run_dashboard
    except ImportError as exc:
        raise CliError(f"the dashboard is not available in this installation ({exc})",
                       EXIT_USAGE) from None
    return int(run_dashboard(repo, project_id=project_id, read_only=read_only, operator=operator) or 0)


def cmd_home(args: argparse.Namespace) -> int:
    ctx = Context(args)
    return _open_dashboard(ctx.repo, None, bool(args.read_only), ctx.operator)


def cmd_open(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    ctx.state(project_id)  # a damaged or unreadable project is reported here, in one line
    return _open_dashboard(ctx.repo, project_id, bool(args.read_only), ctx.operator)


def cmd_demo(args: argparse.Namespace) -> int:
    from storage.demo import ensure_demo
    from storage.locations import demo_dir

    folder = Path(args.db).expanduser() if getattr(args, "db", None) else demo_dir()
    repo = Repository(folder)
    operator = current_operator(getattr(args, "as_name", None))
    project_id = ensure_demo(repo, reset=bool(args.reset))
    if has_screen():
        try:
            from tui.app import run_dashboard
        except ImportError:
            pass
        else:
            return int(run_dashboard(repo, project_id=project_id, read_only=bool(args.read_only),
                                     operator=operator) or 0)
    warn(f"demo project {project_id} in {folder} (the dashboard opens on it in a terminal)")
    now = utc_now()
    state = repo.load(project_id)
    emit(status_text(status_data(state, _schedule(state, now), now)))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from storage.locations import data_dir
    from tui.serve import ServeError, serve

    ctx = Context(args)
    project_id = ctx.project_id() if args.project else None
    try:
        serve(data_dir(getattr(args, "db", None)), project_id, host=args.host, port=args.port,
              allow_remote=args.allow_remote)
    except ServeError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return EXIT_OK


# --- templates ----------------------------------------------------------------------

def cmd_templates(args: argparse.Namespace) -> int:
    from storage.templates import discover

    entries = discover()
    if args.json:
        emit_json([{"id": e.id, "version": e.version, "name": e.name, "path": str(e.path),
                    "shadowed": e.shadowed, "ok": e.ok, "errors": [str(x) for x in e.errors]}
                   for e in entries])
        return EXIT_OK
    if not entries:
        emit("no templates on the search path ('updeck locate' shows it)")
        return EXIT_OK

    def state(e: Any) -> str:
        if not e.ok:
            return f"BROKEN ({len(e.errors)} errors: updeck validate {e.path})"
        return "shadowed" if e.shadowed else "ok"

    emit(table(("id", "version", "name", "file", "state"),
               [(e.id, e.version or "-", e.name or "-", str(e.path), state(e)) for e in entries]))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from storage.templates import TemplateErrors, load_template_file

    bad = unreadable = 0
    for name in args.files:
        try:
            load_template_file(name)
        except TemplateErrors as exc:
            for error in exc.errors:
                emit(str(error))
            bad += 1
            unreadable += exc.unreadable
        else:
            emit(f"{name}: ok")
    if unreadable:
        raise CliError(f"{unreadable} of {len(args.files)} files could not be read", EXIT_USAGE)
    if bad:
        raise CliError(f"{bad} of {len(args.files)} files have errors", EXIT_REFUSED)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from storage.markdown_import import import_markdown

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{args.file} is not UTF-8 text", EXIT_USAGE) from None
    result = import_markdown(text, source=str(path), template_id=args.template_id or None)
    for entry in result.skipped:
        warn(f"skipped: {entry}")
    warn(f"imported {result.items_count} items"
         + (f"; {len(result.skipped)} things skipped (above)" if result.skipped else ""))
    yaml_text = result.yaml_text
    if args.output:
        _write_file(args.output, yaml_text)
        warn(f"wrote {args.output}")
    else:
        sys.stdout.write(yaml_text if yaml_text.endswith("\n") else yaml_text + "\n")
        sys.stdout.flush()
    return EXIT_OK


def _write_file(name: str, text: str) -> None:
    """Write whole or not at all: a temp file beside the target, then rename."""
    target = Path(name)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if not target.parent.is_dir():
            raise CliError(f"cannot write {target}: the folder {target.parent} does not exist",
                           EXIT_USAGE) from None
        raise CliError(f"cannot write {target}: {exc.strerror or exc}", EXIT_USAGE) from None


# --- projects -----------------------------------------------------------------------

def cmd_new(args: argparse.Namespace) -> int:
    from models.project import instantiate
    from models.template import MissingVariableError
    from storage.templates import TemplateErrors, TemplateNotFound, find_template

    ctx = Context(args)
    now = ctx.now()
    variables = dict(_value(lambda: [parse_var(v) for v in args.var]))
    window = None
    if args.window:
        start, end = _value(lambda: parse_window(args.window, now))
        window = Window(start, end)
    try:
        loaded = find_template(args.template)
    except TemplateNotFound as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except TemplateErrors as exc:
        if exc.unreadable:
            raise CliError(f"cannot read template {args.template}: "
                           + "; ".join(e.message for e in exc.errors), EXIT_USAGE) from None
        for error in exc.errors:
            warn(str(error))
        raise CliError(f"template {args.template} has {len(exc.errors)} error(s); "
                       "fix them and try again", EXIT_REFUSED) from None
    template = loaded.template
    known = {v.name for v in template.variables} | template.variable_names()
    for name in variables:
        if name not in known:
            warn(f"warning: template {template.id} does not use variable {name!r}")
    try:
        project = instantiate(template, args.name, variables, window,
                              sources_sha256=loaded.sha256)
    except MissingVariableError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    ctx.repo.create_project(project, ctx.operator, now)
    emit(project.id)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    ctx = Context(args)
    now = ctx.now()
    rows = [project_row(state, _schedule(state, now)) for state in ctx.repo.list_projects()]
    damaged = ctx.repo.damaged_projects()
    for problem in damaged:
        warn(f"warning: project {problem.project_id or problem.path} cannot be read: {problem.reason}"
             f" ('updeck check-log {problem.project_id}' says more)")
    if args.json:
        emit_json(rows)
    elif rows or not damaged:
        emit(list_text(rows))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    now = ctx.now()
    data = status_data(state, _schedule(state, now), now)
    if args.json:
        emit_json(data)
    else:
        emit(status_text(data))
    return EXIT_OK


def cmd_item(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    action = ItemAction(args.action)
    events = ctx.submit(project_id, MoveItem(item=args.item, action=action, reason=args.note,
                                             by=ctx.operator, at=ctx.now()))
    _print_events(events)
    state = ctx.state(project_id)
    if action in (ItemAction.DONE, ItemAction.SKIP):
        ready = [d for d in state.dependents.get(args.item, ()) if state.is_ready(d)
                 and state.items[d].status.value == "todo"]
        if ready:
            warn(f"now ready: {', '.join(ready)}")
    return EXIT_OK


def _record(args: argparse.Namespace, make: Callable[..., Command], **fields: Any) -> int:
    """Submit one command (stamped with the operator and now) and print its events."""
    ctx = Context(args)
    project_id = ctx.project_id()
    _print_events(ctx.submit(project_id, make(by=ctx.operator, at=ctx.now(), **fields)))
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    return _record(args, DecideApproval, item=args.item, go=bool(args.go),
                   approver=args.role or None, note=args.note)


def cmd_note(args: argparse.Namespace) -> int:
    return _record(args, AddNote, text=args.text, item=args.item)


def cmd_metric(args: argparse.Namespace) -> int:
    return _record(args, RecordMetric, item=args.item, value=args.value, note=args.note)


def cmd_cost(args: argparse.Namespace) -> int:
    amount = _value(lambda: parse_amount(args.amount))
    return _record(args, RecordCost, item=args.item, amount=amount, note=args.note)


def cmd_window(args: argparse.Namespace) -> int:
    ctx = Context(args)
    now = ctx.now()
    command: Command
    if args.action == "set":
        if not args.start:
            raise CliError("window set needs a START (and optionally an END)", EXIT_USAGE)
        start = _value(lambda: parse_moment(args.start, now))
        end = _value(lambda: parse_end(args.end, start, now)) if args.end else None
        command = PlanWindow(window=Window(start, end), by=ctx.operator, at=now)
    else:
        if args.start or args.end:
            raise CliError(f"window {args.action} takes no times (it records now); "
                           "use 'window PROJECT set START [END]' to plan", EXIT_USAGE)
        cls = OpenWindow if args.action == "open" else CloseWindow
        command = cls(by=ctx.operator, at=now)
    project_id = ctx.project_id()
    _print_events(ctx.submit(project_id, command))
    return EXIT_OK


# --- log, follow, gate ----------------------------------------------------------------

def stdout_closed() -> bool:
    """True when stdout is a pipe whose reader went away (so --follow can stop)."""
    import select

    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, 0)  # POLLERR and POLLHUP are always reported
        return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def cmd_log(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    since = (_value(lambda: parse_moment(args.since, ctx.now(), bare_duration_is_past=True))
             if args.since else None)
    events = ctx.repo.events(project_id)
    watcher = Watcher(ctx.repo, project_id, since_seq=events[-1].seq if events else 0) \
        if args.follow else None
    shown = [e for e in events if since is None or e.at >= since]
    if args.json and not args.follow:
        emit_json([log_entry(e) for e in shown])
        return EXIT_OK

    def show(batch: list[Event]) -> None:
        for event in batch:
            if args.json:
                emit_json(log_entry(event), indent=None)
            else:
                emit(log_line(event))

    show(shown)
    if watcher is None:
        return EXIT_OK
    try:
        while True:
            new = watcher.poll()
            show([e for e in new if since is None or e.at >= since])
            watcher.wait(interval=POLL_SECONDS, full_check=FULL_CHECK_SECONDS, stop=stdout_closed)
    except WatchStopped:  # our reader went away
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK  # Ctrl-C is how one stops following


def _quiet_stdout() -> None:
    from tui.cli import _quiet_stdout as quiet

    quiet()


def cmd_gate(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    _need_item(state, args.item)
    timeout = _value(lambda: parse_timeout(args.timeout)) if args.timeout else None
    data = gate_data(state, args.item)
    timed_out = False
    if (args.wait or timeout is not None) and data["gate"] == "pending":
        watcher = Watcher(ctx.repo, project_id)
        if sys.stderr.isatty():
            pending = [a["approver"] for a in data["approvals"] if a["decision"] is None]
            warn(f"waiting for {args.item}" + (f" (pending: {', '.join(pending)})" if pending else "")
                 + (f", at most {format_duration(timeout)}" if timeout else "") + "; Ctrl-C to stop")
        deadline = None if timeout is None else time.monotonic() + timeout
        while data["gate"] == "pending":
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                timed_out = True
                break
            try:
                changed = watcher.wait(left, interval=POLL_SECONDS, full_check=FULL_CHECK_SECONDS,
                                       stop=stdout_closed)
            except WatchStopped:  # the reader went away: stop waiting, still undecided
                _quiet_stdout()
                return EXIT_PENDING
            if changed:
                watcher.poll()
                data = gate_data(ctx.state(project_id), args.item)
    try:
        if args.json:
            emit_json(data)
        else:
            emit(gate_text(data))
    except BrokenPipeError:  # nobody reads the text; the exit code still tells the verdict
        _quiet_stdout()
    if timed_out:
        assert timeout is not None
        warn(f"error: timed out after {format_duration(timeout)}; {args.item} is still pending")
    return {"go": EXIT_OK, "no-go": EXIT_REFUSED}.get(data["gate"], EXIT_PENDING)


# --- verify ---------------------------------------------------------------------------

def _confirm(question: str) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


RECORD_PATIENCE = 60.0  # seconds to keep retrying a busy project after a verify ran


def cmd_verify(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    _need_item(state, args.item)
    spec = state.specs[args.item]
    command = spec.verify.strip()
    if not command:
        raise CliError(f"item {args.item} has no verify command in its template; nothing to run",
                       EXIT_USAGE)
    timeout = _value(lambda: parse_timeout(args.timeout))
    operator = ctx.operator
    warn(f"verify {args.item}: {spec.title}")
    warn(f"command (through the shell on {operator.host or 'this host'} as {operator.user}, "
         f"timeout {format_duration(timeout)}):")
    with contextlib.suppress(OSError, ValueError):
        print(clean(f"    {command}"), file=sys.stderr, flush=True)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("not running the verify command: there is no terminal to confirm on "
                           "(stdin is not a tty); pass --yes to run it", EXIT_USAGE)
        if not _confirm("Run it now? [y/N] "):
            warn("not run; nothing was recorded")
            return EXIT_REFUSED
    def echo(chunk: bytes) -> None:
        out = sys.stdout.buffer
        out.write(chunk)
        out.flush()

    try:
        run = run_check(command, timeout, echo)
    except OSError as exc:
        raise CliError(f"could not start the shell to run the verify command: {exc}", EXIT_USAGE) from None
    record = RecordVerification(
        item=args.item, command=command, exit_code=run.exit_code, output_tail=run.output_tail,
        duration=run.duration, host=operator.host, by=operator, at=ctx.now())
    patience = time.monotonic() + RECORD_PATIENCE
    while True:  # the command ran: try hard to record it, and never lose it silently
        try:
            events = ctx.submit(project_id, record)
            break
        except Busy as exc:
            if time.monotonic() < patience:
                warn("project busy; retrying to record the verification")
                time.sleep(0.5)
                continue
            failure: StorageError = exc
        except WriteFailed as exc:
            failure = exc
        verdict = "passed" if run.exit_code == 0 else f"failed (exit {run.exit_code})"
        raise CliError(f"the verify command ran and {verdict} in {run.duration:.1f}s, but it "
                       f"could not be recorded: {failure}", EXIT_REFUSED) from None
    seq = events[-1].seq if events else "?"
    verdict = "passed" if run.exit_code == 0 else f"FAILED (exit {run.exit_code})"
    warn(f"verification {verdict} in {run.duration:.1f}s; recorded as event #{seq}")
    if run.interrupted:
        raise KeyboardInterrupt
    return EXIT_OK if run.exit_code == 0 else EXIT_REFUSED


# --- export, check-log, locate ----------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    from models.report import render

    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    events = ctx.repo.events(project_id)
    now = ctx.now()
    text = render(args.format, state, _schedule(state, now), events, now)
    if args.output:
        _write_file(args.output, text)
        warn(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def cmd_check_log(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    problem = ctx.repo.check_log(project_id)
    if problem is not None:
        raise CliError(f"the status log of {project_id} is NOT intact: {problem}", EXIT_REFUSED)
    count = last = None
    with contextlib.suppress(StorageError):
        events = ctx.repo.events(project_id)
        count, last = len(events), (events[-1].hash if events else "")
    detail = f"{count} events, last hash {last}" if count is not None else "hash chain verified"
    emit(f"{project_id}: status log intact ({detail})")
    return EXIT_OK


def cmd_locate(args: argparse.Namespace) -> int:
    from storage.locations import config_dir, data_dir, demo_dir, template_search_path

    data = data_dir(getattr(args, "db", None))
    paths = template_search_path()
    info: dict[str, Any] = {
        "data": str(data), "data_exists": data.is_dir(),
        "config": str(config_dir()), "config_exists": config_dir().is_dir(),
        "templates": [{"path": str(p), "exists": p.is_dir()} for p in paths],
        "demo": str(demo_dir()), "demo_exists": demo_dir().is_dir(),
    }
    if args.json:
        emit_json(info)
        return EXIT_OK

    def mark(flag: bool) -> str:
        return "" if flag else "  (missing)"

    emit(f"data folder:    {data}{mark(info['data_exists'])}")
    emit(f"config folder:  {info['config']}{mark(info['config_exists'])}")
    emit("template search path (first match by id wins):")
    for number, entry in enumerate(info["templates"], start=1):
        emit(f"  {number}. {entry['path']}{mark(entry['exists'])}")
    emit(f"demo folder:    {info['demo']}{mark(info['demo_exists'])}")
    return EXIT_OK


# --- errors -----------------------------------------------------------------------------

def describe_exception(exc: BaseException) -> tuple[str, int]:
    """One sentence and an exit code for an exception that reached the boundary."""
    if isinstance(exc, (ProjectNotFound, AmbiguousProject)):
        return str(exc), EXIT_USAGE
    if isinstance(exc, (DamagedProject, Busy)):
        return str(exc), EXIT_REFUSED
    if isinstance(exc, StorageError):
        name = type(exc).__name__
        return str(exc), EXIT_USAGE if name == "ProjectExists" else EXIT_REFUSED
    try:
        from storage.templates import TemplateErrors, TemplateNotFound
    except ImportError:  # pragma: no cover
        pass
    else:
        if isinstance(exc, TemplateNotFound):
            return str(exc), EXIT_USAGE
        if isinstance(exc, TemplateErrors):
            return ("; ".join(str(e) for e in exc.errors[:3]) or "template error",
                    EXIT_USAGE if exc.unreadable else EXIT_REFUSED)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}", EXIT_USAGE
    if isinstance(exc, UnicodeError):
        return f"not valid UTF-8 text ({exc})", EXIT_USAGE
    if isinstance(exc, (ValueError, LookupError)):
        return str(exc) or type(exc).__name__, EXIT_USAGE
    return f"internal error ({type(exc).__name__}: {exc}); set UPDECK_DEBUG=1 for details", EXIT_USAGE


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "": cmd_home,
    "open": cmd_open,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "templates": cmd_templates,
    "validate": cmd_validate,
    "import": cmd_import,
    "new": cmd_new,
    "list": cmd_list,
    "status": cmd_status,
    "item": cmd_item,
    "approve": cmd_approve,
    "note": cmd_note,
    "metric": cmd_metric,
    "cost": cmd_cost,
    "log": cmd_log,
    "gate": cmd_gate,
    "window": cmd_window,
    "verify": cmd_verify,
    "export": cmd_export,
    "check-log": cmd_check_log,
    "locate": cmd_locate,
}
