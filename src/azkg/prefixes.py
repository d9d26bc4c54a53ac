"""The namespace prefixes azkg uses, as plain strings (no rdflib), for query workers and clients."""

from __future__ import annotations

BASE = "https://w3id.org/azkg/"

PREFIXES: dict[str, str] = {
    "azkg": BASE + "def/",
    "id": BASE + "id/",
    "metric": BASE + "def/metric/",
    "unit": BASE + "def/unit/",
    "approx": BASE + "def/approximation/",
    "status": BASE + "def/status/",
    "zonestatus": BASE + "def/zone-status/",
    "source": BASE + "source/",
    "ingestion": BASE + "ingestion/",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
