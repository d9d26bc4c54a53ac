"""The errors azkg raises, one tree; each class carries an exit code and a stable code.

AzkgError                 base of everything azkg raises on purpose
├── CurationError         curated data or sources are wrong; lists every problem with file, line, field
├── OntologyError         the ontology files are broken or fail their own checks
├── StaleDataError        `azkg build --check`: the committed triples differ from a fresh build
├── RegistrationError     `azkg add` refused a text (unreadable, already registered, unknown publisher)
├── PreviewTargetError    `azkg build --with-drafts` would overwrite data/triples.ttl
├── StoreError            the store folder cannot be read or written
│   └── DiskFullError     the disk holding the store is full: nothing was written (HTTP 507)
└── RequestError          an HTTP request that cannot be served as sent (4xx), and its kinds
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, said so that the user knows what to change."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class AzkgError(Exception):
    code = "azkg_error"
    status = 500
    exit_code = 1


class CurationError(AzkgError):
    """Raised with every problem found, not just the first, so one edit round fixes them all."""

    code = "curation_error"

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the curated data:\n{lines}")


class OntologyError(AzkgError):
    code = "ontology_error"


class StaleDataError(AzkgError):
    code = "stale_data"


class RegistrationError(AzkgError):
    """`azkg add` refused a text: unreadable, a duplicate, or options that name nothing known."""

    code = "registration_error"


class PreviewTargetError(AzkgError):
    """`azkg build --with-drafts` asked to write over the reviewed data/triples.ttl."""

    code = "preview_target"


class StoreError(AzkgError):
    code = "store_error"


class DiskFullError(StoreError):
    """ENOSPC anywhere in a write, a load or a publish: the change is rolled back, nothing published."""

    code = "disk_full"
    status = 507


class EvaluationError(AzkgError):
    """A query the engine could not evaluate (a server fault, not the query's)."""

    code = "evaluation_failed"


class WorkerLostError(AzkgError):
    """A query worker died under a query it was not stopped for."""

    code = "worker_lost"


class QueryError(AzkgError):
    code = "malformed_query"
    status = 400


class RequestError(AzkgError):
    code = "bad_request"
    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.headers = headers or {}


class ServiceDisabledError(RequestError):
    """SERVICE in a query on an endpoint that sends no requests to other hosts."""

    code = "service_disabled"


class UnauthorizedError(RequestError):
    code = "unauthorized"
    status = 401


class ForbiddenError(RequestError):
    code = "forbidden"
    status = 403


class NotFoundError(RequestError):
    code = "not_found"
    status = 404


class NotAcceptableError(RequestError):
    code = "not_acceptable"
    status = 406


class PayloadTooLargeError(RequestError):
    code = "payload_too_large"
    status = 413


class URITooLongError(RequestError):
    code = "uri_too_long"
    status = 414


class AnswerTruncatedError(RequestError):
    """An answer over max_rows in a format that cannot say it was cut (CSV, TSV, RDF syntaxes)."""

    code = "answer_truncated"
    status = 422


class UnsupportedMediaTypeError(RequestError):
    code = "unsupported_media_type"
    status = 415


class TooManyRequestsError(RequestError):
    code = "too_many_queries"
    status = 429

    def __init__(self, message: str, retry_after: float = 1.0):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, {"Retry-After": str(self.retry_after)})


class QueryTimeoutError(RequestError):
    code = "query_timeout"
    status = 503
