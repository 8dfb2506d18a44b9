"""Stored records → the JSON the Hub sends (camelCase, ISO-8601 with `Z`).

Optional collections (labels, volumes, expose, network) are left out when empty, as the client
leaves them out of requests; the client then reads them as None, so callers cannot rely on an
empty dict coming back. `secrets` comes back as the sorted list of secret names, as on the Hub:
no value, not even a digest, ever leaves.

While a run is SCHEDULING the Hub reports only `durations.totalSecs` and no `status.exposeUrls`
(nothing is reachable yet), so neither does localhub.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from hfjobs_spec.localhub.clock import iso
from hfjobs_spec.localhub.jobs_store import JobRecord
from hfjobs_spec.localhub.lifecycle import ENV_SCHEDULING_MESSAGE, RunTimes
from hfjobs_spec.localhub.scheduled_store import ScheduledRecord


def seal_secrets(secrets: dict[str, str], salt: str) -> dict[str, str]:
    """What the database keeps of secret values: a keyed digest. Containers never run here, so the
    plaintext is never needed, and real secrets (with `--local`) must not land in a file."""
    return {
        key: "sealed:" + hmac.new(salt.encode(), f"{key}\0{value}".encode(), hashlib.sha256).hexdigest()
        for key, value in secrets.items()
    }


def _spec_common(spec: dict[str, Any], labels: dict[str, str], secrets: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("dockerImage", "spaceId"):
        if key in spec:
            out[key] = spec[key]
    out["command"] = list(spec["command"])
    out["arguments"] = list(spec["arguments"])
    out["environment"] = dict(spec["environment"])
    out["secrets"] = sorted(secrets)  # names only: the Hub never sends a value back
    out["flavor"] = spec["flavor"]
    # Specs stored before `arch` was accepted have no key at all.
    if spec.get("arch") is not None:
        out["arch"] = spec["arch"]
    if labels:
        out["labels"] = dict(labels)
    if spec["volumes"]:
        out["volumes"] = [dict(volume) for volume in spec["volumes"]]
    if spec["expose"] is not None and spec["expose"]["ports"]:
        out["expose"] = {
            "ports": list(spec["expose"]["ports"]),
            "portsPublic": list(spec["expose"]["portsPublic"]),
        }
    return out


def _seconds(ms: int) -> int:
    return max(0, ms // 1000)


def _status(job: JobRecord, stage: str) -> dict[str, Any]:
    status: dict[str, Any] = {"stage": stage, "message": None}
    if stage == "CANCELED":
        status["message"] = "Job canceled"
    elif stage == "ERROR":
        status["message"] = job.times.final_message
    elif stage == "SCHEDULING":  # the Hub may say why a run waits (a scheduling reason)
        status["message"] = job.spec.get("environment", {}).get(ENV_SCHEDULING_MESSAGE)
    expose = job.spec["expose"]
    # Exposed ports are reachable only once the container runs.
    if stage == "RUNNING" and expose is not None and expose["ports"]:
        status["exposeUrls"] = [f"https://{job.id}--{port}.hf.jobs" for port in expose["ports"]]
    if job.spec["ssh"]:
        status["sshUrl"] = f"ssh://{job.id}@ssh.hf.jobs"
    return status


def _durations(times: RunTimes, stage: str, now_ms: int) -> dict[str, int | None]:
    upto = min(now_ms, times.finish_ms())
    total = _seconds(upto - times.created_ms)
    if stage == "SCHEDULING":
        return {"totalSecs": total}
    started = times.started_ms(now_ms)
    return {
        "schedulingSecs": _seconds((started if started is not None else upto) - times.created_ms),
        "runningSecs": _seconds(upto - started) if started is not None else None,
        "totalSecs": total,
    }


def job_json(job: JobRecord, now_ms: int, owner: dict[str, str]) -> dict[str, Any]:
    """A run as `GET /api/jobs/{ns}/{id}` returns it, at hub time `now_ms`."""
    t = job.times
    stage = t.stage(now_ms)
    started = t.started_ms(now_ms)
    finished = t.finished_ms(now_ms)
    out: dict[str, Any] = {
        "id": job.id,
        "createdAt": iso(t.created_ms),
        "startedAt": iso(started) if started is not None else None,
        "finishedAt": iso(finished) if finished is not None else None,
        **_spec_common(job.spec, job.labels, job.secrets),
        "status": _status(job, stage),
        "durations": _durations(t, stage, now_ms),
        "owner": owner,
        "initiator": job.initiator,
        "retry": job.spec["attempts"] - 1,
    }
    if job.spec["network"] is not None:
        out["network"] = job.spec["network"]
    return out


def spec_out(spec: dict[str, Any], labels: dict[str, str], secrets: dict[str, str]) -> dict[str, Any]:
    """A JobSpec-out: a scheduled job's `jobSpec`, a webhook's `job`."""
    job_spec = _spec_common(spec, labels, secrets)
    # The response names differ from the request's (timeoutSeconds/attempts in, timeout/retry out).
    job_spec["timeout"] = spec["timeoutSeconds"]
    job_spec["retry"] = spec["attempts"] - 1
    return job_spec


def scheduled_json(record: ScheduledRecord, owner: dict[str, str]) -> dict[str, Any]:
    """A scheduled job as `GET /api/scheduled-jobs/{ns}/{id}` returns it."""
    job_spec = spec_out(record.spec, record.labels, record.secrets)
    status: dict[str, Any] = {}
    if record.last_job_id is not None and record.last_job_ms is not None:
        status["lastJob"] = {"id": record.last_job_id, "at": iso(record.last_job_ms)}
    if record.next_due_ms is not None and not record.suspend:
        status["nextJobRunAt"] = iso(record.next_due_ms)
    return {
        "id": record.id,
        "createdAt": iso(record.created_ms),
        "schedule": record.schedule,
        "suspend": record.suspend,
        "concurrency": record.concurrency,
        "status": status,
        "owner": owner,
        "jobSpec": job_spec,
    }
