"""The naive baseline: a minimal FastAPI app that calls pyoxigraph's Store.query and serialises the
answer. Started by sparql_bench.py with AZKG_BENCH_STORE set to a store snapshot folder."""

from __future__ import annotations

import os

import pyoxigraph
from fastapi import FastAPI
from fastapi.responses import Response

store = pyoxigraph.Store.read_only(os.environ["AZKG_BENCH_STORE"])
app = FastAPI()


@app.get("/sparql")
def sparql(query: str) -> Response:
    results = store.query(query)
    if isinstance(results, pyoxigraph.QueryTriples):  # CONSTRUCT, DESCRIBE
        return Response(results.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), media_type="application/n-triples")
    return Response(results.serialize(format=pyoxigraph.QueryResultsFormat.JSON),
                    media_type="application/sparql-results+json")
