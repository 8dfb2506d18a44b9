"""Label rules shared by validation and reconciliation: the Hub's charset and our ownership keys."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

LABEL_MAX_LENGTH = 100
LABEL_PATTERN = r"^[A-Za-z0-9_-]+$"
LABEL_VALUE_PATTERN = r"^[A-Za-z0-9_-]*$"
LABEL_RE = re.compile(LABEL_PATTERN)
LABEL_VALUE_RE = re.compile(LABEL_VALUE_PATTERN)


def is_valid_key(key: str) -> bool:
    """What the Hub accepts as a label key: 1-100 letters, digits, `-` and `_` (validate and localhub)."""
    return len(key) <= LABEL_MAX_LENGTH and LABEL_RE.fullmatch(key) is not None


def is_valid_value(value: str) -> bool:
    """What the Hub accepts as a label value: the key's characters, 0-100 of them."""
    return len(value) <= LABEL_MAX_LENGTH and LABEL_VALUE_RE.fullmatch(value) is not None

# Ownership labels stamped on everything apply creates. Their prefix is reserved in manifests.
RESERVED_PREFIX = "hfjobs-"
MANAGED_BY = "hfjobs-managed-by"
MANAGED_BY_VALUE = "hfjobs-spec"
PROJECT = "hfjobs-project"
MANIFEST_NAME = "hfjobs-name"
SPEC_HASH = "hfjobs-spec-hash"
PROTECT = "hfjobs-protect"
ENVIRONMENT = "hfjobs-environment"
# Hash of the in-place fields (schedule, suspend, labels, protect) as apply last set them: a
# difference between it and the live values means someone changed the job on the Hub by hand.
APPLIED = "hfjobs-applied"
# Replaces PROJECT on the runs of earlier revisions, so that the project's listing holds only the
# current ones (reconcile.diff.retire); its value is the project the run belonged to.
RETIRED_FROM = "hfjobs-retired-from"
# On a run started by `hfjobs-spec run` rather than by apply or a schedule's own clock. Such a run
# is never the revision's run, so apply never cancels or retires it (reconcile.live.is_revision_run).
STARTED_BY = "hfjobs-started-by"
STARTED_BY_HAND = "hand"
# A unique id per create, so a create retried after an ambiguous failure can find its first try.
OPERATION = "hfjobs-op"
DEFAULT_ENVIRONMENT = "default"
# The lease of one project environment (a suspended scheduled job, see reconcile.lease): its value is
# the environment; holder and expiry (epoch seconds) say whose it is and until when.
LOCK = "hfjobs-lock"
LOCK_HOLDER = "hfjobs-lock-holder"
LOCK_EXPIRES = "hfjobs-lock-expires"
# On the runs of a manifest with `on: hub:`: the project has a webhook to read (and, once the manifest is
# gone, to prune). Its value is "true". Without it and without `on:` in the manifests, plan lists no webhooks.
WEBHOOK = "hfjobs-webhook"
# A webhook has no labels: the one field it keeps that we choose is its `secret` (the payload-signing
# secret, which a Job-triggered webhook hands to the job as WEBHOOK_SECRET). A managed webhook's secret
# starts with this prefix; see reconcile/webhook_marker.py for the rest of it.
WEBHOOK_MARKER_PREFIX = "hfjobs-spec-webhook;"
# The Hub's own display-name label; we set it to the manifest name.
HUB_NAME = "name"

RESERVED_KEYS = (HUB_NAME,)

# Label key prefixes of other tools that run Hub jobs: their jobs are shown as foreign, never pruned,
# adopted or imported. huggingface_hub's sandboxes label theirs `hf-sandbox`, `hf-sandbox-mode`,
# `hf-sandbox-pool` and `hf-sandbox-nonce` (`_sandbox.py`, 2.4). A project adds its own tools' prefixes
# with `foreign_label_prefixes` in hfjobs.yaml.
FOREIGN_PREFIXES = ("hf-sandbox",)


def is_reserved(key: str) -> bool:
    """Keys that apply sets itself and a manifest may not use."""
    return key in RESERVED_KEYS or key.startswith(RESERVED_PREFIX)


def foreign_label(labels: Mapping[str, str], prefixes: Iterable[str] = FOREIGN_PREFIXES) -> str | None:
    """The first label key (sorted) that marks a job as another tool's, or None."""
    chosen = tuple(prefixes)
    return next((key for key in sorted(labels) if key.startswith(chosen)), None) if chosen else None


def foreign_prefix_problem(prefix: str) -> str | None:
    """Why `prefix` may not be a foreign prefix (it would claim our own or the Hub's labels), or None."""
    if prefix.startswith(RESERVED_PREFIX) or RESERVED_PREFIX.startswith(prefix):
        return f"{prefix!r} would match the '{RESERVED_PREFIX}*' labels hfjobs-spec stamps on its own jobs"
    if HUB_NAME.startswith(prefix):
        return f"{prefix!r} would match the Hub's '{HUB_NAME}' label, which every job carries"
    return None
