"""The Graph Store Protocol's reading half at /store (always on): GET and HEAD of ?graph=IRI or ?default.

The default graph is the union of all graphs, as for queries. The graph is read through the query
workers, like any query, with the query time limit and no row cap."""

from __future__ import annotations

import json
import sys
import time

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from azkg.errors import NotAcceptableError, NotFoundError
from azkg.sparql.negotiation import GRAPH_TYPES, choose
from azkg.store.pool import QueryPool
from azkg.store.worker import Job
from azkg.web.answers import FORMAT_NAMES, body_chunks, first_message, whole_answer
from azkg.web.deps import PoolDep, ServiceDep
from azkg.web.graph_params import target_graph

router = APIRouter(tags=["graph store"])


@router.api_route("/store", methods=["GET", "HEAD"], summary="Graph Store Protocol: read a graph")
async def store_get(request: Request, pool: PoolDep, service: ServiceDep) -> Response:
    graph = target_graph(request)
    offered = tuple(t for t in GRAPH_TYPES if t not in ("application/n-quads", "application/trig"))
    name = request.query_params.get("format")
    if name is not None:
        media_type = FORMAT_NAMES.get(name.lower(), name.lower())
        if media_type not in offered:
            raise NotAcceptableError(f"format '{name}': a graph is available as {', '.join(offered)}")
    else:
        media_type = choose(request.headers.get("accept"), offered)
    if media_type is None:
        raise NotAcceptableError(f"a graph is available as: {', '.join(offered)}")
    timeout = service.query_timeout
    if isinstance(graph, pyoxigraph.NamedNode):
        exists = await _ask(pool, f"ASK {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}", timeout)
        if not exists:
            raise NotFoundError(f"there is no graph <{graph.value}>")
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
    else:
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    messages = pool.run(Job(query, media_type, sys.maxsize, time.time() + timeout), timeout)
    first = await first_message(messages, timeout)
    if first[0] == "whole":
        return Response(first[3], media_type=media_type, headers={"Vary": "Accept"})
    return StreamingResponse(body_chunks(messages), media_type=media_type, headers={"Vary": "Accept"})


async def _ask(pool: QueryPool, query: str, timeout: float) -> bool:
    job = Job(query, "application/sparql-results+json", 1, time.time() + timeout)
    return bool(json.loads(await whole_answer(pool.run(job, timeout, light=True), timeout))["boolean"])
