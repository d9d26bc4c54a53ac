"""The knowledge base build: sources -> curation -> claims/entities -> records -> triples -> validation
-> inference -> the pipeline that runs them in order.

Nothing here imports the store, the SPARQL service or the web (import-linter says so)."""
