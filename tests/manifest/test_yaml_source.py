"""YAML with positions: values and keys keep their line and column; bad YAML is an issue, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hfjobs_spec.manifest import yaml_source
from hfjobs_spec.manifest.yaml_source import (
    MAX_FILE_BYTES,
    Position,
    YamlError,
    format_path,
    parse_documents,
    read_text,
)


def parse(text: str) -> list[yaml_source.Located]:
    return list(parse_documents(text, "f.yaml"))


def failure(text: str) -> str:
    with pytest.raises(YamlError) as caught:
        parse(text)
    return str(caught.value.issue)


def test_values_and_keys_keep_their_positions() -> None:
    (doc,) = parse("name: a\nenv:\n  A: '1'\nlist: [x, {k: v}]\n")
    assert doc.data == {"name": "a", "env": {"A": "1"}, "list": ["x", {"k": "v"}]}
    assert doc.nodes[("name",)].value == Position("f.yaml", 1, 7)
    assert doc.nodes[("env", "A")].key == Position("f.yaml", 3, 3)
    assert doc.nodes[("env", "A")].value == Position("f.yaml", 3, 6)
    assert doc.nodes[("list", 1, "k")].value == Position("f.yaml", 4, 15)
    assert {node.layer for node in doc.nodes.values()} == {"manifest"}


def test_position_falls_back_to_the_nearest_enclosing_value() -> None:
    (doc,) = parse("env:\n  A: x\n")
    assert doc.position(("env", "B")) == doc.nodes[("env",)].value
    assert doc.position(("nothing", "here")) == doc.nodes[()].value
    assert doc.position(("env", "A"), key=True) == Position("f.yaml", 2, 3)


def test_several_documents_and_empty_ones() -> None:
    docs = parse("---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert docs[1].start.line == 7


def test_keys_are_text_as_written_and_numbers_remember_their_spelling() -> None:
    (doc,) = parse("on: yes\n1: 1.10\nv: 0x1F\nd: 2024-01-01\n")
    assert doc.data == {"on": True, "1": 1.1, "v": 31, "d": "2024-01-01"}
    assert doc.written_text() == {("1",): "1.10", ("on",): "yes", ("v",): "0x1F"}


def test_block_scalars_are_recorded() -> None:
    (doc,) = parse("cmd: |\n  echo a\n  echo b\nplain: x\n")
    assert [path for path, node in doc.nodes.items() if node.block] == [("cmd",)]
    assert doc.data["cmd"] == "echo a\necho b\n"


def test_anchors_aliases_and_merge_keys() -> None:
    (doc,) = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b]\n")
    assert doc.data["use"] == {"x": 1, "y": 3}
    assert doc.data["list"] == [{"x": 1, "y": 2}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: error: a: duplicate key 'a' (first defined on line 1)"),
        ("a:\n\t- x\n", "f.yaml:2:1: error: tab character in indentation; YAML indents with spaces only"),
        ("a: [1\n",
         "f.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"),
        ("a: !!python/name:os.system x\n",
         "f.yaml:1:4: error: a: unsupported YAML tag '!!python/name:os.system'; manifests hold plain data only"),
        ("a: !custom x\n", "f.yaml:1:4: error: a: unsupported YAML tag '!custom'; manifests hold plain data only"),
        ("? [a]\n: b\n", "f.yaml:1:3: error: mapping keys must be plain text"),
        ("a: &x [*x]\n", "f.yaml:1:4: error: a[0]: recursive alias: a value cannot contain itself"),
        ("a: &x {b: *x}\n", "f.yaml:1:4: error: a.b: recursive alias: a value cannot contain itself"),
        ("a: *nope\n", "f.yaml:1:4: error: unknown alias *nope: define &nope earlier in the same document "
                       "(anchors do not carry across `---`)"),
        ("a: &x 1\n---\nb: *x\n", "f.yaml:3:4: error: unknown alias *x: define &x earlier in the same document "
                                  "(anchors do not carry across `---`)"),
        ("a:\n  <<: [1]\n", "f.yaml:2:8: error: a: a `<<` merge needs a mapping or a list of mappings"),
    ],
)
def test_bad_yaml_is_one_clear_issue(text: str, expected: str) -> None:
    assert failure(text) == expected


def test_alias_bomb_is_refused_not_expanded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    assert failure("\n".join(lines) + "\n").endswith(
        "error: document expands to more than 20,000 values (exploding aliases?)")


@pytest.mark.parametrize("depth", [70, 5000])
def test_deep_nesting_is_refused(depth: int) -> None:
    assert failure("a: " + "[" * depth + "]" * depth + "\n").endswith(
        "error: document is nested too deeply (at most 64 levels)")


def test_deep_block_nesting_is_refused() -> None:
    text = "".join("  " * level + "k:\n" for level in range(100))
    assert "nested too deeply" in failure(text)


def test_nesting_within_the_limit_is_fine() -> None:
    (doc,) = parse("a: " + "[" * 60 + "]" * 60 + "\n")
    value = doc.data["a"]
    for _ in range(59):
        (value,) = value
    assert value == []


def test_the_pure_python_parser_fails_as_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML recurses once per level; that must not escape as RecursionError."""
    monkeypatch.setattr(yaml_source, "_Loader", yaml.SafeLoader)
    assert "nested too deeply" in failure("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert failure("a:\n\t- x\n").endswith("tab character in indentation; YAML indents with spaces only")
    assert "duplicate key 'a'" in failure("a: 1\na: 2\n")


def test_read_text_refuses_binary_huge_and_non_utf8_files(tmp_path: Path) -> None:
    cases = {
        "binary.yaml": (b"a: 1\x00\x01", "binary.yaml:1:1: error: file is binary, not YAML text"),
        "huge.yaml": (b"a" * (MAX_FILE_BYTES + 1),
                      "huge.yaml:1:1: error: file is larger than 1,000,000 bytes; is it a manifest?"),
        "latin1.yaml": (b"a: 1\nb: caf\xe9\n", "latin1.yaml:2:1: error: file is not valid UTF-8 text"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(YamlError) as caught:
            read_text(str(tmp_path / name), name)
        assert str(caught.value.issue) == expected
    with pytest.raises(YamlError) as caught:
        read_text(str(tmp_path / "missing.yaml"), "missing.yaml")
    assert str(caught.value.issue) == "missing.yaml:1:1: error: cannot read file: No such file or directory"


def test_read_text_strips_a_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(str(tmp_path / "bom.yaml"), "bom.yaml") == "a: 1\n"


def test_format_path() -> None:
    assert format_path(()) == ""
    assert format_path(("volumes", 0, "mount_path")) == "volumes[0].mount_path"
    assert format_path((0, "a")) == "[0].a"


@pytest.mark.parametrize("number", ["9" * 1001, "-" + "9" * 1000, "0x" + "f" * 999, "1" + ":30" * 400,
                                    "1." + "5" * 999, "9" * 5000, "1" + ":30" * 300_000])
def test_a_number_longer_than_a_thousand_characters_is_an_issue_before_it_is_built(number: str) -> None:
    """Past 4,300 digits Python's int() raises; YAML 1.1's base-60 form (`1:30`) is quadratic to build."""
    assert failure(f"a:\n  b: {number}\n") == (
        "f.yaml:2:6: error: a.b: number is longer than 1,000 characters; write it in quotes to keep it as text")


def test_numbers_up_to_a_thousand_characters_and_quoted_digits_are_fine() -> None:
    (doc,) = parse(f"a: {'9' * 1000}\nb: '{'9' * 5000}'\nc: 1:30\n")
    assert doc.data == {"a": int("9" * 1000), "b": "9" * 5000, "c": 90}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("'3'", "3"), ("1.5", 1.5), ("yes", True), ("null", None), ("", ""), ("  a b ", "a b"),
     ("[1, 2]", "[1, 2]"), ("{a: 1}", "{a: 1}"), ("[1", "[1"), ("*x", "*x"), ("2024-01-01", "2024-01-01"),
     ("!!python/name:os.system", "!!python/name:os.system"), ("a\n---\nb", "a\n---\nb"), ("0x1f", 31)],
)
def test_parse_scalar_reads_command_line_values_like_manifest_values(text: str, expected: object) -> None:
    assert yaml_source.parse_scalar(text) == expected


def test_parse_scalar_refuses_a_number_too_long_to_be_one() -> None:
    with pytest.raises(YamlError, match="number is longer than 1,000 characters"):
        yaml_source.parse_scalar("9" * 5000)


def test_read_text_refuses_what_is_not_a_regular_file_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening a FIFO for reading would wait for a writer forever
    with pytest.raises(YamlError) as caught:
        read_text(str(fifo), "pipe.yaml")
    assert str(caught.value) == "pipe.yaml:1:1: error: cannot read file: not a regular file"
    with pytest.raises(YamlError) as caught:
        read_text(str(tmp_path), "folder")
    assert str(caught.value).startswith("folder:1:1: error: cannot read file: ")
    with pytest.raises(YamlError) as caught:
        read_text(str(tmp_path / "a\x00b.yaml"), "a.yaml")
    assert str(caught.value) == "a.yaml:1:1: error: cannot read file: the path contains a NUL character"
