"""The manifest pipeline: read -> parse (with positions) -> defaults -> render -> validate -> JobSpec.

Every file is processed and every problem collected, so one run reports all of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfjobs_spec.errors import ManifestIssue, ProjectError
from hfjobs_spec.manifest.defaults import apply_defaults
from hfjobs_spec.manifest.hygiene import leaf_issues
from hfjobs_spec.manifest.matrix import default_name, expand
from hfjobs_spec.manifest.model import JobSpec, SourceRef
from hfjobs_spec.manifest.normalize import to_job_spec
from hfjobs_spec.manifest.origins import FieldOrigin, explain, redundant_values
from hfjobs_spec.manifest.policy_check import job_violations
from hfjobs_spec.manifest.project import PROJECT_FILE, Project, iter_manifest_files
from hfjobs_spec.manifest.renames import cross_issues
from hfjobs_spec.manifest.render import RenderContext, Renderer
from hfjobs_spec.manifest.schema import job_schema
from hfjobs_spec.manifest.schema_check import make_validator, schema_issues
from hfjobs_spec.manifest.script_header import HeaderReader
from hfjobs_spec.manifest.secret_refs import has_templates, is_template, referenced_names
from hfjobs_spec.manifest.semantics import ScriptReader, semantic_issues
from hfjobs_spec.manifest.tokens import safe_issue, safe_text
from hfjobs_spec.manifest.var_usage import strings
from hfjobs_spec.manifest.yaml_source import Located, YamlError, parse_documents, read_text
from hfjobs_spec.policy.model import LocatedViolation

_VALIDATOR = make_validator(job_schema())


@dataclass
class _Extras:
    """What a load collects besides specs and errors."""

    explain: bool
    headers: HeaderReader
    warnings: list[ManifestIssue] = dataclasses.field(default_factory=list)
    origins: dict[str, tuple[FieldOrigin, ...]] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    """Valid specs (sorted by name), every issue found, and the files read."""

    specs: tuple[JobSpec, ...]
    issues: tuple[ManifestIssue, ...]
    files: tuple[str, ...]
    # Every variable the project names under `secrets:` (valid jobs or not): their values are masked.
    secret_names: frozenset[str] = frozenset()
    warnings: tuple[ManifestIssue, ...] = ()  # worth a look, never a failure
    # With `explain=True`: every field of every valid job with where it came from, by job name.
    origins: Mapping[str, tuple[FieldOrigin, ...]] = dataclasses.field(default_factory=dict, compare=False)
    # Static policy rules the valid specs break, at their file:line (validate reports them as errors).
    violations: tuple[LocatedViolation, ...] = ()
    # Every template the project holds (all of jobs_dir and hfjobs.yaml, rendered here or not).
    template_sources: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues


def load_manifests(project: Project, paths: Sequence[Path] = (), *, cwd: Path,
                   environ: Mapping[str, str], explain: bool = False) -> LoadResult:
    """Load the given files or folders (default: the project's jobs_dir) into canonical specs.

    `explain=True` also records where every field of every valid job came from (`origins`).
    """
    issues: list[ManifestIssue] = []
    try:
        files = iter_manifest_files(project, paths, cwd, refused=issues)
    except ProjectError as exc:  # messages quote paths and jobs_dir, which may hold a token
        raise ProjectError(safe_text(str(exc))) from None
    documents = [doc for file in files for doc in _documents(file, project.display(file), issues)]
    # When only some files are loaded, the rest of jobs_dir is read too: a secret of another job is
    # still a secret, and a template here must not be able to print it.
    others = _other_jobs(project, files, cwd) if paths else []
    return _load_documents(project, documents, issues, environ, others, tuple(project.display(f) for f in files),
                           explain)


def load_texts(project: Project, texts: Sequence[tuple[str, str]], *, environ: Mapping[str, str]) -> LoadResult:
    """Manifests held in memory as (file name, text), loaded exactly as files of the project would be:
    how `export` checks what it is about to write."""
    issues: list[ManifestIssue] = []
    documents: list[Located] = []
    for display, text in texts:
        try:
            documents += parse_documents(text, display)
        except YamlError as exc:
            issues.append(exc.issue)
    return _load_documents(project, documents, issues, environ, [], tuple(display for display, _ in texts), False)


def _load_documents(project: Project, documents: Sequence[Located], issues: list[ManifestIssue],
                    environ: Mapping[str, str], others: Sequence[Located | None], files: tuple[str, ...],
                    explain: bool) -> LoadResult:
    jobs = [_job_document(doc, project, issues) for doc in documents]
    scripts = ScriptReader(project.root)
    extras = _Extras(explain, HeaderReader(scripts))
    every_job = [*jobs, *others]
    renderer = _renderer(project, environ, every_job, extras.headers.secret_names(every_job))
    specs: list[JobSpec] = []
    loaded: list[tuple[Located, JobSpec]] = []
    first_seen: dict[str, SourceRef] = {}
    violations: list[LocatedViolation] = []
    for doc in (doc for doc, job in zip(documents, jobs, strict=True) if job is not None):
        for name, spec, job in _load_variants(doc, project, renderer, scripts, issues, extras):
            if name is None:
                continue
            earlier = first_seen.get(name)
            if earlier is not None:
                position = job.position(("name",))
                where = f" (matrix: {spec.source.combination})" if spec and spec.source and spec.source.matrix else ""
                message = (f"{name!r}{where} is already used by {earlier.file}:{earlier.line}"
                           f"{f' (matrix: {earlier.combination})' if earlier.matrix else ''}; "
                           "names must be unique in the project")
                issues.append(ManifestIssue(position.file, position.line, position.column, "name", message))
                continue
            first_seen[name] = spec.source if spec and spec.source else SourceRef(job.start.file, job.start.line)
            if spec is not None:
                specs.append(spec)
                violations += job_violations(spec, job, project.policy)
                loaded.append((job, spec))
    issues += cross_issues(loaded, first_seen, project.foreign_prefixes)
    return LoadResult(
        specs=tuple(sorted(specs, key=lambda s: s.name)),
        issues=tuple(sorted({safe_issue(issue) for issue in issues})),
        files=files,
        secret_names=renderer.context.secret_names,
        warnings=tuple(sorted({safe_issue(issue) for issue in extras.warnings})),
        origins=extras.origins,
        violations=tuple(sorted(violations)),
        template_sources=_template_sources(project, [doc.data for doc in documents],
                                           [job.data for job in others if job is not None]),
    )


def _template_sources(project: Project, *datas: Sequence[Any]) -> tuple[str, ...]:
    """The strings with Jinja markers of the given documents and of the whole project file."""
    try:
        texts = [doc.data for doc in parse_documents(read_text(str(project.root / PROJECT_FILE), project.file),
                                                     project.file)]
    except YamlError:
        texts = []  # it was read a moment ago; if it changed since, its own load reports that
    found = dict.fromkeys(text for data in (*datas, texts) for item in data for text in strings(item)
                          if has_templates(text))
    return tuple(found)


def _documents(file: Path, display: str, issues: list[ManifestIssue]) -> list[Located]:
    try:
        return list(parse_documents(read_text(str(file), display), display))
    except YamlError as exc:
        issues.append(exc.issue)
        return []


def _job_document(doc: Located, project: Project, issues: list[ManifestIssue]) -> Located | None:
    """The document with the project's defaults under it, or None (and an issue) if it is no mapping."""
    if not isinstance(doc.data, dict):
        issues.append(ManifestIssue(doc.start.file, doc.start.line, doc.start.column, "",
                                    "each YAML document must be a mapping of job fields"))
        return None
    return apply_defaults(doc, project.defaults)


def _renderer(project: Project, environ: Mapping[str, str], jobs: Sequence[Located | None],
              header_names: frozenset[str] = frozenset()) -> Renderer:
    """A renderer whose env() refuses every name under a `secrets:` of the project, of `jobs` and of
    their scripts' headers (`header_names`).

    The names are collected before any template renders: first those written as they are, then
    those that only rendering tells (`${{ vars.wandb }}`), rendered with the first ones refused.
    """
    static = set(project.secret_names) | header_names
    for job in jobs:
        if job is not None:
            static |= referenced_names(job.data.get("secrets"))
    renderer = Renderer(RenderContext(vars=project.vars, project=project.id, environment=project.environment,
                                      environ=environ, secret_names=frozenset(static)))
    return renderer.with_secret_names(_templated_secret_names(jobs, renderer))


def _other_jobs(project: Project, loaded: Sequence[Path], cwd: Path) -> list[Located | None]:
    """The job documents of jobs_dir that are not being loaded (read only for their secret names)."""
    skip = frozenset(loaded)
    try:
        others = [file for file in iter_manifest_files(project, (), cwd) if file not in skip]
    except ProjectError:
        return []  # no jobs_dir: nothing more to learn
    ignored: list[ManifestIssue] = []  # reported when those files are validated themselves
    return [_job_document(doc, project, ignored) for file in others
            for doc in _documents(file, project.display(file), ignored)]


def _templated_secret_names(jobs: Sequence[Located | None], renderer: Renderer) -> frozenset[str]:
    """Names under `secrets:` that only rendering tells (`${{ vars.wandb }}`); errors are reported later."""
    names: set[str] = set()
    for job in jobs:
        if job is None or not has_templates(job.data.get("secrets")):
            continue
        names |= referenced_names(_render_field(job, renderer, "secrets"))
    return frozenset(names)


def _load_variants(doc: Located, project: Project, renderer: Renderer, scripts: ScriptReader,
                   issues: list[ManifestIssue], extras: _Extras) -> list[tuple[str | None, JobSpec | None, Located]]:
    """Each job of one document (one per combination of a matrix), with the name it claims."""
    if "matrix" not in doc.data:
        found: list[ManifestIssue] = []
        name, spec, job = _load_document(doc, None, project, renderer, scripts, found, extras)
        issues.extend(found)
        return [(name, spec, job)]
    matrix, matrix_issues = renderer.render_value(doc.data["matrix"], ("matrix",), doc)
    if not matrix_issues:
        variants, matrix_issues = expand(doc, matrix)
    if matrix_issues:
        issues.extend(matrix_issues)
        return []
    dimensions = tuple(key for key in matrix if key not in ("include", "exclude"))
    loaded = []
    per_variant: list[list[ManifestIssue]] = []
    for variant in variants:
        found = []
        loaded.append(_load_document(variant.document, variant.combination, project, renderer, scripts, found,
                                     extras, dimensions))
        per_variant.append(found)
    issues.extend(_tag_combinations(per_variant, [variant.label for variant in variants]))
    return loaded


def _tag_combinations(per_variant: list[list[ManifestIssue]], labels: list[str]) -> list[ManifestIssue]:
    """An issue every combination has is reported once; the others say which combination failed."""
    common = set.intersection(*(set(found) for found in per_variant)) if per_variant else set()
    tagged = sorted(common)
    for found, label in zip(per_variant, labels, strict=True):
        tagged += [dataclasses.replace(issue, message=f"{issue.message} (matrix: {label})")
                   for issue in found if issue not in common]
    return tagged


def _load_document(doc: Located, combination: Mapping[str, Any] | None, project: Project, renderer: Renderer,
                   scripts: ScriptReader, issues: list[ManifestIssue], extras: _Extras,
                   dimensions: tuple[str, ...] = ()) -> tuple[str | None, JobSpec | None, Located]:
    """The job's name (if it has a valid one), its spec (if the whole document is valid), and the
    document with every layer under it."""
    extra = {"matrix": dict(combination)} if combination is not None else {}
    job = apply_defaults(doc, project.defaults)
    header = None
    if "script" in job.data:
        found_header = extras.headers.read(_render_field(job, renderer, "script", extra))
        issues.extend(found_header.issues)
        header = found_header.layer
    layers = (*project.defaults, header) if header is not None else project.defaults
    if header is not None:
        job = apply_defaults(doc, layers)
    extras.warnings += redundant_values(doc, layers)
    default_named = (combination is not None and isinstance(job.data.get("name"), str)
                     and not is_template(job.data["name"]))
    if default_named:
        job.data["name"] = default_name(job.data["name"], combination or {}, dimensions)
    rendered, render_issues = _render(job, renderer, extra)
    issues.extend(render_issues)
    # Still check the rest of the document, but not the fields whose templates failed.
    broken = {issue.field for issue in render_issues}
    found = [issue for issue in schema_issues(_VALIDATOR, rendered) if not _under(issue.field, broken)]
    found += [issue for issue in leaf_issues(rendered) if not _under(issue.field, broken)]
    # Semantic checks see only the fields that passed so far, so one run reports everything it can.
    broken_fields = {_top_field(issue.field) for issue in (*render_issues, *found)}
    sound = Located(data={k: v for k, v in rendered.data.items() if k not in broken_fields},
                    start=rendered.start, nodes=rendered.nodes)
    found += semantic_issues(sound, scripts)
    issues.extend(found)
    name = rendered.data.get("name") if "name" not in broken_fields else None
    name = name if isinstance(name, str) else None
    if found or render_issues:
        return name, None, rendered
    source = SourceRef(doc.start.file, doc.start.line,
                       tuple((key, _shown(value)) for key, value in (combination or {}).items()))
    spec = to_job_spec(rendered.data, namespace=project.namespace, scripts=scripts, source=source,
                       written=rendered.written_text())
    if extras.explain:
        extras.origins[spec.name] = explain(spec, job, rendered, project, default_named)
    return name, spec, rendered


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _top_field(field: str) -> str:
    """`volumes[0].mount_path` -> `volumes`."""
    return field.split(".", 1)[0].split("[", 1)[0]


def _render(doc: Located, renderer: Renderer,
            matrix: Mapping[str, Any] | None = None) -> tuple[Located, list[ManifestIssue]]:
    """Render `name` first so every other field can use `{{ name }}`."""
    extra, issues = _render_name(doc, renderer, matrix or {})
    rendered, more = renderer.render(doc, extra)
    return rendered, issues + more


def _render_name(doc: Located, renderer: Renderer,
                 matrix: Mapping[str, Any]) -> tuple[dict[str, Any], list[ManifestIssue]]:
    if "name" not in doc.data:
        return dict(matrix), []
    name, issues = renderer.render_value(doc.data["name"], ("name",), doc, matrix)
    return {**matrix, "name": name}, issues


def _render_field(doc: Located, renderer: Renderer, key: str, matrix: Mapping[str, Any] | None = None) -> Any:
    """Just `doc.data[key]`, rendered (any errors are reported when the whole document is)."""
    extra, _ = _render_name(doc, renderer, matrix or {})
    rendered, _ = renderer.render_value(doc.data.get(key), (key,), doc, extra)
    return rendered


def _under(field: str, roots: set[str]) -> bool:
    return any(field == root or field.startswith((root + ".", root + "[")) for root in roots)
