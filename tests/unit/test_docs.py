"""The user docs stay true: every CLI command and option is in docs/cli.md, every template
key in docs/templates.md (both read from the code, not from a list kept here), the
examples marked ``<!-- test: validates -->`` load, and nothing points outside the repo.

Adding a command, an option or a template key makes these tests fail until the docs
describe it: write it where the failure message says.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import updeck.storage
from updeck.storage.locations import SHIPPED_TEMPLATES
from updeck.storage.templates import TEMPLATE_KEYS, TemplateErrors, load_template_text
from updeck.tui.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"
TEMPLATES_MD = DOCS / "templates.md"
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
VALIDATES = re.compile(r"<!--\s*test:\s*validates\s*-->\s*\n```ya?ml\n(.*?)\n```", re.DOTALL)


def sections(text: str) -> list[tuple[str, str]]:
    """(heading text, body up to the next heading of the same or a higher level)."""
    lines = text.splitlines()
    heads = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines)
             if (m := HEADING.match(line))]
    out = []
    for n, (start, level, title) in enumerate(heads):
        end = next((i for i, lv, _ in heads[n + 1:] if lv <= level), len(lines))
        out.append((title, "\n".join(lines[start + 1:end])))
    return out


def section(text: str, wanted: re.Pattern[str]) -> str | None:
    for title, body in sections(text):
        if wanted.search(title):
            return body
    return None


def mentions_option(body: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", body) is not None


def mentions_key(body: str, key: str) -> bool:
    return f"`{key}`" in body


# --- the CLI ------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings
            if opt.startswith("--") and opt != "--help"}


def commands() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every subcommand as its words ('item', 'rollback start'), nested ones included."""
    out: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        for name, sub in _subparsers(parser).items():
            words = f"{prefix} {name}".strip()
            out.append((words, sub))
            walk(words, sub)

    walk("", build_parser())
    return out


def test_the_parser_has_commands_to_check() -> None:
    names = [words for words, _ in commands()]
    assert {"new", "item", "status", "serve"} <= set(names)


@pytest.mark.parametrize("words", [w for w, _ in commands() if " " not in w])
def test_every_command_has_its_section_in_cli_md(words: str) -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    body = section(text, re.compile(rf"`updeck {re.escape(words)}`"))
    assert body is not None, (f"docs/cli.md has no section for 'updeck {words}': add a heading "
                              f"such as '### `updeck {words}`' that describes it")


@pytest.mark.parametrize("words", [w for w, _ in commands()])
def test_every_option_of_every_command_is_in_its_section(words: str) -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    top = words.split()[0]
    body = section(text, re.compile(rf"`updeck {re.escape(top)}`")) or ""
    parser = dict(commands())[words]
    for option in sorted(_long_options(parser) - {"--db", "--as"}):
        assert mentions_option(body, option), (
            f"docs/cli.md, section 'updeck {top}': option {option} of 'updeck {words}' is not "
            "described")
    if " " in words:  # a nested subcommand is named in its group's section
        assert re.search(rf"\b{re.escape(words.split()[-1])}\b", body), (
            f"docs/cli.md, section 'updeck {top}': subcommand '{words}' is not described")


def test_global_options_are_documented() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    body = section(text, re.compile(r"global options", re.IGNORECASE))
    assert body is not None, "docs/cli.md needs a 'Global options' section"
    for option in sorted(_long_options(build_parser())):
        assert mentions_option(body, option), f"docs/cli.md, Global options: {option} is missing"


def test_exit_codes_are_documented() -> None:
    from updeck.tui.cli import exit_codes

    text = CLI_MD.read_text(encoding="utf-8")
    body = section(text, re.compile(r"exit codes", re.IGNORECASE))
    assert body is not None, "docs/cli.md needs an 'Exit codes' section"
    codes = {value for name, value in vars(exit_codes).items()
             if name.startswith("EXIT_") and isinstance(value, int)}
    for code in sorted(codes):
        assert re.search(rf"\|\s*`?{code}`?\s*\|", body), f"docs/cli.md, Exit codes: {code} is missing"


# --- the template format ------------------------------------------------------------------


def test_the_loader_names_its_keys() -> None:
    assert {"top", "phase", "item"} <= set(TEMPLATE_KEYS)
    assert "verify" in TEMPLATE_KEYS["item"] and "extends" in TEMPLATE_KEYS["top"]


def test_every_key_set_of_the_template_modules_is_in_TEMPLATE_KEYS() -> None:
    """A new key set (``*_KEYS``) in a template module must be in TEMPLATE_KEYS, so the
    docs test below sees it."""
    named = {key for values in TEMPLATE_KEYS.values() for key in values}
    for info in pkgutil.iter_modules(updeck.storage.__path__, "updeck.storage."):
        if "template" not in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.endswith("_KEYS") and isinstance(value, (tuple, frozenset, set, list)):
                missing = {v for v in value if isinstance(v, str)} - named
                assert not missing, (f"{info.name}.{name} has keys that TEMPLATE_KEYS does not "
                                     f"name: {sorted(missing)}")


@pytest.mark.parametrize("place", sorted(TEMPLATE_KEYS))
def test_every_template_key_is_in_templates_md(place: str) -> None:
    text = TEMPLATES_MD.read_text(encoding="utf-8")
    body = section(text, re.compile(rf"^{re.escape(place)}(-level)? keys\b", re.IGNORECASE))
    assert body is not None, (f"docs/templates.md has no section '{place.capitalize()} keys': add "
                              "one with a table of its keys")
    missing = [key for key in sorted(TEMPLATE_KEYS[place]) if not mentions_key(body, key)]
    assert not missing, (f"docs/templates.md, section '{place} keys': not described: "
                         + ", ".join(f"`{key}`" for key in missing))


def test_the_examples_of_templates_md_validate() -> None:
    text = TEMPLATES_MD.read_text(encoding="utf-8")
    examples = VALIDATES.findall(text)
    assert examples, "docs/templates.md has no example marked <!-- test: validates -->"
    complete = 0
    for n, example in enumerate(examples, 1):
        try:
            loaded = load_template_text(example, f"docs/templates.md example {n}",
                                        search_path=[SHIPPED_TEMPLATES])
        except TemplateErrors as exc:
            pytest.fail(f"an example of docs/templates.md does not validate:\n{exc}")
        if not loaded.template.extensions and "extends:" not in example:
            complete = max(complete, len(loaded.template.phases))
    assert complete == 7, "the complete example (no extends) should use all seven phases"


# --- no pointers outside the repository ----------------------------------------------------


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: p.name)
def test_docs_do_not_point_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for bad in ("../shared", "shared/specs"):
        assert bad not in text, f"{path.name} mentions {bad}: the docs live in docs/ now"


def test_readme_links_the_user_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/templates.md", "docs/cli.md", "docs/operations.md"):
        assert name in text, f"README.md does not link {name}"
        assert (ROOT / name).is_file()


def test_updeck_help_names_the_docs_and_demo_says_which_folder() -> None:
    parser = build_parser()
    epilog = parser.epilog or ""
    for name in ("docs/cli.md", "docs/templates.md", "docs/operations.md"):
        assert name in epilog, f"'updeck --help' does not name {name}"
    demo = dict(commands())["demo"].format_help()
    assert "UPDECK_DB" in demo and "--db" in demo and "updeck locate" in demo
