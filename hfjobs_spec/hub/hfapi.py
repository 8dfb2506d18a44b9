"""The one module that imports `huggingface_hub`: the `HubBackend` over `HfApi`.

It always passes `namespace=` (a missing namespace costs a rate-limited whoami per call), gives
every request a timeout (the client's default is none), converts the client's objects into our
plain types and translates its exceptions into our own tree. Retries live in `hub.retry`.
"""

from __future__ import annotations

import contextlib
import email.utils
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx2
from huggingface_hub import HfApi, Volume, get_token, set_client_factory
from huggingface_hub.errors import HfHubHTTPError, JobNotFoundError, LocalTokenNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers  # type: ignore[attr-defined]  # public, lazily exported

from hfjobs_spec.errors import (
    HubAuthError,
    HubBadRequestError,
    HubConflictError,
    HubError,
    HubNotFoundError,
    HubPaymentError,
    HubRateLimitError,
    HubTransportError,
)
from hfjobs_spec.hub.model import (
    HardwarePrice,
    JobRequest,
    LiveRun,
    LiveScheduledJob,
    LiveSpec,
    LiveWebhook,
    WebhookRequest,
)
from hfjobs_spec.labels import WEBHOOK_MARKER_PREFIX
from hfjobs_spec.manifest.model import NetworkSpec, VolumeSpec
from hfjobs_spec.manifest.tokens import safe_text

SPACE_IMAGE_PREFIX = "hf.co/spaces/"
DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=10.0)
T = TypeVar("T")


# Statuses worth another try. The client would retry them itself inside `list_jobs`; we surface them
# first, so that retries happen in one layer (`hub.retry`) under one deadline.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _Answered(Exception):
    """A retryable answer, raised before the client's own retry loop can see it."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class _Unanswered(Exception):
    """A transport failure, wrapped so that the client's own retry loop lets it through."""

    def __init__(self, error: httpx2.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


class _CrossOriginRedirect(Exception):
    """The server pointed elsewhere. Following would re-send the body (secret values) and the request there."""

    def __init__(self, origin: str) -> None:
        super().__init__(origin)
        self.origin = origin


def _origin(url: httpx2.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _add_request_id(request: httpx2.Request) -> None:
    # What the client's own hook does: a request id makes server-side debugging possible.
    request.headers.setdefault("X-Amzn-Trace-Id", str(uuid.uuid4()))


def _refuse_cross_origin_redirects(response: httpx2.Response) -> None:
    if not response.has_redirect_location:
        return
    target = response.request.url.join(response.headers["Location"])
    if _origin(target) != _origin(response.request.url):
        raise _CrossOriginRedirect(f"{target.scheme}://{target.host}" + (f":{target.port}" if target.port else ""))


class _HubClient(httpx2.Client):
    """The shared HTTP client: same-origin redirects only, and no retry loop but ours."""

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        try:
            response = super().send(request, **kwargs)
        except httpx2.TransportError as exc:
            raise _Unanswered(exc) from exc
        if response.status_code in RETRYABLE_STATUSES:
            response.read()
            response.close()
            raise _Answered(response)
        return response


def install_http_client(timeout: httpx2.Timeout = DEFAULT_TIMEOUT, max_connections: int = 32) -> None:
    """Give the client's shared HTTP client a timeout, a pool sized for parallel apply, and our rules.

    Process-wide (the client has one shared HTTP client), so it is called once, where a backend is
    wired (`commands.hub.open_backend`), never from a constructor.
    """
    limits = httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)

    def factory() -> httpx2.Client:
        return _HubClient(event_hooks={"request": [_add_request_id], "response": [_refuse_cross_origin_redirects]},
                          follow_redirects=True, timeout=timeout, limits=limits)

    set_client_factory(factory)


class HfApiBackend:
    """`HubBackend` over the real client, against the Hub or any compatible endpoint (localhub)."""

    def __init__(self, *, endpoint: str | None = None, token: str | None = None) -> None:
        from huggingface_hub import constants

        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self._token = token or get_token()
        if not self._token:
            raise HubAuthError("no Hugging Face token: run `hf auth login` or set HF_TOKEN "
                               "(or try the embedded local Hub with --local)")
        self._api = HfApi(endpoint=self.endpoint, token=self._token, library_name="hfjobs-spec")

    def token(self) -> str | None:
        return self._token

    def whoami(self) -> str:
        with _translated():
            return str(self._api.whoami()["name"])

    def list_hardware(self) -> list[HardwarePrice]:
        with _translated(), _in_shape("hardware list"):
            return [_price(item) for item in self._api.list_jobs_hardware()]

    def list_scheduled_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveScheduledJob]:
        with _translated():
            found = self._api.list_scheduled_jobs(labels=dict(labels) or None, namespace=namespace, timeout=60)
            return [_scheduled(item) for item in found]

    def list_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveRun]:
        with _translated():
            return [_run(item) for item in self._api.list_jobs(labels=dict(labels) or None, namespace=namespace,
                                                               timeout=60)]

    def inspect_job(self, namespace: str, job_id: str) -> LiveRun:
        with _translated(job_id):
            return _run(self._api.inspect_job(job_id=job_id, namespace=namespace))

    def create_scheduled_job(self, namespace: str, request: JobRequest, *, schedule: str, suspend: bool,
                             concurrency: bool) -> LiveScheduledJob:
        if request.network is not None:  # the client has no such parameter: the Hub takes none
            raise HubBadRequestError("a scheduled job cannot join a network group")
        with _translated():
            created = self._api.create_scheduled_job(schedule=schedule, suspend=suspend, concurrency=concurrency,
                                                     namespace=namespace, **_request_kwargs(request))
            return _scheduled(created)

    def delete_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._call(job_id, self._api.delete_scheduled_job, scheduled_job_id=job_id, namespace=namespace)

    def suspend_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._call(job_id, self._api.suspend_scheduled_job, scheduled_job_id=job_id, namespace=namespace)

    def resume_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._call(job_id, self._api.resume_scheduled_job, scheduled_job_id=job_id, namespace=namespace)

    def reschedule(self, namespace: str, job_id: str, schedule: str) -> None:
        self._call(job_id, self._api.update_scheduled_job_schedule, scheduled_job_id=job_id, schedule=schedule,
                   namespace=namespace)

    def set_scheduled_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        self._call(job_id, self._api.update_scheduled_job_labels, scheduled_job_id=job_id, labels=dict(labels),
                   namespace=namespace)

    def run_job(self, namespace: str, request: JobRequest) -> LiveRun:
        with _translated():
            network = request.network
            extra: dict[str, Any] = {} if network is None else {
                "network_group": network.group, "network_aliases": list(network.aliases) or None}
            return _run(self._api.run_job(namespace=namespace, **_request_kwargs(request), **extra))

    def cancel_job(self, namespace: str, job_id: str) -> None:
        self._call(job_id, self._api.cancel_job, job_id=job_id, namespace=namespace)

    def set_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        self._call(job_id, self._api.update_job_labels, job_id=job_id, labels=dict(labels), namespace=namespace)

    def list_webhooks(self) -> list[LiveWebhook]:
        with _translated(), _in_shape("webhook list"):
            return [_webhook(info) for info in self._api.list_webhooks()]

    def create_webhook(self, request: WebhookRequest) -> LiveWebhook:
        with _translated():
            return _webhook(self._api.create_webhook(job_id=request.job_id, **_webhook_kwargs(request)))

    def update_webhook(self, webhook_id: str, request: WebhookRequest) -> LiveWebhook:
        with _translated(webhook_id):
            return _webhook(self._api.update_webhook(webhook_id, job_id=request.job_id, **_webhook_kwargs(request)))

    def enable_webhook(self, webhook_id: str) -> None:
        self._call(webhook_id, self._api.enable_webhook, webhook_id=webhook_id)

    def delete_webhook(self, webhook_id: str) -> None:
        self._call(webhook_id, self._api.delete_webhook, webhook_id=webhook_id)

    def job_logs(self, namespace: str, job_id: str, tail: int | None = None) -> list[str]:
        # Not the client's follow mode: it sleeps between reconnects on its own clock, where a
        # caller polling with an injected sleep can be tested without waiting (reconcile.watch).
        with _translated(job_id):
            return list(self._api.fetch_job_logs(job_id=job_id, namespace=namespace, follow=False, tail=tail))

    def trigger_scheduled_job(self, namespace: str, job_id: str) -> LiveRun:
        with _translated(job_id):
            return _run(self._api.trigger_scheduled_job(scheduled_job_id=job_id, namespace=namespace))

    def _call(self, subject: str, method: Callable[..., Any], **kwargs: Any) -> None:
        with _translated(subject):
            method(**kwargs)


def _request_kwargs(request: JobRequest) -> dict[str, Any]:
    labels = dict(request.labels)
    name = labels.pop("name", None)  # the client wants the name label as `name=`
    return {
        "image": request.image,
        "command": list(request.command),
        "env": dict(request.env),
        "secrets": {key: value.reveal() for key, value in request.secrets.items()} or None,
        "flavor": request.flavor,
        "timeout": request.timeout,
        "attempts": request.attempts,
        "name": name,
        "labels": labels or None,
        "volumes": [Volume(type=v.type, source=v.source, mount_path=v.mount_path, revision=v.revision,
                           read_only=v.read_only, path=v.path) for v in request.volumes] or None,
        "expose": list(request.expose) or None,
        "expose_public": list(request.expose_public) or None,
    }


def _webhook_kwargs(request: WebhookRequest) -> dict[str, Any]:
    # `update_webhook` sends `watched` always (an empty list when left out), so it is always given.
    return {"watched": [{"type": kind, "name": name} for kind, name in request.watched],
            "domains": list(request.domains), "secret": request.marker,
            "secrets": {key: value.reveal() for key, value in request.secrets.items()} or None}


def _webhook(info: Any) -> LiveWebhook:
    secret = info.secret if isinstance(info.secret, str) else None
    job = info.job
    return LiveWebhook(
        id=str(info.id),
        watched=tuple(sorted((str(item.type), str(item.name)) for item in info.watched or ())),
        domains=tuple(sorted(str(domain) for domain in info.domains or ())),
        disabled=bool(info.disabled),
        # Another webhook's signing secret is a real secret: it is dropped here, never passed on.
        marker=secret if secret is not None and secret.startswith(WEBHOOK_MARKER_PREFIX) else None,
        job_labels={str(k): str(v) for k, v in (getattr(job, "labels", None) or {}).items()},
    )


def _network(info: Any) -> NetworkSpec | None:
    network = getattr(info, "network", None)  # a run's; a scheduled job's spec has none
    if network is None:
        return None
    return NetworkSpec(group=str(network.group), aliases=tuple(sorted(str(a) for a in network.aliases or ())))


def _spec(info: Any, *, timeout: int | None) -> LiveSpec:
    image = info.docker_image or (SPACE_IMAGE_PREFIX + info.space_id if info.space_id else "")
    ports = list(info.expose or [])
    public = list(info.expose_public or [])
    retry = info.retry
    return LiveSpec(
        image=image,
        command=tuple(info.command or ()) + tuple(info.arguments or ()),
        env={str(k): str(v) for k, v in (info.environment or {}).items()},
        secret_names=tuple(sorted(info.secrets or {})),
        flavor=str(info.flavor or ""),
        labels={str(k): str(v) for k, v in (info.labels or {}).items()},
        volumes=tuple(VolumeSpec(type=v.type or "model", source=v.source, mount_path=v.mount_path,
                                revision=v.revision, read_only=v.read_only, path=v.path)
                      for v in (info.volumes or ())),
        expose=tuple(sorted(p for p in ports if p not in public)),
        expose_public=tuple(sorted(public)),
        timeout=timeout,
        attempts=retry + 1 if isinstance(retry, int) else None,
        network=_network(info),
    )


def _run(info: Any) -> LiveRun:
    initiator = info.initiator
    return LiveRun(
        id=info.id,
        namespace=info.owner.name,
        spec=_spec(info, timeout=None),
        stage=str(info.status.stage),
        created_at=info.created_at,
        initiator_type=initiator.type if initiator else None,
        initiator_id=initiator.id if initiator else None,
        url=info.url,
        message=safe_text(info.status.message) if info.status.message else None,
        started_at=info.started_at,
        finished_at=info.finished_at,
        running_seconds=_whole_seconds(info.durations.running_secs if info.durations else None),
    )


def _whole_seconds(value: Any) -> int | None:
    # The Hub's answer is input like any other: a duration that is not a number >= 0 is unknown.
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or value == float("inf"):
        return None
    return int(value)


def _price(info: Any) -> HardwarePrice:
    micro = info.unit_cost_micro_usd
    # Not an integer count of micro-dollars: left unusable (negative), so that flavor is "price unknown".
    valid = isinstance(micro, int) and not isinstance(micro, bool)
    return HardwarePrice(name=str(info.name), unit_cost_micro_usd=micro if valid else -1,
                         unit_label=str(info.unit_label))


def _scheduled(info: Any) -> LiveScheduledJob:
    last = info.status.last_job
    timeout = info.job_spec.timeout
    return LiveScheduledJob(
        id=info.id,
        namespace=info.owner.name,
        spec=_spec(info.job_spec, timeout=int(timeout) if timeout is not None else None),
        schedule=str(info.schedule),
        suspend=bool(info.suspend),
        concurrency=bool(info.concurrency),
        created_at=info.created_at,
        last_run_id=last.id if last else None,
        last_run_at=last.at if last else None,
        next_run_at=info.status.next_job_run_at,
    )


@contextmanager
def _in_shape(what: str) -> Iterator[None]:
    """The client builds its objects from the body as is: an answer of another shape is the Hub's error."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise HubError(f"the Hub's {what} is not in the expected shape ({type(exc).__name__}: "
                       f"{safe_text(str(exc))[:100]})") from exc


@contextmanager
def _translated(job_id: str | None = None) -> Iterator[None]:
    """Turn the client's and the transport's exceptions into ours, keeping the cause."""
    try:
        yield
    except _Answered as exc:
        raise _from_response(exc.response, _server_message(exc.response), job_id) from exc
    except _Unanswered as exc:
        raise _from_transport(exc.error, job_id) from exc
    except _CrossOriginRedirect as exc:
        raise HubError(f"the Hub answered with a redirect to another origin ({exc.origin}); not followed, so nothing "
                       "(no token, no secret) was sent there. Check HF_ENDPOINT", job=job_id, ambiguous=True) from exc
    except JobNotFoundError as exc:
        raise HubNotFoundError("not found on the Hub", job=job_id or exc.job_id, status=404) from exc
    except HfHubHTTPError as exc:
        detail = safe_text(exc.server_message or str(exc).splitlines()[0])
        if exc.response is None:
            raise HubError(detail, job=job_id) from exc
        raise _from_response(exc.response, detail, job_id) from exc
    except LocalTokenNotFoundError as exc:
        raise HubAuthError("no Hugging Face token: run `hf auth login` or set HF_TOKEN") from exc
    except httpx2.TransportError as exc:  # a request made outside the shared client
        raise _from_transport(exc, job_id) from exc


def _from_transport(exc: httpx2.TransportError, job_id: str | None) -> HubError:
    if isinstance(exc, (httpx2.ConnectError, httpx2.ConnectTimeout)):
        # No connection, so nothing was sent: certainly not carried out.
        reason = "timed out" if isinstance(exc, httpx2.ConnectTimeout) else (str(exc) or "refused")
        return HubTransportError(f"cannot connect to the Hub: {reason}", job=job_id)
    if isinstance(exc, httpx2.TimeoutException):
        return HubTransportError(f"timed out waiting for the Hub ({type(exc).__name__})", job=job_id, ambiguous=True)
    return HubTransportError(f"connection failed: {type(exc).__name__}: {exc}", job=job_id, ambiguous=True)


def _server_message(response: httpx2.Response) -> str:
    message = response.headers.get("X-Error-Message") or _json_error(response) or response.reason_phrase or ""
    # The Hub's words are data: no escape sequence or token of theirs reaches a terminal or a log.
    return safe_text(message.splitlines()[0][:300]) if message else ""


def _json_error(response: httpx2.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


def _from_response(response: httpx2.Response, detail: str, job_id: str | None) -> HubError:
    status = response.status_code
    if status in (401, 403):
        hint = " (check the token and that it may use this namespace)"
        return HubAuthError(f"{status}: {detail}{hint}", job=job_id, status=status)
    if status == 402:
        return HubPaymentError(f"402 Payment Required: {detail} (nothing is retried; add credits to the account "
                               "that owns the namespace)", job=job_id, status=status)
    if status == 404:
        return HubNotFoundError(f"404: {detail}", job=job_id, status=status)
    if status == 409:
        return HubConflictError(f"409: {detail}", job=job_id, status=status)
    if status in (400, 422):
        return HubBadRequestError(f"{status}: {detail}", job=job_id, status=status)
    if status == 429:
        return HubRateLimitError(f"429: rate limited: {detail}", job=job_id, status=status,
                                 retry_after=wait_hint(response.headers))
    if status >= 500 or status == 408:
        return HubTransportError(f"{status}: {detail}", job=job_id, status=status, ambiguous=True,
                                 retry_after=wait_hint(response.headers))
    return HubError(f"{status}: {detail}", job=job_id, status=status)


def wait_hint(headers: Mapping[str, str]) -> float | None:
    """How long the Hub asks us to wait: the longer of `Retry-After` and an exhausted `RateLimit` window."""
    hints: list[float] = []
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        try:
            hints.append(max(0.0, float(retry_after)))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                when = email.utils.parsedate_to_datetime(retry_after)
                hints.append(max(0.0, (when - datetime.now(UTC)).total_seconds()))
    with contextlib.suppress(Exception):  # a malformed header is no hint, never a crash
        info = parse_ratelimit_headers(headers)
        if info is not None and info.remaining == 0:
            hints.append(float(info.reset_in_seconds))
    return max(hints) if hints else None
