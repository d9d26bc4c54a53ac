"""Turning curated records into the knowledge graph: entities, sources, quotes, facts, direct triples."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from azkg.build.numbers import canonical
from azkg.build.ontology import Ontology
from azkg.build.records import Claim, Curation, Entity, FigureClaim, Ingestion, RelationClaim
from azkg.build.sources import SourceDocument
from azkg.iris import entity_iri, fact_iri, ingestion_iri, name_use_iri, quote_iri, selector_iri, source_iri
from azkg.sparql.formats import TEXT_PLAIN
from azkg.vocab import AZKG, OA, PREFIXES, SCHEMA, UNIT

EN = "en"


def build_graph(curation: Curation, ontology: Ontology) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for entity in curation.entities.values():
        _add_entity(graph, entity)
    for source in curation.sources.values():
        _add_source(graph, source)
    for ingestion in curation.ingestions:
        _add_ingestion(graph, ingestion, curation.sources[ingestion.source_id])
    for entity in curation.entities.values():
        _add_name_uses(graph, entity, curation.sources)
    labels = _labels(curation, ontology)
    for claim in curation.claims:
        _add_claim(graph, claim, curation.sources[claim.source_id], labels)
    return graph


def _add_entity(graph: Graph, entity: Entity) -> None:
    node = entity_iri(entity.id)
    graph.add((node, RDF.type, entity.type))
    graph.add((node, RDFS.label, Literal(entity.label, lang=EN)))
    graph.add((node, SKOS.prefLabel, Literal(entity.label, lang=EN)))
    for name in entity.names:
        if name != entity.label:
            graph.add((node, SKOS.altLabel, Literal(name, lang=EN)))
    if entity.code:
        graph.add((node, AZKG.countryCode, Literal(entity.code)))
    if entity.note:
        graph.add((node, SKOS.editorialNote, Literal(entity.note, lang=EN)))


def _add_name_uses(graph: Graph, entity: Entity, sources: dict[str, SourceDocument]) -> None:
    """Which source writes which of the entity's names: outlets name one park differently."""
    for name in entity.names:
        for source in sources.values():
            if name in source.text:
                node = name_use_iri(source.id, entity.id, name)
                graph.add((node, RDF.type, AZKG.NameUse))
                graph.add((node, AZKG.usedName, Literal(name)))
                graph.add((node, AZKG.nameOf, entity_iri(entity.id)))
                graph.add((node, AZKG.usedIn, source_iri(source.id)))


def _add_source(graph: Graph, source: SourceDocument) -> None:
    node = source_iri(source.id)
    graph.add((node, RDF.type, AZKG.SourceDocument))
    graph.add((node, RDFS.label, Literal(source.label, lang=EN)))
    graph.add((node, DCTERMS.identifier, Literal(source.id)))
    graph.add((node, DCTERMS.language, Literal(source.language)))
    graph.add((node, DCTERMS.format, Literal(TEXT_PLAIN.media_type)))
    graph.add((node, AZKG.sha256, Literal(source.sha256)))
    graph.add((node, SCHEMA.text, Literal(source.text)))
    optional = [
        (DCTERMS.title, Literal(source.title, lang=source.language) if source.title else None),
        (DCTERMS.publisher, entity_iri(source.publisher) if source.publisher else None),
        (DCTERMS.issued, source.issued),
        (AZKG.issuedNotBefore, source.issued_not_before),
        (AZKG.dateBasis, Literal(source.date_basis, lang=EN) if source.date_basis else None),
        (AZKG.receivedAs, Literal(source.received_as) if source.received_as else None),
        (AZKG.originalPublisher, entity_iri(source.syndicated_from) if source.syndicated_from else None),
        (SCHEMA.url, URIRef(source.url) if source.url else None),
        (AZKG.urlBasis, Literal(source.url_basis, lang=EN) if source.url_basis else None),
        (AZKG.retrievedOn, source.retrieved),
    ]
    for prop, value in optional:
        if value is not None:
            graph.add((node, prop, value))


def _add_ingestion(graph: Graph, ingestion: Ingestion, source: SourceDocument) -> None:
    node = ingestion_iri(ingestion.source_id)
    graph.add((node, RDF.type, AZKG.Ingestion))
    graph.add((node, RDFS.label, Literal(f"Curation and checking of {source.label}", lang=EN)))
    graph.add((node, PROV.used, source_iri(source.id)))
    graph.add((node, AZKG.curationFile, Literal(ingestion.curation_file)))
    graph.add((node, AZKG.curatedOn, ingestion.curated_on))


def _add_claim(graph: Graph, claim: Claim, source: SourceDocument, labels: dict[URIRef, str]) -> None:
    node = fact_iri(claim.source_id, claim.id)
    quote = _add_quote(graph, claim, source)
    graph.add((node, AZKG.about, entity_iri(claim.about)))
    graph.add((node, AZKG.status, claim.status))
    graph.add((node, PROV.wasDerivedFrom, quote))
    graph.add((node, AZKG.statedIn, source_iri(source.id)))
    graph.add((node, PROV.wasGeneratedBy, ingestion_iri(source.id)))
    graph.add((node, DCTERMS.identifier, Literal(claim.id)))
    if claim.as_of is not None:
        graph.add((node, AZKG.asOf, claim.as_of))
    elif source.issued_not_before is not None:
        graph.add((node, AZKG.asOfNotBefore, source.issued_not_before))
        graph.add((node, AZKG.dateBasis, Literal(source.date_basis, lang=EN)))
    if claim.phase:
        graph.add((node, AZKG.phase, Literal(claim.phase)))
    if claim.note:
        graph.add((node, SKOS.editorialNote, Literal(claim.note, lang=EN)))
    if claim.stated_by:
        graph.add((node, AZKG.statedBy, entity_iri(claim.stated_by)))
    if isinstance(claim, FigureClaim):
        _add_figure(graph, node, claim, labels)
    elif isinstance(claim, RelationClaim):
        _add_relation(graph, node, claim, labels)


def _add_quote(graph: Graph, claim: Claim, source: SourceDocument) -> URIRef:
    span = claim.quote
    node = quote_iri(source.id, span.start, span.end)
    text, position = selector_iri(node, "text"), selector_iri(node, "position")
    graph.add((node, RDF.type, AZKG.Quote))
    graph.add((node, OA.hasSource, source_iri(source.id)))
    graph.add((node, OA.hasSelector, text))
    graph.add((node, OA.hasSelector, position))
    graph.add((text, RDF.type, OA.TextQuoteSelector))
    graph.add((text, OA.exact, Literal(span.exact)))
    graph.add((text, OA.prefix, Literal(span.prefix)))
    graph.add((text, OA.suffix, Literal(span.suffix)))
    graph.add((position, RDF.type, OA.TextPositionSelector))
    # xsd:integer, not Web Annotation's xsd:nonNegativeInteger: stores that keep literals by value
    # (Oxigraph) turn the subtype into xsd:integer, and the dumps must equal this file (the shape keeps >= 0)
    graph.add((position, OA.start, Literal(span.start, datatype=XSD.integer)))
    graph.add((position, OA.end, Literal(span.end, datatype=XSD.integer)))
    return node


def _add_figure(graph: Graph, node: URIRef, claim: FigureClaim, labels: dict[URIRef, str]) -> None:
    value = Literal(canonical(claim.value), datatype=XSD.decimal)
    graph.add((node, RDF.type, AZKG.FigureFact))
    graph.add((node, AZKG.metric, claim.metric))
    graph.add((node, AZKG.value, value))
    optional = [
        (AZKG.currency, Literal(claim.currency) if claim.currency else None),
        (AZKG.unit, claim.unit),
        (AZKG.approximation, claim.approximation),
        (AZKG.product, entity_iri(claim.product) if claim.product else None),
        (AZKG.perPeriod, claim.per),
        (AZKG.counterparty, entity_iri(claim.counterparty) if claim.counterparty else None),
        (AZKG.partnerCountry, entity_iri(claim.partner_country) if claim.partner_country else None),
        (AZKG.periodBasis, Literal(claim.period_basis, lang=EN) if claim.period_basis else None),
        (AZKG.terms, Literal(claim.terms, lang=EN) if claim.terms else None),
    ]
    optional += [(AZKG.sameFigureAs, fact_iri(claim.source_id, twin)) for twin in claim.same_figure]
    if claim.period is not None:
        optional += [
            (AZKG.period, Literal(claim.period.text)),
            (AZKG.periodStart, Literal(claim.period.start.isoformat(), datatype=XSD.date)),
            (AZKG.periodEnd, Literal(claim.period.end.isoformat(), datatype=XSD.date)),
        ]
    for prop, obj in optional:
        if obj is not None:
            graph.add((node, prop, obj))
    graph.add((node, RDFS.label, Literal(_figure_label(claim, labels), lang=EN)))
    if claim.metric == AZKG["metric/area"] and claim.unit == UNIT.hectare:
        graph.add((entity_iri(claim.about), AZKG.areaHectares, value))


def _add_relation(graph: Graph, node: URIRef, claim: RelationClaim, labels: dict[URIRef, str]) -> None:
    graph.add((node, RDF.type, AZKG.RelationFact))
    graph.add((node, AZKG.relation, claim.relation))
    graph.add((node, AZKG.object, claim.object_value))
    if claim.since is not None:
        graph.add((node, AZKG.since, claim.since))
    if claim.date_basis:
        graph.add((node, AZKG.dateBasis, Literal(claim.date_basis, lang=EN)))
    target = labels.get(claim.object_value, str(claim.object_value))  # type: ignore[arg-type]
    label = f"{labels[entity_iri(claim.about)]} — {labels[claim.relation]} — {target}"
    graph.add((node, RDFS.label, Literal(label, lang=EN)))
    graph.add((entity_iri(claim.about), claim.relation, claim.object_value))


def _figure_label(claim: FigureClaim, labels: dict[URIRef, str]) -> str:
    parts = [labels[claim.approximation]] if claim.approximation else []
    parts.append(
        f"{claim.value:,}".replace(",", " ") if claim.value == claim.value.to_integral() else canonical(claim.value)
    )
    parts.append(claim.currency or labels[claim.unit])  # type: ignore[index]
    if claim.product:
        parts.append(f"of {labels[entity_iri(claim.product)]}")
    if claim.per is not None:
        parts.append(f"per {labels[claim.per]}")
    if claim.period is not None:
        parts.append(f"in {claim.period.text}")
    if claim.status != AZKG["status/actual"]:
        parts.append(f"({labels[claim.status]})")
    return f"{labels[entity_iri(claim.about)]} — {labels[claim.metric]}: {' '.join(parts)}"


def _labels(curation: Curation, ontology: Ontology) -> dict[URIRef, str]:
    labels = {entity_iri(e.id): e.label for e in curation.entities.values()}
    for term, label in ontology.graph.subject_objects(RDFS.label):
        if isinstance(term, URIRef):
            labels.setdefault(term, str(label))
    return labels
