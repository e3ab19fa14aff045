"""The policy graph as Mermaid flowchart text, which GitHub, GitLab and most docs tools
draw: a subgraph per stage, left to right, each approval a node with its backup chain
below it, one escalation node at the end of every chain."""

from __future__ import annotations

import itertools

from policies.graph import Box, Group, PolicyGraph, Taken

START, DONE, ESCALATION = "start", "approved", "escalation"
STYLES = (
    "classDef taken fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
    "classDef skipped fill:#f6f8fa,stroke:#d0d7de,color:#8c959f,stroke-dasharray:4 3",
    "classDef outcome fill:#fff8c5,stroke:#9a6700",
)


def to_mermaid(graph: PolicyGraph) -> str:
    lines = [
        "flowchart LR",
        f'  {START}(["{_text("Deal submitted")}"])',
        f'  {DONE}(["{_text("Approved")}"])',
        f'  {ESCALATION}[/"{_text(graph.escalation)}"/]',
    ]
    styled: dict[Taken, list[str]] = {Taken.TAKEN: [], Taken.SKIPPED: []}
    edges: list[str] = []
    for column in graph.columns:
        lines.append(f'  subgraph {column.id}["{_text(f"{column.number}. {column.name}")}"]')
        lines.append("    direction TB")
        for item in column.items:
            if isinstance(item, Group):
                label = f"{item.quorum} of the group" + (f", when {item.when}" if item.when else "")
                lines.append(f'    subgraph {item.id}["{_text(label)}"]')
                for box in item.boxes:
                    lines += _box(box, "      ", edges, styled)
                lines.append("    end")
                styled.setdefault(item.taken, []).append(item.id)
            else:
                lines += _box(item, "    ", edges, styled)
        lines.append("  end")
        styled.setdefault(column.taken, []).append(column.id)
    ids = [START, *(column.id for column in graph.columns), DONE]
    lines += [f"  {a} --> {b}" for a, b in itertools.pairwise(ids)]
    lines += edges
    lines += [f"  {style}" for style in STYLES]
    lines.append(f"  class {DONE},{ESCALATION} outcome")
    for taken, names in styled.items():
        if taken is not Taken.UNKNOWN and names:
            lines.append(f"  class {','.join(names)} {taken.value}")
    return "\n".join(lines) + "\n"


def _box(box: Box, indent: str, edges: list[str], styled: dict[Taken, list[str]]) -> list[str]:
    label = "<br/>".join([f"<b>{_text(box.title)}</b>", *(_text(line) for line in box.lines)])
    lines = [f'{indent}{box.id}["{label}"]']
    styled.setdefault(box.taken, []).append(box.id)
    before = box.id
    for hop in box.chain:
        lines.append(f'{indent}{hop.id}["{_text(hop.title)}"]')
        edges.append(f'  {before} -.->|"{_text(hop.when)}"| {hop.id}')
        styled.setdefault(hop.taken, []).append(hop.id)
        before = hop.id
    edges.append(f'  {before} -.->|"{_text(box.end)}"| {ESCALATION}')
    return lines


def _text(value: str) -> str:
    """Text safe inside a quoted Mermaid label: quotes and angle brackets as entities."""
    return (
        value.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )
