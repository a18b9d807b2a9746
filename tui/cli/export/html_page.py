"""The report as one self-contained HTML page: inline CSS, no scripts, no links, every text escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from updeck.tui.cli.export.document import Data, Doc, write

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d1d1f;
max-width:80rem}
h1{font-size:1.6rem;border-bottom:2px solid #333;padding-bottom:.3rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;font-size:.85rem}
td.s-done{color:#176b2c}td.s-failed,td.s-blocked{color:#a11;font-weight:600}
td.s-skipped{color:#666}td.s-in_progress{color:#8a5a00;font-weight:600}
@media print{body{margin:0}h2{page-break-after:avoid}}
"""


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


class _Html(Doc):
    def title(self, text: str) -> None:
        self.parts.append(f"<h1>{_h(text)}</h1>\n")

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{_h(text)}</h2>\n")

    def para(self, text: str) -> None:
        self.parts.append(f"<p>{_h(text)}</p>\n")

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        self.parts.append('<dl class="facts">\n')
        for key, value in rows:
            self.parts.append(f"<dt>{_h(key)}</dt><dd>{_h(value)}</dd>\n")
        self.parts.append("</dl>\n")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        body = [list(r) for r in rows]
        if not body:
            self.parts.append("<p><em>none</em></p>\n")
            return
        self.parts.append("<table>\n<thead><tr>"
                          + "".join(f"<th>{_h(c)}</th>" for c in header) + "</tr></thead>\n<tbody>\n")
        status_col = header.index("status") if "status" in header else -1
        for row in body:
            cells = []
            for i, cell in enumerate(row):
                css = ""
                if i == status_col:
                    css = f' class="s-{_h(str(cell).replace(" ", "_"))}"'
                cells.append(f"<td{css}>{_h(cell)}</td>")
            self.parts.append("<tr>" + "".join(cells) + "</tr>\n")
        self.parts.append("</tbody>\n</table>\n")

    def pre(self, text: str) -> None:
        self.parts.append(f"<pre>{_h(text)}</pre>\n")


def render_html(data: Data, figure: str = "") -> str:
    """The page; ``figure`` (inline SVG of the timeline) goes in before the phases."""
    doc = _Html()
    write(doc, data)
    if figure:
        body = doc.text()
        at = body.find("<h2>Phases: plan against actuals</h2>")
        at = at if at >= 0 else len(body)
        doc.parts = [body[:at], "<h2>Timeline: plan against actual</h2>\n", figure, body[at:]]
    name = data["project"]["name"]
    if data["project"].get("rehearsal_of"):
        name = "REHEARSAL " + name
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{_h('Upgrade report: ' + name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + doc.text() + "</body>\n</html>\n"
    )


class HtmlPage(_Html):
    """An HTML document for other writers (compare, review); ``raw`` adds markup as is
    (inline SVG); ``page(title)`` wraps it in the report's self-contained page."""

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def page(self, title: str) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{_h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
                + self.text() + "</body>\n</html>\n")


def page() -> HtmlPage:
    return HtmlPage()
