"""The Graph Store Protocol's graph parameters: exactly one of ?graph=IRI or ?default."""

from __future__ import annotations

import pyoxigraph
from starlette.requests import Request

from azkg.errors import RequestError


def target_graph(request: Request) -> pyoxigraph.NamedNode | pyoxigraph.DefaultGraph:
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if default == bool(graphs) or len(graphs) > 1:
        raise RequestError("give exactly one of ?graph=IRI or ?default")
    if default:
        return pyoxigraph.DefaultGraph()
    try:
        return pyoxigraph.NamedNode(graphs[0])
    except ValueError:
        raise RequestError(f"graph={graphs[0]!r} is not an absolute IRI") from None
