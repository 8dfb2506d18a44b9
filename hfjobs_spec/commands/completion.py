"""What shell completion offers: the project's environments and manifest names, read cheaply.

Completion runs on every Tab, so it reads only the project file and the manifests' top-level
`name:` keys (no templates rendered, no schema checked, never the Hub). A name written as a
template is left out rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

from hfjobs_spec.manifest.project import ProjectOptions, iter_manifest_files, load_project
from hfjobs_spec.manifest.yaml_source import parse_documents, read_text

_MAX_FILES = 2_000  # a Tab must answer quickly, whatever the folder holds


def environment_names(project_dir: Path | None, cwd: Path) -> list[str]:
    """The environments `hfjobs.yaml` defines (raises the project's errors; callers swallow them)."""
    return list(load_project(ProjectOptions(project_dir=project_dir, cwd=cwd)).environments)


def job_names(project_dir: Path | None, cwd: Path) -> list[str]:
    """The names the project's manifests declare literally, sorted; unreadable files are skipped."""
    project = load_project(ProjectOptions(project_dir=project_dir, cwd=cwd))
    names: set[str] = set()
    for path in iter_manifest_files(project, (), cwd)[:_MAX_FILES]:
        display = project.display(path)
        try:
            for document in parse_documents(read_text(str(path), display), display):
                name = document.data.get("name") if isinstance(document.data, dict) else None
                if isinstance(name, str) and name and "{" not in name:
                    names.add(name)
        except Exception:  # a broken file must not break the user's Tab
            continue
    return sorted(names)
