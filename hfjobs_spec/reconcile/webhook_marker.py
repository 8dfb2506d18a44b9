"""How a managed webhook is recognised: a marker in its `secret`, the one field of a webhook we choose.

A Hub webhook has no labels. What `create_webhook` lets us store and `list_webhooks` returns is its
watched items, domains, the job spec it re-runs (copied from the source run: the Hub keeps no link
back to the run's id) and `secret`, a free string the Hub signs payloads with and hands a triggered
job as `WEBHOOK_SECRET`. The marker puts there who owns the webhook and what it was last set to:

    hfjobs-spec-webhook;v=1;project=P;env=E;ns=NS;name=N;job=RUN_ID;secrets=A,B

A webhook is managed by a project environment exactly when its secret parses as this, strictly,
with that project and environment. A webhook made by hand has no secret or a secret of its own, so
it never parses (even if it points at one of our runs) and is never changed or deleted. `job` is the
run whose spec the Hub re-runs: when a manifest's revision changes, the marker names the old run
and the plan points the webhook at the new one. `secrets` are the names (never values) it was given,
so that apply can remove the ones a manifest dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hfjobs_spec.labels import WEBHOOK_MARKER_PREFIX

_VERSION = "1"
# Every value is a label value, a namespace, a Hub id or env names: never ';' or '='.
_VALUE = {
    "project": re.compile(r"[A-Za-z0-9_-]{1,100}"),
    "env": re.compile(r"[A-Za-z0-9_-]{1,100}"),
    "ns": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}"),
    "name": re.compile(r"[a-z0-9][a-z0-9-]{0,62}"),
    "job": re.compile(r"[A-Za-z0-9_-]{1,100}"),
    "secrets": re.compile(r"([A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*)?"),
}
_KEYS = ("v", *_VALUE)
MAX_MARKER_LENGTH = 2000


@dataclass(frozen=True)
class WebhookMarker:
    project: str
    environment: str
    namespace: str
    name: str
    job_id: str
    secrets: tuple[str, ...] = ()

    def text(self) -> str:
        parts = [f"v={_VERSION}", f"project={self.project}", f"env={self.environment}", f"ns={self.namespace}",
                 f"name={self.name}", f"job={self.job_id}", f"secrets={','.join(sorted(self.secrets))}"]
        return WEBHOOK_MARKER_PREFIX + ";".join(parts)


def parse_marker(secret: str | None) -> WebhookMarker | None:
    """The marker in a webhook's secret, or None for anything else (hostile input: no exceptions)."""
    if not secret or len(secret) > MAX_MARKER_LENGTH or not secret.startswith(WEBHOOK_MARKER_PREFIX):
        return None
    values: dict[str, str] = {}
    for part in secret[len(WEBHOOK_MARKER_PREFIX):].split(";"):
        key, sep, value = part.partition("=")
        if not sep or key in values or key not in _KEYS:
            return None
        values[key] = value
    if tuple(values) != _KEYS or values["v"] != _VERSION:
        return None
    if not all(pattern.fullmatch(values[key]) for key, pattern in _VALUE.items()):
        return None
    secrets = tuple(values["secrets"].split(",")) if values["secrets"] else ()
    return WebhookMarker(project=values["project"], environment=values["env"], namespace=values["ns"],
                         name=values["name"], job_id=values["job"], secrets=secrets)
