"""The handlers' dependencies as named `Annotated` aliases: a router takes what it needs as a
parameter, and a test replaces any of them with `app.dependency_overrides[get_x] = ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from azkg.settings import Paths, ServiceSettings
from azkg.store.telemetry import Telemetry
from azkg.web.links import Links
from azkg.web.lookups import Lookups
from azkg.web.services import Queries, Services, services_of


def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_paths(services: ServicesDep) -> Paths:
    return services.paths


def get_service(services: ServicesDep) -> ServiceSettings:
    return services.service


def get_pool(services: ServicesDep) -> Queries:
    return services.pool


def get_store_dir(services: ServicesDep) -> Path:
    return services.store_dir


def get_telemetry(services: ServicesDep) -> Telemetry:
    return services.telemetry


def get_links(request: Request, service: Annotated[ServiceSettings, Depends(get_service)]) -> Links:
    return Links.at(service, str(request.base_url))


def get_lookups(request: Request) -> Lookups:
    """What a look-up needs, with the client whose turn in the queue it takes."""
    return Lookups.of(request)


PathsDep = Annotated[Paths, Depends(get_paths)]
ServiceDep = Annotated[ServiceSettings, Depends(get_service)]
PoolDep = Annotated[Queries, Depends(get_pool)]
StoreDirDep = Annotated[Path, Depends(get_store_dir)]
TelemetryDep = Annotated[Telemetry, Depends(get_telemetry)]
LinksDep = Annotated[Links, Depends(get_links)]
LookupsDep = Annotated[Lookups, Depends(get_lookups)]
