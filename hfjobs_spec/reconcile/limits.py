"""Defaults of the executor, in a module of their own so that the CLI can show them without loading it."""

from __future__ import annotations

# The Hub counts API requests per 5-minute window (1,000 for a free user, 2,500 PRO, 3,000 for a
# Team org: hub-docs rate limits, September 2025), not requests in flight. 16 in flight keeps a
# 200-change apply near the round-trip floor; a bigger apply meets the window whatever the
# parallelism, and 429s then wait for its reset (RateLimit) within the retry deadline.
DEFAULT_PARALLELISM = 16
