"""What start-up pays for: the service and its query workers import only what they use on every
request. The remote store's HTTP client (httpx), rdflib and the build are imported where they are used,
so that `azkg serve` and every worker it starts come up faster (docs/benchmarks.md, cold start)."""

from __future__ import annotations

import subprocess
import sys

import pytest

LATE = ("httpx", "rdflib", "pyshacl", "azkg.build", "azkg.store.remote")


def imported_by(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return result.stdout.split()


@pytest.mark.parametrize("module", ["azkg.web.app", "azkg.store.worker"])
def test_serving_imports_neither_the_remote_client_nor_rdflib_nor_the_build(module: str) -> None:
    loaded = set(imported_by(module))
    assert not [name for name in LATE if name in loaded]


def test_a_query_worker_imports_no_web_framework() -> None:
    loaded = set(imported_by("azkg.store.worker"))
    assert not {"fastapi", "starlette", "uvicorn", "pydantic"} & loaded
