"""When the loop next has something to do: take a sample, drop a message, or stop.

A frozen value, moved on by the loop with the monotonic time it read; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The first rates (CPU %, network, disk) need two samples; take the second one soon after start
# rather than a whole interval later.
FIRST_FOLLOW_UP_S = 0.5
MESSAGE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Schedule:
    last_sample_s: float
    next_sample_s: float
    message_until_s: float | None = None
    stop_at_s: float | None = None  # --duration

    @classmethod
    def starting(cls, now_s: float, interval_s: float, duration_s: float | None) -> Schedule:
        return cls(
            last_sample_s=now_s,
            next_sample_s=now_s + min(interval_s, FIRST_FOLLOW_UP_S),
            stop_at_s=None if duration_s is None else now_s + duration_s,
        )

    def wait_s(self, now_s: float, paused: bool) -> float | None:
        """How long the loop may wait for input before it has something to do (None: for
        ever, while paused with nothing else due)."""
        due = [t for t in (self.message_until_s, self.stop_at_s) if t is not None]
        if not paused:
            due.append(self.next_sample_s)
        return max(0.0, min(due) - now_s) if due else None

    def sample_due(self, now_s: float, paused: bool) -> bool:
        return not paused and now_s >= self.next_sample_s

    def sampled(self, now_s: float, interval_s: float) -> Schedule:
        """After a sample: a fixed schedule, so no drift, and no burst of catch-up samples after
        a stall (a suspended process, a loaded machine)."""
        following = self.next_sample_s + interval_s
        if following <= now_s:
            following = now_s + interval_s
        return replace(self, last_sample_s=now_s, next_sample_s=following)

    def rescheduled(self, interval_s: float) -> Schedule:
        return replace(self, next_sample_s=self.last_sample_s + interval_s)

    def sample_now(self, now_s: float) -> Schedule:
        return replace(self, next_sample_s=now_s)

    def message_shown(self, now_s: float) -> Schedule:
        return replace(self, message_until_s=now_s + MESSAGE_SECONDS)

    def message_expired(self, now_s: float) -> bool:
        return self.message_until_s is not None and now_s >= self.message_until_s

    def message_dropped(self) -> Schedule:
        return replace(self, message_until_s=None)

    def finished(self, now_s: float) -> bool:
        return self.stop_at_s is not None and now_s >= self.stop_at_s
