"""SPARQL protocol pieces shared by the service and the CLI: formats and negotiation, result writers,
the query-text lexer, named queries (`queries/*.rq`)."""
