"""Live state as the diff sees it: what was read, who owns it, and fingerprints for saved plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob, LiveWebhook
from hfjobs_spec.manifest.model import JobSpec, spec_hash
from hfjobs_spec.reconcile.plan import PlanOptions
from hfjobs_spec.reconcile.translate import comparable_labels
from hfjobs_spec.reconcile.webhook_marker import parse_marker


@dataclass(frozen=True)
class LiveState:
    """What the Hub holds for one project, read in the namespaces listed.

    `scheduled` and `runs` carry the project label. `all_scheduled` is every scheduled job of the
    namespaces, whoever owns it, and `named_runs` the runs found by Hub name (or id) for the one-shot
    manifests that have no run yet: where look-alikes and import targets are found.
    """

    scheduled: tuple[LiveScheduledJob, ...] = ()
    runs: tuple[LiveRun, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_scheduled: tuple[LiveScheduledJob, ...] = ()
    named_runs: tuple[LiveRun, ...] = ()
    # The token user's webhooks, read only when the project declares `on: hub:` or owns one.
    webhooks: tuple[LiveWebhook, ...] = ()


@dataclass(frozen=True)
class DiffOptions:
    project: str
    environment: str | None = None
    prune: bool = True
    allow_empty: bool = False
    replace: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    policy_overrides: frozenset[str] = frozenset()
    # Label key prefixes of other tools: their jobs are never owned, adopted or imported.
    foreign: tuple[str, ...] = L.FOREIGN_PREFIXES

    @property
    def environment_label(self) -> str:
        return self.environment or L.DEFAULT_ENVIRONMENT

    @property
    def requested(self) -> PlanOptions:
        """What a plan records about how it was asked for."""
        return PlanOptions(prune=self.prune, allow_empty=self.allow_empty, replace=tuple(sorted(self.replace)),
                           targets=tuple(sorted(self.targets)), policy_overrides=tuple(sorted(self.policy_overrides)))


def is_owned(labels: Mapping[str, str], options: DiffOptions) -> bool:
    """Managed by us, for this project and environment, with a manifest name (so never a lock), and
    carrying no label of another tool (such a job is shown as foreign and never touched)."""
    return (
        L.LOCK not in labels
        and L.foreign_label(labels, options.foreign) is None
        and labels.get(L.MANAGED_BY) == L.MANAGED_BY_VALUE
        and labels.get(L.PROJECT) == options.project
        and labels.get(L.ENVIRONMENT) == options.environment_label
        and bool(labels.get(L.MANIFEST_NAME))
    )


def started_by_hand(labels: Mapping[str, str]) -> bool:
    """A run started with `hfjobs-spec run`: outside the revision rule."""
    return labels.get(L.STARTED_BY) == L.STARTED_BY_HAND


def is_revision_run(run: LiveRun, options: DiffOptions) -> bool:
    """A run apply started for a one-shot manifest: owned, and started neither by a schedule nor by hand.

    Only these count as a revision's run, and only these are ever cancelled or retired by apply.
    """
    return (is_owned(run.labels, options) and run.initiator_type not in FOREIGN_INITIATORS
            and not started_by_hand(run.labels))


def owned_state(live: LiveState, options: DiffOptions) -> LiveState:
    """Only what this project and environment own; runs started by a schedule, a webhook or by hand are excluded."""
    return LiveState(
        scheduled=tuple(job for job in live.scheduled if is_owned(job.labels, options)),
        runs=tuple(run for run in live.runs if is_revision_run(run, options)),
        namespaces=live.namespaces,
        webhooks=tuple(hook for hook in live.webhooks if owns_webhook(hook, options)),
    )


# Runs started by the Hub rather than by apply: by a schedule, by a webhook re-running a run's spec, or
# by someone duplicating a run (`hf jobs` / the Hub's duplicate route); the last two copy the run's
# labels. They belong to what started them and are never cancelled as duplicates nor retired.
FOREIGN_INITIATORS = frozenset({"scheduled-job", "webhook", "duplicated-job"})


def owns_webhook(hook: LiveWebhook, options: DiffOptions) -> bool:
    marker = parse_marker(hook.marker)
    return marker is not None and (marker.project, marker.environment) == (options.project, options.environment_label)


def is_unmanaged(labels: Mapping[str, str]) -> bool:
    """Made without hfjobs-spec (no ownership label, and not a lease): what a look-alike or an import is."""
    return L.MANAGED_BY not in labels and L.LOCK not in labels


def desired_digest(specs: Sequence[JobSpec], options: DiffOptions) -> str:
    data = {
        "project": options.project,
        "environment": options.environment_label,
        "jobs": [{**spec.canonical(), "spec_hash": spec.spec_hash} for spec in sorted(specs, key=lambda s: s.name)],
    }
    return spec_hash(data)


def live_digest(owned: LiveState) -> str:
    scheduled = [
        {"id": j.id, "namespace": j.namespace, "labels": comparable_labels(j.labels), "schedule": j.schedule,
         "suspend": j.suspend, "concurrency": j.concurrency}
        for j in sorted(owned.scheduled, key=lambda j: j.id)
    ]
    runs = [
        {"id": r.id, "namespace": r.namespace, "labels": comparable_labels(r.labels), "active": r.active}
        for r in sorted(owned.runs, key=lambda r: r.id)
    ]
    data: dict[str, object] = {"scheduled": scheduled, "runs": runs}
    if owned.webhooks:  # only then: the digest of a project without webhooks stays as it was
        data["webhooks"] = [{"id": w.id, "watched": [list(item) for item in w.watched], "domains": list(w.domains),
                             "disabled": w.disabled, "marker": w.marker}
                            for w in sorted(owned.webhooks, key=lambda w: w.id)]
    return spec_hash(data)
