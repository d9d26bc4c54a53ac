"""Proposing a figure's metric from the words around it.

The metrics are the ontology's (read by `vocabulary`); the table below only says which words point
to which of them, and an entry whose metric the ontology lacks is ignored. A metric whose own label
the quote writes ("payload", "production capacity") is proposed even with no entry here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONEY, PERCENT, COUNT, AREA, MASS = "money", "percent", "count", "area", "mass"


@dataclass(frozen=True)
class Cue:
    pattern: str
    metric: str
    kinds: tuple[str, ...]


CUES = (
    Cue(r"investment value|total value|valued at|value of the projects?|project value", "project-value", (MONEY,)),
    Cue(r"invest\w*|attract\w*", "investment", (MONEY,)),
    Cue(r"loans?|credit", "loan", (MONEY,)),
    Cue(r"exemptions?|tax relief", "exemptions", (MONEY,)),
    Cue(r"export\w*", "exports", (MONEY,)),
    Cue(r"produc\w*|output|sales|sold|goods worth|generated|manufactur\w*|assembled|turnover", "output", (MONEY,)),
    Cue(r"capacity|capable of|annually|per year|a year", "production-capacity", (COUNT, AREA, MASS)),
    Cue(r"payloads?|load capacity", "payload", (MASS,)),
    Cue(r"area|covers|plot|territory|land", "area", (AREA,)),
)
COUNTED = (
    (r"jobs?|employees|workers|people|positions", "jobs"),
    (r"countries", "export-destinations"),
    (r"industrial parks|parks", "industrial-park-count"),
    (r"industrial (?:districts|quarters)|districts|quarters", "industrial-district-count"),
    (r"enterprises|companies|firms|residents", "resident-count"),
    (r"vehicles|cars|trucks|buses|bodies|units", "production-volume"),
)
GROWTH = re.compile(
    r"increas\w*|grow\w*|grew|rose|rise|\bup\b(?=\s+(?:by\s+)?[\d.,]+\s*(?:%|percent))|declin\w*|fell|drop\w*|"
    r"\bdown\b(?=\s+(?:by\s+)?[\d.,]+\s*(?:%|percent))",
    re.IGNORECASE,
)
SUBJECT_OF_GROWTH = re.compile(r"export\w*|produc\w*|output|sales", re.IGNORECASE)
PRODUCING = re.compile(r"commenced production|producing|in production|started production", re.IGNORECASE)


def kind_of(currency: str | None, unit: str | None) -> str | None:
    if currency:
        return MONEY
    return {"percent": PERCENT, "number": COUNT, "hectare": AREA, "square-metre": AREA, "tonne": MASS}.get(unit or "")


def propose(
    clause: str, at: int, kind: str | None, counted: str | None, sentence: str, metrics: dict[str, tuple[str, ...]]
) -> tuple[str | None, str]:
    """(metric, reason): the metric the words nearest the figure point to, or None."""
    if kind == PERCENT:
        return _percent(clause, at, sentence, metrics)
    if kind == COUNT and counted:
        return _count(clause, at, counted, metrics)
    best: tuple[int, int, str, str] | None = None
    for rank, cue in enumerate(CUES):
        if kind not in cue.kinds or cue.metric not in metrics:
            continue
        for match in re.finditer(r"\b(?:" + cue.pattern + r")\b", clause, re.IGNORECASE):
            distance = match.start() - at if match.start() >= at else at - match.end()
            candidate = (abs(distance), rank, cue.metric, match[0])
            if best is None or candidate < best:
                best = candidate
    if best is None:
        for metric, labels in metrics.items():
            for label in labels:
                if re.search(r"\b" + re.escape(label) + r"\b", clause, re.IGNORECASE):
                    return metric, f"metric from '{label}'"
        return None, "no metric word near the figure"
    return best[2], f"metric from '{best[3]}'"


def _count(clause: str, at: int, counted: str, metrics: dict[str, tuple[str, ...]]) -> tuple[str | None, str]:
    for pattern, metric in COUNTED:
        if re.fullmatch(pattern, counted, re.IGNORECASE):
            if metric == "resident-count" and PRODUCING.search(clause) and "producing-enterprises" in metrics:
                return "producing-enterprises", f"metric from '{counted}' that commenced production"
            if metric == "production-volume" and re.search(CUES[6].pattern, clause, re.IGNORECASE):
                metric = "production-capacity"
            if metric == "export-destinations" and not re.search(r"export", clause, re.IGNORECASE):
                return None, f"counts '{counted}' with no word of exports"
            if metric in metrics:
                return metric, f"metric from '{counted}'"
    return None, f"counts '{counted}': no metric for it"


def _percent(clause: str, at: int, sentence: str, metrics: dict[str, tuple[str, ...]]) -> tuple[str | None, str]:
    growth = None
    for match in GROWTH.finditer(clause):
        gap = clause[match.end() : at] if match.end() <= at else re.sub(r"^[\d.,]+", "", clause[at : match.start()])
        elliptic = match.end() <= at and re.search(r"\bby\s*$", clause[:at])  # "... and exports by 17.2%"
        if not re.search(r"\d\s*(?:%|percent)", gap) or elliptic:
            growth = match
            break
    if growth:
        before = [m for m in SUBJECT_OF_GROWTH.finditer(clause) if m.start() < at]
        subject = before[-1] if before else SUBJECT_OF_GROWTH.search(sentence)
        if subject is not None:
            metric = "export-growth" if subject[0].lower().startswith("export") else "output-growth"
            if metric in metrics:
                return metric, f"growth ('{growth[0]}') of '{subject[0]}'"
    if re.search(r"export", clause, re.IGNORECASE) and "export-share" in metrics:
        return "export-share", "a share of output exported"
    return None, "a percentage with no metric word near it"
