"""Query results for a terminal: SELECT as an aligned table with IRIs shortened by our prefixes."""

from __future__ import annotations

import pyoxigraph

from azkg.prefixes import PREFIXES

# longest namespace first, so id: wins over a shorter base that also matches
NAMESPACES = sorted(((str(ns), prefix) for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[0]))


def shorten(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.NamedNode):
        for namespace, prefix in NAMESPACES:
            if term.value.startswith(namespace) and "/" not in term.value[len(namespace) :]:
                return f"{prefix}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, pyoxigraph.Literal):
        return term.value
    return str(term)


def render_table(solutions: pyoxigraph.QuerySolutions, limit_width: int = 60) -> str:
    names = [variable.value for variable in solutions.variables]
    rows = [[_clip(shorten(row[name]), limit_width) for name in names] for row in solutions]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    line = "  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True))
    rule = "  ".join("-" * width for width in widths)
    body = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *(b.rstrip() for b in body), footer])


def _clip(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
