"""The names of environment variables that hold secrets, read from `secrets:` fields as written.

Templates must never read a secret through `env()`: its value would land in the rendered job, in
`render` and `plan` output, and in error messages. So before any template renders, every name a
`secrets:` field mentions (the variable in the container and the variable it is read from) is
collected from the parsed documents, and `env()` refuses those names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hfjobs_spec.manifest.schema import ENV_NAME_PATTERN, SECRET_REF_PATTERN

# Always secret, whatever the project says: where huggingface_hub looks for the user's token.
ALWAYS_SECRET = frozenset({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})
_NAME = re.compile(ENV_NAME_PATTERN)
_REFERENCE = re.compile(SECRET_REF_PATTERN)
_TEMPLATE_MARKERS = ("{{", "{%", "{#")


def reference_source(reference: str) -> str:
    """`$NAME` or `${NAME}` -> `NAME`."""
    return reference.removeprefix("$").removeprefix("{").removesuffix("}")


def is_template(value: Any) -> bool:
    return isinstance(value, str) and any(marker in value for marker in _TEMPLATE_MARKERS)


def referenced_names(secrets: Any) -> set[str]:
    """Every variable name a `secrets:` value mentions: `{KEY: $NAME}` gives KEY and NAME, `[NAME]` NAME.

    Anything malformed is skipped here (validation reports it), and so are templates: their names
    are only known once rendered (see `has_templates`).
    """
    names: set[str] = set()
    if isinstance(secrets, dict):
        for key, value in secrets.items():
            if _NAME.fullmatch(key):
                names.add(key)
            if isinstance(value, str) and _REFERENCE.fullmatch(value):
                names.add(reference_source(value))
    elif isinstance(secrets, list):
        names.update(item for item in secrets if isinstance(item, str) and _NAME.fullmatch(item))
    return names


def has_templates(secrets: Any) -> bool:
    """Whether a `secrets:` value holds templates, whose names only rendering can tell."""
    values: Iterable[Any] = secrets.values() if isinstance(secrets, dict) else secrets if isinstance(
        secrets, list) else (secrets,)
    return any(is_template(value) for value in values)
