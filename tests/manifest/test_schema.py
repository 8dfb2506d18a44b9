"""The JSON Schemas: published files equal the code, are valid schemas, and agree with validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hfjobs_spec import labels
from hfjobs_spec.flavors import FLAVORS, flavor_hint
from hfjobs_spec.manifest import schema as s
from hfjobs_spec.manifest.schema_check import did_you_mean, make_validator, schema_issues
from hfjobs_spec.manifest.yaml_source import parse_documents
from tests.manifest.helpers import REPO_ROOT


@pytest.mark.parametrize("folder", ["schemas", "hfjobs_spec/schemas"])  # the repository's, the package's
@pytest.mark.parametrize("kind", ["job", "project"])
def test_published_schema_files_equal_the_code(kind: str, folder: str) -> None:
    published = (REPO_ROOT / folder / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert published == s.schema_text(kind), (
        f"{folder}/{kind}.schema.json is out of date: run `hfjobs-spec schema {kind} > {folder}/{kind}.schema.json`")


@pytest.mark.parametrize("schema", [s.job_schema(), s.job_schema(as_written=True), s.project_schema()],
                         ids=["job", "job-as-written", "project"])
def test_schemas_are_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)


def test_schema_text_is_stable_json() -> None:
    text = s.schema_text("job")
    assert text.endswith("}\n")
    assert json.loads(text) == s.job_schema(as_written=True)
    assert s.schema_text("job") == text


def test_schema_is_built_from_the_same_constants_as_the_code() -> None:
    properties = s.job_schema()["properties"]
    assert properties["flavor"]["enum"] == list(FLAVORS)
    assert properties["labels"]["propertyNames"]["pattern"] == labels.LABEL_PATTERN
    assert set(s.defaults_schema()["properties"]) == set(properties) - set(s.NOT_DEFAULTABLE)


def validate_raw(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    return sorted(f"{'.'.join(map(str, e.absolute_path))}" for e in Draft202012Validator(schema).iter_errors(document))


BASE = {"apiVersion": "hfjobs/v1", "name": "a", "image": "python:3.12", "command": ["python"]}


@pytest.mark.parametrize(
    "document",
    [
        {"apiVersion": "hfjobs/v1", "name": "only-defaults"},
        {**BASE, "name": "{{ vars.prefix }}-job"},
        {**BASE, "flavor": "{{ 'a10g-small' if environment == 'prod' else 'cpu-basic' }}"},
        {**BASE, "attempts": "{{ vars.attempts }}", "expose": "{{ vars.ports }}", "timeout": "{{ vars.t }}"},
        {**BASE, "command": "{{ vars.command }}", "env": "{{ vars.env }}"},
        {**BASE, "volumes": [{"type": "model", "source": "{{ vars.model }}", "mount_path": "{{ vars.path }}"}]},
        {**BASE, "secrets": {"A": "{{ vars.ref }}"}, "labels": {"team": "{{ vars.team }}"}},
        {**BASE, "suspend": True},  # the schedule may come from defaults
    ],
)
def test_published_schema_accepts_templates_and_fields_left_to_defaults(document: dict[str, Any]) -> None:
    assert validate_raw(s.job_schema(as_written=True), document) == []


@pytest.mark.parametrize(
    ("document", "paths"),
    [
        ({**BASE, "flavour": "x"}, [""]),
        ({**BASE, "flavor": "a10g-huge"}, ["flavor"]),
        ({**BASE, "attempts": "three"}, ["attempts"]),
        ({**BASE, "secrets": {"A": "literal-value"}}, ["secrets"]),
        ({**BASE, "labels": {"bad key": "x"}}, ["labels"]),
        ({**BASE, "script": "s.py"}, [""]),
        ({"name": "a"}, [""]),
    ],
)
def test_published_schema_still_catches_what_a_file_alone_shows(document: dict[str, Any], paths: list[str]) -> None:
    assert validate_raw(s.job_schema(as_written=True), document) == paths


def test_validation_schema_is_strict_about_rendered_values() -> None:
    strict = s.job_schema()
    assert validate_raw(strict, {**BASE, "flavor": "{{ x }}"}) == ["flavor"]
    assert validate_raw(strict, {"apiVersion": "hfjobs/v1", "name": "a"}) == ["", ""]


def issues(text: str, schema: dict[str, Any] | None = None) -> list[str]:
    (doc,) = parse_documents(text, "f.yaml")
    return [str(i) for i in schema_issues(make_validator(schema or s.job_schema()), doc)]


HEAD = "apiVersion: hfjobs/v1\nname: a\nimage: x\ncommand: [x]\n"


SCRIPT_HEAD = "apiVersion: hfjobs/v1\nname: a\nscript: s.py\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + "timeout: -5\n", "f.yaml:5:10: error: timeout: must be at least 1"),
        (HEAD + "timeout: 1.5\n", "f.yaml:5:10: error: timeout: must be an integer or a string, not a number"),
        (HEAD + "timeout: 1.0\n", "f.yaml:5:10: error: timeout: must be an integer or a string, not a number"),
        (HEAD + "attempts: 2.0\n", "f.yaml:5:11: error: attempts: must be an integer, not a number"),
        (HEAD + "timeout: [1]\n", "f.yaml:5:10: error: timeout: must be an integer or a string, not a list"),
        (HEAD + "secrets: 5\n", "f.yaml:5:10: error: secrets: must be a mapping or a list, not an integer"),
        (HEAD + "secrets: {A: 1}\n", "f.yaml:5:14: error: secrets.A: must be a string, not an integer"),
        (HEAD + "secrets: [A, A]\n",
         "f.yaml:5:10: error: secrets: must not contain duplicates ('A' appears more than once)"),
        (HEAD + "labels: {a: [1]}\n", "f.yaml:5:13: error: labels.a: must be a string or an integer, not a list"),
        (HEAD + "env: {A: null}\n",
         "f.yaml:5:10: error: env.A: must be a string, a number or true or false, not empty"),
        (HEAD + "namespace: 'my org'\n",
         "f.yaml:5:12: error: namespace: 'my org' must be a Hub user or organization name"),
        (SCRIPT_HEAD + "python: 'three twelve'\n", "f.yaml:4:9: error: python: 'three twelve' must not contain spaces"),
        (SCRIPT_HEAD + "python: 3.10\n",
         'f.yaml:4:9: error: python: must be a string, not a number; write "3.10" in quotes to keep it as text'),
        (SCRIPT_HEAD + "dependencies: ['']\n", "f.yaml:4:16: error: dependencies[0]: must not be empty"),
        (SCRIPT_HEAD + "dependencies: [a, a]\n",
         "f.yaml:4:15: error: dependencies: must not contain duplicates ('a' appears more than once)"),
        (HEAD + "volumes: [{type: bucket, source: a/b, mount_path: /x, extra: 1}]\n",
         "f.yaml:5:55: error: volumes[0].extra: unknown field 'extra'"),
        (HEAD + "volumes: {type: bucket}\n", "f.yaml:5:10: error: volumes: must be a list, not a mapping"),
        (HEAD + "expose: ['80']\n", "f.yaml:5:10: error: expose[0]: must be an integer, not a string"),
        (HEAD + "protect: 'yes'\n", "f.yaml:5:10: error: protect: must be true or false, not a string"),
        ("apiVersion: hfjobs/v1\nname: 7\nimage: x\ncommand: [x]\n",
         'f.yaml:2:7: error: name: must be a string, not an integer; write "7" in quotes to keep it as text'),
    ],
)
def test_schema_messages_name_the_field_and_the_cause(text: str, expected: str) -> None:
    assert issues(text) == [expected]


def test_a_token_like_value_is_never_echoed_by_schema_messages() -> None:
    token = "hf_" + "a1B2" * 10
    found = issues(HEAD + f"secrets: {{A: {token}}}\nlabels: {{x: {token}-x/y}}\nflavor: {token}\n")
    assert found and all(token not in line for line in found)
    assert any("flavor: the value is not a known flavor" in line for line in found)


def test_the_template_alternative_is_never_blamed_in_defaults() -> None:
    text = "apiVersion: hfjobs/v1\nproject: p\ndefaults:\n  flavor: gpu\n  timeout: soon\n  env: {A: [1]}\n"
    assert issues(text, s.project_schema()) == [
        "f.yaml:4:11: error: defaults.flavor: 'gpu' is not a known flavor" + flavor_hint("gpu"),
        "f.yaml:5:12: error: defaults.timeout: 'soon' must be a number of seconds, or a number followed by s, m, "
        "h or d (e.g. \"30m\")",
        "f.yaml:6:12: error: defaults.env.A: must be a string, a number or true or false, not a list",
    ]


def test_did_you_mean() -> None:
    assert did_you_mean("flavour", ["flavor", "timeout"]) == "; did you mean 'flavor'?"
    assert did_you_mean("zzz", ["flavor"]) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + "attempts: 2.0\n", "f.yaml:5:11: error: attempts: must be an integer, not a number"),
        (HEAD + "attempts: true\n", "f.yaml:5:11: error: attempts: must be an integer, not true/false"),
        (HEAD + "expose: [80.0]\n", "f.yaml:5:10: error: expose[0]: must be an integer, not a number"),
        (HEAD + "timeout: 60.0\n", "f.yaml:5:10: error: timeout: must be an integer or a string, not a number"),
        (HEAD + "attempts: 11\n", "f.yaml:5:11: error: attempts: must be at most 10"),
        (HEAD + "attempts: 0\n", "f.yaml:5:11: error: attempts: must be at least 1"),
        (HEAD + "timeout: 604801\n", "f.yaml:5:10: error: timeout: must be at most 7d (604,800 seconds)"),
        ("apiVersion: hfjobs/v1\nname: \"a\\n\"\nimage: x\ncommand: [x]\n",
         "f.yaml:2:7: error: name: 'a\\n' must start with a lowercase letter or digit and contain only lowercase "
         "letters, digits and '-'"),
        (HEAD + "secrets: {A: \"$B\\n\"}\n",
         "f.yaml:5:14: error: secrets.A: must be a reference such as $NAME or ${NAME} (resolved at apply time); "
         "secret values never go in a manifest"),
    ],
)
def test_integers_are_ints_and_patterns_end_at_the_end(text: str, expected: str) -> None:
    assert issues(text) == [expected]


def test_the_published_job_schema_carries_the_bounds() -> None:
    job = s.job_schema(as_written=True)["properties"]
    assert job["attempts"]["anyOf"][0]["maximum"] == s.MAX_ATTEMPTS == 10
    assert job["timeout"]["anyOf"][0]["anyOf"][0]["maximum"] == s.MAX_TIMEOUT_SECONDS == 7 * 86400


def test_the_project_schema_reserves_the_default_environment() -> None:
    names = s.project_schema()["properties"]["environments"]["propertyNames"]
    assert names["not"] == {"const": labels.DEFAULT_ENVIRONMENT}
    assert Draft202012Validator(s.project_schema()).is_valid({"apiVersion": "hfjobs/v1", "project": "p",
                                                              "environments": {"prod": {}}})
    assert not Draft202012Validator(s.project_schema()).is_valid({"apiVersion": "hfjobs/v1", "project": "p",
                                                                  "environments": {"default": {}}})
