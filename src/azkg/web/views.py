"""Named-query rows turned into the records that the provenance API returns and the pages show.

Pure functions: rows (as `lookups.select` gives them) and the label table in, plain dicts out, so
the JSON API and the HTML pages cannot drift apart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from azkg.web.links import Links
from azkg.web.lookups import Iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
KINDS = {"https://w3id.org/azkg/def/FigureFact": "figure", "https://w3id.org/azkg/def/RelationFact": "relation"}


class Namer:
    """Names IRIs for people (their label) and for links (their URL in this deployment)."""

    def __init__(self, labels: dict[str, str], links: Links):
        self.labels, self.links = labels, links

    def ref(self, iri: str | None) -> Any:  # None for no IRI
        if iri is None:
            return None
        return {"iri": iri, "label": self.labels.get(iri), "url": self.links.href(iri)}

    def value(self, text: str) -> dict | None:
        """An object that may be an IRI (a reference) or a literal (its text)."""
        return self.ref(text) if isinstance(text, Iri) else {"value": text}


def number(lexical: str) -> int | float:
    value = Decimal(lexical)
    return int(value) if value == value.to_integral_value() else float(value)


def facts(rows: list[dict[str, str]], namer: Namer) -> list[dict]:
    """One record per fact (rows of facts.rq; a fact with two date notes, or given in two
    other currencies, comes as several rows)."""
    records: dict[str, dict] = {}
    for row in rows:
        if row["fact"] not in records:
            records[row["fact"]] = _fact(row, namer)
        _gather(records[row["fact"]], row, namer)
    return list(records.values())


def _gather(record: dict, row: dict[str, str], namer: Namer) -> None:
    """The multi-valued fields, which the query gives one value per row: each value once, in a stable order."""
    if "dateBasis" in row and row["dateBasis"] not in record["date_basis"]:
        record["date_basis"].append(row["dateBasis"])
    if "sameFigure" in row:
        twins = record["qualifiers"].setdefault("same_figure", [])
        if all(twin["iri"] != row["sameFigure"] for twin in twins):
            # labels.rq names entities and terms, not facts: the query brings the twin's label
            twins.append({**namer.ref(row["sameFigure"]), "label": row.get("sameFigureLabel")})
            twins.sort(key=lambda twin: twin["iri"])


def _fact(row: dict[str, str], namer: Namer) -> dict:
    kind = KINDS[row["kind"]]
    return {
        "iri": row["fact"],
        "url": namer.links.href(row["fact"]),
        "kind": kind,
        "label": row.get("label"),
        "about": namer.ref(row["entity"]),
        "metric": namer.ref(row.get("metric")),
        "value": number(row["value"]) if "value" in row else None,
        "unit": namer.ref(row.get("unit")),
        "currency": row.get("currency"),
        "relation": namer.ref(row.get("relation")),
        "object": namer.value(row["object"]) if "object" in row else None,
        "as_of": row.get("asOf"),
        "as_of_not_before": row.get("asOfNotBefore"),
        "date_basis": [],
        "qualifiers": _qualifiers(row, namer),
        "quote": {
            "iri": row["quote"],
            "url": namer.links.href(row["quote"]),
            "exact": row["exact"],
            "prefix": row.get("prefix", ""),
            "suffix": row.get("suffix", ""),
            "start": int(row["start"]),
            "end": int(row["end"]),
        },
        "source": source_ref(row, namer),
        "ingestion": namer.ref(row["ingestion"]),
    }


def _qualifiers(row: dict[str, str], namer: Namer) -> dict:
    found = {
        "approximation": namer.ref(row.get("approximation")),
        "status": namer.ref(row.get("status")),
        "phase": row.get("phase"),
        "product": namer.ref(row.get("product")),
        "period": row.get("period"),
        "period_start": row.get("periodStart"),
        "period_end": row.get("periodEnd"),
        "per_period": namer.ref(row.get("perPeriod")),
        "period_basis": row.get("periodBasis"),
        "terms": row.get("terms"),
        "stated_by": namer.ref(row.get("statedBy")),
        "partner_country": namer.ref(row.get("partnerCountry")),
    }
    return {key: value for key, value in found.items() if value is not None}


def source_ref(row: dict[str, str], namer: Namer) -> dict:
    """What is known of a source, and no more: unknown publisher or date stay null."""
    return {
        "iri": row["source"],
        "url": namer.links.href(row["source"]),
        "title": namer.labels.get(row["source"]),
        "publisher": namer.ref(row.get("publisher")),
        "issued": row.get("issued"),
        "issued_not_before": row.get("issuedNotBefore"),
    }


def conflicts(rows: list[dict[str, str]], namer: Namer) -> list[dict]:
    """Rows of conflicts.rq grouped by (entity, metric, measure): all values side by side."""
    groups: dict[tuple[str, str, str], dict] = {}
    for row in rows:
        key = (row["entity"], row["metric"], row["measure"])
        group = groups.setdefault(
            key,
            {
                "about": namer.ref(row["entity"]),
                "metric": namer.ref(row["metric"]),
                "measure": namer.ref(row["measure"]) if row["measure"] in namer.labels else {"value": row["measure"]},
                "values": [],
            },
        )
        group["values"].append(
            {
                "fact": namer.ref(row["fact"]),
                "value": number(row["value"]),
                "approximation": row.get("approximationLabel"),
                "as_of": row.get("asOf"),
                "as_of_not_before": row.get("asOfNotBefore"),
                "source": {
                    "iri": row["source"],
                    "url": namer.links.href(row["source"]),
                    "title": row.get("sourceTitle"),
                },
                "quote": row["exact"],
            }
        )
    return list(groups.values())


def resource(iri: str, rows: list[dict[str, str]], namer: Namer) -> dict:
    """Rows of resource.rq as a description: label, aliases, types, statements out and in."""
    out = [row for row in rows if "subject" not in row]
    incoming = [row for row in rows if "subject" in row]
    return {
        "iri": iri,
        "url": namer.links.href(iri),
        "label": namer.labels.get(iri),
        "aliases": sorted(row["value"] for row in out if row["property"] == ALT_LABEL),
        "types": [namer.ref(row["value"]) for row in out if row["property"] == RDF_TYPE],
        "statements": [
            {"property": namer.ref(row["property"]), "value": namer.value(row["value"])}
            for row in out
            if row["property"] not in (RDF_TYPE, ALT_LABEL, RDFS_LABEL)
        ],
        "incoming": [
            {"subject": namer.ref(row["subject"]), "property": namer.ref(row["property"])} for row in incoming
        ],
    }
