"""The Graph Store Protocol's reading half at /store (always on): GET and HEAD of ?graph=IRI or ?default.

The default graph is the union of all graphs, as for queries. The graph is read through the query
workers, like any query, with the query time limit and no row cap."""

from __future__ import annotations

import json
import sys

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from azkg.errors import NotFoundError
from azkg.sparql.formats import GRAPH_STORE_OFFER, JSON_RESULTS
from azkg.sparql.negotiation import negotiate
from azkg.store.messages import Job, Whole
from azkg.web.answers import body_chunks, first_message
from azkg.web.deps import LookupsDep
from azkg.web.graph_params import target_graph
from azkg.web.lookups import run_query

router = APIRouter(tags=["graph store"])
GRAPH_EXISTS = "ASK { GRAPH ?graph { ?s ?p ?o } }"
NAMED_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?graph { ?s ?p ?o } }"
UNION_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@router.api_route("/store", methods=["GET", "HEAD"], summary="Graph Store Protocol: read a graph")
async def store_get(request: Request, lookups: LookupsDep) -> Response:
    graph = target_graph(request)
    name = request.query_params.get("format")
    media_type = negotiate(
        GRAPH_STORE_OFFER, request.headers.get("accept"), "a graph is available as: {types}",
        () if name is None else (name,), name_refusal="format '{name}': a graph is available as {types}",
    )
    deadline = lookups.deadline()  # one for both queries: the ASK's time counts
    if isinstance(graph, pyoxigraph.NamedNode):
        bindings = (("graph", graph.value),)  # bound by pyoxigraph, never pasted into the query
        exists = await run_query(lookups, Job(GRAPH_EXISTS, JSON_RESULTS.media_type, 1, deadline, bindings=bindings))
        if not json.loads(exists)["boolean"]:
            raise NotFoundError(f"there is no graph <{graph.value}>")
        job = Job(NAMED_GRAPH, media_type, sys.maxsize, deadline, bindings=bindings)
    else:
        job = Job(UNION_GRAPH, media_type, sys.maxsize, deadline)
    messages = lookups.pool.run(job)
    first = await first_message(messages)
    if isinstance(first, Whole):
        return Response(first.body, media_type=media_type, headers={"Vary": "Accept"})
    return StreamingResponse(body_chunks(messages), media_type=media_type, headers={"Vary": "Accept"})
