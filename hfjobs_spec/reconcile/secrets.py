"""Secret references become values only here, at apply time, and only as `SecretValue`s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hfjobs_spec.errors import SecretResolutionError
from hfjobs_spec.hub.model import SecretValue
from hfjobs_spec.manifest.model import JobSpec


def missing_secrets(specs: Iterable[JobSpec], environ: Mapping[str, str], token: str | None) -> list[str]:
    """One message per reference that has no value, naming the job and the variable (never a value)."""
    problems = []
    for spec in specs:
        for ref in spec.secrets:
            if ref.kind == "hf_token":
                if not token:
                    problems.append(f"{spec.name}: secret {ref.name} reads $HF_TOKEN, but no token is available")
            elif not environ.get(ref.source):
                problems.append(f"{spec.name}: secret {ref.name} reads ${ref.source}, which is not set in the "
                                "environment")
    return problems


def check_secrets(specs: Iterable[JobSpec], environ: Mapping[str, str], token: str | None) -> None:
    problems = missing_secrets(specs, environ, token)
    if problems:
        raise SecretResolutionError("missing secret values; nothing was changed:\n  " + "\n  ".join(problems))


def resolve_secrets(spec: JobSpec, environ: Mapping[str, str], token: str | None) -> dict[str, SecretValue]:
    check_secrets([spec], environ, token)
    values: dict[str, SecretValue] = {}
    for ref in spec.secrets:
        value = token if ref.kind == "hf_token" else environ.get(ref.source)
        assert value  # check_secrets guarantees it
        values[ref.name] = SecretValue(value)
    return values
