"""All curated input, read and cross-checked: sources, entities and every source's claims."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal
from rdflib.namespace import XSD

from azkg.build import located_yaml
from azkg.build.claims import ClaimReader
from azkg.build.dates import parse_date
from azkg.build.entities import load_entities
from azkg.build.located_yaml import Record
from azkg.build.ontology import Ontology
from azkg.build.records import Curation, Entity, FigureClaim, Ingestion, RelationClaim
from azkg.build.sources import SourceDocument, load_sources
from azkg.errors import CurationError, Problem
from azkg.settings import Paths

FILE_FIELDS = {"source", "curated_on", "claims", "proposed_entities"}
DRAFT_HELP = (
    "this claim is a draft (azkg draft): check every field against the quote, then delete this line; "
    "`azkg build --with-drafts --output FILE` previews the drafts"
)


def load_curation(paths: Paths, ontology: Ontology, drafts: list[Problem] | None = None) -> Curation:
    """Everything curated; with `drafts` (a list to fill), drafted claims are read too, and the problems
    of those that fail their checks go to `drafts` instead of stopping the build."""
    shown = paths.relative
    sources = load_sources(paths.sources_dir, shown)
    entities = load_entities(paths.entities_file, shown(paths.entities_file), ontology, sources)
    problems: list[Problem] = []
    claims: list[FigureClaim | RelationClaim] = []
    ingestions: list[Ingestion] = []
    curated = {p.stem: p for p in sorted(paths.curation_dir.glob("*.yaml")) if p != paths.entities_file}
    for source_id, source in sorted(sources.items()):
        path = curated.get(source_id)
        if path is None:
            problems.append(
                Problem(
                    shown(paths.sources_dir / f"{source_id}.txt"),
                    0,
                    "",
                    f"has no curated claims; add {shown(paths.curation_dir / f'{source_id}.yaml')}",
                )
            )
            continue
        try:
            ingestion, source_claims = _load_claims(path, shown(path), source, ontology, entities, drafts)
        except CurationError as err:
            problems.extend(err.problems)
            continue
        ingestions.append(ingestion)
        claims.extend(source_claims)
    for stem in sorted(set(curated) - set(sources)):
        problems.append(
            Problem(shown(curated[stem]), 0, "", f"curates a source that is not in data/sources: {stem}.txt")
        )
    if not problems:  # with a claims file rejected, every entity it names would look unused
        problems = _check_references(sources, entities, claims, shown(paths.entities_file))
    if problems:
        raise CurationError(problems)
    return Curation(sources, entities, tuple(claims), tuple(ingestions))


def _load_claims(
    path: Path,
    shown: str,
    source: SourceDocument,
    ontology: Ontology,
    entities: dict[str, Entity],
    drafts: list[Problem] | None = None,
) -> tuple[Ingestion, list[FigureClaim | RelationClaim]]:
    data = located_yaml.load(path, shown)
    if not isinstance(data, Record):
        raise CurationError([Problem(shown, 1, "", "must be a mapping with source, curated_on and claims")])
    problems: list[Problem] = []
    problems += [
        data.problem(k, f"unknown field; the fields are {', '.join(sorted(FILE_FIELDS))}")
        for k in data.values
        if k not in FILE_FIELDS
    ]
    if "proposed_entities" in data.values and drafts is None:
        problems.append(
            data.problem(
                "proposed_entities",
                "move the entities you keep to data/curation/entities.yaml (with every name the sources use), "
                "then delete this block",
            )
        )
    if data.values.get("source") != source.id:
        problems.append(data.problem("source", f"must be '{source.id}', the source this file is named after"))
    curated_on = _curated_on(data, problems)
    items = data.values.get("claims")
    if not isinstance(items, list) or not items:
        problems.append(data.problem("claims", "must be a non-empty list of claims"))
        raise CurationError(problems)
    reader = ClaimReader(source, ontology, entities)
    claims: dict[str, FigureClaim | RelationClaim] = {}
    for item in items:
        if not isinstance(item, Record):
            problems.append(
                Problem(shown, data.line_of("claims"), "claims", "each claim must be a mapping (a '- id: ...' block)")
            )
            continue
        for claim in _read_claim(reader, item, problems, drafts):
            if claim.id in claims:
                first = claims[claim.id].where.line
                problems.append(item.problem("id", f"duplicate claim id '{claim.id}' (first on line {first})"))
                continue
            claims[claim.id] = claim
    if problems:
        raise CurationError(problems)
    return Ingestion(source.id, shown, curated_on), list(claims.values())


def _read_claim(
    reader: ClaimReader, item: Record, problems: list[Problem], drafts: list[Problem] | None
) -> list[FigureClaim | RelationClaim]:
    """A reviewed claim; a draft is refused, or with `drafts` (a preview build) read on its own, its
    problems set aside so that the drafts that pass still make the preview."""
    if "draft" not in item.values:
        return reader.read(item, problems)
    if drafts is None:
        problems.append(item.problem("draft", DRAFT_HELP))
        return []
    own: list[Problem] = []
    claims = reader.read(item, own)
    drafts.extend(own)
    return claims


def _curated_on(data: Record, problems: list[Problem]) -> Literal:
    value = data.values.get("curated_on")
    try:
        return Literal(parse_date(str(value)).isoformat(), datatype=XSD.date)
    except ValueError as err:
        problems.append(data.problem("curated_on", str(err) if value is not None else "is required (YYYY-MM-DD)"))
        return Literal("0001-01-01", datatype=XSD.date)


def _check_references(
    sources: dict[str, SourceDocument],
    entities: dict[str, Entity],
    claims: list[FigureClaim | RelationClaim],
    entities_file: str,
) -> list[Problem]:
    """Entities no claim names, and publishers that are not entities."""
    problems = []
    used = {c.about for c in claims} | {c.stated_by for c in claims}
    used |= {c.object_entity for c in claims if isinstance(c, RelationClaim)}
    for figure in (c for c in claims if isinstance(c, FigureClaim)):
        used |= {figure.product, figure.counterparty, figure.partner_country}
    for source in sources.values():
        for key, entity_id in (("publisher", source.publisher), ("syndicated_from", source.syndicated_from)):
            if entity_id is not None and entity_id not in entities:
                problems.append(
                    Problem(
                        source.metadata_file,
                        source.metadata_line,
                        key,
                        f"'{entity_id}' is not an entity id of {entities_file}",
                    )
                )
            used.add(entity_id)
    for entity in entities.values():
        if entity.id not in used:
            problems.append(
                Problem(
                    entities_file,
                    entity.where.line,
                    "id",
                    f"'{entity.id}' is named by no claim or source; add a claim about it or remove it",
                )
            )
    return problems
