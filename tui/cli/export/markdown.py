"""The report as Markdown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from updeck.tui.cli.export.document import Data, Doc, write


def _md_text(text: str) -> str:
    """Raw HTML in Markdown is passed through by renderers: show it as text instead."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(text: str) -> str:
    return _md_text(text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ")
                    .replace("\n", " ").strip()) or " "


class _Markdown(Doc):
    def title(self, text: str) -> None:
        self.parts.append(f"# {_md_cell(text)}\n\n")

    def heading(self, text: str) -> None:
        self.parts.append(f"## {_md_cell(text)}\n\n")

    def para(self, text: str) -> None:
        self.parts.append(f"{_md_text(text)}\n\n")

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        for key, value in rows:
            self.parts.append(f"- **{_md_cell(key)}:** {_md_cell(value)}\n")
        self.parts.append("\n")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        body = [list(r) for r in rows]
        if not body:
            self.parts.append("_none_\n\n")
            return
        self.parts.append("| " + " | ".join(_md_cell(h) for h in header) + " |\n")
        self.parts.append("|" + "|".join("---" for _ in header) + "|\n")
        for row in body:
            self.parts.append("| " + " | ".join(_md_cell(str(c)) for c in row) + " |\n")
        self.parts.append("\n")

    def pre(self, text: str) -> None:
        fence = "```"
        while fence in text:
            fence += "`"
        self.parts.append(f"{fence}\n{text.rstrip()}\n{fence}\n\n")


def render_markdown(data: Data) -> str:
    doc = _Markdown()
    write(doc, data)
    return doc.text().rstrip("\n") + "\n"


def markdown_doc() -> Doc:
    """An empty Markdown document for other writers (compare, review)."""
    return _Markdown()
