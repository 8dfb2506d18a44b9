"""Sandboxed Jinja rendering of string leaves, after YAML parsing.

Templates only ever replace a string leaf, so they cannot change a document's structure and every
error keeps the position of the leaf it came from. A leaf that is exactly one `{{ expression }}`
keeps the expression's native type (a list, an int); anything else renders to a string.
Secret references (`$NAME`, `${NAME}`) contain no Jinja markers and pass through untouched, and
`env()` refuses to read a secret: a variable named in any `secrets:` of the project, or one whose
value looks like a Hugging Face token.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError, UndefinedError

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.sandbox import MAX_CHARS, ManifestSandbox, TooLargeError, weight
from hfjobs_spec.manifest.secret_refs import ALWAYS_SECRET
from hfjobs_spec.manifest.tokens import looks_like_token, redact
from hfjobs_spec.manifest.yaml_source import HEADER_LAYER, Located, Path_, format_path

_MARKERS = ("{{", "{%", "{#")
_WHOLE_EXPRESSION = re.compile(r"^\{\{(?P<expr>(?:(?!\{\{|\}\}|\{%|%\}).)*)\}\}$", re.DOTALL)
MAX_RENDERED_CHARS = MAX_CHARS


@dataclass(frozen=True)
class RenderContext:
    """What templates can see. `environ` backs `env('NAME', default)`; pass it in to keep rendering pure.

    `secret_names` are the variables `env()` refuses to read (besides HF_TOKEN and HUGGING_FACE_HUB_TOKEN).
    """

    vars: Mapping[str, Any]
    project: str
    environment: str | None
    environ: Mapping[str, str] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()


class _EnvLookupError(Exception):
    pass


class Renderer:
    """Renders the string leaves of documents. One instance caches compiled templates across files."""

    def __init__(self, context: RenderContext) -> None:
        self.context = context
        self.environment = ManifestSandbox(undefined=StrictUndefined, autoescape=False,
                                           keep_trailing_newline=True)
        self._compiled: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
        self._native: set[Path_] = set()
        self._templates: dict[Path_, str] = {}

    def with_secret_names(self, names: frozenset[str]) -> Renderer:
        """The same renderer (and its compiled templates), refusing `names` in `env()` too."""
        other = copy.copy(self)  # compiled templates call back into this sandbox, so both are shared
        other.context = dataclasses.replace(self.context, secret_names=self.context.secret_names | names)
        other._native = set()
        other._templates = {}
        return other

    def render(self, located: Located,
               extra: Mapping[str, Any] | None = None) -> tuple[Located, list[ManifestIssue]]:
        """Render every string leaf of `located.data`; return the new document and any errors."""
        variables = self._variables(extra or {})
        issues: list[ManifestIssue] = []
        self._native = set()
        self._templates = {}
        data = self._walk(located.data, (), located, variables, issues)
        rendered = Located(data=data, start=located.start, nodes=dict(located.nodes))
        for path, source in self._templates.items():
            rendered.update(path, template=source, native_template=path in self._native)
        return rendered, issues

    def render_value(self, value: Any, path: Path_, located: Located,
                     extra: Mapping[str, Any] | None = None) -> tuple[Any, list[ManifestIssue]]:
        """Render one value (e.g. the job name, before the rest of the document can see it)."""
        issues: list[ManifestIssue] = []
        result = self._walk(value, path, located, self._variables(extra or {}), issues)
        return result, issues

    def _variables(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "vars": self.context.vars,
            "project": self.context.project,
            "environment": self.context.environment,
            "env": self._env_function,
            **extra,
        }

    def _env_function(self, *args: Any, **kwargs: Any) -> Any:
        """`env('NAME')` or `env('NAME', default)`: an environment variable of the process rendering."""
        if "default" in kwargs:
            args = (*args, kwargs.pop("default"))
        if kwargs or not 1 <= len(args) <= 2 or not isinstance(args[0], str):
            raise _EnvLookupError("env() takes a variable name and an optional default: "
                                  "env('NAME') or env('NAME', 'fallback')")
        name = args[0]
        if name in ALWAYS_SECRET or name in self.context.secret_names:
            why = "holds the Hub token" if name in ALWAYS_SECRET else "is named under secrets: in this project"
            raise _EnvLookupError(f"env({name!r}) refused: {name} {why}, and templates never read secrets; "
                                  f"pass it to the job instead (secrets: {{{name}: ${name}}})")
        value = self.context.environ.get(name)
        if value is not None and looks_like_token(value):
            raise _EnvLookupError(f"env({name!r}) refused: its value looks like a Hugging Face token, and "
                                  f"templates never read secrets; pass it to the job instead "
                                  f"(secrets: {{{name}: ${name}}})")
        if value is not None:
            return value
        if len(args) == 1:
            raise _EnvLookupError(f"environment variable {args[0]!r} is not set and env() was given no default")
        return args[1]

    def _walk(self, value: Any, path: Path_, located: Located, variables: dict[str, Any],
              issues: list[ManifestIssue]) -> Any:
        if isinstance(value, dict):
            return {key: self._walk(item, (*path, key), located, variables, issues)
                    for key, item in value.items()}
        if isinstance(value, list):
            return [self._walk(item, (*path, index), located, variables, issues)
                    for index, item in enumerate(value)]
        if isinstance(value, str) and any(marker in value for marker in _MARKERS) and \
                located.node(path).layer != HEADER_LAYER:
            try:
                result = self._render_leaf(value, variables)
            except Exception as exc:  # user templates can raise anything; each becomes a located error
                issues.append(self._issue(exc, path, located))
                return value
            self._templates[path] = value
            if not isinstance(result, str):
                self._native.add(path)
            return result
        return value

    def _render_leaf(self, source: str, variables: dict[str, Any]) -> Any:
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._compile(source)
            self._compiled[source] = compiled
        self.environment.start()
        result = compiled(variables)
        if isinstance(result, Undefined):
            str(result)  # raises the UndefinedError that explains what is missing
        if weight(result) > MAX_RENDERED_CHARS:
            raise TooLargeError(f"the rendered value is longer than {MAX_RENDERED_CHARS:,} characters")
        return _plain_data(result)

    def _compile(self, source: str) -> Callable[[Mapping[str, Any]], Any]:
        whole = _WHOLE_EXPRESSION.match(source)
        if whole:
            expression = self.environment.compile_expression(whole.group("expr"), undefined_to_none=False)
            return lambda variables: expression(**variables)
        template = self.environment.from_string(source)
        return lambda variables: template.render(**variables)

    def _issue(self, exc: Exception, path: Path_, located: Located) -> ManifestIssue:
        position = located.position(path)
        line = position.line
        if isinstance(exc, TemplateSyntaxError):
            offset = (exc.lineno or 1) - 1 + (1 if located.node(path).block else 0)
            line += offset
            message = f"template syntax error: {exc.message}"
        elif isinstance(exc, TooLargeError):
            message = f"template refused: {exc}"
        elif isinstance(exc, SecurityError):
            message = f"unsafe template: {exc}"
        elif isinstance(exc, RecursionError):
            message = "template refused: it calls itself too deeply"
        elif isinstance(exc, OverflowError):
            message = "template refused: a number is too large"
        elif isinstance(exc, UndefinedError):
            message = f"undefined in template: {_explain_undefined(str(exc), self.context.vars)}"
        elif isinstance(exc, (_EnvLookupError, _NotData)):
            message = str(exc)
        else:
            message = f"template failed: {type(exc).__name__}: {exc}"
        # Messages may quote the template; never let one echo something that looks like a token.
        message = redact(message)
        return ManifestIssue(position.file, line, position.column if line == position.line else 1,
                             format_path(path), message)


class _NotData(TypeError):
    pass


def _plain_data(value: Any) -> Any:
    """Template results must be YAML-like data; a function or object is an error, not a string."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)  # Markup and other str subclasses become plain str
    if isinstance(value, (list, tuple)):
        return [_plain_data(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain_data(item) for key, item in value.items()}
    raise _NotData(f"expression produced a {type(value).__name__}, "
                   "not data (a string, number, list or mapping)")


def _explain_undefined(message: str, variables: Mapping[str, Any]) -> str:
    """Add a "did you mean" for misspelt `vars` keys."""
    found = re.search(r"has no attribute '([^']+)'", message) or re.search(r"'([^']+)' is undefined", message)
    if found:
        close = difflib.get_close_matches(found.group(1), [str(k) for k in variables], n=1, cutoff=0.6)
        if close:
            return f"{message}; did you mean vars.{close[0]}?"
    return message

