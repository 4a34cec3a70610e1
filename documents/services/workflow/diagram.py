"""A workflow version drawn as SVG on the server (no script): states in columns by their
distance from the start, steps as arrows labelled with their codes. Final states have a
double border, states where the legal clock stops a dashed one."""

from __future__ import annotations

import textwrap

from django.utils.html import escape
from django.utils.translation import gettext as _

from .definition import START, Definition

BOX_W, BOX_H, COL, ROW, PAD = 170, 44, 230, 74, 20


def _columns(definition: Definition) -> dict[str, int]:
    depth = {START: 0}
    todo = [START]
    while todo:
        state = todo.pop(0)
        for t in definition.leaving(state):
            if t.target not in depth:
                depth[t.target] = depth[state] + 1
                todo.append(t.target)
    last = max(depth.values(), default=0) + 1
    return {code: depth.get(code, last) for code in definition.states}


def _label(text: str, x: float, y: float) -> str:
    lines = textwrap.wrap(text, 24)[:2] or [""]
    first = y - (len(lines) - 1) * 7
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{first + i * 14:.0f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="middle" font-size="11">{spans}</text>'


def _curve(*points: float) -> str:
    x1, y1, c1x, c1y, c2x, c2y, x2, y2 = (f"{p:.0f}" for p in points)
    return f"M{x1},{y1} C{c1x},{c1y} {c2x},{c2y} {x2},{y2}"


def definition_svg(definition: Definition, *, title: str) -> str:
    columns = _columns(definition)
    rows: dict[int, int] = {}
    place: dict[str, tuple[float, float]] = {}
    for code in definition.states:
        column = columns[code]
        row = rows.get(column, 0)
        rows[column] = row + 1
        place[code] = (PAD + column * COL, PAD + row * ROW)
    width = PAD * 2 + (max(columns.values(), default=0)) * COL + BOX_W
    height = PAD * 2 + max(rows.values(), default=1) * ROW
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="wf-title"><title id="wf-title">{escape(title)}</title>'
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#333"/></marker></defs>'
    ]
    for t in definition.transitions.values():
        tx, ty = place[t.target]
        for source in t.sources:
            sx, sy = place[source]
            x1, y1 = sx + BOX_W, sy + BOX_H / 2
            x2, y2 = tx, ty + BOX_H / 2
            if tx <= sx:  # a step back or within a column: go round below
                x1, y1, x2, y2 = sx + BOX_W / 2, sy + BOX_H, tx + BOX_W / 2, ty + BOX_H
                bend = max(sy, ty) + BOX_H + 22
                path = (
                    f"M{x1:.0f},{y1:.0f} C{x1:.0f},{bend:.0f} {x2:.0f},{bend:.0f} {x2:.0f},{y2:.0f}"
                )
                lx, ly = (x1 + x2) / 2, bend - 4
            else:
                mid = (x1 + x2) / 2
                path = (
                    f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
                )
                lx, ly = mid, (y1 + y2) / 2 - 3
            parts.append(
                f'<path d="{path}" fill="none" stroke="#555" stroke-width="1.2" '
                f'marker-end="url(#wf-arrow)"/>'
                f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle" font-size="9" '
                f'fill="#222">{escape(t.code)}</text>'
            )
    for code, state in definition.states.items():
        x, y = place[code]
        dash = ' stroke-dasharray="5 3"' if not state.clock and not state.terminal else ""
        parts.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#fff" '
            f'stroke="#1a4f8b" stroke-width="1.5"{dash}/>'
        )
        if state.terminal:
            parts.append(
                f'<rect x="{x + 3}" y="{y + 3}" width="{BOX_W - 6}" height="{BOX_H - 6}" '
                f'rx="4" fill="none" stroke="#1a4f8b"/>'
            )
        parts.append(_label(_(state.label), x + BOX_W / 2, y + BOX_H / 2 + 4))
    parts.append("</svg>")
    return "".join(parts)
