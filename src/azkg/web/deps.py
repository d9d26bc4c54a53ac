"""The handlers' dependencies as named `Annotated` aliases: a router takes what it needs as a
parameter, and a test replaces any of them with `app.dependency_overrides[get_x] = ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from azkg.settings import ServiceSettings, Settings
from azkg.store.pool import QueryPool
from azkg.web.links import Links
from azkg.web.services import Caches, Services, services_of


def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_service(services: ServicesDep) -> ServiceSettings:
    return services.service


def get_pool(services: ServicesDep) -> QueryPool:
    return services.pool


def get_store_dir(services: ServicesDep) -> Path:
    return services.store_dir


def get_caches(services: ServicesDep) -> Caches:
    return services.caches


def get_links(request: Request, service: Annotated[ServiceSettings, Depends(get_service)]) -> Links:
    return Links.at(service, str(request.base_url))


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[ServiceSettings, Depends(get_service)]
PoolDep = Annotated[QueryPool, Depends(get_pool)]
StoreDirDep = Annotated[Path, Depends(get_store_dir)]
CachesDep = Annotated[Caches, Depends(get_caches)]
LinksDep = Annotated[Links, Depends(get_links)]
