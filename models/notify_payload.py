"""The bodies a webhook receives, built from a notification's ``generic`` document:
``generic`` (the document), ``slack`` (text + Block Kit blocks), ``teams`` (an Adaptive
Card in a message, as Teams incoming webhooks and Workflows accept), ``mattermost``
(text). Every text is passed through :func:`updeck.models.text.one_line` again here, so
a document from an older outbox cannot smuggle anything through."""

from __future__ import annotations

from typing import Any

from updeck.models.text import one_line

_COLOUR = {"danger": "attention", "warning": "warning", "info": "accent"}


def _slack_escape(text: str) -> str:
    """Slack mrkdwn: & < > are control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _facts(doc: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [("project", one_line(doc.get("project", {}).get("name", ""))),
             ("trigger", one_line(doc.get("trigger", "")))]
    item = doc.get("item") or {}
    if item:
        facts.append(("item", one_line(f"{item.get('id', '')} ({item.get('status', '')})")))
        if item.get("owner"):
            facts.append(("owner", one_line(item["owner"])))
    event = doc.get("event") or {}
    if event:
        facts.append(("by", one_line(event.get("by", ""))))
    facts.append(("at", one_line(doc.get("at", ""))))
    facts.append(("key", one_line(doc.get("key", ""))))
    return facts


def slack_body(doc: dict[str, Any]) -> dict[str, Any]:
    title = _slack_escape(one_line(doc.get("title", "")))
    context = " · ".join(f"{name}: {_slack_escape(value)}" for name, value in _facts(doc))
    return {
        "text": title,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:2900]}]},
        ],
    }


def teams_body(doc: dict[str, Any]) -> dict[str, Any]:
    title = one_line(doc.get("title", ""))
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True,
             "color": _COLOUR.get(str(doc.get("severity", "info")), "accent")},
            {"type": "FactSet",
             "facts": [{"title": name, "value": value} for name, value in _facts(doc)]},
        ],
    }
    return {"type": "message", "summary": title[:250],
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "contentUrl": None, "content": card}]}


def mattermost_body(doc: dict[str, Any]) -> dict[str, Any]:
    title = one_line(doc.get("title", ""))
    facts = " · ".join(f"{name}: {value}" for name, value in _facts(doc))
    return {"text": f"**{title}**\n{facts}", "props": {"updeck_key": one_line(doc.get("key", ""))}}


def webhook_body(doc: dict[str, Any], shape: str) -> dict[str, Any]:
    """The JSON body for a webhook of ``shape`` (``generic``: the document itself)."""
    if shape == "slack":
        return slack_body(doc)
    if shape == "teams":
        return teams_body(doc)
    if shape == "mattermost":
        return mattermost_body(doc)
    return doc
