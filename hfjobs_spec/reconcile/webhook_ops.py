"""The webhook operations of a plan, carried out: requests built from the spec, secrets read now."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from hfjobs_spec.errors import HubNotFoundError, PlanError
from hfjobs_spec.hub.model import SecretValue, WebhookRequest
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.plan import Operation
from hfjobs_spec.reconcile.secrets import resolve_secrets
from hfjobs_spec.reconcile.webhook_marker import WebhookMarker

WEBHOOK_OPERATIONS = frozenset({"create_webhook", "update_webhook", "enable_webhook", "delete_webhook"})


def perform_webhook(backend: HubBackend, op: Operation, spec: JobSpec | None, *, project: str, environment: str,
                    environ: Mapping[str, str], token: str | None, started: str | None) -> str | None:
    """Carry out `op`; `started` is the run this change started, if any. Returns a created webhook's id."""
    if op.kind == "delete_webhook":
        with contextlib.suppress(HubNotFoundError):  # gone already is what was wanted
            backend.delete_webhook(op.target or "")
        return None
    if op.kind == "enable_webhook":
        backend.enable_webhook(op.target or "")
        return None
    job = op.job or started
    if spec is None or spec.on_hub is None or job is None:
        raise PlanError(f"{op.kind} without a declared `on: hub:` job to start")  # a bug: plans are made here
    secrets = resolve_secrets(spec, environ, token)
    marker = WebhookMarker(project=project, environment=environment, namespace=op.namespace, name=spec.name,
                           job_id=job, secrets=tuple(sorted(secrets)))
    values: dict[str, SecretValue] = {name: SecretValue("") for name in op.unset_secrets}  # "" removes one
    values.update(secrets)
    request = WebhookRequest(job_id=job, watched=spec.on_hub.watched, domains=spec.on_hub.domains,
                             marker=marker.text(), secrets=values)
    if op.kind == "create_webhook":
        return backend.create_webhook(request).id
    backend.update_webhook(op.target or "", request)
    return None
