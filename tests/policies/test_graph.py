"""``dealdesk policy graph``: the example policy as Mermaid text, parsed back into the
nodes and edges it must have, and as SVG, a valid SVG document with every stage,
approver and backup in it; a deal's route highlighted in both."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from policies.deal import DealTerms
from policies.graph import policy_graph
from policies.graph_mermaid import to_mermaid
from policies.graph_svg import to_svg
from policies.loader import bundled_policy_path, example_deal, load_policy_file, load_policy_text
from tests.policies.test_cases import POLICY as BOARD

SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r'^\s*(\w+)(?:\["(.*)"\]|\(\["(.*)"\]\)|\[/"(.*)"/\])$')
EDGE = re.compile(r'^\s*(\w+) (-->|-\.->)(?:\|"(.*)"\|)? (\w+)$')
SUBGRAPH = re.compile(r'^\s*subgraph (\w+)\["(.*)"\]$')


@dataclass
class Parsed:
    nodes: dict[str, str] = field(default_factory=dict)
    subgraphs: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str | None]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)


def parse_mermaid(text: str) -> Parsed:
    """Read back what ``to_mermaid`` writes: nodes, subgraphs, edges, classes."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    parsed, open_subgraphs = Parsed(), list[str]()
    for line in lines[1:]:
        if match := SUBGRAPH.match(line):
            parsed.subgraphs[match[1]] = _plain(match[2])
            if open_subgraphs:
                parsed.parents[match[1]] = open_subgraphs[-1]
            open_subgraphs.append(match[1])
        elif line.strip() == "end":
            open_subgraphs.pop()
        elif line.strip() == "direction TB" or line.strip().startswith("classDef "):
            continue
        elif line.strip().startswith("class "):
            _, names, style = line.split()
            parsed.classes.setdefault(style, set()).update(names.split(","))
        elif match := EDGE.match(line):
            parsed.edges.append((match[1], match[4], _plain(match[3]) if match[3] else None))
        elif match := NODE.match(line):
            parsed.nodes[match[1]] = _plain(next(group for group in match.groups()[1:] if group))
            if open_subgraphs:
                parsed.parents[match[1]] = open_subgraphs[-1]
        else:
            raise AssertionError(f"not Mermaid as dealdesk writes it: {line!r}")
    assert not open_subgraphs
    return parsed


def _plain(label: str) -> str:
    for entity, char in (("#quot;", '"'), ("#lt;", "<"), ("#gt;", ">"), ("#amp;", "&")):
        label = label.replace(entity, char)
    return re.sub(r"</?b>", "", label).replace("<br/>", " | ")


@pytest.fixture
def techcorp() -> DealTerms:
    return DealTerms.model_validate(example_deal("techcorp"))


def test_the_mermaid_text_has_every_stage_approval_backup_and_the_escalation() -> None:
    policy = load_policy_file(bundled_policy_path()).policy

    parsed = parse_mermaid(to_mermaid(policy_graph(policy)))

    assert parsed.subgraphs == {
        "s0": "1. Qualification",
        "s1": "2. Deal approval",
        "s2": "3. Reviews",
    }
    assert parsed.nodes["s2_finance"] == (
        "James Rodriguez · finance | when discount > 0 | avatar finance decides · max_discount 15%"
    )
    assert parsed.nodes["s1_manager"] == (
        "Marcus Thompson · manager | avatar manager decides · max_acv $250,000"
    )
    assert parsed.nodes["s2_legal"] == "Priya Patel · legal | avatar legal advises | SLA 24h"
    assert parsed.nodes["escalation"] == "escalation channel C0ESCALATE"
    assert {parsed.parents[node] for node in ("s1_manager", "s1_manager_1", "s1_manager_2")} == {
        "s1"
    }
    assert [(a, b) for a, b, label in parsed.edges if label is None] == [
        ("start", "s0"),
        ("s0", "s1"),
        ("s1", "s2"),
        ("s2", "approved"),
    ]
    chains = {(a, b): label for a, b, label in parsed.edges if label is not None}
    assert chains == {
        ("s0_sdr", "escalation"): "hands over beyond its limits",
        ("s1_manager", "s1_manager_1"): "hands over beyond its limits",
        ("s1_manager_1", "s1_manager_2"): "no answer in 2h",
        ("s1_manager_2", "escalation"): "no answer in 24h",
        ("s2_legal", "s2_legal_1"): "no answer in 24h",
        ("s2_legal_1", "escalation"): "no answer in 24h",
        ("s2_finance", "s2_finance_1"): "hands over beyond its limits",
        ("s2_finance_1", "s2_finance_2"): "no answer in 2h",
        ("s2_finance_2", "escalation"): "no answer in 24h",
    }
    assert (parsed.nodes["s1_manager_1"], parsed.nodes["s1_manager_2"]) == (
        "Lisa Wong · cfo",
        "Daniel Kim · ceo",
    )
    every = {node for edge in parsed.edges for node in edge[:2]}
    assert every <= set(parsed.nodes) | set(parsed.subgraphs)
    assert "taken" not in parsed.classes


def test_a_deals_route_is_highlighted(techcorp: DealTerms) -> None:
    """TechCorp: the manager's avatar hands its $500K to the CFO; 12% is within finance's
    15%, so nothing moves there; nobody has timed out."""
    policy = load_policy_file(bundled_policy_path()).policy

    parsed = parse_mermaid(to_mermaid(policy_graph(policy, techcorp)))

    assert parsed.classes["taken"] == {
        "s0",
        "s0_sdr",
        "s1",
        "s1_manager",
        "s1_manager_1",
        "s2",
        "s2_legal",
        "s2_finance",
    }
    assert parsed.classes["skipped"] == {
        "s1_manager_2",
        "s2_legal_1",
        "s2_finance_1",
        "s2_finance_2",
    }


def test_a_group_is_a_subgraph_with_its_quorum_and_condition() -> None:
    small = DealTerms.model_validate({"company": "Small", "acv": 50000, "owner": "U0SARAH"})
    graph = policy_graph(load_policy_text(BOARD).policy, small)

    parsed = parse_mermaid(to_mermaid(graph))

    assert parsed.subgraphs["s1_g0"] == "2 of 3 of the group, when acv > 1000000"
    assert parsed.parents["s1_g0"] == "s1"
    assert {parsed.parents[f"s1_g0_lead_{x}"] for x in "abc"} == {"s1_g0"}
    assert {"s1", "s1_g0", "s1_g0_lead_a", "s2_finance"} <= parsed.classes["skipped"]
    assert parsed.nodes["escalation"] == "the admins"


def test_the_svg_is_a_valid_svg_document_with_everything_in_it(techcorp: DealTerms) -> None:
    policy = load_policy_file(bundled_policy_path()).policy

    root = ET.fromstring(to_svg(policy_graph(policy, techcorp)))

    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert root.findtext(f"{SVG}title") == "Authority matrix: RevOps authority matrix (example)"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    for words in (
        "1. Qualification",
        "2. Deal approval",
        "3. Reviews",
        "James Rodriguez · finance",
        "when discount > 0",
        "Omar Haddad · counsel",
        "no answer in 2h",
        "→ escalation channel C0ESCALATE",
        "The route of TechCorp, in green",
    ):
        assert words in texts
    for element in root.iter():
        for attribute in ("x", "y", "width", "height"):
            if (value := element.get(attribute)) is not None and element.tag != f"{SVG}svg":
                assert 0 <= float(value) <= max(width, height), (element.tag, attribute, value)
    green = [rect for rect in root.iter(f"{SVG}rect") if rect.get("stroke") == "#1a7f37"]
    assert len(green) == 3 + 5  # three stages; sdr, manager, the CFO it hands to, legal, finance


def test_the_cli_prints_either_format_and_reads_a_deal(tmp_path: Path) -> None:
    runner = CliRunner()
    deal = tmp_path / "deal.json"
    deal.write_text(json.dumps(example_deal("techcorp")), encoding="utf-8")

    mermaid = runner.invoke(app, ["policy", "graph", str(bundled_policy_path())])
    assert mermaid.exit_code == 0, mermaid.output
    assert parse_mermaid(mermaid.stdout).subgraphs["s2"] == "3. Reviews"

    svg = runner.invoke(
        app, ["policy", "graph", str(bundled_policy_path()), "--format", "svg", "--deal", str(deal)]
    )
    assert svg.exit_code == 0, svg.output
    assert ET.fromstring(svg.stdout).tag == f"{SVG}svg"

    deal.write_text('{"company": "Acme"}', encoding="utf-8")
    bad = runner.invoke(app, ["policy", "graph", str(bundled_policy_path()), "--deal", str(deal)])
    assert bad.exit_code == 1
    assert "acv" in bad.output


def test_the_docs_show_the_example_policys_graph_as_printed() -> None:
    page = (Path(__file__).parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    shown = page.split("```mermaid\n", 1)[1].split("```", 1)[0]

    policy = load_policy_file(bundled_policy_path()).policy
    assert shown == to_mermaid(policy_graph(policy))
