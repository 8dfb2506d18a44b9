"""The project file: discovery, environments, and the precedence of variables and defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hfjobs_spec.errors import ManifestErrors, ManifestIssue, ProjectError
from hfjobs_spec.manifest.project import (
    ProjectOptions,
    deep_merge,
    find_project_root,
    iter_manifest_files,
    load_project,
    parse_var,
)
from tests.manifest.helpers import PROJECT_HEADER, options, specs, write_files, write_project

JOB = """\
apiVersion: hfjobs/v1
name: {name}
image: python:3.12
command: [python, -V]
"""

VARS_PROJECT = PROJECT_HEADER + """\
namespace: base-ns
vars: {who: project, nested: {a: project, b: project}, only_project: 1}
environments:
  staging:
    vars: {who: staging, nested: {a: staging}}
  prod:
    namespace: prod-ns
    vars: {who: prod}
"""


def test_project_is_found_by_searching_upward(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER, "jobs/deep/er/x.txt": ""})
    deeper = tmp_path / "jobs" / "deep" / "er"
    assert find_project_root(ProjectOptions(cwd=deeper)) == tmp_path.resolve()
    assert load_project(ProjectOptions(cwd=deeper)).id == "demo"


def test_project_dir_is_relative_to_cwd_and_must_hold_the_file(tmp_path: Path) -> None:
    write_files(tmp_path, {"proj/hfjobs.yaml": PROJECT_HEADER, "elsewhere/x": ""})
    found = find_project_root(ProjectOptions(project_dir=Path("proj"), cwd=tmp_path))
    assert found == (tmp_path / "proj").resolve()
    with pytest.raises(ProjectError, match=r"^no hfjobs\.yaml in elsewhere$"):
        find_project_root(ProjectOptions(project_dir=Path("elsewhere"), cwd=tmp_path))


def test_no_project_file_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no hfjobs\.yaml found in .* or any parent folder; create one"):
        find_project_root(ProjectOptions(cwd=tmp_path))


def test_project_defaults(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER})
    project = load_project(ProjectOptions(cwd=tmp_path))
    assert (project.id, project.namespace, project.jobs_dir, project.prune) == ("demo", None, "jobs", True)
    assert (project.vars, project.defaults, project.environment, project.environments) == ({}, (), None, ())


def test_prune_namespaces_are_read_from_the_project_file(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER + "prune_namespaces: [old-org, older]\n"})
    assert load_project(ProjectOptions(cwd=tmp_path)).prune_namespaces == ("old-org", "older")


def test_project_file_errors_are_manifest_issues(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": "apiVersion: hfjobs/v1\nproject: bad id\nprne: false\n"})
    with pytest.raises(ManifestErrors) as caught:
        load_project(ProjectOptions(cwd=tmp_path))
    assert [str(i) for i in caught.value.issues] == [
        "hfjobs.yaml:2:10: error: project: 'bad id' may contain only letters, digits, '-' and '_'",
        "hfjobs.yaml:3:1: error: prne: unknown field 'prne'; did you mean 'prune'?",
    ]


def test_unknown_environment_suggests_the_closest(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": VARS_PROJECT})
    with pytest.raises(ProjectError) as caught:
        load_project(options(tmp_path, environment="prd"))
    assert str(caught.value) == ("unknown environment 'prd'; did you mean 'prod'? "
                                 "(defined in hfjobs.yaml: prod, staging)")


def test_environment_overrides_namespace_and_merges_vars_key_by_key(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": VARS_PROJECT})
    base = load_project(options(tmp_path))
    staging = load_project(options(tmp_path, environment="staging"))
    prod = load_project(options(tmp_path, environment="prod"))
    assert (base.namespace, staging.namespace, prod.namespace) == ("base-ns", "base-ns", "prod-ns")
    assert base.vars == {"who": "project", "nested": {"a": "project", "b": "project"}, "only_project": 1}
    assert staging.vars == {"who": "staging", "nested": {"a": "staging", "b": "project"}, "only_project": 1}
    assert prod.vars["who"] == "prod"
    assert staging.environment == "staging" and staging.environments == ("prod", "staging")


def test_var_precedence_project_environment_values_files_in_order_then_var(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "hfjobs.yaml": VARS_PROJECT,
        "one.yaml": "who: one\nnested: {b: one}\nfrom_one: 1\n",
        "two.yaml": "who: two\nfrom_two: 2\n",
    })
    chosen = options(tmp_path, environment="staging", values=["one.yaml", "two.yaml"], var=["nested.a=cli"])
    assert load_project(chosen).vars == {
        "who": "two", "nested": {"a": "cli", "b": "one"}, "only_project": 1, "from_one": 1, "from_two": 2,
    }
    chosen = options(tmp_path, values=["two.yaml", "one.yaml"], var=["who=cli", "who=last"])
    assert load_project(chosen).vars["who"] == "last"
    chosen = options(tmp_path, values=["two.yaml", "one.yaml"])
    assert load_project(chosen).vars["who"] == "one"


def test_values_files_are_relative_to_cwd_not_the_project(tmp_path: Path) -> None:
    write_files(tmp_path, {"proj/hfjobs.yaml": PROJECT_HEADER, "v.yaml": "x: 1\n"})
    chosen = ProjectOptions(project_dir=Path("proj"), cwd=tmp_path, values_files=(Path("v.yaml"),))
    assert load_project(chosen).vars == {"x": 1}


def test_values_file_errors(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER, "list.yaml": "[1, 2]\n", "dup.yaml": "a: 1\na: 2\n"})
    with pytest.raises(ProjectError, match=r"^--values file nope\.yaml does not exist$"):
        load_project(options(tmp_path, values=["nope.yaml"]))
    with pytest.raises(ManifestErrors) as caught:
        load_project(options(tmp_path, values=["list.yaml"]))
    assert str(caught.value.issues[0]) == "list.yaml:1:1: error: must hold exactly one YAML mapping"
    with pytest.raises(ManifestErrors) as caught:
        load_project(options(tmp_path, values=["dup.yaml"]))
    assert "duplicate key 'a'" in str(caught.value.issues[0])


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("n=3", {"n": 3}),
        ("n=-3", {"n": -3}),
        ("ratio=1.5", {"ratio": 1.5}),
        ("flag=true", {"flag": True}),
        ("flag=no", {"flag": False}),
        ("nothing=null", {"nothing": None}),
        ("version='3.10'", {"version": "3.10"}),
        ('version="3"', {"version": "3"}),
        ("model=org/name", {"model": "org/name"}),
        ("empty=", {"empty": ""}),
        ("spaces=  a b ", {"spaces": "a b"}),
        ("equals=a=b", {"equals": "a=b"}),
        ("list=[1, 2]", {"list": "[1, 2]"}),
        ("map={a: 1}", {"map": "{a: 1}"}),
        ("broken=[1", {"broken": "[1"}),
        ("date=2024-01-01", {"date": "2024-01-01"}),
        ("a.b.c=1", {"a": {"b": {"c": 1}}}),
    ],
)
def test_var_values_are_yaml_scalars(assignment: str, expected: dict[str, object]) -> None:
    assert parse_var(assignment) == expected


@pytest.mark.parametrize("assignment", ["novalue", "=1", "2x=1", "a..b=1", "a b=1", "a-b=1"])
def test_var_needs_key_equals_value(assignment: str) -> None:
    with pytest.raises(ProjectError, match=r"expected KEY=VALUE with KEY like name or section\.name"):
        parse_var(assignment)


def test_deep_merge_replaces_non_mappings_and_never_aliases_the_override() -> None:
    base: dict[str, Any] = {"a": {"x": 1, "y": [1]}, "b": 1}
    override: dict[str, Any] = {"a": {"y": [2], "z": {"deep": 1}}, "b": {"now": "mapping"}}
    merged = deep_merge(base, override)
    assert merged == {"a": {"x": 1, "y": [2], "z": {"deep": 1}}, "b": {"now": "mapping"}}
    merged["a"]["z"]["deep"] = 2
    assert override["a"]["z"] == {"deep": 1}
    assert base == {"a": {"x": 1, "y": [1]}, "b": 1}


def test_manifest_files_default_to_jobs_dir_recursively_yaml_and_yml_only(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "hfjobs.yaml": PROJECT_HEADER + "jobs_dir: manifests\n",
        "manifests/b.yaml": "", "manifests/a.yml": "", "manifests/sub/c.yaml": "", "manifests/notes.txt": "",
        "jobs/ignored.yaml": "",
    })
    project = load_project(ProjectOptions(cwd=tmp_path))
    found = iter_manifest_files(project, (), tmp_path)
    assert [project.display(p) for p in found] == ["manifests/a.yml", "manifests/b.yaml", "manifests/sub/c.yaml"]


def test_explicit_paths_are_relative_to_cwd_and_deduplicated(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER, "jobs/a.yaml": "", "jobs/b.yaml": ""})
    project = load_project(ProjectOptions(cwd=tmp_path / "jobs"))
    found = iter_manifest_files(project, (Path("a.yaml"), Path("."), Path("../jobs/a.yaml")), tmp_path / "jobs")
    assert [project.display(p) for p in found] == ["jobs/a.yaml", "jobs/b.yaml"]


def test_a_missing_jobs_dir_is_an_error_not_an_empty_project(tmp_path: Path) -> None:
    write_files(tmp_path, {"hfjobs.yaml": PROJECT_HEADER + "jobs_dir: jbos\n"})
    with pytest.raises(ProjectError, match="jobs_dir 'jbos' is not a folder"):
        specs(tmp_path)
    (tmp_path / "jbos").mkdir()
    assert specs(tmp_path) == {}  # an empty folder declares no jobs


def test_namespace_precedence_job_over_environment_over_project(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "a": JOB.format(name="a"),
        "b": JOB.format(name="b") + "namespace: own-ns\n",
    }, project=VARS_PROJECT)
    assert {n: s.namespace for n, s in specs(tmp_path).items()} == {"a": "base-ns", "b": "own-ns"}
    assert {n: s.namespace for n, s in specs(tmp_path, environment="prod").items()} == {"a": "prod-ns", "b": "own-ns"}


# -- hostile paths and names -------------------------------------------------------------------------------

NUL = "contains a NUL character, which no file name can hold"


def test_nul_characters_on_the_command_line_are_project_errors_not_crashes(tmp_path: Path) -> None:
    write_project(tmp_path, {"a": JOB.format(name="a")})
    with pytest.raises(ProjectError, match=rf"^--values 'a\\x00b.yaml': the path {NUL}$"):
        load_project(options(tmp_path, values=["a\x00b.yaml"]))
    with pytest.raises(ProjectError, match=rf"^--project-dir 'a\\x00b' {NUL}$"):
        find_project_root(ProjectOptions(project_dir=Path("a\x00b"), cwd=tmp_path))
    with pytest.raises(ProjectError, match=rf"^path 'jobs/a\\x00.yaml' {NUL}$"):
        specs(tmp_path, "jobs/a\x00.yaml")


def test_a_var_too_long_to_be_a_number_is_a_project_error() -> None:
    with pytest.raises(ProjectError, match=r"^--var n: number is longer than 1,000 characters; write it in quotes"):
        parse_var("n=" + "9" * 5000)
    assert parse_var("n='" + "9" * 5000 + "'") == {"n": "9" * 5000}


def test_project_errors_never_echo_a_token(tmp_path: Path) -> None:
    token = "hf_" + "Ab1" * 12
    write_project(tmp_path, {"a": JOB.format(name="a")}, project=PROJECT_HEADER + "environments: {prod: {}}\n")
    for chosen in (options(tmp_path, var=[token]), options(tmp_path, environment=token)):
        with pytest.raises(ProjectError) as caught:
            load_project(chosen)
        assert token not in str(caught.value) and "hf_***" in str(caught.value)


def test_default_is_no_environment_name(tmp_path: Path) -> None:
    write_project(tmp_path, {"a": JOB.format(name="a")}, project=PROJECT_HEADER + "environments:\n  default: {}\n")
    with pytest.raises(ManifestErrors) as caught:
        load_project(options(tmp_path))
    (issue,) = caught.value.issues
    assert (issue.file, issue.line, issue.column, issue.field) == ("hfjobs.yaml", 4, 3, "environments.default")
    write_project(tmp_path, {}, project=PROJECT_HEADER + "environments:\n  Default: {}\n")
    assert load_project(options(tmp_path, environment="Default")).environment == "Default"  # labels are exact
    with pytest.raises(ProjectError, match=r"^-E default: 'default' is reserved for jobs applied without -E"):
        load_project(options(tmp_path, environment="default"))


@pytest.mark.parametrize(
    ("jobs_dir", "message"),
    [
        ("../outside", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("jobs/../../outside", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("link", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("link/sub", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("loop", "is a symlink loop"),
        ("/etc", "must be a folder relative to the project root, not an absolute path"),
        ('"jobs\\0"', NUL),
    ],
)
def test_jobs_dir_must_stay_inside_the_project(tmp_path: Path, jobs_dir: str, message: str) -> None:
    (tmp_path / "outside" / "sub").mkdir(parents=True)
    root = write_project(tmp_path / "project", {"a": JOB.format(name="a")},
                         project=PROJECT_HEADER + f"jobs_dir: {jobs_dir}\n")
    (root / "link").symlink_to(tmp_path / "outside")
    (root / "loop").symlink_to("loop")
    with pytest.raises(ManifestErrors) as caught:
        load_project(options(root))
    assert [str(issue) for issue in caught.value.issues] == [f"hfjobs.yaml:3:11: error: jobs_dir: {message}"]


def test_jobs_dir_may_use_dots_and_links_that_stay_inside(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": JOB.format(name="a")}, project=PROJECT_HEADER + "jobs_dir: ./x/../inner\n")
    (root / "x").mkdir()
    (root / "inner").symlink_to(root / "jobs")
    assert list(specs(root)) == ["a"]


def test_a_default_jobs_folder_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    write_files(tmp_path / "project", {"hfjobs.yaml": PROJECT_HEADER})
    (tmp_path / "project" / "jobs").symlink_to(tmp_path / "outside")
    with pytest.raises(ManifestErrors) as caught:
        load_project(options(tmp_path / "project"))
    assert [str(issue) for issue in caught.value.issues] == [
        "hfjobs.yaml:1:1: error: jobs_dir: the default 'jobs' leads outside the project (through '..', an absolute "
        "path or a symlink)"]


def test_a_project_file_linked_from_outside_is_refused(tmp_path: Path) -> None:
    write_files(tmp_path, {"elsewhere.yaml": PROJECT_HEADER, "project/jobs/.keep": ""})
    (tmp_path / "project" / "hfjobs.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(ProjectError, match=r"^hfjobs\.yaml is a symlink to a file outside the project"):
        load_project(options(tmp_path / "project"))


def test_manifests_found_in_folders_must_resolve_inside_the_project(tmp_path: Path) -> None:
    write_files(tmp_path, {"outside/x.yaml": JOB.format(name="x"), "outside/sub/y.yaml": JOB.format(name="y")})
    root = write_project(tmp_path / "project", {"a": JOB.format(name="a")})
    (root / "jobs" / "evil.yaml").symlink_to(tmp_path / "outside" / "x.yaml")
    (root / "jobs" / "inside.yaml").symlink_to(root / "jobs" / "a.yaml")  # the same file twice: read once
    (root / "jobs" / "dir").symlink_to(tmp_path / "outside" / "sub")  # folder links are not followed
    project = load_project(options(root))
    refused: list[ManifestIssue] = []
    found = iter_manifest_files(project, (), root, refused=refused)
    assert [project.display(p) for p in found] == ["jobs/a.yaml"]
    assert [str(issue) for issue in refused] == [
        "jobs/evil.yaml:1:1: error: is a symlink to a file outside the project; manifests must live in it"]
    # Named on the command line, a folder outside the project is the user's choice, and so are its files.
    outside = iter_manifest_files(project, (tmp_path / "outside",), root, refused=refused)
    assert sorted(p.name for p in outside) == ["x.yaml", "y.yaml"]


def test_secret_names_of_the_project_cover_every_environment(tmp_path: Path) -> None:
    write_project(tmp_path, {}, project=PROJECT_HEADER + (
        "defaults: {secrets: [A]}\nenvironments:\n  prod: {defaults: {secrets: {B: $C, D: '${E}'}}}\n"
        "  dev: {defaults: {secrets: {F: '{{ vars.x }}'}}}\n"))
    # A templated source is only known once rendered with a job (the loader does that); its key is known now.
    assert load_project(options(tmp_path)).secret_names == {"A", "B", "C", "D", "E", "F"}
