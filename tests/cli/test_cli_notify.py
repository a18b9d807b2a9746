"""Notifications end to end: rules in the template and by ``notify add``, a real HTTP
server on loopback receiving the webhooks, the outbox and its lease, the sender killed in
the middle of a delivery, a target down then up, a hanging command killed at its timeout,
and secrets that never reach the log, an export or the sender's command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from updeck.models.commands import AddNote, ItemAction, MoveItem
from updeck.models.events import EventKind, Operator
from updeck.storage.notify_outbox import FileOutbox
from updeck.storage.repository import Repository
from updeck.tui.common.notify_sender import Sender, SenderConfig

from tests.support.cli import Cli
from tests.support.postgres import PgServer
from tests.support.webhooks import receiver

ME = Operator("tester", "host1")
SECRET = "s3cr3t-token-9f8e7d"

TEMPLATE = """\
format: 1
id: notify-mini
name: Notify mini
notify:
  - id: ops
    on: [item_failed, approval_pending, window_opened]
    to:
      - webhook: ${HOOK_SLACK}
        shape: slack
      - webhook: ${HOOK_TEAMS}
        shape: teams
      - webhook: ${HOOK_PLAIN}
phases:
  execute:
    items:
      - id: backup
        title: Back up the database
        owner: dba
      - id: go
        title: Go for the migration
        kind: approval
        approvers: [cab]
        depends_on: [backup]
      - id: migrate
        title: Migrate
        depends_on: [go]
"""


def hooks(url: str) -> dict[str, str]:
    return {"HOOK_SLACK": f"{url}/slack/{SECRET}", "HOOK_TEAMS": f"{url}/teams/{SECRET}",
            "HOOK_PLAIN": f"{url}/plain/{SECRET}"}


@pytest.fixture
def project(cli: Cli) -> str:
    (cli.templates / "notify-mini.yaml").write_text(TEMPLATE)
    return cli.ok("new", "notify-mini", "--name", "Notify mini").strip().splitlines()[-1]


def drain(sender: Sender, rounds: int = 50) -> None:
    """Steps until nothing is queued or in flight (bounded), waiting for the deliveries
    each step started."""
    for _ in range(rounds):
        result = sender.step()
        if not result.pending and not result.in_flight:
            return
        assert sender.wait_idle(60)
    raise AssertionError(f"still {result.pending} queued")


def sender_for(cli: Cli, project_id: str, **config: object) -> Sender:
    repo = Repository(cli.db)
    return Sender(repo, project_id, ME, config=SenderConfig(**config))  # type: ignore[arg-type]


def test_failure_approval_and_window_each_arrive_once_with_valid_shapes(
        cli: Cli, project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as got:
        for name, url in hooks(got.url).items():
            monkeypatch.setenv(name, url)
        cli.ok("item", project, "backup", "start")
        cli.ok("item", project, "backup", "fail", "--note", "disk full")
        cli.ok("item", project, "backup", "reopen", "--note", "space freed")
        cli.ok("item", project, "backup", "start")
        cli.ok("item", project, "backup", "done")
        cli.ok("window", project, "open")
        drain(sender_for(cli, project))
        assert len(got.requests) == 9 and len(got.effects) == 9  # 3 triggers x 3 targets
        by_path: dict[str, list[dict[str, object]]] = {}
        for request in got.requests:
            by_path.setdefault(request.path.split("/")[1], []).append(request.body)
        slack, teams, plain = by_path["slack"], by_path["teams"], by_path["plain"]
        assert [b["trigger"] for b in plain] == ["item_failed", "approval_pending", "window_opened"]
        assert all(isinstance(b["text"], str) and b["blocks"][0]["type"] == "section"
                   for b in slack)
        assert "disk full" in str(slack[0]["text"])
        for body in teams:
            card = body["attachments"][0]  # type: ignore[index]
            assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
            assert card["content"]["type"] == "AdaptiveCard"
        for request in got.requests:  # the key in the header and in the payload
            assert request.key in json.dumps(request.body)
        status = json.loads(cli.ok("notify", project, "status", "--json"))
        assert status["delivered"] == 9 and status["queued"] == 0 and status["failed"] == 0
        # the sender's own outcome events are not "waiting for a sender"
        assert status["unscanned"] == 0 < status["log_head"] - status["scanned_to"]
        assert ({n["key"] for n in status["notifications"] if n["status"] == "delivered"}
                == set(got.effects))
        log = cli.ok("log", project, "--json")
        logged = json.loads(log)
        logged = logged["events"] if isinstance(logged, dict) else logged
        delivered = [n["key"] for e in logged if e["kind"] == "notify_delivered"
                     for n in e["payload"]["notifications"]]
        assert sorted(delivered) == sorted(got.effects)
        # secrets: never in the log, an export, the status or the rules
        for text in (cli.ok("log", project), log, cli.ok("export", project, "--format", "json"),
                     cli.ok("export", project, "--format", "md"),
                     cli.ok("notify", project, "status", "--json"), cli.ok("notify", project),
                     cli.log_bytes(project).decode()):
            assert SECRET not in text


def test_add_list_remove_and_usage_errors(cli: Cli, project: str) -> None:
    out = cli.ok("notify", project, "add", "--id", "arch", "--on", "every_event",
                 "--to", f"file:{cli.root}/archive.jsonl")
    assert "notification rule added: arch" in out
    listed = json.loads(cli.ok("notify", project, "list", "--json"))
    assert [r["id"] for r in listed] == ["ops", "arch"]
    literal = cli("notify", project, "add", "--on", "item_failed", "--to",
                  "webhook:https://hooks.slack.com/services/T0/B0/XYZ")
    assert literal.code == 1 and "${ENV_NAME}" in literal.err and "XYZ" not in cli.ok("log", project)
    assert cli("notify", project, "add", "--on", "bogus", "--to", "file:/tmp/a.jsonl").code == 2
    assert cli("notify", project, "add", "--on", "item_failed").code == 2
    assert cli("notify", project, "remove", "nope").code == 2
    cli.ok("notify", project, "remove", "arch")
    assert "arch" not in cli.ok("notify", project, "list")


def test_template_errors_are_located(cli: Cli) -> None:
    bad = cli.root / "bad.yaml"
    bad.write_text(TEMPLATE.replace("item_failed, approval_pending", "item_failed, approval_pend")
                   .replace("${HOOK_PLAIN}", "https://example.com/hook"))
    result = cli("validate", str(bad))
    assert result.code == 1
    assert f"{bad}:6:23: on: unknown trigger 'approval_pend'" in result.out + result.err
    assert f"{bad}:12:18: webhook: a URL is a secret" in result.out + result.err


def test_a_target_down_then_up_gets_everything_in_order(cli: Cli, project: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(cli.db)
    with receiver() as got:
        monkeypatch.setenv("HOOK_ARCHIVE", f"{got.url}/archive")
        cli.ok("notify", project, "add", "--id", "arch", "--on", "every_event",
               "--to", "webhook:${HOOK_ARCHIVE}")
        for n in range(6):
            repo.submit(project, AddNote(text=f"note {n}", by=ME, at=_now()))
        got.down = True
        sender = Sender(repo, project, ME, config=SenderConfig(backoff=0.0, max_tries=50))
        for _ in range(4):
            sender.step()
            assert sender.wait_idle(60)
        assert got.requests == []
        view = FileOutbox(repo.project_dir(project)).view()
        first = min(view.pending(), key=lambda e: e.order)
        assert first.tries == 4 and "503" in first.error
        assert all(e.tries == 0 for e in view.pending() if e is not first)  # in order: waiting
        assert "503" in cli.ok("notify", project, "status")
        got.down = False
        drain(sender)
        texts = [r.body["event"]["text"] for r in got.requests]  # type: ignore[index]
        assert texts == [f"note: note {n}" for n in range(6)]


def test_a_hanging_target_does_not_hold_up_the_others(cli: Cli, project: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(cli.db)
    archive = cli.root / "archive.jsonl"
    with receiver() as got:
        monkeypatch.setenv("HOOK_SLOW", f"{got.url}/slow")
        cli.ok("notify", project, "add", "--id", "both", "--on", "every_event",
               "--to", "webhook:${HOOK_SLOW}", "--to", f"file:{archive}")
        got.hold_at = 1  # the webhook's first request gets no answer for now
        repo.submit(project, AddNote(text="hello", by=ME, at=_now()))
        sender = Sender(repo, project, ME)
        sender.step()
        assert got.held.wait(60)
        deadline = time.monotonic() + 60
        while not archive.exists() and time.monotonic() < deadline:
            sender.step()  # the scan and the other targets go on
            time.sleep(0.05)
        assert archive.exists() and len(got.requests) == 1 and not got.release.is_set()
        got.release.set()
        drain(sender)
        assert len(got.effects) == 1


def test_a_notification_fails_for_good_after_max_tries(cli: Cli, project: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(cli.db)
    monkeypatch.delenv("HOOK_GONE", raising=False)
    cli.ok("notify", project, "add", "--id", "gone", "--on", "item_failed",
           "--to", "webhook:${HOOK_GONE}")
    cli.ok("item", project, "backup", "start")
    cli.ok("item", project, "backup", "fail", "--note", "x")
    sender = Sender(repo, project, ME, config=SenderConfig(backoff=0.0, max_tries=3))
    drain(sender)
    failed = [e for e in repo.events(project) if e.kind is EventKind.NOTIFY_FAILED]
    gone = [e for e in failed if e.payload["rule"] == "gone"]
    assert len(gone) == 1 and gone[0].payload["tries"] == 3
    assert "HOOK_GONE} is not set" in gone[0].payload["error"]
    assert "failed after 3 tries" in cli.ok("log", project)
    assert json.loads(cli.ok("notify", project, "status", "--json"))["failed"] >= 1


def test_one_sender_at_a_time_and_a_dashboard_gives_way(cli: Cli, project: str) -> None:
    repo = Repository(cli.db)
    first = Sender(repo, project, ME, config=SenderConfig(kind="dashboard"))
    second = Sender(repo, project, ME, config=SenderConfig(kind="dashboard"))
    runner = Sender(repo, project, ME)
    assert first.step().holding
    assert not second.step().holding
    assert runner.step().holding  # notify run takes it from a dashboard
    assert not first.lease.acquire("dashboard")
    runner.release()
    assert second.step().holding


def test_a_hanging_command_is_killed_at_its_timeout(cli: Cli, project: str) -> None:
    pids = cli.root / "pids"
    command = f"sleep 300 & echo $! > {pids}; echo $$ >> {pids}; wait"
    cli.ok("notify", project, "add", "--id", "page", "--on", "item_failed",
           "--to", f"command:{command}", "--timeout", "1s")
    cli.ok("item", project, "backup", "start")
    cli.ok("item", project, "backup", "fail", "--note", "x")
    repo = Repository(cli.db)
    waiting = Sender(repo, project, ME, config=SenderConfig(max_tries=1))
    drain_until = waiting.step()  # without --allow-commands: left queued, not tried
    assert waiting.wait_idle(60)
    assert drain_until.pending >= 1 and not pids.exists()
    waiting.release()
    sender = Sender(repo, project, ME, config=SenderConfig(commands=True, max_tries=1))
    drain(sender)
    outcome = [e for e in repo.events(project) if e.kind is EventKind.NOTIFY_FAILED
               and e.payload["rule"] == "page"]
    assert "timed out after 1s (killed)" in outcome[0].payload["error"]
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"process {pid} of the command survived its timeout"


def test_a_sender_killed_mid_delivery_loses_and_repeats_nothing(cli: Cli, project: str) -> None:
    repo = Repository(cli.db)
    with receiver() as got:
        env = {**cli.env, **hooks(got.url), "HOOK_ARCHIVE": f"{got.url}/archive/{SECRET}"}
        cli.ok("notify", project, "add", "--id", "arch", "--on", "every_event",
               "--to", "webhook:${HOOK_ARCHIVE}")
        for n in range(8):
            repo.submit(project, AddNote(text=f"note {n}", by=ME, at=_now()))
        got.hold_at = 4  # the 4th request gets no answer until the sender is dead
        first = subprocess.Popen([cli.exe, "notify", "run", project], env=env, cwd=cli.root,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        try:
            assert got.held.wait(60), "the sender never reached the 4th delivery"
            cmdline = Path(f"/proc/{first.pid}/cmdline").read_bytes()
            environ_free = SECRET.encode() not in cmdline
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait(30)
        assert environ_free
        got.release.set()
        repo.submit(project, MoveItem(item="backup", action=ItemAction.START, by=ME, at=_now()))
        second = subprocess.run([cli.exe, "notify", "run", project, "--once"], env=env,
                                cwd=cli.root, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        expected = 8 + 1  # the notes and the start, to the archive
        assert len(got.effects) == expected and set(got.effects.values()) == {1}
        assert len(got.requests) <= expected + 1  # at most the one in flight, sent again
        status = json.loads(cli.ok("notify", project, "status", "--json"))
        assert status["delivered"] == expected and status["queued"] == 0
        assert ({n["key"] for n in status["notifications"]} == set(got.effects))
        logged = [n["key"] for e in repo.events(project) if e.kind is EventKind.NOTIFY_DELIVERED
                  for n in e.payload["notifications"]]
        assert sorted(logged) == sorted(got.effects)  # each outcome in the log once
        notes = [r.body["event"]["text"] for r in got.requests  # type: ignore[index]
                 if r.body["event"]["kind"] == "note"]
        assert list(dict.fromkeys(notes)) == [f"note: note {n}" for n in range(8)]


def _now():
    from updeck.models.events import utc_now

    return utc_now()


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True  # a zombie waiting for init: it runs no more
        except OSError:
            return True  # reaped in between
        time.sleep(0.05)
    return False


def test_secrets_resolve_only_from_the_environment_or_a_file_outside_the_data_folder(
        tmp_path: Path) -> None:
    from updeck.tui.common.notify_deliver import SecretMissing, resolve_secret

    data = tmp_path / "data"
    (data / "projects").mkdir(parents=True)
    env = {"TOKEN": "abc"}
    assert resolve_secret("https://hooks.example/${TOKEN}/x", data, env) == "https://hooks.example/abc/x"
    with pytest.raises(SecretMissing, match=r"\$\{NOPE\} is not set"):
        resolve_secret("${NOPE}", data, env)
    outside = tmp_path / "slack.url"
    outside.write_text("https://hooks.example/from-file\n")
    assert resolve_secret(f"file:{outside}", data, env) == "https://hooks.example/from-file"
    inside = data / "projects" / "url.txt"
    inside.write_text("https://hooks.example/shared\n")
    with pytest.raises(SecretMissing, match="inside the shared data folder"):
        resolve_secret(f"file:{inside}", data, env)
    (tmp_path / "link").symlink_to(inside)
    with pytest.raises(SecretMissing, match="inside the shared data folder"):
        resolve_secret(f"file:{tmp_path / 'link'}", data, env)


def test_on_postgresql_a_failure_is_delivered_once_and_status_says_so(
        cli: Cli, pg_server: PgServer) -> None:
    """The same sender on a PostgreSQL database: the outbox and the lease are its tables."""
    on_pg = {"UPDECK_DB": pg_server.create_database(f"notify_{os.getpid()}")}
    cli.ok("db", "init", env=on_pg)
    (cli.templates / "notify-mini.yaml").write_text(TEMPLATE)
    with receiver() as got:
        env = {**on_pg, **hooks(got.url)}
        project = cli.ok("new", "notify-mini", "--name", "Notify mini",
                         env=env).strip().splitlines()[-1]
        cli.ok("item", project, "backup", "start", env=env)
        cli.ok("item", project, "backup", "fail", "--note", "disk full", env=env)
        cli.ok("notify", "run", project, "--once", env=env)
        cli.ok("notify", "run", project, "--once", env=env)  # nothing left: nothing sent again
        assert sorted(r.path.split("/")[1] for r in got.requests) == ["plain", "slack", "teams"]
        assert list(got.effects.values()) == [1, 1, 1]  # each key once
        assert "disk full" in json.dumps([r.body for r in got.requests])
        status = json.loads(cli.ok("notify", project, "status", "--json", env=env))
        assert (status["delivered"], status["queued"], status["failed"]) == (3, 0, 0)
        assert {n["key"] for n in status["notifications"]} == set(got.effects)
        assert status["unscanned"] == 0 and status["sender"] is None  # released on exit
        logged = json.loads(cli.ok("log", project, "--json", env=env))
        logged = logged["events"] if isinstance(logged, dict) else logged
        assert sorted(n["key"] for e in logged if e["kind"] == "notify_delivered"
                      for n in e["payload"]["notifications"]) == sorted(got.effects)
        # and nothing was written into the data folder the files backend would use
        assert not cli.db.exists() or not any(cli.db.rglob("outbox.jsonl"))
