"""The policy graph drawn as SVG by dealdesk itself (no browser, no graphviz): a column
per stage, left to right, each approval a box with its backup chain below it and the
escalation at the chain's end, groups framed with their quorum; a deal's route in green,
what it skips in grey."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from policies.graph import Box, Column, Group, PolicyGraph, Taken

FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
MARGIN, GAP = 24, 56
"""Around the picture; between columns (where the arrows go)."""
COLUMN, BOX = 264, 232
"""Widths of a column and of a box in it."""
LINE, PAD, SMALL = 16, 8, 10
"""A line of text, padding inside a box, the font size of edge labels."""
HOP_GAP = 30
"""Between a box and its backup below: room for the edge's label."""
WRAP = 34
"""Characters per line in a box (12px text in BOX pixels)."""
PILL = 120

_INK = {
    Taken.UNKNOWN: ("#ffffff", "#57606a", "#1f2328", ""),
    Taken.TAKEN: ("#dafbe1", "#1a7f37", "#1f2328", ""),
    Taken.SKIPPED: ("#f6f8fa", "#d0d7de", "#8c959f", "4 3"),
}
"""fill, stroke, text colour, dash pattern."""


@dataclass
class _Pen:
    svg: ET.Element

    def rect(self, x: float, y: float, w: float, h: float, taken: Taken, **extra: str) -> None:
        fill, stroke, _, dash = _INK[taken]
        attributes = {"x": _n(x), "y": _n(y), "width": _n(w), "height": _n(h), "rx": "6"}
        attributes |= {"fill": fill, "stroke": stroke, "stroke-width": _width(taken)}
        if dash:
            attributes["stroke-dasharray"] = dash
        ET.SubElement(self.svg, "rect", attributes | extra)

    def text(
        self, x: float, y: float, words: str, taken: Taken, *, size: int = 12, bold: bool = False
    ) -> None:
        attributes = {"x": _n(x), "y": _n(y), "font-size": str(size), "fill": _INK[taken][2]}
        if bold:
            attributes["font-weight"] = "600"
        ET.SubElement(self.svg, "text", attributes).text = words

    def arrow(self, x1: float, y1: float, x2: float, y2: float, *, dashed: bool = False) -> None:
        attributes = {
            "x1": _n(x1),
            "y1": _n(y1),
            "x2": _n(x2),
            "y2": _n(y2),
            "stroke": "#57606a",
            "stroke-width": "1.5",
            "marker-end": "url(#arrow)",
        }
        if dashed:
            attributes["stroke-dasharray"] = "5 4"
        ET.SubElement(self.svg, "line", attributes)


def to_svg(graph: PolicyGraph) -> str:
    heights = [_column_height(column) for column in graph.columns]
    top = MARGIN + (48 if graph.deal else 32)
    width = MARGIN * 2 + PILL + (COLUMN + GAP) * len(graph.columns) + PILL
    height = top + max(heights, default=0) + MARGIN
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "font-family": FONT,
            "role": "img",
        },
    )
    ET.SubElement(svg, "title").text = f"Authority matrix: {graph.name}"
    _defs(svg)
    pen = _Pen(svg)
    pen.text(MARGIN, MARGIN + 12, graph.name, Taken.UNKNOWN, size=16, bold=True)
    if graph.deal:
        pen.text(MARGIN, MARGIN + 32, f"The route of {graph.deal}, in green", Taken.TAKEN)
    arrow_y = top + 26
    x = MARGIN
    _pill(pen, x, arrow_y, "Deal submitted")
    x += PILL
    for column in graph.columns:
        pen.arrow(x, arrow_y, x + GAP, arrow_y)
        _column(pen, graph, column, x + GAP, top)
        x += GAP + COLUMN
    pen.arrow(x, arrow_y, x + GAP / 2, arrow_y)
    _pill(pen, x + GAP / 2, arrow_y, "Approved", width=PILL - GAP / 2)
    return ET.tostring(svg, encoding="unicode") + "\n"


def _defs(svg: ET.Element) -> None:
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(
        defs,
        "marker",
        {
            "id": "arrow",
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": "7",
            "markerHeight": "7",
            "orient": "auto-start-reverse",
        },
    )
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#57606a"})


def _pill(
    pen: _Pen, x: float, middle: float, words: str, *, width: float = PILL, size: int = 12
) -> None:
    ET.SubElement(
        pen.svg,
        "rect",
        {
            "x": _n(x),
            "y": _n(middle - 14),
            "width": _n(width - 8),
            "height": "28",
            "rx": "14",
            "fill": "#fff8c5",
            "stroke": "#9a6700",
        },
    )
    pen.text(x + 10, middle + 4, words, Taken.UNKNOWN, size=size)


def _column(pen: _Pen, graph: PolicyGraph, column: Column, x: float, top: float) -> None:
    pen.rect(x, top, COLUMN, _column_height(column), column.taken, **{"fill-opacity": "0.35"})
    pen.text(x + 12, top + 20, f"{column.number}. {column.name}", column.taken, size=13, bold=True)
    y = top + 40
    for item in column.items:
        if isinstance(item, Group):
            height = _group_height(item)
            pen.rect(x + 6, y, COLUMN - 12, height, item.taken, **{"fill-opacity": "0.5"})
            label = f"{item.quorum} of the group" + (f", when {item.when}" if item.when else "")
            pen.text(x + 14, y + 16, label, item.taken, size=11, bold=True)
            inner = y + 24
            for box in item.boxes:
                inner = _box(pen, graph, box, x + (COLUMN - BOX) / 2, inner) + 10
            y += height + 12
        else:
            y = _box(pen, graph, item, x + (COLUMN - BOX) / 2, y) + 12


def _box(pen: _Pen, graph: PolicyGraph, box: Box, x: float, y: float) -> float:
    """Draw ``box`` and its chain from ``y``; return where they end."""
    lines = _wrapped(box)
    height = PAD * 2 + LINE * (1 + len(lines))
    pen.rect(x, y, BOX, height, box.taken)
    pen.text(x + PAD, y + PAD + 12, box.title, box.taken, bold=True)
    for n, line in enumerate(lines, start=1):
        pen.text(x + PAD, y + PAD + 12 + LINE * n, line, box.taken)
    y += height
    for hop in box.chain:
        y = _down(pen, x, y, hop.when)
        pen.rect(x + 12, y, BOX - 24, PAD * 2 + LINE, hop.taken)
        pen.text(x + 12 + PAD, y + PAD + 12, hop.title, hop.taken)
        y += PAD * 2 + LINE
    y = _down(pen, x, y, box.end)
    _pill(pen, x + 12, y + 14, f"→ {graph.escalation}"[: WRAP + 4], width=BOX - 16)
    return y + 28


def _down(pen: _Pen, x: float, y: float, label: str) -> float:
    """A dashed arrow down from ``y`` with ``label`` beside it; return where it ends."""
    middle = x + 24
    pen.arrow(middle, y, middle, y + HOP_GAP - 2, dashed=True)
    pen.text(middle + 8, y + HOP_GAP / 2 + 4, label, Taken.UNKNOWN, size=SMALL)
    return y + HOP_GAP


def _wrapped(box: Box) -> list[str]:
    return [part for line in box.lines for part in textwrap.wrap(line, WRAP) or [""]]


def _box_height(box: Box) -> float:
    own = PAD * 2 + LINE * (1 + len(_wrapped(box)))
    chain = len(box.chain) * (HOP_GAP + PAD * 2 + LINE)
    return own + chain + HOP_GAP + 28


def _group_height(group: Group) -> float:
    return 24 + sum(_box_height(box) + 10 for box in group.boxes)


def _column_height(column: Column) -> float:
    return 40 + sum(
        (_group_height(item) if isinstance(item, Group) else _box_height(item)) + 12
        for item in column.items
    )


def _width(taken: Taken) -> str:
    return "2" if taken is Taken.TAKEN else "1"


def _n(value: float) -> str:
    return f"{value:g}"
