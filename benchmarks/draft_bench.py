"""How well `azkg draft` drafts the seed articles, scored against their hand-curated claims.

    .venv/bin/python benchmarks/draft_bench.py [-v]

Each seed is drafted by the real command (`azkg draft SOURCE --output TMP`, in a fresh process so
that import time counts) and compared with data/curation/<source>.yaml:

- figures match on value, currency or unit, and overlapping quote spans (a `values` claim and the
  seeds' separate -azn/-usd claims are both expanded into one figure per currency);
- fields right: among matched figures, the share of approx, status, phase, period, metric and
  about that the draft has as the curator does (an omitted field equals an omitted field);
- relations match on (about, relation, object or value).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("azernews-2026-01-27", "industrial-clusters-2025")
HELDOUT = ROOT / "benchmarks" / "heldout"
HELDOUT_IDS = ("heldout-2026-03-12", "heldout-2026-04-02")
FIELDS = ("approx", "status", "phase", "period", "metric", "about")
AZKG = Path(sys.executable).with_name("azkg")
VERBOSE = "-v" in sys.argv  # list each miss


def spans(text: str, claim: dict) -> tuple[int, int]:
    quote, n = str(claim["quote"]), int(claim.get("occurrence") or 1)
    at = -1
    for _ in range(n):
        at = text.find(quote, at + 1)
    return at, at + len(quote)


def figures(text: str, claims: list[dict]) -> list[dict]:
    out = []
    for claim in claims:
        if "metric" not in claim:
            continue
        measured = claim.get("values") or {claim.get("currency") or claim.get("unit"): claim.get("value")}
        for measure, value in measured.items():
            out.append({**claim, "measure": str(measure), "number": Decimal(str(value)), "span": spans(text, claim)})
    return out


def relations(claims: list[dict]) -> set[tuple[str, str, str]]:
    return {
        (str(c["about"]), str(c["relation"]), str(c.get("object", c.get("value"))).lower())
        for c in claims
        if "relation" in c
    }


def normal(claim: dict, field: str) -> str | None:
    value = claim.get(field)
    if field == "status" and value == "actual":
        return None
    return None if value is None else str(value)


def score(source: str, root: Path = ROOT, gold_file: Path | None = None) -> dict[str, float]:
    text = (root / "data/sources" / f"{source}.txt").read_text(encoding="utf-8")
    gold_file = gold_file or root / "data/curation" / f"{source}.yaml"
    curated = yaml.safe_load(gold_file.read_text(encoding="utf-8"))["claims"]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "draft.yaml"
        started = time.perf_counter()
        subprocess.run(
            [str(AZKG), "--root", str(root), "draft", source, "--output", str(out)], check=True, capture_output=True
        )
        seconds = time.perf_counter() - started
        drafted = yaml.safe_load(out.read_text(encoding="utf-8"))["claims"]
    gold, mine = figures(text, curated), figures(text, drafted)
    matched, used = [], set()
    for g in gold:
        for i, d in enumerate(mine):
            if i in used or (d["number"], d["measure"]) != (g["number"], g["measure"]):
                continue
            if d["span"][0] < g["span"][1] and g["span"][0] < d["span"][1]:
                matched.append((g, d))
                used.add(i)
                break
    right = sum(normal(g, f) == normal(d, f) for g, d in matched for f in FIELDS)
    if VERBOSE:
        for g, d in matched:
            for f in FIELDS:
                if normal(g, f) != normal(d, f):
                    print(f"  {source} {g['id']}: {f} curated {normal(g, f)!r}, drafted {normal(d, f)!r}")
        for g in gold:
            if all(g is not m[0] for m in matched):
                print(f"  {source} figure missed: {g['id']} {g['number']} {g['measure']}")
    gold_rel, mine_rel = relations(curated), relations(drafted)
    if VERBOSE:
        for missed in sorted(gold_rel - mine_rel):
            print(f"  {source} relation missed: {missed}")
        for extra in sorted(mine_rel - gold_rel):
            print(f"  {source} relation not curated: {extra}")
    return {
        "figures": len(gold),
        "drafted": len(mine),
        "recall": len(matched) / len(gold) if gold else 1.0,
        "precision": len(matched) / len(mine) if mine else 1.0,
        "fields": right / (len(matched) * len(FIELDS)) if matched else 1.0,
        "relations": len(gold_rel),
        "rel_recall": len(gold_rel & mine_rel) / len(gold_rel) if gold_rel else 1.0,
        "rel_precision": len(gold_rel & mine_rel) / len(mine_rel) if mine_rel else 1.0,
        "seconds": seconds,
    }


def score_heldout(source: str) -> dict[str, float]:
    """The held-out article, drafted in a temporary copy of the project with its entities added."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for part in ("ontology", "data"):
            shutil.copytree(ROOT / part, root / part)
        for suffix in (".txt", ".yaml"):
            shutil.copy(HELDOUT / f"{source}{suffix}", root / "data/sources" / f"{source}{suffix}")
        entities = root / "data/curation/entities.yaml"
        entities.write_text(
            entities.read_text(encoding="utf-8") + (HELDOUT / "entities.yaml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        return score(source, root, HELDOUT / f"curation-{source.removeprefix('heldout-')}.yaml")


def main() -> None:
    header = (
        "| source | figures (curated / drafted) | figure recall | figure precision | fields right "
        "| relation recall (curated) | relation precision | seconds |"
    )
    print(header)
    print("|" + "---|" * 8)
    for source in (*SEEDS, *HELDOUT_IDS):
        r = score_heldout(source) if source in HELDOUT_IDS else score(source)
        source = f"{source} (held out)" if source in HELDOUT_IDS else source
        print(
            f"| {source} | {r['figures']} / {r['drafted']} | {r['recall']:.0%} | {r['precision']:.0%} | "
            f"{r['fields']:.0%} | {r['rel_recall']:.0%} ({r['relations']}) | {r['rel_precision']:.0%} | "
            f"{r['seconds']:.2f} |"
        )


if __name__ == "__main__":
    main()
