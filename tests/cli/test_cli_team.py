"""Three operators in real processes (each with its own faked login, UPDECK_OPERATOR or
--as) on a project whose template declares roles and members: who may approve, four eyes,
changing a decision, --as and the team command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Cli, Result

AS_LOGIN = str(Path(__file__).parents[1] / "support" / "as_login.py")

TEAM_TEMPLATE = """\
format: 1
id: teamed
name: Teamed upgrade
roles:
  lead: {title: Change lead, members: [carol], lead: true}
  change-manager: {title: Change manager, members: [alice]}
  app-owner: {title: Application owner, members: [bob]}
  dba: {title: Database administrator, members: [alice]}
enforce_owners: true
phases:
  execute:
    items:
      - id: prep
        title: Prepare the hosts
        owner: dba
      - id: go-no-go
        title: Go/no-go
        kind: approval
        approvers: [change-manager, app-owner]
        depends_on: [prep]
      - id: upgrade
        title: Upgrade
        depends_on: [go-no-go]
"""


class Person:
    """One operator: a real process per command, with a faked login."""

    def __init__(self, cli: Cli, login: str, operator: str | None = None) -> None:
        self.cli, self.login = cli, login
        self.env = dict(cli.env)
        self.env.pop("UPDECK_OPERATOR", None)
        if operator:
            self.env["UPDECK_OPERATOR"] = operator

    def __call__(self, *args: str) -> Result:
        proc = subprocess.run([sys.executable, AS_LOGIN, self.login, *args], input="",
                              capture_output=True, text=True, timeout=30, env=self.env,
                              cwd=self.cli.root)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.code == 0, str(result)
        return result.out

    def refused(self, *args: str) -> str:
        result = self(*args)
        assert result.code == 1, str(result)
        return result.err


@pytest.fixture
def team(cli: Cli) -> tuple[Cli, str]:
    (cli.templates / "teamed.yaml").write_text(TEAM_TEMPLATE)
    project = Person(cli, "carol").ok("new", "teamed", "--name", "Teamed").strip()
    return cli, project


def test_three_operators_approve_under_the_team_rules(team: tuple[Cli, str]) -> None:
    cli, p = team
    alice, bob, carol = Person(cli, "alice"), Person(cli, "bob"), Person(cli, "carol")
    mallory = Person(cli, "mallory", operator="alice")  # UPDECK_OPERATOR=alice, login mallory

    listing = json.loads(alice.ok("team", p, "--json"))
    assert {r["id"]: r["members"] for r in listing["roles"]}["app-owner"] == ["bob"]
    assert listing["you"] == {"name": "alice", "login": "alice", "who": "alice",
                              "roles": ["change-manager", "dba"], "lead": False}

    assert "mallory may not act as alice" in mallory.refused("item", p, "prep", "done")
    assert "only holders of dba (alice) or a lead (carol)" in bob.refused("item", p, "prep", "done")
    alice.ok("item", p, "prep", "done")

    # a non-member is refused and told who holds the roles
    err = Person(cli, "dave").refused("approve", p, "go-no-go", "--go")
    assert "change-manager: alice" in err and "app-owner: bob" in err
    # a member needs no --role; the same person cannot give the second go
    assert "GO from change-manager" in alice.ok("approve", p, "go-no-go", "--go")
    assert "alice does not hold app-owner" in alice.refused("approve", p, "go-no-go", "--go",
                                                            "--role", "app-owner")
    # bob may not overwrite alice's decision; carol (lead) may, with --change --note
    err = bob.refused("approve", p, "go-no-go", "--no-go", "--role", "change-manager")
    assert "bob does not hold change-manager" in err
    err = alice.refused("approve", p, "go-no-go", "--no-go")
    assert "already decided GO" in err and "--change --note" in err
    out = carol.ok("--as", "alice", "approve", p, "go-no-go", "--no-go", "--change",
                   "--note", "rehearsal numbers were wrong")
    assert "changed to NO-GO from change-manager" in out

    log = carol.ok("log", p)
    assert "carol (as alice)" in log and "mallory" not in log
    report = carol.ok("export", p, "--format", "md")
    assert "carol (as alice)" in report and "changed from go by alice" in report
    data = json.loads(carol.ok("export", p, "--format", "json"))
    history = [(h["who"], h["decision"], h["change"]) for h in data["approval_history"]]
    assert history == [("alice", "go", False), ("carol (as alice)", "no-go", True)]
    gate = carol("gate", p, "go-no-go")  # exit 1: a no-go holds the gate
    assert gate.code == 1 and "no-go  by carol (as alice)" in gate.out
    approval = json.loads(carol("gate", p, "go-no-go", "--json").out)["approvals"][0]
    assert (approval["by"], approval["login"], approval["who"]) == ("alice", "carol",
                                                                    "carol (as alice)")


def test_the_team_is_changed_by_a_lead_only(team: tuple[Cli, str]) -> None:
    cli, p = team
    bob, carol = Person(cli, "bob"), Person(cli, "carol")
    assert "only a lead (carol) may change the team" in bob.refused("team", p, "add", "bob", "dba")
    assert "team: dave now holds app-owner" in carol.ok("team", p, "add", "dave", "app-owner")
    assert "dave" in carol.ok("team", p)
    assert carol("team", p, "add", "dave", "nope").code == 2
    carol.ok("team", p, "remove", "dave", "app-owner")
    assert json.loads(carol.ok("team", p, "--json"))["roles"][2]["members"] == ["bob"]


def test_old_templates_behave_as_before_apart_from_the_login(cli: Cli) -> None:
    alice = Person(cli, "root", operator="alice")
    p = alice.ok("new", "mini", "--name", "Old", "--var", "ticket=1").strip()
    alice.ok("item", p, "inventory", "done")
    alice.ok("item", p, "rehearse", "done")
    alice.ok("approve", p, "go-no-go", "--go", "--role", "change-manager")
    alice.ok("approve", p, "go-no-go", "--go", "--role", "app-owner")  # no team: as today
    assert "root (as alice)" in alice.ok("log", p)
    team = json.loads(alice.ok("team", p, "--json"))
    assert team["enforced"] is False and team["may_change"] == ["root"]
