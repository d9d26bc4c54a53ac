"""Namespaces: the project's own (all under the persistent base) and the standard ones it reuses."""

from __future__ import annotations

from rdflib import Namespace

from azkg.prefixes import BASE
from azkg.prefixes import PREFIXES as PLAIN_PREFIXES

ONTOLOGY_IRI = BASE + "def"

AZKG = Namespace(BASE + "def/")
ID = Namespace(BASE + "id/")
FACT = Namespace(BASE + "fact/")
QUOTE = Namespace(BASE + "quote/")
SOURCE = Namespace(BASE + "source/")
INGESTION = Namespace(BASE + "ingestion/")

METRIC = Namespace(AZKG + "metric/")
UNIT = Namespace(AZKG + "unit/")
APPROXIMATION = Namespace(AZKG + "approximation/")
STATUS = Namespace(AZKG + "status/")
ZONE_STATUS = Namespace(AZKG + "zone-status/")

OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")

PREFIXES: dict[str, Namespace] = {prefix: Namespace(iri) for prefix, iri in PLAIN_PREFIXES.items()}
