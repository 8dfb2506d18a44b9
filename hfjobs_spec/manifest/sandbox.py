"""The Jinja sandbox manifest templates run in: no escapes, no side effects, bounded time and memory.

Jinja's immutable sandbox refuses private attributes, unsafe callables and mutation, which stops
escapes such as `''.__class__.__mro__` or `cycler.__init__.__globals__`. Templates are also input
that CI runs on every pull request, so each rendered value has budgets on top: loop iterations,
calls, characters of output, and the size of every value a template builds. Operations that would
build something too large are refused *before* Python allocates it (`'x'.ljust(10**10)`,
`'%999999999s' % x`, nested loops over big ranges, lists of lists of lists...).

The checks are wired in through documented Jinja hooks: the sandbox's `call`, `call_binop`,
`getattr` and `getitem`, the filter table, and a code generator (`code_generator_class`) that routes
loops, `~` concatenation, list literals and output through the budget before compiling.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from typing import Any, cast

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from hfjobs_spec.manifest.yaml_source import MAX_NUMBER_DIGITS

# Budgets for one rendered value (one string leaf of a manifest).
MAX_CHARS = 100_000
MAX_ITERATIONS = 100_000
MAX_CALLS = 100_000
MAX_EXPONENT = 256
# Integers a template builds have at most MAX_NUMBER_DIGITS digits, like numbers written in YAML: far
# below Python's 4,300-digit limit, past which printing one raises. `*` and `**` are refused before
# Python computes them when the result would surely be longer (judged by bit lengths); every value is
# measured exactly when it is used or returned.
_INT_LIMIT = 10**MAX_NUMBER_DIGITS
MAX_INT_BITS = _INT_LIMIT.bit_length()

# `random` would make rendering depend on luck; everything else is deterministic.
_REMOVED_FILTERS = ("random",)
_WIDTH = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")
_BRACE_SPEC = re.compile(r"\{[^{}]*\}")


class TooLargeError(SecurityError):
    """A template tried to build a value, or run for a time, beyond the budgets."""


def weight(value: Any, limit: int = MAX_CHARS) -> int:
    """About how many characters `value` would take as text; stops counting once past `limit`.

    Containers count their items, so a list holding the same big string a thousand times weighs
    a thousand strings even though it shares one in memory.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray, range)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, int):
            _check_int(item)
            total += 1 + item.bit_length() // 3
        else:
            total += 1
        if total > limit:
            break
    return total


@dataclass
class Budget:
    """What the value being rendered has used so far."""

    iterations: int = 0
    calls: int = 0
    output: int = 0


def _check_int(value: int) -> None:
    if value.bit_length() > MAX_INT_BITS or abs(value) >= _INT_LIMIT:
        raise TooLargeError(f"a number would have more than {MAX_NUMBER_DIGITS:,} digits")


def _check_size(size: int, what: str) -> None:
    if size > MAX_CHARS:
        raise TooLargeError(f"{what} would be larger than {MAX_CHARS:,} characters")


def _check_weight(value: Any, what: str = "the result") -> Any:
    _check_size(weight(value), what)
    return value


class _Guards(NodeTransformer):
    """Rewrites a parsed template so that loops, concatenation, literals and output pay their way.

    `generic_visit` rewrites a node's children in place; each visitor then wraps the node itself.
    """

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not supported in manifests", node.lineno)
        node.iter = _call("guarded_iter", cast(nodes.Expr, node.iter))
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _call("guarded_concat", nodes.List(node.nodes, lineno=node.lineno))

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _call("guarded_value", node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _call("guarded_value", node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return _call("guarded_value", node) if node.ctx == "load" else node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_call("emit", child) for child in node.nodes]
        return node

    def _no_other_files(self, node: nodes.Node) -> nodes.Node:
        raise TemplateSyntaxError("templates cannot include, import or extend other templates", node.lineno)

    visit_Include = visit_Import = visit_FromImport = visit_Extends = _no_other_files


def _call(method: str, argument: nodes.Expr) -> nodes.Call:
    lineno = argument.lineno
    return nodes.Call(nodes.EnvironmentAttribute(method, lineno=lineno), [argument], [], None, None, lineno=lineno)


class _GuardedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(_Guards().visit(node), frame)


class ManifestSandbox(ImmutableSandboxedEnvironment):
    """The environment templates run in. Call `start()` before rendering each value."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Drop the helpers that have served sandbox escapes elsewhere; templates need data, not objects.
        self.globals = {"range": self.globals["range"]}
        self.filters = {name: _guarded_filter(name, func) for name, func in self.filters.items()
                        if name not in _REMOVED_FILTERS}
        self.budget = Budget()

    def start(self) -> None:
        """Reset the budgets: a new value is about to be rendered."""
        self.budget = Budget()

    # -- hooks called by the rewritten template -------------------------------------------------

    def guarded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.budget.iterations += 1
            if self.budget.iterations > MAX_ITERATIONS:
                raise TooLargeError(f"loops would run more than {MAX_ITERATIONS:,} times")
            yield item

    def guarded_concat(self, parts: list[Any]) -> str:
        _check_size(sum(weight(part) for part in parts), "the joined text")
        return "".join(str(part) for part in parts)

    def guarded_value(self, value: Any) -> Any:
        return _check_weight(value, "the list or mapping")

    def emit(self, value: Any) -> str:
        _check_weight(value, "the text")
        text = str(value)
        self.budget.output += len(text)
        if self.budget.output > MAX_CHARS:
            raise TooLargeError(f"the rendered value is longer than {MAX_CHARS:,} characters")
        return text

    # -- sandbox hooks ----------------------------------------------------------------------------

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(__obj, "__self__", None) is __self:
            return __context.call(__obj, *args, **kwargs)  # our own hooks, placed by the code generator
        __self.budget.calls += 1
        if __self.budget.calls > MAX_CALLS:
            raise TooLargeError(f"the template makes more than {MAX_CALLS:,} calls")
        target = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            args = _check_str_method(owner, getattr(target, "__name__", ""), args, kwargs)
        return _check_weight(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_repeat(left, right)
        elif operator == "+" and not isinstance(left, (int, float)):
            _check_size(weight(left) + weight(right), "the sum")
        elif operator == "%" and isinstance(left, str):
            _check_format(left, right)
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined):
            str(obj)  # raises the UndefinedError naming what is missing, instead of blaming the attribute
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Undefined):
            str(obj)
        return super().getitem(obj, argument)


def _check_power(left: Any, right: Any) -> None:
    if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
        raise TooLargeError(f"exponent {right} is too large")
    # The power has at least (bits - 1) * exponent + 1 bits.
    if isinstance(left, int) and isinstance(right, int) and (left.bit_length() - 1) * abs(right) >= MAX_INT_BITS:
        raise TooLargeError(f"the power would have more than {MAX_NUMBER_DIGITS:,} digits")


def _check_repeat(left: Any, right: Any) -> None:
    for value, count in ((left, right), (right, left)):
        if isinstance(count, int) and not isinstance(value, (int, float)):
            _check_size(weight(value) * max(count, 0), "the repetition")
    # The product has at least bits(left) + bits(right) - 1 bits.
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() - 1 > MAX_INT_BITS:
        raise TooLargeError(f"the product would have more than {MAX_NUMBER_DIGITS:,} digits")


def _check_format(template: str, values: Any) -> None:
    for match in _PERCENT_SPEC.finditer(template):
        for width in match.groups():
            if width == "*":
                raise SecurityError("'*' widths are not supported in templates")
            if width is not None:
                _check_size(int(width), "the formatted text")
    _check_size(len(template) + weight(values), "the formatted text")


def _check_brace_format(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for field in _BRACE_SPEC.findall(template):
        for width in _WIDTH.findall(field.partition(":")[2]):
            _check_size(int(width), "the formatted text")
    if ":{" in template:
        raise SecurityError("nested format fields are not supported in templates")
    _check_size(len(template) + weight(args) + weight(kwargs), "the formatted text")


def _check_str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse string methods whose result would be too large; may return materialised arguments."""
    given = [*args, *kwargs.values()]
    if name in ("ljust", "rjust", "center", "zfill"):
        if given and isinstance(given[0], int):
            _check_size(given[0], f"str.{name}")
    elif name == "expandtabs":
        size = given[0] if given and isinstance(given[0], int) else 8
        _check_size(len(text) + text.count("\t") * size, "str.expandtabs")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        found = text.count(args[0]) if args[0] else len(text) + 1
        _check_size(len(text) + found * len(args[1]), "str.replace")
    elif name == "join" and args:
        items = list(args[0])
        _check_size(weight(items) + len(text) * len(items), "str.join")
        return (items, *args[1:])
    elif name in ("format", "format_map"):
        _check_brace_format(text, args, kwargs)
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        _check_size(len(text) * max(longest, 1), "str.translate")
    return args


def _guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses too-large inputs and results, with specific checks for amplifiers."""
    signature = _data_signature(func)

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        # Lazy inputs (`map`, `select`) are made concrete first so that they can be measured.
        args = tuple(list(arg) if isinstance(arg, Iterator) else arg for arg in args)
        _check_size(sum(weight(value) for value in (*args, *kwargs.values())), "the filter input")
        if signature is not None and name in _AMPLIFYING_FILTERS:
            data = args
            while data and isinstance(data[0], (Context, EvalContext, Environment)):
                data = data[1:]
            try:
                arguments = signature.bind(*data, **kwargs).arguments
            except TypeError:
                arguments = {}  # the call itself will fail and say why
            _check_filter_arguments(name, arguments)
        return _check_weight(func(*args, **kwargs))

    return guarded


def _data_signature(func: Callable[..., Any]) -> inspect.Signature | None:
    """The filter's parameters after those Jinja fills in itself (context, eval_ctx, environment).

    Jinja may hand a filter those first even when its signature (seen through `__wrapped__`)
    does not list them, so both sides drop them before binding.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())
    while parameters and parameters[0].name in ("context", "eval_ctx", "environment"):
        parameters = parameters[1:]
    return signature.replace(parameters=parameters)


_AMPLIFYING_FILTERS = ("center", "indent", "batch", "slice", "format", "replace", "join", "wordwrap", "tojson")


def _check_filter_arguments(name: str, arguments: dict[str, Any]) -> None:
    """Filters whose result can be much larger than their input: estimate it before running them."""

    def number(key: str) -> int:
        value = arguments.get(key)
        return value if isinstance(value, int) else 0

    text = arguments.get("s", arguments.get("value"))
    size = weight(text)
    lines = 1 + text.count("\n") if isinstance(text, str) else 1
    if name in ("center", "batch", "slice"):
        _check_size(max(number("width"), number("linecount"), number("slices")), name)
    elif name == "indent":
        width = arguments.get("width")
        per_line = width if isinstance(width, int) else len(width) if isinstance(width, str) else 0
        _check_size(size + lines * per_line, name)
    elif name == "wordwrap":
        wrapstring = arguments.get("wrapstring")
        breaks = size // max(number("width"), 1) + lines
        _check_size(size + breaks * (len(wrapstring) if isinstance(wrapstring, str) else 1), name)
    elif name == "format" and isinstance(text, str):
        _check_format(text, (arguments.get("args"), arguments.get("kwargs")))
    elif name == "replace" and isinstance(text, str):
        old, new = arguments.get("old"), arguments.get("new")
        if isinstance(old, str) and isinstance(new, str):
            found = text.count(old) if old else len(text) + 1
            _check_size(len(text) + found * len(new), name)
    elif name == "join":
        separator = arguments.get("d", "")
        count = len(text) if isinstance(text, Sized) else 0
        _check_size(size + count * len(str(separator)), name)
    elif name == "tojson":
        _check_size(size * (1 + number("indent")), name)
