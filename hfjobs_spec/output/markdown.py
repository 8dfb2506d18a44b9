"""Markdown pieces shared by the pull-request plan comment and the drift issue.

Everything here is plain text in, text out. GitHub renders `diff` fences with `+` lines green,
`-` lines red and `!` lines orange, which is what the renderers colour changes with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# GitHub refuses comments and issue bodies over 65,536 characters; this leaves room for the footer.
MAX_CHARS = 60_000


@dataclass(frozen=True)
class RunContext:
    """Where a rendering was made: the commit and the workflow run (both optional outside CI)."""

    commit: str | None = None
    run_url: str | None = None

    def footer(self) -> str:
        parts = []
        if self.commit:
            parts.append(f"made at commit `{self.commit[:12]}`")
        if self.run_url:
            parts.append(f"[workflow run]({self.run_url})")
        return f"\n<sub>hfjobs-spec · {' · '.join(parts)}</sub>\n" if parts else ""


def marker(kind: str, project: str, environment: str | None) -> str:
    """The hidden line by which the one comment (or issue) of a project environment is found again."""
    return f"<!-- hfjobs-spec {kind}: {project}/{environment or 'default'} -->"


def fence(body: str, language: str = "") -> str:
    """A code fence longer than any backtick run inside, so a value can never close it early."""
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return f"{ticks}{language}\n{body}\n{ticks}\n"


def inline(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, what: str) -> str:
    """`text` cut at a line boundary to at most `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, max(0, limit - 120))
    kept = text[: cut if cut > 0 else max(0, limit - 120)]
    return f"{kept}\n… {len(text) - len(kept):,} more characters of {what} left out\n"
