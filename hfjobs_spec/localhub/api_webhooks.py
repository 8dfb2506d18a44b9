"""The `/api/settings/webhooks` routes: list, get, create, update, enable, disable, delete.

Webhooks belong to the token's user, not to a namespace. One either calls a URL or re-runs a job: it
is created with `jobSourceId` (a run of one of the user's namespaces), and keeps a copy of that run's
spec and labels, which it returns as `job` (a JobSpec-out). `secrets` are the triggered job's secret
values (the source run's are not copied): sealed here, and only their names are ever returned. On
update, listed secrets replace the stored value, an empty string removes one, and the others stay.
Validation and error shapes follow the jobs routes (`{"error": ...}`, 400/404).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from typing import Any

from hfjobs_spec.localhub.common import ApiError, bad_request, new_id
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.jobs_store import get_job, insert_job
from hfjobs_spec.localhub.render import job_json, seal_secrets, spec_out
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import require_object
from hfjobs_spec.localhub.webhooks_store import WebhookRecord, delete_webhook, get_webhook, list_webhooks, save_webhook
from hfjobs_spec.localhub.wire import Request, Response, json_response

WATCHED_TYPES = ("bucket", "dataset", "model", "org", "space", "user")
DOMAINS = ("repo", "discussion")
_KEYS = frozenset({"watched", "domains", "secret", "url", "jobSourceId", "secrets"})
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WATCHED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")
MAX_WATCHED = 100
MAX_SECRET_LENGTH = 4096


def _not_found(webhook_id: str) -> ApiError:
    return ApiError(404, f"Webhook {webhook_id} not found")


def webhook_json(hook: WebhookRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"id": hook.id, "watched": [dict(item) for item in hook.watched],
                           "domains": list(hook.domains), "disabled": hook.disabled}
    if hook.url is not None:
        out["url"] = hook.url
    if hook.job_spec is not None:
        out["job"] = spec_out(hook.job_spec["spec"], hook.job_spec["labels"], hook.secrets)
    if hook.secret is not None:
        out["secret"] = hook.secret
    return out


def _answer(hook: WebhookRecord) -> Response:
    return json_response({"webhook": webhook_json(hook)})


def _watched(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise bad_request("watched must be a non-empty list of {type, name} items")
    if len(value) > MAX_WATCHED:
        raise bad_request(f"watched: at most {MAX_WATCHED} items")
    items: list[dict[str, str]] = []
    for index, item in enumerate(value):
        obj = require_object(item, f"watched[{index}]")
        if set(obj) != {"type", "name"}:
            raise bad_request(f"watched[{index}] must have exactly the keys type and name")
        if obj["type"] not in WATCHED_TYPES:
            raise bad_request(f"watched[{index}].type must be one of {', '.join(WATCHED_TYPES)}")
        if not isinstance(obj["name"], str) or not _WATCHED_NAME.fullmatch(obj["name"]):
            raise bad_request(f"watched[{index}].name must be a user, org or repository name")
        entry = {"type": obj["type"], "name": obj["name"]}
        if entry in items:
            raise bad_request(f"watched[{index}] is listed twice")
        items.append(entry)
    return items


def _domains(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or any(item not in DOMAINS for item in value):
        raise bad_request(f"domains must be a non-empty list of {', '.join(DOMAINS)}")
    if len(set(value)) != len(value):
        raise bad_request("domains must be unique")
    return list(value)


def _secret(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_SECRET_LENGTH:
        raise bad_request(f"secret must be a string of at most {MAX_SECRET_LENGTH} characters")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise bad_request("url must be an http(s) URL")
    return value


def _secret_values(value: Any) -> dict[str, str]:
    obj = require_object(value, "secrets")
    for name, item in obj.items():
        if not _ENV_NAME.fullmatch(name):
            raise bad_request(f"secrets: invalid variable name {name!r}")
        if not isinstance(item, str):
            raise bad_request(f"secrets.{name} must be a string")
    return dict(obj)


def _source(ctx: HubContext, conn: sqlite3.Connection, value: Any) -> dict[str, Any]:
    """The spec and labels of run `value`, in one of the user's namespaces (else 404)."""
    if not isinstance(value, str) or not value:
        raise bad_request("jobSourceId must be a job id")
    for namespace in (ctx.user, *ctx.orgs):
        job = get_job(conn, namespace, value)
        if job is not None:
            return {"namespace": namespace, "spec": job.spec, "labels": job.labels}
    raise ApiError(404, f"Job {value} not found")


def _body(request: Request) -> dict[str, Any]:
    body = require_object(request.json(), "body")
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise bad_request(f"unknown field(s) in webhook: {', '.join(unknown)}")
    if "url" in body and "jobSourceId" in body:
        raise bad_request("set url or jobSourceId, not both")
    return body


def list_all(ctx: HubContext, request: Request) -> Response:
    """`GET /api/settings/webhooks`: every webhook of the user (a plain array, not paginated)."""
    with ctx.db.read() as conn:
        hooks = list_webhooks(conn, ctx.user)
    return json_response([webhook_json(hook) for hook in hooks])


def inspect(ctx: HubContext, request: Request) -> Response:
    webhook_id = request.params["id"]
    with ctx.db.read() as conn:
        hook = get_webhook(conn, ctx.user, webhook_id)
    if hook is None:
        raise _not_found(webhook_id)
    return _answer(hook)


def create(ctx: HubContext, request: Request) -> Response:
    """`POST /api/settings/webhooks`."""
    body = _body(request)
    if "url" not in body and "jobSourceId" not in body:
        raise bad_request("a webhook needs a url or a jobSourceId")
    watched = _watched(body.get("watched"))
    domains = _domains(body.get("domains", list(DOMAINS)))
    secret = _secret(body["secret"]) if body.get("secret") is not None else None
    url = _url(body["url"]) if "url" in body else None
    if "secrets" in body and url is not None:
        raise bad_request("secrets can only be set on a webhook that runs a job")
    secrets = _secret_values(body.get("secrets", {}))
    now = ctx.now_ms()
    with ctx.db.write() as conn:
        source = _source(ctx, conn, body["jobSourceId"]) if url is None else None
        hook = WebhookRecord(id=new_id(now), owner=ctx.user, created_ms=now, url=url,
                             job_source_id=body.get("jobSourceId"), job_spec=source, watched=watched,
                             domains=domains, secret=secret,
                             secrets=seal_secrets({k: v for k, v in secrets.items() if v}, ctx.salt), disabled=False)
        save_webhook(conn, hook)
    return _answer(hook)


def update(ctx: HubContext, request: Request) -> Response:
    """`POST /api/settings/webhooks/{id}`: the fields sent replace the stored ones (secrets merge)."""
    webhook_id = request.params["id"]
    body = _body(request)
    with ctx.db.write() as conn:
        hook = get_webhook(conn, ctx.user, webhook_id)
        if hook is None:
            raise _not_found(webhook_id)
        changes: dict[str, Any] = {"watched": _watched(body.get("watched"))}
        if "domains" in body:
            changes["domains"] = _domains(body["domains"])
        if body.get("secret") is not None:
            changes["secret"] = _secret(body["secret"])
        if "url" in body:
            changes.update(url=_url(body["url"]), job_source_id=None, job_spec=None, secrets={})
        if "jobSourceId" in body:
            source = _source(ctx, conn, body["jobSourceId"])
            changes.update(url=None, job_source_id=body["jobSourceId"], job_spec=source)
        updated = replace(hook, **changes)
        if "secrets" in body:
            if updated.job_spec is None:
                raise bad_request("secrets can only be set on a webhook that runs a job")
            merged = dict(updated.secrets)
            for name, value in _secret_values(body["secrets"]).items():
                if value:
                    merged.update(seal_secrets({name: value}, ctx.salt))
                else:
                    merged.pop(name, None)
            updated = replace(updated, secrets=merged)
        save_webhook(conn, updated)
    return _answer(updated)


def _set_disabled(ctx: HubContext, request: Request, disabled: bool) -> Response:
    webhook_id = request.params["id"]
    with ctx.db.write() as conn:
        hook = get_webhook(conn, ctx.user, webhook_id)
        if hook is None:
            raise _not_found(webhook_id)
        hook = replace(hook, disabled=disabled)
        save_webhook(conn, hook)
    return _answer(hook)


def enable(ctx: HubContext, request: Request) -> Response:
    return _set_disabled(ctx, request, False)


def disable(ctx: HubContext, request: Request) -> Response:
    return _set_disabled(ctx, request, True)


def delete(ctx: HubContext, request: Request) -> Response:
    webhook_id = request.params["id"]
    with ctx.db.write() as conn:
        if not delete_webhook(conn, ctx.user, webhook_id):
            raise _not_found(webhook_id)
    return json_response({})


def fire(ctx: HubContext, webhook_id: str, body: Any) -> Response:
    """`POST /_localhub/webhooks/{id}/fire` (admin): act as if a watched repository changed.

    A job webhook starts a run of its copied spec and labels in the source run's namespace, with
    `initiator {type: "webhook", id}`, the webhook's secrets, `WEBHOOK_SECRET` among them, and the
    event in `WEBHOOK_PAYLOAD`, `WEBHOOK_REPO_ID` and `WEBHOOK_REPO_TYPE`. A disabled webhook gets 409.
    """
    event = require_object(body if body is not None else {}, "body")
    with ctx.db.read() as conn:
        hook = get_webhook(conn, ctx.user, webhook_id)
    if hook is None:
        raise _not_found(webhook_id)
    if hook.disabled:
        raise ApiError(409, f"Webhook {webhook_id} is disabled")
    if hook.job_spec is None:
        raise bad_request("this webhook calls a URL; only job webhooks start runs here")
    kind, name = event.get("type", hook.watched[0]["type"]), event.get("name", hook.watched[0]["name"])
    if not isinstance(kind, str) or not isinstance(name, str):
        raise bad_request("type and name must be strings")
    payload = json.dumps({"event": {"action": "update", "scope": "repo"}, "repo": {"type": kind, "name": name}})
    spec = dict(hook.job_spec["spec"])
    spec["environment"] = {**spec["environment"], "WEBHOOK_PAYLOAD": payload, "WEBHOOK_REPO_ID": name,
                           "WEBHOOK_REPO_TYPE": kind}
    secrets = dict(hook.secrets)
    if hook.secret is not None:
        secrets.update(seal_secrets({"WEBHOOK_SECRET": hook.secret}, ctx.salt))
    now = ctx.now_ms()
    namespace = hook.job_spec["namespace"]
    ctx.catch_up(namespace, now)
    run = make_run(namespace=namespace, spec=spec, labels=dict(hook.job_spec["labels"]), secrets=secrets,
                   created_ms=now, initiator={"type": "webhook", "id": hook.id}, durations=ctx.durations)
    with ctx.db.write() as conn:
        insert_job(conn, run)
    return json_response(job_json(run, now, ctx.owner(namespace)))
