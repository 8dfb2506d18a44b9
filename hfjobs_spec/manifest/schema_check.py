"""Validate a located document against a JSON Schema and explain each failure in our own words.

Raw validator text ("'x' does not match '^[a-z0-9]...'") helps nobody; each failure becomes one
`ManifestIssue` at the right line, naming the field, leading with the best cause and offering a
"did you mean" where a near miss is likely. Values under `secrets` are never echoed.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# Typed as Any without stubs; with them, the ignore is unused and says so.
from jsonschema import Draft202012Validator, validators  # type: ignore[import-untyped,unused-ignore]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped,unused-ignore]

from hfjobs_spec import labels, volumes
from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest import schema as s
from hfjobs_spec.manifest.tokens import redact
from hfjobs_spec.manifest.yaml_source import Located, Path_, format_path

_PATTERN_MEANING = {
    s.NAME_PATTERN: "must start with a lowercase letter or digit and contain only lowercase letters, "
    "digits and '-'",
    s.NAMESPACE_PATTERN: "must be a Hub user or organization name",
    s.ENV_NAME_PATTERN: "must be an environment variable name "
    "(letters, digits and '_', not starting with a digit)",
    s.SECRET_REF_PATTERN: "must be a reference such as $NAME or ${NAME} (resolved at apply time); "
    "secret values never go in a manifest",
    s.TIMEOUT_PATTERN: "must be a number of seconds, or a number followed by s, m, h or d (e.g. \"30m\")",
    s.SCHEDULE_PATTERN: "must be a 5-field cron expression or one of " + ", ".join(s.SCHEDULE_ALIASES),
    volumes.REPO_ID_PATTERN: "must be a Hub id of the form namespace/name",
    labels.LABEL_PATTERN: "may contain only letters, digits, '-' and '_'",
    labels.LABEL_VALUE_PATTERN: "may contain only letters, digits, '-' and '_'",
    "^/": "must be an absolute path (starting with '/')",
    r"^\S+$": "must not contain spaces",
}

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


def _strict_integer(_checker: Any, instance: Any) -> bool:
    """JSON Schema calls 2.0 an integer; a job's `attempts: 2.0` or port `80.0` would reach the Hub as
    a float, and a label `1.0` as text with a dot, so integers here are Python ints (and not bools)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.lru_cache(maxsize=64)
def _anchored(pattern: str) -> re.Pattern[str]:
    """`pattern` with a final `$` that means the end of the text, as in JSON Schema (ECMA-262).

    Python's `$` also matches before a trailing newline, so a name ending in a newline would pass
    `^[a-z0-9-]+$` and reach the Hub's labels.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern_keyword(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _anchored(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _pattern_keyword},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def make_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for one of our schemas: draft 2020-12, with strict integers and strict `$`.

    No `check_schema` here: it costs tens of milliseconds on every command, and the schemas are
    constants that the tests check against the meta-schema.
    """
    return _Validator(schema)


def schema_issues(validator: Draft202012Validator, located: Located,
                  path_prefix: Path_ = ()) -> list[ManifestIssue]:
    """Every schema failure of `located.data[path_prefix]`, one clear issue each."""
    instance = located.data
    for part in path_prefix:
        instance = instance[part]
    issues: list[ManifestIssue] = []
    for error in validator.iter_errors(instance):
        issues.extend(_explain(error, located, path_prefix))
    return _dedupe(issues)


def _dedupe(issues: Iterable[ManifestIssue]) -> list[ManifestIssue]:
    return sorted(set(issues))


def _explain(error: ValidationError, located: Located, prefix: Path_) -> list[ManifestIssue]:
    path: Path_ = (*prefix, *error.absolute_path)
    if error.validator in ("anyOf", "oneOf") and error.context:
        wanted = _wanted_types(error)
        if wanted:
            return [_issue(located, path, f"must be {_either(wanted)}, not {_describe_type(error.instance)}")]
        return [issue for blamed in _blamed_errors(error) for issue in _explain(blamed, located, prefix)]
    if "propertyNames" in error.relative_schema_path:
        # jsonschema reports a bad key as a failure of the key itself, at the path of its mapping.
        return _property_names(error, path, located)
    handler = _HANDLERS.get(str(error.validator), _generic)
    return handler(error, path, located)


def _wanted_types(error: ValidationError) -> list[str]:
    """When the value has the wrong type for every alternative: the types it could have had."""
    assert error.context is not None
    branches = error.validator_value
    wanted: list[str] = []
    for index, branch in enumerate(branches):
        if branch == s.TEMPLATE:
            continue
        failures = [e for e in error.context if e.schema_path[0] == index]
        if not any(e.validator == "type" and not e.relative_path for e in failures):
            return []
        declared = branch.get("type")
        for name in [declared] if isinstance(declared, str) else declared or []:
            if name not in wanted:
                wanted.append(name)
    return wanted


def _either(types: list[str]) -> str:
    choices = [_TYPE_NAMES.get(name, name) for name in types]
    return " or ".join(choices) if len(choices) <= 2 else ", ".join(choices[:-1]) + " or " + choices[-1]


def _blamed_errors(error: ValidationError) -> list[ValidationError]:
    """Among the alternatives, blame the ones meant for this kind of value (a mapping, a list...).

    When only one alternative fits the kind of value, all its errors are reported; otherwise the best
    one. The "or a template" alternative of unrendered documents is never the one to blame: a value
    without Jinja markers was not meant as a template.
    """
    assert error.context is not None
    branches = error.validator_value
    templates = {index for index, branch in enumerate(branches) if branch == s.TEMPLATE}
    wrong_type = {e.schema_path[0] for e in error.context if e.validator == "type" and not e.relative_path}
    relevant = [e for e in error.context if e.schema_path[0] not in wrong_type | templates]
    if relevant and len({e.schema_path[0] for e in relevant}) == 1:
        return relevant
    return [best_match(relevant or error.context)]


def _issue(located: Located, path: Path_, message: str, *, key: bool = False) -> ManifestIssue:
    position = located.position(path, key=key)
    return ManifestIssue(position.file, position.line, position.column, format_path(path), message)


def _shown(value: Any, path: Path_) -> str:
    """A value quoted for a message, unless it may be a secret."""
    if "secrets" in path or (isinstance(value, str) and redact(value) != value):
        return "the value"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _additional(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    known = error.schema.get("properties", {})
    extras = [key for key in error.instance if key not in known]
    if path and path[-1] == "defaults":
        # Defaults are job fields; the two a job must state itself are not among their properties.
        hint = {key: f"; `{key}` cannot have a default, each manifest sets its own" for key in s.NOT_DEFAULTABLE}
        hint["namespace"] = ("; set `namespace` at the top of hfjobs.yaml or in an environment, "
                             "not in defaults")
    else:
        hint = {}
    return [
        _issue(located, (*path, key), f"unknown field {key!r}{hint.get(key) or did_you_mean(key, known)}",
               key=True)
        for key in extras
    ]


def _required(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    rule = _shape_rule_message(error)
    if rule is not None:
        return [_issue(located, (*path, rule[1]) if rule[1] else path, rule[0], key=True)]
    missing = [name for name in error.validator_value if name not in error.instance]
    return [_issue(located, path, f"missing required field {name!r}") for name in missing]


def _not(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    rule = _shape_rule_message(error)
    if rule is not None:
        return [_issue(located, (*path, rule[1]) if rule[1] else path, rule[0], key=True)]
    return _generic(error, path, located)


def _shape_rule_message(error: ValidationError) -> tuple[str, str | None] | None:
    """For the if/then/else shape rules: their own message, and the field to point at."""
    description = error.schema.get("description")
    schema_path = list(error.schema_path)
    if not description or len(schema_path) < 3 or schema_path[0] != "allOf":
        return None
    if error.validator == "not":
        return description, error.validator_value["required"][0]
    return description, None


def _dependent_required(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    """`suspend` without `schedule` and the like; every such pair of the document, at the field's key."""
    return [
        _issue(located, (*path, field), s.DEPENDENCY_MESSAGES[needed].format(field=field), key=True)
        for field, needs in error.validator_value.items()
        if field in error.instance
        for needed in needs
        if needed not in error.instance
    ]


def _enum(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    choices = [str(choice) for choice in error.validator_value]
    value = error.instance
    if path and path[-1] == "flavor":
        head = f"{_shown(value, path)} is not a known flavor"
    else:
        head = f"{_shown(value, path)} is not one of {', '.join(choices)}"
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    return [_issue(located, path, head + hint)]


def _const(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    return [_issue(located, path, f"must be {error.validator_value!r}, not {_shown(error.instance, path)}")]


def _type(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected)
    message = f"must be {_either(names)}, not {_describe_type(error.instance)}"
    if located.node(path).native_template:
        message += ("; a value that is one {{ expression }} keeps the expression's type "
                    "(add `| string` for text)")
    elif ("string" in names and located.node(path).text is not None and "secrets" not in path
          and isinstance(error.instance, (bool, int, float))):
        message += f"; write \"{located.node(path).text}\" in quotes to keep it as text"
    return [_issue(located, path, message)]


def _describe_type(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _pattern(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    meaning = _PATTERN_MEANING.get(str(error.validator_value), f"must match {error.validator_value}")
    if "secrets" in path:
        return [_issue(located, path, meaning)]
    return [_issue(located, path, f"{_shown(error.instance, path)} {meaning}")]


def _property_names(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    key = str(error.instance)
    if error.validator == "pattern":
        meaning = _PATTERN_MEANING.get(str(error.validator_value), f"must match {error.validator_value}")
    elif error.validator == "maxLength":
        meaning = f"must be at most {error.validator_value} characters"
    elif error.validator == "not" and path and path[-1] in _RESERVED_KEYS:
        meaning = _RESERVED_KEYS[str(path[-1])]
    else:
        meaning = "is not allowed"
    return [_issue(located, (*path, key), f"key {_shown(key, ())} {meaning}", key=True)]


# Keys a mapping reserves (a `not` under `propertyNames`), by the mapping's field name.
_RESERVED_KEYS = {
    "environments": f"is reserved: it is the environment of jobs applied without -E (their label "
    f"{labels.ENVIRONMENT} is {labels.DEFAULT_ENVIRONMENT!r}); choose another name",
}


def _bounds(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    limit = error.validator_value
    messages = {
        "minimum": f"must be at least {limit}",
        "maximum": f"must be at most {limit}",
        "minLength": "must not be empty" if limit == 1 else f"must be at least {limit} characters",
        "maxLength": f"must be at most {limit} characters",
        "minItems": "must not be empty" if limit == 1 else f"must have at least {limit} items",
        "uniqueItems": "must not contain duplicates",
    }
    message = messages[str(error.validator)]
    if path and path[-1] == "timeout" and error.validator == "maximum":
        message = s.TIMEOUT_TOO_LONG
    if error.validator == "uniqueItems" and isinstance(error.instance, list):
        repeated = [item for index, item in enumerate(error.instance) if item in error.instance[:index]]
        if repeated:
            message += f" ({_shown(repeated[0], ())} appears more than once)"  # names, not secret values
    return [_issue(located, path, message)]


def _generic(error: ValidationError, path: Path_, located: Located) -> list[ManifestIssue]:
    if "secrets" in path:
        return [_issue(located, path, "is not a valid secret reference list or mapping")]
    return [_issue(located, path, error.message)]


_HANDLERS: dict[str, Callable[[ValidationError, Path_, Located], list[ManifestIssue]]] = {
    "additionalProperties": _additional,
    "required": _required,
    "dependentRequired": _dependent_required,
    "not": _not,
    "enum": _enum,
    "const": _const,
    "type": _type,
    "pattern": _pattern,
    "minimum": _bounds,
    "maximum": _bounds,
    "minLength": _bounds,
    "maxLength": _bounds,
    "minItems": _bounds,
    "uniqueItems": _bounds,
}
