"""Server-rendered SVG charts for entity pages: for every metric with two or more figures (over time,
or from several sources), one bar per figure, labelled with its source and date; values that another
source contradicts are drawn in the warning colour and marked in words, so the mark survives without
colour."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

BAR, GAP, WIDTH, LABEL = 22, 8, 640, 300


def figure_charts(facts: list[dict], conflicted: set[str]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for fact in facts:
        if fact["kind"] != "figure":
            continue
        unit = fact["currency"] or (fact["unit"] or {}).get("iri")
        product = (fact["qualifiers"].get("product") or {}).get("iri")
        groups.setdefault((fact["metric"]["iri"], unit, product), []).append(fact)
    charts = []
    for figures in groups.values():
        if len(figures) < 2:
            continue
        figures.sort(key=lambda f: (f["as_of"] or f["as_of_not_before"] or "", f["source"]["iri"]))
        charts.append({"title": _title(figures[0]), "svg": _svg(figures, conflicted)})
    return charts


def _title(fact: dict) -> str:
    unit = fact["currency"] or (fact["unit"] or {}).get("label") or ""
    product = (fact["qualifiers"].get("product") or {}).get("label")
    return f"{fact['metric']['label']}" + (f" of {product}" if product else "") + (f" ({unit})" if unit else "")


def _svg(figures: list[dict], conflicted: set[str]) -> Markup:
    top = max(abs(f["value"]) for f in figures) or 1
    span = WIDTH - LABEL - 150
    height = len(figures) * (BAR + GAP) + GAP
    title = escape(_title(figures[0]))
    parts = [f'<svg class="figure-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}">']
    for index, fact in enumerate(figures):
        y = GAP + index * (BAR + GAP)
        length = max(2, span * abs(fact["value"]) / top)
        conflicting = fact["iri"] in conflicted
        when = fact["as_of"] or (f"≥ {fact['as_of_not_before']}" if fact["as_of_not_before"] else "undated")
        label = escape(f"{(fact['source']['title'] or fact['source']['iri'])[:38]}… {when}")
        hedge = (fact["qualifiers"].get("approximation") or {}).get("label")
        value = escape((f"{hedge} " if hedge else "") + f"{fact['value']:,}".replace(",", " "))
        mark = " ≠ conflicting" if conflicting else ""
        parts.append(
            f'<a href="{escape(fact["url"] or "")}"><text x="0" y="{y + 15}">{label}</text>'
            f'<rect class="{"conflicting" if conflicting else "agreeing"}" x="{LABEL}" y="{y}" width="{length:.1f}" '
            f'height="{BAR}"><title>{escape(fact["label"] or "")}</title></rect>'
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 15}">{value}{mark}</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
