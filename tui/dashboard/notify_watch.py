"""The dashboard's part in notifications: while it shows a project with rules and no
``updeck notify run`` holds that project's lease, it delivers (a sender of kind
``dashboard``: no commands, only webhooks whose secret its environment holds), every
few seconds in a thread worker; and it says in the notice bar what is undelivered or
failed. A read-only dashboard only looks. The sender is imported in the worker, the
first time a project with rules is shown: opening the dashboard does not pay for it."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from updeck.storage.errors import StorageError
from updeck.tui.dashboard.messages import OutboxChanged

if TYPE_CHECKING:
    from updeck.tui.dashboard.app import UpdeckApp

NOTIFY_EVERY = 2.0  # seconds between rounds
GROUP = "notify"
ROUND_PATIENCE = 1.0  # seconds a round waits for its deliveries before it reports


class NotifyWatch:
    def __init__(self, app: UpdeckApp) -> None:
        self.app = app
        self.senders: dict[str, Any] = {}  # project id -> its Sender (notify_sender)
        self.running = False

    def start(self) -> None:
        self.app.set_interval(NOTIFY_EVERY, self.tick)

    def tick(self) -> None:
        project_id = self.app.watched_project()
        live = self.app.live.get(project_id) if project_id else None
        if self.running or project_id is None or live is None or not live.state.notify_rules:
            return
        self.running = True
        self.app.background(lambda: self._round(project_id), group=GROUP)

    def _round(self, project_id: str) -> OutboxChanged:
        """In the worker: one sender step (unless read-only), then what the outbox holds."""
        from updeck.tui.common.notify_sender import Sender, SenderConfig, outbox_for
        from updeck.tui.common.notify_status import summary

        try:
            sender = self.senders.get(project_id)
            if sender is None and not self.app.read_only:
                sender = self.senders[project_id] = Sender(
                    self.app.repo, project_id, self.app.operator,
                    config=SenderConfig(kind="dashboard"))
            if sender is not None:
                sender.step()
                sender.wait_idle(ROUND_PATIENCE)  # quick deliveries are counted as done
            outbox = sender.outbox if sender is not None else outbox_for(self.app.repo, project_id)
            said = summary(outbox.view())
            return OutboxChanged(project_id, said.text(), bool(said.failed))
        except (StorageError, OSError) as exc:  # in the bar, not a toast every 2 s
            return OutboxChanged(project_id, f"cannot deliver now: {exc}", True)
        finally:
            self.running = False

    def stop(self) -> None:
        """Give the leases back (a closed dashboard's lease is free anyway: its pid is gone)."""
        for sender in list(self.senders.values()):
            with contextlib.suppress(Exception):  # leaving; the lease expires by itself
                sender.release()
