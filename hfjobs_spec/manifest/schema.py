"""The JSON Schemas for job manifests and the project file, built from the same constants the code uses.

`schemas/*.schema.json` in the repository, and `hfjobs_spec/schemas/*.schema.json` shipped in the
package, are these values written out (`hfjobs-spec schema`); a test fails if they drift apart.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hfjobs_spec import labels, network
from hfjobs_spec.flavors import FLAVORS
from hfjobs_spec.schedules import NAMED_SCHEDULES
from hfjobs_spec.volumes import REPO_ID_PATTERN, VOLUME_TYPES

API_VERSION = "hfjobs/v1"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
NAME_MAX_LENGTH = 63
NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SECRET_REF_PATTERN = r"^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$"
TIMEOUT_PATTERN = r"^[0-9]+(\.[0-9]+)?[smhd]?$"
SCHEDULE_ALIASES = NAMED_SCHEDULES
SCHEDULE_PATTERN = r"^(@[a-z]+|\S+( +\S+){4})$"
# Bounds of our own choosing. No public source states the Hub's limits: huggingface_hub (2.4: the
# `run_job` docstring, the jobs guide, `hf jobs --attempts` with min=1 only), the hub-docs Jobs pages,
# and the HF MCP server's jobs tool (timeout: a duration string, default 30m) give defaults and lower
# bounds, never a maximum. These keep a typo (`attempts: 100`, `timeout: 30d`) from becoming a large
# bill and every value far inside what any server-side integer holds; raise them if the Hub allows more.
MAX_ATTEMPTS = 10
MAX_TIMEOUT_SECONDS = 7 * 86_400
TIMEOUT_TOO_LONG = f"must be at most 7d ({MAX_TIMEOUT_SECONDS:,} seconds)"

# The Hub's rules for network groups: hfjobs_spec/network.py, shared with localhub.
NETWORK_NAME_PATTERN = network.NETWORK_NAME_PATTERN
NETWORK_GROUP_MAX_LENGTH = network.GROUP_MAX_LENGTH
NETWORK_ALIAS_MAX_LENGTH = network.ALIAS_MAX_LENGTH
# What a webhook can watch (huggingface_hub 2.4 `WebhookWatchedItem`) and the event domains it listens to.
WATCHED_TYPES = ("dataset", "model", "space", "bucket", "user", "org")
WEBHOOK_DOMAINS = ("repo", "discussion")
WATCHED_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$"
MAX_WATCHED = 100

_PORT: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 65535}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

_VOLUME: dict[str, Any] = {
    "type": "object",
    "description": "A Hub repository or bucket mounted into the container.",
    "additionalProperties": False,
    "required": ["type", "source", "mount_path"],
    "properties": {
        "type": {"enum": list(VOLUME_TYPES), "description": "What to mount."},
        "source": {"type": "string", "pattern": REPO_ID_PATTERN,
                   "description": "`namespace/name` on the Hub."},
        "mount_path": {"type": "string", "pattern": "^/", "description": "Absolute path in the container."},
        "revision": {"type": "string", "minLength": 1,
                     "description": "Branch, tag or commit (repositories only)."},
        "read_only": {"type": "boolean",
                      "description": "Repositories are always read-only; buckets default to read-write."},
        "path": {"type": "string", "minLength": 1,
                 "description": "Mount only this sub-folder of the source."},
    },
}

_MATRIX_VALUE: dict[str, Any] = {"type": ["string", "number", "boolean"]}
_MATRIX_ENTRIES: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "minProperties": 1, "additionalProperties": _MATRIX_VALUE,
              "propertyNames": {"pattern": ENV_NAME_PATTERN}},
}
MATRIX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    # `matrix.NAME` in templates: dimension names are identifiers.
    "propertyNames": {"pattern": ENV_NAME_PATTERN},
    "properties": {"include": _MATRIX_ENTRIES, "exclude": _MATRIX_ENTRIES},
    "additionalProperties": {"type": "array", "minItems": 1, "items": _MATRIX_VALUE},
    "description": "One job per combination of values (`matrix.NAME` in templates), with optional `include` "
    "and `exclude` lists as in GitHub Actions; at most 256 combinations.",
}
_NETWORK: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["group"],
    "properties": {
        "group": {"type": "string", "pattern": NETWORK_NAME_PATTERN, "maxLength": NETWORK_GROUP_MAX_LENGTH,
                  "description": "The group to join: lowercase letters, digits and '-', at most 46 characters."},
        "aliases": {"type": "array", "uniqueItems": True,
                    "items": {"type": "string", "pattern": NETWORK_NAME_PATTERN,
                              "maxLength": NETWORK_ALIAS_MAX_LENGTH},
                    "description": "Names this job answers to in the group (at `${HF_NETWORK_GROUP_PREFIX}<alias>`): "
                    "lowercase letters, digits and '-', at most 34 characters each."},
    },
    "description": "One-shot jobs only: join a network group. Jobs of the namespace in the same group reach "
    "each other on every port (`$HF_NETWORK_GROUP_HOSTNAME`). The Hub refuses it on scheduled jobs.",
}
_WATCHED: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "name"],
    "properties": {
        "type": {"enum": list(WATCHED_TYPES), "description": "What kind of thing to watch."},
        "name": {"type": "string", "pattern": WATCHED_NAME_PATTERN, "maxLength": 200,
                 "description": "A repository id (`owner/name`), or a user or organization name."},
    },
}
_ON: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["hub"],
    "properties": {
        "hub": {
            "type": "object",
            "additionalProperties": False,
            "required": ["watched"],
            "properties": {
                "watched": {"type": "array", "items": _WATCHED, "minItems": 1, "maxItems": MAX_WATCHED,
                            "description": "The repositories, users and organizations whose changes start the job."},
                "domains": {"type": "array", "items": {"enum": list(WEBHOOK_DOMAINS)}, "minItems": 1,
                            "uniqueItems": True,
                            "description": "Which events: `repo` (commits, tags, settings), `discussion` "
                            "(discussions, pull requests, comments). Default: both."},
            },
        },
    },
    "description": "One-shot jobs only: also run this job whenever the watched things change on the Hub. Apply "
    "keeps one Hub webhook per job that starts it, with the job's secrets.",
}

JOB_PROPERTIES: dict[str, Any] = {
    "apiVersion": {"const": API_VERSION, "description": "Manifest format version."},
    "name": {
        "type": "string",
        "pattern": NAME_PATTERN,
        "maxLength": NAME_MAX_LENGTH,
        "description": "Unique name of the job in the project: lowercase letters, digits and '-'.",
    },
    "namespace": {
        "type": "string",
        "pattern": NAMESPACE_PATTERN,
        "maxLength": 96,
        "description": "User or organization that owns the job. "
        "Default: the project's, else the token's user.",
    },
    "image": {
        "type": "string",
        "minLength": 1,
        "description": "Docker image (or hf.co/spaces/ID). With `script`, overrides the default uv image.",
    },
    "command": {**_STRINGS, "minItems": 1, "description": "The command line to run in `image`."},
    "script": {
        "type": "string",
        "minLength": 1,
        "description": "A uv script: a path inside the repository (shipped inline) or an https:// URL.",
    },
    "script_args": {**_STRINGS, "description": "Arguments passed to the script."},
    "dependencies": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "uniqueItems": True,
        "description": "Extra packages for the script (`uv run --with`).",
    },
    "python": {"type": "string", "pattern": r"^\S+$",
               "description": "Python version for the script (`uv run --python`)."},
    "flavor": {"enum": list(FLAVORS), "description": "Hardware flavor. Default: cpu-basic."},
    "timeout": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_TIMEOUT_SECONDS},
            {"type": "string", "pattern": TIMEOUT_PATTERN},
        ],
        "description": "Maximum run time: seconds, or a number with s, m, h or d (e.g. 90, \"30m\", \"2h\"), "
        "from 1 second to 7 days. Default: 30m.",
    },
    "attempts": {"type": "integer", "minimum": 1, "maximum": MAX_ATTEMPTS,
                 "description": f"Attempts in all, the first included: 1 to {MAX_ATTEMPTS}. Default: 1."},
    "env": {
        "type": "object",
        "propertyNames": {"pattern": ENV_NAME_PATTERN},
        "additionalProperties": {"type": ["string", "number", "boolean"]},
        "description": "Plain environment variables. Never put secrets here: use `secrets`.",
    },
    "secrets": {
        # anyOf, not oneOf: a value is either a mapping or a list, and anyOf stops at the first match.
        "anyOf": [
            {
                "type": "object",
                "propertyNames": {"pattern": ENV_NAME_PATTERN},
                "additionalProperties": {"type": "string", "pattern": SECRET_REF_PATTERN},
            },
            {"type": "array", "items": {"type": "string", "pattern": ENV_NAME_PATTERN}, "uniqueItems": True},
        ],
        "description": "Secret environment variables as references resolved at apply time: `$HF_TOKEN` (the "
        "applying user's token), `$NAME` or `${NAME}` (an environment variable), or a list of names.",
    },
    "labels": {
        "type": "object",
        "propertyNames": {"pattern": labels.LABEL_PATTERN, "maxLength": labels.LABEL_MAX_LENGTH},
        "additionalProperties": {
            "type": ["string", "integer"],
            "pattern": labels.LABEL_VALUE_PATTERN,
            "maxLength": labels.LABEL_MAX_LENGTH,
        },
        "description": "Labels on the Hub object: letters, digits, '-' and '_', up to 100 characters. "
        f"`{labels.HUB_NAME}` and keys starting with `{labels.RESERVED_PREFIX}` are reserved.",
    },
    "volumes": {"type": "array", "items": _VOLUME, "description": "Repositories and buckets to mount."},
    "schedule": {
        "type": "string",
        "pattern": SCHEDULE_PATTERN,
        "description": "Makes this a scheduled job: a 5-field cron expression (UTC) or one of "
        + ", ".join(SCHEDULE_ALIASES) + ".",
    },
    "suspend": {"type": "boolean", "description": "Scheduled jobs only: pause future runs."},
    "concurrency": {"type": "boolean", "description": "Scheduled jobs only: allow overlapping runs."},
    "protect": {"type": "boolean", "description": "Refuse to delete or replace this job."},
    "import": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            "id": {"type": "string", "pattern": labels.LABEL_PATTERN, "maxLength": 100,
                   "description": "The Hub id of the job run or scheduled job to adopt."},
            "name": {"type": "string", "pattern": labels.LABEL_PATTERN, "maxLength": labels.LABEL_MAX_LENGTH,
                     "description": "The Hub `name` of the one unmanaged job or scheduled job to adopt."},
        },
        "description": "Adopt a job made without hfjobs-spec instead of creating one: exactly one of `id` "
        "or `name`. Apply relabels it in place (same Hub id, history kept); afterwards the key is inert.",
    },
    "previous_names": {
        "type": "array",
        "items": {"type": "string", "pattern": NAME_PATTERN, "maxLength": NAME_MAX_LENGTH},
        "uniqueItems": True,
        "maxItems": 16,
        "description": "Names this job had before: apply renames the job found under one of them in place "
        "(same Hub id, history kept) instead of replacing it; afterwards the key is inert.",
    },
    "expose": {"type": "array", "items": _PORT, "uniqueItems": True,
               "description": "Ports behind the authenticated proxy."},
    "matrix": MATRIX_SCHEMA,
    "network": _NETWORK,
    "on": _ON,
    "expose_public": {
        "type": "array",
        "items": _PORT,
        "uniqueItems": True,
        "description": "Ports reachable without authentication.",
    },
}

SCRIPT_ONLY_FIELDS = ("script_args", "dependencies", "python")
# Fields the Hub (or this tool) accepts on one-shot jobs only; refused next to `schedule`.
ONE_SHOT_ONLY_FIELDS = ("network", "on")
SCHEDULED_ONLY_FIELDS = ("suspend", "concurrency")
# `namespace` has its own place in the project file (top level and per environment); as a default too, a
# project-wide default would silently beat the environment's namespace.
NOT_DEFAULTABLE = ("apiVersion", "name", "namespace", "import", "previous_names", "matrix")

SHAPE_RULES: list[dict[str, Any]] = [
    {
        "if": {"required": ["script"]},
        "then": {
            "not": {"required": ["command"]},
            "description": "`command` cannot be combined with `script`; pass arguments with `script_args`",
        },
        "else": {
            "required": ["image", "command"],
            "description": "a job needs either `script`, or `image` and `command`",
        },
    },
]
# Fields that only make sense with another one (one keyword, much cheaper than an if/then rule each).
DEPENDENT_REQUIRED: dict[str, list[str]] = {
    **{field: ["script"] for field in SCRIPT_ONLY_FIELDS},
    **{field: ["schedule"] for field in SCHEDULED_ONLY_FIELDS},
}
DEPENDENCY_MESSAGES = {
    "script": "`{field}` applies to `script` jobs only",
    "schedule": "`{field}` applies to scheduled jobs only (add a `schedule`)",
}


# A string leaf holding Jinja markers: its value is only known after rendering.
TEMPLATE_PATTERN = r"\{\{|\{%"
TEMPLATE: dict[str, Any] = {"type": "string", "pattern": TEMPLATE_PATTERN}
_NESTED = ("properties", "additionalProperties", "items")


def allow_templates(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, where every value may also be a Jinja template string.

    Templates are rendered before validation and a leaf that is one `{{ expression }}` may become a
    number or a list, so a document that is still unrendered (in an editor, or defaults in the project
    file) can only be held to its structure: its keys, and the values that contain no template.
    """
    inner = copy.deepcopy(schema)
    description = inner.pop("description", None)
    for key in _NESTED:
        value = inner.get(key)
        if key == "properties" and isinstance(value, dict):
            inner[key] = {name: allow_templates(sub) for name, sub in value.items()}
        elif isinstance(value, dict):
            inner[key] = allow_templates(value)
    for key in ("anyOf", "oneOf"):
        if key in inner:
            inner[key] = [_allow_nested_templates(branch) for branch in inner[key]]
    wrapped: dict[str, Any] = {"anyOf": [inner, copy.deepcopy(TEMPLATE)]}
    if description is not None:
        wrapped["description"] = description
    return wrapped


def _allow_nested_templates(schema: dict[str, Any]) -> dict[str, Any]:
    """Inside an alternative: templates below it, not in its place (the outer wrapper already has that)."""
    unwrapped: dict[str, Any] = allow_templates(schema)["anyOf"][0]
    return unwrapped


def job_schema(*, as_written: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one job document.

    By default, the schema validation applies to a document once defaults are merged and templates
    rendered. `as_written=True` is the published schema, which editors apply to the file itself: any
    value may still be a template, and fields the project's defaults can supply (`image`, `command`,
    `schedule`, ...) are not required, so it never flags a manifest that `validate` accepts.
    """
    properties = copy.deepcopy(JOB_PROPERTIES)
    rules = copy.deepcopy(SHAPE_RULES)
    dependencies: dict[str, Any] = {"dependentRequired": copy.deepcopy(DEPENDENT_REQUIRED)}
    if as_written:
        properties = {name: allow_templates(sub) for name, sub in properties.items()}
        rules = [{"if": rules[0]["if"], "then": rules[0]["then"]}]
        dependencies = {}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:hfjobs-spec:schema:job:v1",
        "title": "hfjobs-spec job manifest",
        "description": "One Hugging Face job (or scheduled job) per YAML document.",
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "name"],
        "properties": properties,
        "allOf": rules,
        **dependencies,
    }


def defaults_schema() -> dict[str, Any]:
    """Job fields a project or environment may set for every job.

    Defaults are rendered with each job and validated again as part of it, so templates are allowed here.
    """
    properties = {k: allow_templates(v) for k, v in JOB_PROPERTIES.items() if k not in NOT_DEFAULTABLE}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "description": "Any job field except apiVersion, name and namespace; a manifest's own value wins.",
    }


def project_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `hfjobs.yaml`."""
    namespace = copy.deepcopy(JOB_PROPERTIES["namespace"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:hfjobs-spec:schema:project:v1",
        "title": "hfjobs-spec project file (hfjobs.yaml)",
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "project"],
        "properties": {
            "apiVersion": {"const": API_VERSION, "description": "Project file format version."},
            "project": {
                "type": "string",
                "pattern": labels.LABEL_PATTERN,
                "maxLength": 63,
                "description": "Project id, stamped on every job as a label: letters, digits, '-' and '_'.",
            },
            "namespace": namespace,
            "jobs_dir": {"type": "string", "minLength": 1,
                         "description": "Folder of manifests. Default: jobs."},
            "prune": {"type": "boolean",
                      "description": "Delete managed jobs no longer declared. Default: true."},
            "prune_namespaces": {
                "type": "array",
                "items": copy.deepcopy(namespace),
                "uniqueItems": True,
                "description": "More namespaces to read for this project's managed jobs, so that jobs moved "
                "out of them are still found and pruned.",
            },
            "foreign_label_prefixes": {
                "type": "array",
                "items": {"type": "string", "pattern": labels.LABEL_PATTERN, "maxLength": labels.LABEL_MAX_LENGTH},
                "uniqueItems": True,
                "description": "Label key prefixes of other tools' jobs (besides "
                + ", ".join(f"`{p}`" for p in labels.FOREIGN_PREFIXES)
                + "): such jobs are shown as foreign and never pruned, adopted or imported.",
            },
            "vars": {"type": "object", "description": "Template variables (`{{ vars.NAME }}`)."},
            "defaults": {"$ref": "#/$defs/defaults"},
            "environments": {
                "type": "object",
                # Environment names become a label value (hfjobs-environment), so they follow label rules.
                # `default` is the label value of jobs applied without -E, so no environment may take it.
                "propertyNames": {"pattern": r"^[A-Za-z0-9_-]+$", "maxLength": 63,
                                  "not": {"const": labels.DEFAULT_ENVIRONMENT}},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "namespace": copy.deepcopy(namespace),
                        "vars": {"type": "object"},
                        "defaults": {"$ref": "#/$defs/defaults"},
                    },
                },
                "description": "Named environments selected with -E/--environment.",
            },
        },
        "$defs": {"defaults": defaults_schema()},
    }


def published_job_schema() -> dict[str, Any]:
    """`schemas/job.schema.json`: the job schema as editors apply it to manifests as written."""
    return job_schema(as_written=True)


SCHEMAS = {"job": published_job_schema, "project": project_schema}


def schema_text(kind: str) -> str:
    """The schema as the exact text of `schemas/<kind>.schema.json`."""
    return json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False) + "\n"
