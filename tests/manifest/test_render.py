"""Rendering: string leaves only, native types for whole expressions, a sandbox with budgets, clear errors."""

from __future__ import annotations

from typing import Any

import pytest

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.render import RenderContext, Renderer
from hfjobs_spec.manifest.yaml_source import parse_documents
from tests.manifest.helpers import TOKEN

VARS = {"model": "org/model", "n": 3, "ports": [80, 443], "flags": {"fast": True}, "ratio": 0.5}


def renderer(environ: dict[str, str] | None = None, environment: str | None = "prod") -> Renderer:
    return Renderer(RenderContext(vars=VARS, project="demo", environment=environment, environ=environ or {}))


def render(text: str, **kwargs: Any) -> tuple[Any, list[ManifestIssue]]:
    (doc,) = parse_documents(text, "f.yaml")
    rendered, issues = renderer(**kwargs).render(doc, {"name": "job-a"})
    return rendered.data, issues


def value(template: str, **kwargs: Any) -> Any:
    data, issues = render(f"v: {template!r}\n".replace("\\\\", "\\"), **kwargs)
    assert issues == []
    return data["v"]


def error(template: str, **kwargs: Any) -> str:
    data, issues = render(f"v: {template!r}\n", **kwargs)
    assert len(issues) == 1, issues
    assert data["v"] == template  # a failed leaf is left as written
    return issues[0].message


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ vars.n }}", 3),
        ("{{ vars.ratio }}", 0.5),
        ("{{ vars.ports }}", [80, 443]),
        ("{{ vars.flags }}", {"fast": True}),
        ("{{ vars.flags.fast }}", True),
        ("{{ none }}", None),
        ("{{ vars.n | string }}", "3"),
        ("{{vars.n}}", 3),
        ("  {{ vars.n }}", "  3"),
        ("{{ vars.n }} ", "3 "),
        ("n={{ vars.n }}", "n=3"),
        ("{{ vars.n }}{{ vars.n }}", "33"),
        ("{{ '}}' }}", "}}"),
        ("{{ vars.model }}", "org/model"),
        ("{{ name }}", "job-a"),
        ("{{ project }}-{{ environment }}", "demo-prod"),
        ("{% if vars.flags.fast %}fast{% else %}slow{% endif %}", "fast"),
        ("{% for p in vars.ports %}{{ p }},{% endfor %}", "80,443,"),
        ("{{ vars.ports | join(' ') }}", "80 443"),
        ("{{ vars.missing | default('d') }}", "d"),
        ("{{ vars.missing is defined }}", False),
        ("{# a comment #}x", "x"),
        ("{% raw %}{{ kept }}{% endraw %}", "{{ kept }}"),
        ("{{ '%05d' % vars.n }}", "00003"),
        ("{{ '{:>4}'.format(vars.n) }}", "   3"),
        ("{{ range(3) | list }}", [0, 1, 2]),
        ("{{ [1, 2] + [3] }}", [1, 2, 3]),
        ("{{ 'ab' * 3 }}", "ababab"),
        ("{{ 2 ** 10 }}", 1024),
        ("{{ {'a': [1]} }}", {"a": [1]}),
        ("{{ (1, 2) }}", [1, 2]),
        # Jinja features the sandbox's rewriting (loops, output, literals, concatenation) must keep working:
        ("{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}x{% endcall %}", "[x]"),
        ("{% filter upper %}abc{% endfilter %}", "ABC"),
        ("{% set b %}hi{% endset %}{{ b }}", "hi"),
        ("{% set a, b = 1, 2 %}{{ a + b }}", "3"),
        ("{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %}", "1234"),
        ("{% for x in [] %}{% else %}empty{% endfor %}", "empty"),
        ("{% for x in [1, 2, 3] if x > 1 %}{{ x }}{{ loop.index }}/{{ loop.length }} {% endfor %}", "21/2 32/2 "),
        ("{% for x in vars.ports %}{{ loop.cycle('a', 'b') }}{% endfor %}", "ab"),
        ("{{ vars.ports | map('string') | join('+') }}", "80+443"),
        ("{{ [3, 1, 2] | sort | batch(2) | list }}", [[1, 2], [3]]),
        ("{{ 'abc' | replace('b', 'B') | center(5) }}", " aBc "),
        ("{{ 'a\nb' | indent(2, first=True) }}", "  a\n  b"),
        ("{{ 'a b c' | wordwrap(3) }}", "a b\nc"),
        ("{{ vars.ports | tojson }}", "[80, 443]"),
        ("{{ [1, 2][0] ~ 'x' ~ vars.n }}", "1x3"),
    ],
)
def test_leaves_render(template: str, expected: Any) -> None:
    result = value(template)
    assert result == expected
    assert type(result) is type(expected)


def test_only_string_leaves_are_templates_and_structure_is_untouched() -> None:
    data, issues = render(
        "'{{ key }}': 1\nlist: ['{{ vars.n }}', 2, true, null]\nnested: {deep: ['{{ vars.model }}']}\n"
        "text: '{{ \"a: b\\n- c\" }}'\n")
    assert issues == []
    assert data == {"{{ key }}": 1, "list": [3, 2, True, None], "nested": {"deep": ["org/model"]},
                    "text": "a: b\n- c"}


@pytest.mark.parametrize("reference", ["$HF_TOKEN", "${WANDB_API_KEY}", "$A$B", "price: $5"])
def test_secret_references_pass_through_untouched(reference: str) -> None:
    assert value(reference) == reference


def test_env_function_reads_the_given_environment_only() -> None:
    assert value("{{ env('USER_X') }}", environ={"USER_X": "alice"}) == "alice"
    assert value("{{ env('USER_X', 'dflt') }}") == "dflt"
    assert value("{{ env('USER_X', default=none) }}") is None
    assert value("{{ env('USER_X') }}", environ={"USER_X": ""}) == ""


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ env('NOPE') }}", "environment variable 'NOPE' is not set and env() was given no default"),
        ("{{ env() }}", "env() takes a variable name and an optional default: env('NAME') or env('NAME', 'fallback')"),
        ("{{ env('A', 'b', 'c') }}", "env() takes a variable name and an optional default: env('NAME') or "
                                     "env('NAME', 'fallback')"),
        ("{{ vars.modle }}", "undefined in template: 'dict object' has no attribute 'modle'; did you mean vars.model?"),
        ("{{ model }}", "undefined in template: 'model' is undefined; did you mean vars.model?"),
        ("{{ nothing_like_it }}", "undefined in template: 'nothing_like_it' is undefined"),
        ("x {{ nope }} y", "undefined in template: 'nope' is undefined"),
        ("{{ vars.n.x.y }}", "undefined in template: 'int object' has no attribute 'x'"),
        ("{{ vars.model", "template syntax error: unexpected end of template, expected 'end of print statement'."),
        ("{% if x %}", "template syntax error: Unexpected end of template. Jinja was looking for the following "
                       "tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."),
        ("{{ x | nofilter }}", "template syntax error: No filter named 'nofilter'."),
        ("{{ [1] | random }}", "template syntax error: No filter named 'random'."),
        ("{{ 1 / 0 }}", "template failed: ZeroDivisionError: division by zero"),
        ("{{ 'a' + 1 }}", 'template failed: TypeError: can only concatenate str (not "int") to str'),
        ("{{ vars.model.upper }}", "expression produced a builtin_function_or_method, not data "
                                   "(a string, number, list or mapping)"),
        ("{{ range }}", "expression produced a function, not data (a string, number, list or mapping)"),
        ("{% include 'x.txt' %}", "template syntax error: templates cannot include, import or extend other templates"),
        ("{% import 'x' as y %}", "template syntax error: templates cannot include, import or extend other templates"),
        ("{% extends 'x' %}", "template syntax error: templates cannot include, import or extend other templates"),
        ("{% for x in [1] recursive %}{% endfor %}", "template syntax error: recursive loops are not supported in "
                                                    "manifests"),
        ("{{ " + TOKEN + " }}", "undefined in template: 'hf_***' is undefined"),
    ],
)
def test_template_errors_are_clear(template: str, message: str) -> None:
    assert error(template) == message


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__globals__ }}",
    "{{ env.__globals__ }}",
    "{{ env.__func__.__globals__ }}",
    "{{ vars.__class__.__init__.__globals__ }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ '{0.__class__}'.format(vars) }}",
    "{{ '{0.__init__.__globals__}'.format(env) }}",
    "{{ vars | attr('__class__') }}",
    "{{ config }}",
    "{{ request.application.__globals__ }}",
    "{{ vars.update(n=4) }}",
    "{{ vars.ports.append(1) }}",
    "{{ vars.pop('n') }}",
    "{% set x = vars.__setitem__('n', 1) %}",
    "{{ dict(a=1) }}",
    "{{ url_for }}",
    "{{ get_flashed_messages() }}",
]


@pytest.mark.parametrize("template", SANDBOX_ESCAPES)
def test_sandbox_escapes_are_refused_with_a_clear_error(template: str) -> None:
    message = error(template)
    assert message.startswith(("unsafe template: ", "undefined in template: ", "expression produced")), message
    assert VARS["n"] == 3 and VARS["ports"] == [80, 443]  # and nothing was changed


RESOURCE_BOMBS = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}xxxxxxxxxx{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ [1] * 10**9 }}",
    "{{ ([0] * 50000) * 50000 }}",
    "{{ 'x'.ljust(10**10) }}",
    "{{ 'x'.center(10**10) }}",
    "{{ 'x'.zfill(10**10) }}",
    "{{ '\t'.expandtabs(10**9) }}",
    "{{ ('x' * 90000).replace('x', 'y' * 1000) }}",
    "{{ ('x' * 90000).replace('', 'yy') }}",
    "{{ ('x' * 1000).join(['a'] * 1000) }}",
    "{{ '{:>1000000000}'.format(1) }}",
    "{{ '{:{}}'.format(1, 10**9) }}",
    "{{ '%1000000000s' % 1 }}",
    "{{ '%*s' % (10**9, 1) }}",
    "{{ 'x' | center(10**10) }}",
    "{{ 'a\nb' | indent(10**9) }}",
    "{{ ('x' * 50000) | replace('x', 'yyyyy') }}",
    "{{ range(1000) | join('x' * 1000) }}",
    "{{ range(10000) | map('string') | join('x' * 100) }}",
    "{{ [1] | batch(10**9, 0) | list }}",
    "{{ [1] | slice(10**9) | list }}",
    "{{ ('a ' * 40000) | wordwrap(1, wrapstring='x' * 1000) }}",
    "{{ ([1, [2, [3]]] * 1000) | tojson(indent=10000) }}",
    "{{ ('%s%s%s' | format('x' * 30000, 'x' * 30000, 'x' * 30000)) * 2 }}",
    "{{ 9 ** 200 ** 200 }}",
    "{{ (9 ** 256) ** 256 }}",
    "{% set a = 'x' * 99999 %}{{ [a, a, a] }}",
    "{% set a = 'x' * 50000 %}{{ a ~ a ~ a }}",
    "{% set a = 'x' * 50000 %}{{ a + a + a }}",
    "{% set a = 'x' * 50000 %}{{ {'a': a, 'b': a, 'c': a} }}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% macro g(n) %}{% if n %}{{ g(n-1) }}{{ g(n-1) }}{% endif %}{% endmacro %}{{ g(40) }}",
    "{{ 'x'.encode() * 10**9 }}",
    "{{ 'x'.translate({120: 'y' * 90000}) * 2 }}",
    # Numbers past 1,000 digits: Python cannot even print one past 4,300 digits.
    "{{ (2**200)**200 }}",
    "{{ 2**(2**40) }}",
    "{{ 10**(10**9) }}",
    "{{ 10**300 * 10**300 * 10**300 * 10**300 }}",
    "{{ [10**300 * 10**300 * 10**300] }}",
    "{{ (10**300 * 10**300 * 10**300 + 10**900 * 9) * 2 }}",
    "{{ ('f' * 900) | int(base=16) }}",
    "{{ range(10**100) }}",
    "{{ 2.0 ** 2000 }}",
]


@pytest.mark.parametrize("template", RESOURCE_BOMBS)
def test_templates_that_would_exhaust_time_or_memory_are_refused(template: str) -> None:
    message = error(template)
    assert message.startswith(("template refused: ", "template syntax error", "unsafe template")), message


def test_budgets_are_per_value_not_per_document() -> None:
    loop = "{% for i in range(60000) %}{% endfor %}ok"
    data, issues = render(f"a: '{loop}'\nb: '{loop}'\nc: '{{{{ \"x\" * 60000 }}}}'\nd: '{{{{ \"x\" * 60000 }}}}'\n")
    assert issues == []
    assert data["a"] == data["b"] == "ok"
    assert len(data["c"]) == len(data["d"]) == 60000


def test_values_just_under_the_limits_render() -> None:
    assert len(value("{{ 'x' * 100000 }}")) == 100000
    assert value("{% for i in range(100000) %}{% endfor %}done") == "done"
    assert value("{{ range(50000) | sum }}") == sum(range(50000))


def test_rendering_is_deterministic_and_does_not_leak_state_between_renderers() -> None:
    template = "{{ vars | dictsort | list }} {{ vars.ports | map('string') | join(',') }}"
    assert value(template) == value(template)


def test_error_positions_point_at_the_leaf_and_into_block_scalars() -> None:
    text = "a: ok\nb:\n  - '{{ nope }}'\nc: |\n  line one\n  {% if x %}\n  no end\n"
    _, issues = render(text)
    assert [(i.line, i.column, i.field) for i in issues] == [(3, 5, "b[0]"), (6, 1, "c")]


def test_a_failed_leaf_does_not_stop_the_others() -> None:
    data, issues = render("a: '{{ nope }}'\nb: '{{ vars.n }}'\nc: '{{ 1/0 }}'\n")
    assert data["b"] == 3
    assert [i.field for i in issues] == ["a", "c"]


def test_native_results_are_recorded_for_clearer_type_errors() -> None:
    (doc,) = parse_documents("a: '{{ vars.n }}'\nb: '{{ vars.model }}'\nc: [x, '{{ vars.ports }}']\n", "f.yaml")
    rendered, issues = renderer().render(doc)
    assert issues == []
    assert {path for path, node in rendered.nodes.items() if node.native_template} == {("a",), ("c", 1)}


def test_numbers_up_to_a_thousand_digits_render_and_larger_ones_are_refused() -> None:
    assert value("{{ (10**111) ** 9 }}") == 10**999
    assert value("x{{ (10**111) ** 9 * 9 }}") == "x" + str(9 * 10**999)
    assert value("{{ -(10**111) ** 9 * 9 - 1 }}") == -(9 * 10**999) - 1
    assert error("{{ (10**111) ** 9 * 10**2 }}") == "template refused: the product would have more than 1,000 digits"
    assert error("{{ (10**250) ** 5 }}") == "template refused: the power would have more than 1,000 digits"
    # Built without `*` or `**` (a sum), it is still measured before it is used or returned.
    assert error("{{ (10**111) ** 9 * 9 + (10**111) ** 9 * 9 }}") == (
        "template refused: a number would have more than 1,000 digits")
    assert error("{{ (10**111) ** 9 * 10 }}") == "template refused: a number would have more than 1,000 digits"


SECRET_NAMES = frozenset({"WANDB_API_KEY", "SOURCE"})


def secret_error(template: str, environ: dict[str, str]) -> str:
    (doc,) = parse_documents(f"v: {template!r}\n", "f.yaml")
    context = RenderContext(vars=VARS, project="demo", environment=None, environ=environ, secret_names=SECRET_NAMES)
    rendered, issues = Renderer(context).render(doc)
    assert len(issues) == 1, issues
    assert rendered.data["v"] == template  # the failed leaf keeps the template, never the value
    return issues[0].message


@pytest.mark.parametrize(("name", "why"), [("HF_TOKEN", "holds the Hub token"),
                                           ("HUGGING_FACE_HUB_TOKEN", "holds the Hub token"),
                                           ("WANDB_API_KEY", "is named under secrets: in this project"),
                                           ("SOURCE", "is named under secrets: in this project")])
@pytest.mark.parametrize("form", ["{{{{ env('{name}') }}}}", "x{{{{ env('{name}', 'fallback') }}}}",
                                  "{{{{ env('{name}') | length }}}}", "{{{{ env(default='d', *['{name}']) }}}}"])
def test_env_never_reads_a_secret(name: str, why: str, form: str) -> None:
    environ = {name: "the-secret-value-123"}
    message = secret_error(form.format(name=name), environ)
    assert message == (f"env({name!r}) refused: {name} {why}, and templates never read secrets; pass it to the job "
                       f"instead (secrets: {{{name}: ${name}}})")
    assert "the-secret-value-123" not in message


def test_env_never_reads_a_value_shaped_like_a_token() -> None:
    message = secret_error("{{ env('INNOCENT') }}", {"INNOCENT": f"Bearer {TOKEN}"})
    assert message == ("env('INNOCENT') refused: its value looks like a Hugging Face token, and templates never read "
                       "secrets; pass it to the job instead (secrets: {INNOCENT: $INNOCENT})")
    assert value("{{ env('PLAIN') }}", environ={"PLAIN": "hf_transfer"}) == "hf_transfer"


def test_with_secret_names_adds_names_and_keeps_the_compiled_templates() -> None:
    first = renderer(environ={"LATE": "v"})
    (doc,) = parse_documents("v: \"{{ env('LATE') }}\"\n", "f.yaml")
    assert first.render(doc)[0].data == {"v": "v"}
    second = first.with_secret_names(frozenset({"LATE"}))
    assert second._compiled is first._compiled
    assert "env('LATE') refused" in second.render(doc)[1][0].message
    assert first.render(doc)[0].data == {"v": "v"}  # the first one is unchanged
