"""What counts as a Hugging Face token, in one place, and the cleaning every message goes through.

Hub user access tokens are `hf_` followed by letters and digits (34 of them today). The rule is the
one `env:` values were always held to: it starts at a word boundary, so `shf_...` is not a token,
but it no longer needs one at the end, which let `hf_<token>_suffix` through.
"""

from __future__ import annotations

import dataclasses
import re

from hfjobs_spec.errors import ManifestIssue

# Detection: a string holding this is treated as a secret value (validation refuses it, env() too).
HUB_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{30,}")
# Redaction is looser than detection, so that a message can never show a token, nor most of one.
_TOKEN_FRAGMENT = re.compile(r"hf_[A-Za-z0-9]{20,}")
REDACTED = "hf_***"


def looks_like_token(text: str) -> bool:
    """Whether `text` contains something shaped like a Hugging Face token."""
    return HUB_TOKEN.search(text) is not None


def redact(text: str) -> str:
    """`text` with anything token-like replaced by `hf_***`."""
    return _TOKEN_FRAGMENT.sub(REDACTED, text)


def printable(text: str) -> str:
    """`text` with control and other unprintable characters escaped (`\\n`, `\\x00`).

    A newline in a file name or a mapping key must not start a line of its own in the output: it
    could pass for another error, or for a workflow command (`::add-mask::`) that CI would obey.
    """
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def safe_text(text: str) -> str:
    """`text` fit for any output: no token, no unprintable character."""
    return printable(redact(text))


def safe_issue(issue: ManifestIssue) -> ManifestIssue:
    """The last line of defence for every issue: its file, field and message are `safe_text`."""
    return dataclasses.replace(issue, file=safe_text(issue.file), field=safe_text(issue.field),
                               message=safe_text(issue.message))
