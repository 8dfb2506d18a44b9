"""Secret references become values only here, at apply time, and only as `SecretValue`s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hfjobs_spec.errors import SecretResolutionError
from hfjobs_spec.hub.model import SecretValue
from hfjobs_spec.manifest.model import JobSpec, SecretRef
from hfjobs_spec.reconcile.plan import SecretRead


def secret_reads(specs: Iterable[JobSpec]) -> tuple[SecretRead, ...]:
    """The variables apply will read for `specs`, with where each job is declared."""
    reads = {SecretRead(spec.name, ref.name, ref.reference(), _where(spec)) for spec in specs for ref in spec.secrets}
    return tuple(sorted(reads))


def unset_variables(specs: Iterable[JobSpec], environ: Mapping[str, str], token: str | None) -> tuple[str, ...]:
    """The variables of `secret_reads(specs)` that have no value here and now (`$HF_TOKEN`: no token)."""
    return tuple(sorted({ref.reference() for spec in specs for ref in spec.secrets if not _value(ref, environ, token)}))


def missing_secrets(specs: Iterable[JobSpec], environ: Mapping[str, str], token: str | None) -> list[str]:
    """One message per reference that has no value, naming the job, where it is declared and the variable."""
    problems = []
    for spec in specs:
        for ref in spec.secrets:
            if _value(ref, environ, token):
                continue
            if ref.kind == "hf_token":
                problems.append(f"{spec.name} ({_where(spec)}): secret {ref.name} reads $HF_TOKEN, but no token "
                                "is available")
            else:
                problems.append(f"{spec.name} ({_where(spec)}): secret {ref.name} reads ${ref.source}, which is not "
                                "set in the environment")
    return problems


def _value(ref: SecretRef, environ: Mapping[str, str], token: str | None) -> str | None:
    return token if ref.kind == "hf_token" else environ.get(ref.source)


def _where(spec: JobSpec) -> str:
    return f"{spec.source.file}:{spec.source.line}" if spec.source else spec.name


def check_secrets(specs: Iterable[JobSpec], environ: Mapping[str, str], token: str | None) -> None:
    problems = missing_secrets(specs, environ, token)
    if problems:
        raise SecretResolutionError("missing secret values; nothing was changed:\n  " + "\n  ".join(problems))


def resolve_secrets(spec: JobSpec, environ: Mapping[str, str], token: str | None) -> dict[str, SecretValue]:
    """The values, read now; `execute` checked beforehand that every one is there."""
    values: dict[str, SecretValue] = {}
    for ref in spec.secrets:
        value = _value(ref, environ, token)
        if not value:  # gone since the check (the environment is the caller's): still never send a blank
            check_secrets([spec], environ, token)
        values[ref.name] = SecretValue(value or "")
    return values
