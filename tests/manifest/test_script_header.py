"""The `[tool.hf-jobs]` header of a local script: keys as `hf jobs uv run` reads them, its place among
the layers (project < environment < header < manifest), and errors at the script's file:line."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec.manifest.script_header import read_header
from tests.manifest.helpers import PROJECT_HEADER, messages, specs, write_project

HEADER = '''\
# /// script
# dependencies = ["torch"]
#
# [tool.hf-jobs]
# flavor = "t4-small"
# timeout = 5400
# secrets = ["HF_TOKEN", "WANDB_API_KEY"]
# env = { MODE = "header", TEMPLATE = "{{ not jinja }}" }
# volumes = ["hf://datasets/org/data@v2/train:/data", "hf://buckets/org/out:/out:rw"]
# name = "from-header"
#
# [tool.hf-jobs.labels]
# team = "nlp"
# ///
print("hi")
'''


def test_every_key_in_manifest_terms() -> None:
    header = read_header(HEADER, "scripts/run.py")
    assert header.issues == () and header.layer is not None
    assert dict(header.layer.values) == {
        "flavor": "t4-small", "timeout": 5400, "secrets": ["HF_TOKEN", "WANDB_API_KEY"],
        "env": {"MODE": "header", "TEMPLATE": "{{ not jinja }}"},
        "volumes": [{"type": "dataset", "source": "org/data", "revision": "v2", "path": "train", "mount_path": "/data"},
                    {"type": "bucket", "source": "org/out", "mount_path": "/out", "read_only": False}],
        "name": "from-header", "labels": {"team": "nlp"},
    }
    assert header.layer.located.position(("header", "labels", "team")).line == 13


def test_no_block_or_no_table_is_no_layer() -> None:
    assert read_header("print(1)\n", "s.py").layer is None
    assert read_header("# /// script\n# dependencies = []\n# ///\n", "s.py").layer is None


def test_a_job_takes_the_header_and_keeps_it_out_of_templates(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": HEADER})
    spec = specs(root)["from-header"]
    assert (spec.flavor, spec.timeout) == ("t4-small", 5400)
    assert spec.env_dict == {"MODE": "header", "TEMPLATE": "{{ not jinja }}"}
    assert [ref.name for ref in spec.secrets] == ["HF_TOKEN", "WANDB_API_KEY"]
    assert [volume.mount_path for volume in spec.volumes] == ["/data", "/out"]
    assert spec.labels_dict == {"team": "nlp"}


def test_errors_point_at_the_script_line(tmp_path: Path) -> None:
    script = HEADER.replace('"t4-small"', '"t4-smal"').replace("timeout = 5400", "timeout = true")
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nname: r\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": script.replace("# name", "# colour = 1\n# name")})
    assert messages(root) == [
        'scripts/run.py:6:1: error: timeout: timeout in [tool.hf-jobs] must be a duration string (e.g. "30m") '
        "or a number of seconds",
        "scripts/run.py:10:1: error: colour: unknown key 'colour' in [tool.hf-jobs]; known keys: env, flavor, image, "
        "labels, name, namespace, network_aliases, network_group, python, secrets, timeout, volumes",
    ]
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nname: r\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": HEADER.replace('"t4-small"', '"t4-smal"')})
    assert messages(root) == ["scripts/run.py:5:1: error: flavor: 't4-smal' is not a known flavor; "
                              "did you mean 't4-small'?"]


def test_secret_values_and_local_folders_are_refused(tmp_path: Path) -> None:
    header = read_header('# /// script\n# [tool.hf-jobs]\n# secrets = { A = "x" }\n'
                         '# volumes = ["./data:/data"]\n# ///\n', "s.py")
    assert [(issue.line, issue.field) for issue in header.issues] == [(3, "secrets"), (4, "volumes")]
    assert "list of names" in header.issues[0].message and "hf:// mount" in header.issues[1].message


def test_invalid_toml_is_an_error_at_its_line() -> None:
    (issue,) = read_header('# /// script\n# [tool.hf-jobs]\n# flavor = \n# ///\n', "s.py").issues
    assert (issue.file, issue.line) == ("s.py", 3) and "invalid TOML" in issue.message


_FLAVORS = ["t4-small", "t4-medium", "a10g-small", "a10g-large"]
_LAYERS = ("project", "environment", "header", "manifest")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({layer: st.one_of(st.none(), st.sampled_from(_FLAVORS)) for layer in _LAYERS}),
       st.fixed_dictionaries({layer: st.one_of(st.none(), st.sampled_from(["a", "b", "c"])) for layer in _LAYERS}))
def test_precedence_project_environment_header_manifest(tmp_path: Path, flavors: dict[str, str | None],
                                                         modes: dict[str, str | None]) -> None:
    def fields(layer: str, indent: str, toml: bool = False) -> str:
        out = ""
        if flavors[layer]:
            out += f'{indent}flavor = "{flavors[layer]}"\n' if toml else f"{indent}flavor: {flavors[layer]}\n"
        if modes[layer]:
            mode = modes[layer]
            out += f'{indent}env = {{ MODE = "{mode}" }}\n' if toml else f"{indent}env: {{MODE: {mode}}}\n"
        return out

    project = (PROJECT_HEADER + "defaults:\n  labels: {x: y}\n" + fields("project", "  ")
               + "environments:\n  prod:\n    defaults:\n      labels: {x: z}\n" + fields("environment", "      "))
    script = "# /// script\n# [tool.hf-jobs]\n" + fields("header", "# ", toml=True) + "# ///\n"
    manifest = "apiVersion: hfjobs/v1\nname: job\nscript: scripts/run.py\n" + fields("manifest", "")
    root = write_project(tmp_path, {"job": manifest}, project=project, files={"scripts/run.py": script})
    spec = specs(root, environment="prod")["job"]
    expected_flavor = next((flavors[layer] for layer in reversed(_LAYERS) if flavors[layer]), "cpu-basic")
    expected_mode = next((modes[layer] for layer in reversed(_LAYERS) if modes[layer]), None)
    assert spec.flavor == expected_flavor
    assert spec.env_dict.get("MODE") == expected_mode


def test_env_refuses_a_secret_named_only_in_a_header(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nname: r\nscript: scripts/run.py\n"
                                           "script_args: [\"{{ env('WANDB_API_KEY', 'x') }}\"]\n"},
                         files={"scripts/run.py": HEADER})
    (line,) = messages(root, environ={"WANDB_API_KEY": "wandb-value"})
    assert "env('WANDB_API_KEY') refused" in line and "wandb-value" not in line


def test_network_keys_become_the_network_field(tmp_path: Path) -> None:
    script = '# /// script\n# [tool.hf-jobs]\n# network_group = "ring"\n# network_aliases = ["w1"]\n# ///\n'
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nname: r\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": script})
    network = specs(root)["r"].network
    assert network is not None and (network.group, network.aliases) == ("ring", ("w1",))
    bad = script.replace('"ring"', '"Ring!"')
    root = write_project(tmp_path, {"run": "apiVersion: hfjobs/v1\nname: r\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": bad})
    (line,) = messages(root)
    assert line.startswith("scripts/run.py:3:1: error: network.group:")


def test_a_network_group_in_the_header_of_a_scheduled_job_is_refused_not_dropped(tmp_path: Path) -> None:
    script = '# /// script\n# [tool.hf-jobs]\n# network_group = "ring"\n# ///\n'
    root = write_project(tmp_path, {"run": 'apiVersion: hfjobs/v1\nname: r\nschedule: "@daily"\n'
                                           "script: scripts/run.py\n"}, files={"scripts/run.py": script})
    (line,) = messages(root)
    assert line.startswith("scripts/run.py:3:1: error: network: network groups are for one-shot jobs only")
