"""The policy's YAML reader builds the same data as PyYAML's own safe loader, while
keeping the lines and findings the loader's messages need."""

from __future__ import annotations

import pytest
import yaml

from policies.yaml_lines import YamlSyntaxError, parse_yaml

DOCUMENTS = [
    "name: x\nlist: [1, 2.5, -3, 0x10, 1_000]\nflags: [true, no, on, ~, null]\n",
    "when: 2026-01-01\nat: 2026-01-01T09:30:00Z\ntext: '12'\nmore: \"a: b\"\n",
    "base: &b {name: B, sla: 24h, backups: [cfo]}\nsdr:\n  <<: *b\n  name: S\ncfo: *b\n",
    "a: &a [1, 2]\nb: &b {x: *a, y: [*a, *a]}\nc: [*b, *b]\n",
    "merge:\n  <<: [{a: 1, b: 1}, {b: 2, c: 2}]\n  c: 3\n",
    "folded: >\n  one\n  two\nliteral: |\n  keep\n  lines\n",
    "- {approver: am1, when: \"industry == 'T1'\"}\n- {group: [a, b], quorum: any}\n",
    "nested:\n  - - - deep\n    - [x, {y: z}]\n",
    "? plain\n: value\n'quoted key': 1\n",
    "s: !!str 12\ni: !!int '7'\nf: !!float 1\n",
    "empty_map: {}\nempty_list: []\nempty_value:\n",
    "unicode: Zürich — 東京\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_same_data_as_pyyaml(text: str) -> None:
    parsed = parse_yaml(text)

    assert parsed.findings == []
    assert parsed.data == yaml.safe_load(text)


def test_lines_of_keys_items_and_merged_keys() -> None:
    text = "base: &b\n  name: B\n  sla: 24h\nsdr:\n  <<: *b\n  name: S\nlist:\n  - one\n  - two\n"
    lines = parse_yaml(text).lines

    assert lines.line_of(("sdr", "name")) == 6  # written here: wins over the merged one
    assert lines.line_of(("sdr", "sla")) == 3  # merged: where the anchor wrote it
    assert lines.line_of(("list", 1)) == 9
    assert lines.line_of(("list", 1, "missing")) == 9  # the nearest ancestor


@pytest.mark.parametrize("text", [*DOCUMENTS, "a: 1\na: 2\nb: &r [1, *r]\n? [k]\n: v\n"])
def test_without_lines_the_same_data_and_findings(text: str) -> None:
    """The policy loader reads a file without its line map first (most files are valid)."""
    full, bare = parse_yaml(text), parse_yaml(text, lines=False)

    assert bare.data == full.data
    assert bare.findings == full.findings
    assert list(bare.lines.lines) == [()]  # only the root's line, for "not a mapping"


def test_a_loop_and_a_mapping_as_key_are_findings_not_crashes() -> None:
    loop = parse_yaml("a: &r [1, *r]\n")
    assert [f.message for f in loop.findings] == [
        "this alias refers to the value it is in; remove the loop"
    ]
    assert loop.data == {"a": [1, None]}

    key = parse_yaml("? {x: 1}\n: dropped\nkept: 2\n")
    assert [(f.path, f.line) for f in key.findings] == [((), 1)]
    assert key.data == {"kept": 2}


def test_an_alias_bomb_stops_at_the_limit_without_expanding() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(YamlSyntaxError, match="expands to more than 50,000 values"):
        parse_yaml("\n".join(levels))
