"""Fault injection and request counters, for reliability tests and benchmarks.

A fault rule applies to requests whose route key (``"METHOD /template"``, e.g.
``"POST /api/jobs/{ns}"``) it matches. Route patterns: ``"*"`` (everything), ``"POST *"``
(every POST), ``"* /api/jobs/{ns}"`` or ``"/api/jobs/{ns}"`` (any method), or an exact key.

Modes:
- ``latency``: wait ``ms`` + uniform random [0, ``jitter_ms``) before handling. Latency rules
  add up and combine with one failure rule.
- ``error``: answer ``status`` (500, 502 or 503) without doing anything.
- ``rate-limit``: answer 429 without doing anything. ``headers`` picks what tells the client when
  to come back: ``"both"`` (default), ``"ratelimit"`` (the Hub's documented pair,
  ``RateLimit: "api";r=0;t=<retry_after>`` and ``RateLimit-Policy``) or ``"retry-after"``
  (``Retry-After: <retry_after>`` only).
- ``payment-required``: answer 402 with the Hub's "pre-paid credit balance is insufficient" message,
  without doing anything.
- ``forbidden``: answer 403 without doing anything.
- ``drop``: close the connection without any response, without doing anything.
- ``commit-then-fail``: perform the request (the write happens), then answer 500.
- ``commit-then-drop``: perform the request, then close the connection without a response.

``message`` replaces the error message of the modes that answer without doing anything (error,
rate-limit, payment-required, forbidden).

A rule fires with probability ``rate`` (default 1) and, when ``count`` is set, only for the next
``count`` matching requests. The first matching failure rule that fires wins. Random draws come
from one generator seeded by ``seed``, so a single-threaded run is reproducible.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from hfjobs_spec.localhub.common import ApiError

LATENCY = "latency"
FAILURE_MODES = (
    "error",
    "rate-limit",
    "payment-required",
    "forbidden",
    "drop",
    "commit-then-fail",
    "commit-then-drop",
)
MODES = (LATENCY, *FAILURE_MODES)
ERROR_STATUSES = (500, 502, 503)
RATE_LIMIT_HEADERS = ("both", "ratelimit", "retry-after")

# The Hub's fixed rate-limit window (hub-docs "Hub Rate limits": five-minute windows) and the
# quota it advertised in huggingface_hub issue #3553 ('"fixed window";"api";q=500;w=300').
RATE_LIMIT_WINDOW_SECONDS = 300
RATE_LIMIT_QUOTA = 500
# What the Hub answers (402) when Jobs has no credit left to spend; final, never worth retrying.
PAYMENT_REQUIRED_MESSAGE = "Pre-paid credit balance is insufficient - add more credits to your account to use Jobs."
# The modes that answer with an error and do nothing, with their status and default message.
_ANSWERS: dict[str, tuple[int, str]] = {
    "rate-limit": (429, "localhub: injected rate limit"),
    "payment-required": (402, PAYMENT_REQUIRED_MESSAGE),
    "forbidden": (403, "localhub: injected forbidden: this token may not do that in this namespace"),
}


@dataclass
class FaultRule:
    """One fault; see the module docstring for the fields' meaning."""

    route: str = "*"
    mode: str = "error"
    status: int = 500
    retry_after: int = 1
    headers: str = "both"
    message: str | None = None
    ms: float = 0.0
    jitter_ms: float = 0.0
    rate: float = 1.0
    count: int | None = None
    remaining: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"fault mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.mode == "error" and self.status not in ERROR_STATUSES:
            raise ValueError(f"fault status must be one of {ERROR_STATUSES}, got {self.status!r}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate!r}")
        if self.count is not None and self.count < 0:
            raise ValueError("fault count must be >= 0")
        if self.ms < 0 or self.jitter_ms < 0 or self.retry_after < 0:
            raise ValueError("ms, jitter_ms and retry_after must be >= 0")
        if not self.route.strip():
            raise ValueError("fault route must not be empty (use '*' for every route)")
        self._check_rate_limit()
        if self.message is not None and not (isinstance(self.message, str) and self.message.strip()):
            raise ValueError("fault message must be a non-empty string when given")
        if self.remaining is None:
            self.remaining = self.count

    def _check_rate_limit(self) -> None:
        if self.headers not in RATE_LIMIT_HEADERS:
            raise ValueError(
                f"fault headers must be one of {', '.join(RATE_LIMIT_HEADERS)}, got {self.headers!r}"
            )
        # `t` counts down to the end of the current window, so it can never exceed the window.
        if (
            self.mode == "rate-limit"
            and self.headers != "retry-after"
            and self.retry_after > RATE_LIMIT_WINDOW_SECONDS
        ):
            raise ValueError(
                f"retry_after must be <= {RATE_LIMIT_WINDOW_SECONDS} with RateLimit headers "
                "(the Hub's windows last five minutes); use headers 'retry-after' for longer waits"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from its JSON form (the field names as keys; `remaining` round-trips)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        try:
            return cls(**{key: data[key] for key in known if key in data})
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, including `remaining` for count-limited rules."""
        return asdict(self)

    def matches(self, route_key: str) -> bool:
        """Whether this rule's route pattern covers `route_key` ("METHOD /template")."""
        if self.route == "*":
            return True
        method, _, template = route_key.partition(" ")
        want_method, sep, want_template = self.route.partition(" ")
        if not sep:  # a bare template: any method
            want_method, want_template = "*", self.route
        return want_method in ("*", method) and want_template in ("*", template)


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: wait `delay_seconds`, then `action` (None = serve normally)."""

    delay_seconds: float = 0.0
    action: str | None = None
    status: int = 500
    retry_after: int = 1
    headers: str = "both"
    message: str | None = None

    def answer(self) -> ApiError | None:
        """The error to answer with when the action is to answer without doing anything."""
        if self.action == "error":
            return ApiError(self.status, self.message or "localhub: injected server error")
        if self.action not in _ANSWERS:
            return None
        status, default = _ANSWERS[self.action]
        headers = rate_limit_headers(self.headers, self.retry_after) if status == 429 else {}
        return ApiError(status, self.message or default, headers=headers)


def rate_limit_headers(form: str, reset_seconds: int) -> dict[str, str]:
    """The headers of a 429 that resets in `reset_seconds`, in the form the rule asks for.

    The Hub documents only the IETF-draft pair (hub-docs "Hub Rate limits"; the exact strings are
    those shown in huggingface_hub issue #3553); `Retry-After` is the generic HTTP form."""
    headers: dict[str, str] = {}
    if form in ("both", "retry-after"):
        headers["Retry-After"] = str(reset_seconds)
    if form in ("both", "ratelimit"):
        headers["RateLimit"] = f'"api";r=0;t={reset_seconds}'
        headers["RateLimit-Policy"] = f'"fixed window";"api";q={RATE_LIMIT_QUOTA};w={RATE_LIMIT_WINDOW_SECONDS}'
    return headers


class FaultInjector:
    """The active fault rules of one hub; thread-safe. Configure from Python or the admin route."""

    def __init__(self, rules: Iterable[FaultRule | Mapping[str, Any]] = (), *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)
        self.configure(rules, seed=seed)

    @staticmethod
    def _rule(rule: FaultRule | Mapping[str, Any]) -> FaultRule:
        return rule if isinstance(rule, FaultRule) else FaultRule.from_dict(rule)

    def configure(self, rules: Iterable[FaultRule | Mapping[str, Any]], *, seed: int | None = None) -> None:
        """Replace every rule (and reseed the generator if `seed` is given)."""
        parsed = [self._rule(rule) for rule in rules]
        with self._lock:
            self._rules = parsed
            if seed is not None:
                self._seed = seed
                self._random = random.Random(seed)

    def add(self, rule: FaultRule | Mapping[str, Any]) -> FaultRule:
        """Append one rule and return it (its `remaining` shows how many firings are left)."""
        parsed = self._rule(rule)
        with self._lock:
            self._rules.append(parsed)
        return parsed

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules = []

    def load(self, config: Mapping[str, Any]) -> None:
        """Apply the admin JSON form: ``{"rules": [...], "seed"?: int, "append"?: bool}``."""
        unknown = sorted(set(config) - {"rules", "seed", "append"})
        if unknown:
            raise ValueError(f"unknown fault config field(s): {', '.join(unknown)}")
        rules = config.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
            raise ValueError("'rules' must be a list of objects")
        seed = config.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("'seed' must be an integer")
        if config.get("append", False):
            parsed = [self._rule(rule) for rule in rules]
            with self._lock:
                self._rules.extend(parsed)
                if seed is not None:
                    self._seed, self._random = seed, random.Random(seed)
        else:
            self.configure(rules, seed=seed)

    def snapshot(self) -> dict[str, Any]:
        """The admin JSON form of the current configuration."""
        with self._lock:
            return {"seed": self._seed, "rules": [rule.to_dict() for rule in self._rules]}

    def _fires(self, rule: FaultRule) -> bool:
        if rule.remaining is not None and rule.remaining <= 0:
            return False
        # Draw only for partial rates, so count-only rules never disturb the random sequence.
        if rule.rate < 1.0 and self._random.random() >= rule.rate:
            return False
        if rule.remaining is not None:
            rule.remaining -= 1
        return True

    def decide(self, route_key: str) -> FaultDecision:
        """Pick the fate of one request to `route_key`."""
        with self._lock:
            if not self._rules:
                return FaultDecision()
            delay = 0.0
            chosen: FaultRule | None = None
            for rule in self._rules:
                if not rule.matches(route_key):
                    continue
                if rule.mode == LATENCY:
                    if self._fires(rule):
                        jitter = self._random.uniform(0, rule.jitter_ms) if rule.jitter_ms else 0.0
                        delay += (rule.ms + jitter) / 1000
                elif chosen is None and self._fires(rule):
                    chosen = rule
        if chosen is None:
            return FaultDecision(delay_seconds=delay)
        return FaultDecision(delay, chosen.mode, chosen.status, chosen.retry_after, chosen.headers, chosen.message)


class Counters:
    """Requests received per route key ("METHOD /template"), including faulted ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def increment(self, route_key: str) -> None:
        """Count one request."""
        with self._lock:
            self._counts[route_key] = self._counts.get(route_key, 0) + 1

    def snapshot(self) -> dict[str, int]:
        """A copy of the counts, sorted by key."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()
