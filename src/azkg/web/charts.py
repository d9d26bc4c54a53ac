"""Server-rendered SVG charts for entity pages: every metric with two or more figures (for one currency
or unit, product and rate period) on a time axis. x is when the figure holds: its as-of date, the "not before" bound
inferred for an undated source (drawn as a mark with an arrow to the right: the figure may be later),
or its period (a segment from start to end); figures with no date at all go in an "undated" column.
y is the value from 0. One mark per figure, linked to its fact: its colour says the source, its shape
the status (filled circle actual, hollow diamond planned, hollow circle ongoing, filled square not
stated), a ring in the warning colour a value that another source contradicts.

Only short axis ticks are drawn inside the SVG, whose text scales with the page: everything that can
be long (source names, hedged values, "conflicting") goes in the HTML legend under it, which wraps,
so nothing is clipped at any width; the legend says in words all that the marks say in shapes."""

from __future__ import annotations

import math
from datetime import date
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 58, 20, 16, 30  # room for the y ticks ("19.4 bn") and the x ticks under the plot
UNDATED = 64  # the column for figures with no date, right of the time axis
ARROW = 22  # length of a "not before" arrow, in user units
PALETTE = 6  # classes source-0 … source-5 in azkg.css; more sources reuse them (the legend names each)
STATUSES = ("actual", "planned", "ongoing", "unstated")  # the last drawn as a filled square
STATUS_WORDS = {"actual": "actual", "planned": "planned", "ongoing": "ongoing", "unstated": "status not stated"}
SHAPE_WORDS = {"actual": "filled circle", "planned": "hollow diamond", "ongoing": "hollow circle",
               "unstated": "filled square"}
SCALES = ((1e9, "bn"), (1e6, "M"), (1e3, "k"))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def figure_charts(facts: list[dict], conflicted: set[str]) -> list[dict]:
    """One chart per (metric, currency or unit, product, per period) with two or more figures, in the facts' order."""
    figures = [fact for fact in facts if fact["kind"] == "figure" and fact["value"] is not None]
    colours = source_colours(figures)
    groups: dict[tuple, list[dict]] = {}
    for fact in figures:
        groups.setdefault(group_key(fact), []).append(fact)
    charts: list[dict] = []
    for members in groups.values():
        if len(members) >= 2:
            charts.append(chart(len(charts), members, conflicted, colours))
    return charts


def group_key(fact: dict) -> tuple:
    """Figures comparable on one y axis; a rate per year is not comparable with a total, hence per_period."""
    unit = fact["currency"] or (fact["unit"] or {}).get("iri")
    product = (fact["qualifiers"].get("product") or {}).get("iri")
    per = (fact["qualifiers"].get("per_period") or {}).get("iri")
    return fact["metric"]["iri"], unit, product, per


def source_colours(figures: list[dict]) -> dict[str, int]:
    """One palette slot per source, the same in every chart of the page."""
    sources = sorted({fact["source"]["iri"] for fact in figures})
    return {iri: index % PALETTE for index, iri in enumerate(sources)}


def chart(number: int, members: list[dict], conflicted: set[str], colours: dict[str, int]) -> dict:
    marks = sorted((mark(fact, fact["iri"] in conflicted, colours) for fact in members), key=_order)
    title = chart_title(members[0])
    legend_id = f"chart-{number}-legend"
    return {
        "title": title,
        "legend_id": legend_id,
        "svg": svg(marks, f"{title}: {summary(marks)}", legend_id),
        "legend": [legend_item(m) for m in marks],
        "key": key(marks),
    }


def _order(mark: dict) -> tuple:
    return mark["x"] is None, mark["x"] or 0.0, mark["value"], mark["source"]


def chart_title(fact: dict) -> str:
    unit = fact["currency"] or (fact["unit"] or {}).get("label") or ""
    product = (fact["qualifiers"].get("product") or {}).get("label")
    per = (fact["qualifiers"].get("per_period") or {}).get("label")
    unit = f"{unit} per {per}" if per else unit
    return f"{fact['metric']['label']}" + (f" of {product}" if product else "") + (f" ({unit})" if unit else "")


def summary(marks: list[dict]) -> str:
    sources = len({m["source"] for m in marks})
    return f"{len(marks)} figures from {sources} source{'s' if sources > 1 else ''}, listed below the chart"


# -- one figure as a mark ------------------------------------------------------------------------------


def mark(fact: dict, conflicting: bool, colours: dict[str, int]) -> dict:
    start, end, kind = when(fact)
    status = ((fact["qualifiers"].get("status") or {}).get("iri") or "").rsplit("/", 1)[-1]  # status:planned
    return {
        "fact": fact,
        "url": fact["url"] or "",
        "value": fact["value"],
        "x": start,
        "x_end": end,
        "time": kind,
        "status": status if status in STATUSES else "unstated",
        "colour": colours[fact["source"]["iri"]],
        "source": fact["source"]["title"] or fact["source"]["iri"],
        "conflicting": conflicting,
    }


def when(fact: dict) -> tuple[float | None, float | None, str]:
    """(x, x_end, kind) in fractional years: a period's start and end, else the as-of date, else the
    inferred "not before" bound, else nothing (undated)."""
    qualifiers = fact["qualifiers"]
    start, end = year_of(qualifiers.get("period_start")), year_of(qualifiers.get("period_end"))
    if start is not None and end is not None:
        return start, end, "period"
    if fact["as_of"]:
        return year_of(fact["as_of"]), None, "as-of"
    if fact["as_of_not_before"]:
        return year_of(fact["as_of_not_before"]), None, "not-before"
    return None, None, "undated"


def year_of(text: str | None) -> float | None:
    """An xsd:date, dateTime or gYear(Month) as a fractional year; None if it is none of them."""
    if not text:
        return None
    parts = text[:10].split("-")
    try:
        day = date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None
    return day.year + (day.toordinal() - date(day.year, 1, 1).toordinal()) / _days(day.year)


def _days(year: int) -> int:
    return date(year + 1, 1, 1).toordinal() - date(year, 1, 1).toordinal()


# -- the legend: the same information as text ---------------------------------------------------------


def legend_item(mark: dict) -> dict:
    fact = mark["fact"]
    words = [STATUS_WORDS[mark["status"]]]
    if mark["time"] == "not-before":
        words.append("date inferred")
    return {
        "url": mark["url"],
        "swatch": swatch(mark),
        "value": amount(fact),
        "when": when_words(fact, mark["time"]),
        "source": mark["source"],
        "words": words,
        "conflicting": mark["conflicting"],
    }


def amount(fact: dict) -> str:
    """The value as the source gives it: hedge, digits in groups of three, currency or unit."""
    hedge = (fact["qualifiers"].get("approximation") or {}).get("label")
    unit = fact["currency"] or (fact["unit"] or {}).get("label") or ""
    value = fact["value"]
    digits = f"{int(value) if float(value).is_integer() else value:,}".replace(",", " ")
    per = (fact["qualifiers"].get("per_period") or {}).get("label")
    return " ".join(part for part in (hedge, digits, unit, per and f"per {per}") if part)


def when_words(fact: dict, kind: str) -> str:
    qualifiers = fact["qualifiers"]
    if kind == "period":
        return qualifiers.get("period") or f"{qualifiers['period_start']} to {qualifiers['period_end']}"
    if kind == "as-of":
        return f"as of {fact['as_of'][:10]}"
    if kind == "not-before":
        return f"not before {fact['as_of_not_before'][:10]}"
    return "undated"


# -- the SVG ------------------------------------------------------------------------------------------


def svg(marks: list[dict], label: str, legend_id: str) -> Markup:
    xscale = time_scale(marks)
    yscale = value_scale(marks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" aria-describedby="{legend_id}">',
        *y_axis(yscale),
        *x_axis(xscale, any(m["x"] is None for m in marks)),
        *(draw(m, xscale, yscale, offset) for m, offset in zip(marks, dodge(marks), strict=True)),
        "</svg>",
    ]
    return Markup("".join(parts))


def time_scale(marks: list[dict]) -> dict:
    """Fractional years to x; the time axis ends before the undated column when there is one."""
    right = WIDTH - RIGHT - (UNDATED if any(m["x"] is None for m in marks) else 0)
    times = [t for m in marks for t in (m["x"], m["x_end"]) if t is not None]
    low, high = (min(times), max(times)) if times else (2000.0, 2001.0)
    pad = max((high - low) * 0.08, 0.25)
    low, high = low - pad, high + pad
    inner_right = right - ARROW  # room for a "not before" arrow drawn from the latest date
    return {
        "dated": bool(times),  # with no date at all there is no time to tick
        "low": low,
        "high": high,
        "left": LEFT + 8,
        "right": inner_right,
        "undated": (right + WIDTH - RIGHT) / 2,
        "x": lambda t: LEFT + 8 + (t - low) / (high - low) * (inner_right - LEFT - 8),
    }


def value_scale(marks: list[dict]) -> dict:
    high = max(max(m["value"] for m in marks), 0)
    low = min(min(m["value"] for m in marks), 0)
    step = nice_step((high - low) or 1)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step or step
    bottom = HEIGHT - BOTTOM
    return {
        "ticks": [low + i * step for i in range(round((high - low) / step) + 1)],
        "y": lambda v: bottom - (v - low) / (high - low) * (bottom - TOP),
    }


def nice_step(span: float, ticks: int = 4) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving at most `ticks` intervals."""
    power = 10 ** math.floor(math.log10(span / ticks))
    return next(power * f for f in (1, 2, 2.5, 5, 10) if span / (power * f) <= ticks)


def short_number(value: float) -> str:
    """An axis tick in a few characters: 1.5 k, 6 M, 19.4 bn."""
    for size, word in SCALES:
        if abs(value) >= size:
            return f"{_trim(value / size)} {word}"
    return _trim(value)


def _trim(value: float) -> str:
    return f"{value:.4g}"  # 19.4, 2.5, 0.25, 750: no trailing zeros, no exponent below 1000


def y_axis(scale: dict) -> list[str]:
    parts = []
    for tick in scale["ticks"]:
        y = scale["y"](tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{short_number(tick)}</text>')
    return parts


def x_axis(scale: dict, undated: bool) -> list[str]:
    base = HEIGHT - BOTTOM
    parts = [f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>']
    for when, text in time_ticks(scale["low"], scale["high"]) if scale["dated"] else []:
        x = scale["x"](when)
        parts.append(f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}"/>')
        parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{text}</text>')
    if undated:
        x = scale["undated"]
        parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">undated</text>')
    return parts


def time_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Years when the axis spans years, else months: at most five ticks, each a few characters."""
    for months in (1, 2, 3, 6, 12, 24, 60, 120):
        first = math.ceil(low * 12 / months) * months
        ticks = [m / 12 for m in range(first, math.floor(high * 12) + 1, months)]
        if len(ticks) <= 5:
            break
    return [(t, _tick_label(t, months)) for t in ticks]


def _tick_label(when: float, step: int) -> str:
    month = round(when * 12)
    year, index = divmod(month, 12)
    return str(year) if step >= 12 else f"{MONTHS[index]} {year}"


def dodge(marks: list[dict]) -> list[float]:
    """Marks at the same time side by side, not on top of each other."""
    seen: dict[float | None, int] = {}
    offsets: list[float] = []
    for m in marks:
        key = None if m["x"] is None else round((m["x"] + (m["x_end"] or m["x"])) / 2, 3)
        count = seen[key] = seen.get(key, -1) + 1
        offsets.append((count + 1) // 2 * 9 * (1 if count % 2 else -1))
    return offsets


def draw(m: dict, xscale: dict, yscale: dict, offset: float) -> str:
    y = yscale["y"](m["value"])
    extra, x = "", xscale["undated"]
    if m["time"] == "period":
        x1, x2 = xscale["x"](m["x"]), xscale["x"](m["x_end"])
        extra, x = period_segment(x1, x2, y), (x1 + x2) / 2
    elif m["x"] is not None:
        x = xscale["x"](m["x"])
        if m["time"] == "not-before":
            extra = not_before_arrow(x, y)
    x += offset
    classes = f"mark source-{m['colour']} {m['status']}" + (" conflicting" if m["conflicting"] else "")
    # out of the tab order: inside role="img" a screen reader cannot name these links; the legend's can
    return (
        f'<a href="{escape(m["url"])}" tabindex="-1"><g class="{classes}"><title>{escape(mark_title(m))}</title>{extra}'
        f"{shape(m['status'], x, y)}{ring(x, y) if m['conflicting'] else ''}</g></a>"
    )


def period_segment(x1: float, x2: float, y: float) -> str:
    return (
        f'<path class="period" d="M{x1:.1f} {y - 4:.1f}V{y + 4:.1f}M{x1:.1f} {y:.1f}H{x2:.1f}'
        f'M{x2:.1f} {y - 4:.1f}V{y + 4:.1f}"/>'
    )


def not_before_arrow(x: float, y: float, length: float = ARROW) -> str:
    tip = x + length
    return (
        f'<path class="not-before" d="M{x:.1f} {y:.1f}H{tip:.1f}"/>'
        f'<path class="not-before-head" d="M{tip - 5:.1f} {y - 4:.1f}L{tip:.1f} {y:.1f}L{tip - 5:.1f} {y + 4:.1f}"/>'
    )


def shape(status: str, x: float, y: float) -> str:
    if status == "unstated":
        return f'<rect class="shape" x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10"/>'
    if status == "planned":
        corners = f"M{x:.1f} {y - 6:.1f}L{x + 6:.1f} {y:.1f}L{x:.1f} {y + 6:.1f}L{x - 6:.1f} {y:.1f}Z"
        return f'<path class="shape" d="{corners}"/>'
    return f'<circle class="shape" cx="{x:.1f}" cy="{y:.1f}" r="5"/>'


def ring(x: float, y: float) -> str:
    return f'<circle class="warning-ring" cx="{x:.1f}" cy="{y:.1f}" r="9"/>'


def mark_title(m: dict) -> str:
    item = legend_item(m)
    warning = ["≠ conflicting: another source gives a different value"] if m["conflicting"] else []
    words = ", ".join(item["words"] + warning)
    return f"{item['value']}, {item['when']} — {item['source']} ({words})"


def swatch(m: dict) -> Markup:
    """The mark as drawn in the chart, small, for the legend."""
    classes = f"mark source-{m['colour']} {m['status']}" + (" conflicting" if m["conflicting"] else "")
    inner = shape(m["status"], 10, 10) + (ring(10, 10) if m["conflicting"] else "")
    return Markup(f'<svg class="swatch" viewBox="0 0 20 20" aria-hidden="true"><g class="{classes}">{inner}</g></svg>')


def key(chart_marks: list[dict]) -> list[dict]:
    """What the shapes and lines of this chart mean, in words, each with its swatch."""
    statuses = sorted({m["status"] for m in chart_marks}, key=STATUSES.index)
    entries = [_entry(shape(s, 10, 10), f"{SHAPE_WORDS[s]}: {STATUS_WORDS[s]}", s) for s in statuses]
    if any(m["conflicting"] for m in chart_marks):
        entries.append(_entry(ring(10, 10), "ring in red: ≠ conflicting, another source differs"))
    if any(m["time"] == "not-before" for m in chart_marks):
        entries.append(_entry(not_before_arrow(2, 10, 16), "arrow: undated source, the figure is not earlier"))
    if any(m["time"] == "period" for m in chart_marks):
        entries.append(_entry(period_segment(2, 18, 10), "bar: a period, from its start to its end"))
    return entries


def _entry(inner: str, words: str, status: str = "") -> dict:
    svg = f'<svg class="swatch" viewBox="0 0 20 20" aria-hidden="true"><g class="mark key {status}">{inner}</g></svg>'
    return {"swatch": Markup(svg), "words": words}
