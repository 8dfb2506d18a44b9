"""The hub's notion of time, injectable so tests can jump it instead of sleeping.

Everything time-dependent in localhub (job stages, cron ticks, log timestamps, the `Date`
header) reads `Clock.now()`. Nothing advances on its own in the background: state is derived
lazily from the clock at each request, so moving the clock moves the whole hub at once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the localhub clock needs a timezone-aware datetime (use UTC)")
    return when.astimezone(UTC)


class Clock:
    """Real UTC time shifted by an offset, or (``frozen=True``) an instant that only moves when told.

    `set()` and `advance()` work in both modes: on a running clock they change the offset, so time
    keeps flowing from the new instant; on a frozen clock they move the frozen instant.
    Thread-safe.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        real = datetime.now(UTC)
        begin = _require_aware(start) if start is not None else real
        self._instant = begin  # used when frozen
        self._offset = begin - real  # used when running

    @classmethod
    def frozen_at(cls, start: datetime) -> Clock:
        """A clock stopped at `start`; only `set()` and `advance()` move it."""
        return cls(start, frozen=True)

    @property
    def frozen(self) -> bool:
        """True when time stands still between explicit moves."""
        return self._frozen

    def now(self) -> datetime:
        """The current hub time, timezone-aware, in UTC."""
        with self._lock:
            if self._frozen:
                return self._instant
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        """Jump to `when` (may be in the past; derived state follows)."""
        when = _require_aware(when)
        with self._lock:
            self._instant = when
            self._offset = when - datetime.now(UTC)

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (negative moves it back)."""
        delta = timedelta(seconds=seconds)
        with self._lock:
            self._instant += delta
            self._offset += delta

    def now_ms(self) -> int:
        """`now()` as integer milliseconds since the Unix epoch, the unit stored in the database."""
        return to_ms(self.now())


def to_ms(when: datetime) -> int:
    """Milliseconds since the Unix epoch for an aware datetime."""
    return round(_require_aware(when).timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime for milliseconds since the Unix epoch."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso(ms: int) -> str:
    """ISO-8601 with milliseconds and a trailing ``Z``, the only form the client's parser accepts."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 instant; a missing offset means UTC."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
