"""Events emitted by write tools, and their delivery to notifier plugins.

Write tools call ``services.events.emit(...)``; that never blocks and never fails the tool call.
When notifiers are registered, a dispatcher task (started by the runtime) delivers each event to
every notifier with retries and backoff, counting outcomes in ``notifications_total``.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jira_mcp.errors import WebhookError
from jira_mcp.observability.logging import get_logger

if TYPE_CHECKING:
    from jira_mcp.observability.metrics import Metrics
    from jira_mcp.registries import Notifier

__all__ = ["Event", "EventBus"]

log = get_logger("jira_mcp.notify")


@dataclass(frozen=True)
class Event:
    """Something a write tool did. ``type`` is dotted: ``issue.created``, ``sprint.started``, ..."""

    type: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


class EventBus:
    """Fan-out of events to notifiers, off the tool call's path."""

    def __init__(self, metrics: Metrics, *, max_queue: int = 1000, attempts: int = 3, base_delay: float = 0.5):
        self.metrics = metrics
        self.notifiers: list[Notifier] = []
        self.recent: deque[Event] = deque(maxlen=200)
        self.attempts = attempts
        self.base_delay = base_delay
        self._queue: asyncio.Queue[Event] | None = None
        self._max_queue = max_queue

    def set_notifiers(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    def emit(self, type: str, summary: str, /, *, url: str | None = None, **data: Any) -> Event:
        event = Event(type=type, summary=summary, data=data, url=url)
        self.recent.append(event)
        if self.notifiers and self._queue is not None:
            try:
                self._queue.put_nowait(event)
                self.metrics.notification_queue.set(self._queue.qsize())
            except asyncio.QueueFull:
                for notifier in self.notifiers:
                    self.metrics.notifications.labels(notifier.name, "dropped").inc()
                log.warning("notification dropped, queue full", event_type=type, code="WEBHOOK_FAILED")
        return event

    async def run(self) -> None:
        """Deliver queued events until cancelled. Started by the runtime when notifiers exist."""
        self._queue = asyncio.Queue(self._max_queue)
        while True:
            event = await self._queue.get()
            try:
                await asyncio.gather(*(self._deliver(n, event) for n in self.notifiers))
            finally:
                self._queue.task_done()
                self.metrics.notification_queue.set(self._queue.qsize())

    async def drain(self, timeout: float) -> None:
        """Wait (bounded) until queued events were delivered; used at shutdown."""
        if self._queue is not None and not self._queue.empty():
            try:
                await asyncio.wait_for(self._queue.join(), timeout)
            except TimeoutError:
                log.warning("notifications left undelivered at shutdown", pending=self._queue.qsize())

    async def _deliver(self, notifier: Notifier, event: Event) -> None:
        wants = getattr(notifier, "wants", None)
        if callable(wants) and not wants(event):
            return  # filtered by the notifier's own event selection (e.g. SLACK_EVENTS)
        for attempt in range(1, self.attempts + 1):
            try:
                await notifier.send(event)
            except Exception as exc:  # a notifier must never take the dispatcher down
                code = exc.code if isinstance(exc, WebhookError) else "WEBHOOK_FAILED"
                if attempt == self.attempts:
                    self.metrics.notifications.labels(notifier.name, "failed").inc()
                    log.error(
                        "notification failed",
                        notifier=notifier.name,
                        event_type=event.type,
                        code=code,
                        attempts=attempt,
                        error=str(exc),
                    )
                    return
                await asyncio.sleep(random.uniform(0, self.base_delay * 2 ** (attempt - 1)))
            else:
                self.metrics.notifications.labels(notifier.name, "sent").inc()
                return
