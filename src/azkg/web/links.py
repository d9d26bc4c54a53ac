"""Where an IRI lives in this deployment: IRIs under the persistent base (setting base_iri) are
served here, at the deployment's URL (setting public_url, or the URL the request came in on), so
pages link inside the deployment whatever its host and path prefix."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from azkg.settings import ServiceSettings
from azkg.web.services import services_of

WEB_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Links:
    base_iri: str
    root: str  # the deployment's URL, ending in '/'

    @classmethod
    def of(cls, request: Request) -> Links:
        return cls.at(services_of(request).service, str(request.base_url))

    @classmethod
    def at(cls, service: ServiceSettings, request_url: str) -> Links:
        """The links of a deployment answering at `request_url`, unless the setting public_url says otherwise."""
        root = service.public_url or request_url
        return cls(service.base_iri, root if root.endswith("/") else root + "/")

    def href(self, iri: str) -> str | None:
        """The URL that shows `iri`: inside the deployment for our IRIs, the IRI itself for other web
        IRIs, and None for any other scheme: a stored `javascript:` or `data:` IRI must not become a
        live link in a page."""
        if iri.startswith(self.base_iri):
            return self.root + iri[len(self.base_iri) :]
        return iri if iri.lower().startswith(WEB_SCHEMES) else None

    def url(self, path: str) -> str:
        return self.root + path.lstrip("/")

    def iri_of(self, path: str) -> str:
        return self.base_iri + path.lstrip("/")

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base_iri)
