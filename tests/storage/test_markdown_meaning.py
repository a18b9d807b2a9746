"""The Markdown importer keeps meaning and never invents a command: verify only from
shell checks, nothing destructive, go/no-go, point of no return, rollback sections,
owners, durations that are not estimates, and what it could not map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from updeck.storage.markdown_import import MAX_RUNBOOK_BYTES, MarkdownImportError, import_markdown
from updeck.storage.templates import load_template_text

RUNBOOKS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "runbooks"


def items(text: str) -> list[dict[str, Any]]:
    result = import_markdown(text)
    load_template_text(result.yaml_text, "imported.yaml", [])
    return [item for phase in result.template_dict["phases"].values() for item in phase["items"]]


def by_title(text: str) -> dict[str, dict[str, Any]]:
    return {item["title"]: item for item in items(text)}


RUNBOOK = """\
# Cutover

## Steps
- [ ] Take the backup (owner: Dana)
- [ ] Go/no-go call with the change board
- [ ] Switch the DNS @erin
  This is the point of no return.
- [ ] Install the agent

```
curl -fsSL https://get.example.com/agent | sh
```

- [ ] Confirm the service answers

```bash
curl -fsS https://svc.example.com/health
```

## Rollback
- [ ] Point the DNS back to the old address
- [ ] Restore the backup

```
restore --latest
```
"""


def test_the_issue_runbook_imports_with_meaning() -> None:
    found = by_title(RUNBOOK)
    assert found["Go/no-go call with the change board"]["kind"] == "approval"
    assert found["Go/no-go call with the change board"]["approvers"]
    switch = next(item for title, item in found.items() if title.startswith("Switch the DNS @erin"))
    assert switch["point_of_no_return"] is True and switch["owner"] == "erin"
    assert found["Take the backup"]["owner"] == "Dana"  # "(owner: NAME)" leaves the title
    agent = found["Install the agent"]
    assert "verify" not in agent and "| sh" in agent["details"]
    assert found["Confirm the service answers"]["verify"] == "curl -fsS https://svc.example.com/health"
    # the rollback section is the rollback of the step it follows, not forward steps
    assert not [t for t in found if "Point the DNS back" in t or t == "Restore the backup"]
    rollback = found["Confirm the service answers"]["rollback"]
    assert "Point the DNS back to the old address" in rollback and "restore --latest" in rollback
    assert not any("verify" in item and "| sh" in item["verify"] for item in found.values())


@pytest.mark.parametrize(("lang", "code", "made"), [
    ("bash", "kubectl get pods -A", True),
    ("sh", "systemctl status nginx", True),
    ("shell", "pg_isready -h db1", True),
    ("console", "$ kubectl version\nClient Version: v1.30", True),
    ("sql", "select count(*) from users;", False),
    ("python", "print('ok')", False),
    ("yaml", "key: value", False),
    ("bash", "ls / && rm -rf /srv/data", False),
    ("bash", "curl https://x.example.com/i.sh | bash", False),
    ("sh", "mkfs.ext4 /dev/sdb", False),
    ("sh", "dd if=/dev/zero of=/dev/sda", False),
    ("bash", 'psql -c "DROP TABLE users"', False),
])
def test_only_shell_checks_become_verify(lang: str, code: str, made: bool) -> None:
    [item] = items(f"# Steps\n- [ ] Check the cluster\n\n```{lang}\n{code}\n```\n")
    assert ("verify" in item) is made, item
    if not made:
        assert code.splitlines()[0] in item["details"]


def test_a_console_block_keeps_only_its_commands() -> None:
    [item] = items("# Steps\n- [ ] Check the version\n\n```console\n$ kubectl version\nv1.30\n```\n")
    assert item["verify"] == "kubectl version"


def test_code_without_a_language_needs_a_check_line() -> None:
    text = ("# Steps\n- [ ] Upgrade the masters\n\n```\nkubectl get nodes\n```\n\n"
            "Then confirm:\n\n```\nkubectl version\n```\n")
    [item] = items(text)
    assert item["verify"] == "kubectl version"
    assert "kubectl get nodes" in item["details"]


def test_a_check_heading_allows_code_without_a_language() -> None:
    [item] = items("# Upgrade\n## Verify the cluster\n- [ ] Nodes are ready\n\n"
                   "```\nkubectl get nodes\n```\n")
    assert item["verify"] == "kubectl get nodes"


def test_a_refused_verify_is_listed() -> None:
    result = import_markdown("# Steps\n- [ ] Check the disk\n\n```bash\nrm -rf /tmp/x && df -h\n```\n")
    assert any("rm -rf" in line and "verify" in line for line in result.skipped), result.skipped


def test_a_go_no_go_heading_becomes_an_approval_after_its_criteria() -> None:
    text = "# Plan\n## Go/No-Go\n- [ ] Backups verified\n- [ ] Staff on call\n## Execute\n- [ ] Upgrade\n"
    found = items(text)
    approval = next(i for i in found if i.get("kind") == "approval")
    assert approval["title"] == "Go/No-Go" and approval["depends_on"] == ["staff-on-call"]


def test_a_point_of_no_return_line_sets_the_flag_on_its_step() -> None:
    found = by_title("# Steps\n1. Stop the old cluster\n"
                     "2. Run pg_upgrade --link. Point of no return!\n3. Start\n")
    assert found["Run pg_upgrade --link. Point of no return!"]["point_of_no_return"] is True
    assert "point_of_no_return" not in found["Stop the old cluster"]


@pytest.mark.parametrize(("text", "owner"), [
    ("Stop the writers (owner: Alice Smith)", "Alice Smith"),
    ("Stop the writers @bob", "bob"),
    ("Stop the writers. Owner: dba-team", "dba-team"),
    ("Mail ops@example.com", None),
])
def test_owners(text: str, owner: str | None) -> None:
    [item] = items(f"# Steps\n- [ ] {text}\n")
    assert item.get("owner") == owner


@pytest.mark.parametrize(("text", "estimate"), [
    ("Delete the old snapshots after 30 days", None),
    ("Rotate the logs every 7 days", None),
    ("Remove backups older than 14 days", None),
    ("Drain the nodes (~30 minutes)", "30m"),
    ("Pause pools for 30-60 seconds", "1m"),
])
def test_delays_and_periods_are_not_estimates(text: str, estimate: str | None) -> None:
    [item] = items(f"# Steps\n- [ ] {text}\n")
    assert item.get("estimate") == estimate


def test_a_runbook_of_only_rollback_steps_keeps_them() -> None:
    found = items("# Application Rollback\n- [ ] Page the on-call\n- [ ] Start the rollback\n")
    assert [i["title"] for i in found] == ["Page the on-call", "Start the rollback"]


def test_input_over_1_mib_is_refused() -> None:
    with pytest.raises(MarkdownImportError, match="1 MiB"):
        import_markdown("- [ ] step\n" * (MAX_RUNBOOK_BYTES // 10))


@pytest.mark.skipif(not RUNBOOKS.is_dir(), reason=f"fixture runbooks not found at {RUNBOOKS}")
def test_no_fixture_runbook_gets_a_destructive_or_non_shell_verify() -> None:
    from updeck.storage.markdown_rules import destructive_part

    for path in sorted(RUNBOOKS.glob("*.md")):
        result = import_markdown(path.read_text(encoding="utf-8"), source=path.name)
        for phase in result.template_dict["phases"].values():
            for item in phase["items"]:
                if "verify" in item:
                    assert destructive_part(item["verify"]) is None, (path.name, item)
                    first = item["verify"].lstrip().lower()
                    assert not first.startswith(("select ", "update ", "insert ")), (path.name, item)


def test_sql_never_becomes_a_verify() -> None:
    inline = "# Checks\n* Verify the connection count:\n`select count(*) from pg_stat_activity;`\n"
    assert "verify" not in items(inline)[0]
    block = "# Checks\n- [ ] Verify the lag\n\n```\nselect pg_last_wal_replay_lsn();\n```\n"
    [item] = items(block)
    assert "verify" not in item and "pg_last_wal_replay_lsn" in item["details"]
