"""The errors azkg raises, one tree; each class carries its HTTP status, a stable code and an exit code.

A client fault (4xx) is the caller's to fix, and its message says what to change; a server fault (5xx)
is the operator's, and the web logs it. The branch tells them apart, never the status alone.

AzkgError                      base of everything azkg raises on purpose                 500 azkg_error
├── ClientError                the caller sent something azkg cannot use as sent         400 bad_request
│   ├── RegistrationError      `azkg add` refused a text (unreadable, duplicate, unknown)  400 registration_error
│   ├── PreviewTargetError     `azkg build --with-drafts` would overwrite triples.ttl     400 preview_target
│   ├── DraftError             `azkg draft` cannot draft the source asked for             400 draft_error
│   ├── DateFormatError        a date, timestamp or period written wrong (a ValueError)   400 bad_date
│   ├── QuoteNotFoundError     a claim's quote is not in its source text (a ValueError)   400 quote_not_found
│   ├── UnknownFormatError     a format name or file extension azkg does not know         400 unknown_format
│   ├── QueryError             a query that does not parse                                400 malformed_query
│   └── RequestError           an HTTP request that cannot be served as sent              400 bad_request
│       ├── ServiceDisabledError  SERVICE on an endpoint that calls no other host        400 service_disabled
│       ├── UnauthorizedError     no or wrong bearer token                                401 unauthorized
│       ├── ForbiddenError        writes are off on this service                          403 forbidden
│       ├── NotFoundError         nothing at this address                                 404 not_found
│       ├── NotAcceptableError    no offered media type is acceptable                     406 not_acceptable
│       ├── PayloadTooLargeError  a body or query over its limit                          413 payload_too_large
│       ├── URITooLongError       a URL over the HTTP parser's limit                      414 uri_too_long
│       ├── UnsupportedMediaTypeError  a body in a media type azkg does not read          415 unsupported_media_type
│       ├── AnswerTruncatedError  an answer over max_rows in a format that cannot say so  422 answer_truncated
│       └── TooManyRequestsError  the queue is full; retry after the time given           429 too_many_queries
└── ServerError                the service or the project on its side failed             500 server_error
    ├── CurationError          curated data or sources are wrong; every problem, located  500 curation_error
    ├── OntologyError          the ontology files are broken or fail their own checks     500 ontology_error
    ├── StaleDataError         `azkg build --check`: committed triples differ from a build 500 stale_data
    ├── SettingError           a setting's value is wrong (a ValueError)                  500 bad_setting
    ├── SandboxError           the query workers cannot be confined on this machine       500 sandbox_unavailable
    ├── EvaluationError        the engine could not evaluate a query (not the query's fault) 500 evaluation_failed
    ├── WorkerLostError        a query worker died under a query it was not stopped for    500 worker_lost
    ├── WriteLostError         a write's process stopped before it answered (all or nothing) 500 write_lost
    ├── QueryTimeoutError      a query ran past its time limit (setting query_timeout)    503 query_timeout
    ├── StoreError             the store folder cannot be read or written                 500 store_error
    │   └── DiskFullError      the disk holding the store is full: nothing was written    507 disk_full
    ├── StoreUnavailableError  a remote SPARQL store does not answer, or refuses azkg     503 store_unavailable
    └── StoreAnswerError       a remote store answered with garbage, an error page or a cut 502 store_bad_answer
"""

from __future__ import annotations

import functools
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

    def __init__(self, message: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.headers = headers or {}  # sent with the HTTP answer, such as Retry-After


class ClientError(AzkgError):
    code = "bad_request"
    status = 400


class ServerError(AzkgError):
    code = "server_error"
    status = 500


class RegistrationError(ClientError):
    """`azkg add` refused a text: unreadable, a duplicate, or options that name nothing known."""

    code = "registration_error"


class PreviewTargetError(ClientError):
    """`azkg build --with-drafts` asked to write over the reviewed data/triples.ttl."""

    code = "preview_target"


class DraftError(ClientError):
    code = "draft_error"


class DateFormatError(ClientError, ValueError):
    """Also a ValueError, so that a field parsed by int() or by a date parser is checked alike."""

    code = "bad_date"


class QuoteNotFoundError(ClientError, ValueError):
    code = "quote_not_found"


class UnknownFormatError(ClientError, ValueError):
    code = "unknown_format"


class QueryError(ClientError):
    code = "malformed_query"


class RequestError(ClientError):
    code = "bad_request"


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


class UnsupportedMediaTypeError(RequestError):
    code = "unsupported_media_type"
    status = 415


class AnswerTruncatedError(RequestError):
    """An answer over max_rows in a format that cannot say it was cut (CSV, TSV, RDF syntaxes)."""

    code = "answer_truncated"
    status = 422


class TooManyRequestsError(RequestError):
    code = "too_many_queries"
    status = 429

    def __init__(self, message: str, retry_after: float = 1.0):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, {"Retry-After": str(self.retry_after)})


class CurationError(ServerError):
    """Raised with every problem found, not just the first, so one edit round fixes them all."""

    code = "curation_error"

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the curated data:\n{lines}")


class OntologyError(ServerError):
    code = "ontology_error"


class StaleDataError(ServerError):
    code = "stale_data"


class SettingError(ServerError, ValueError):
    """A setting's value is wrong: the service does not start (a ValueError, as a bad value is)."""

    code = "bad_setting"


class SandboxError(ServerError):
    code = "sandbox_unavailable"


class EvaluationError(ServerError):
    """A query the engine could not evaluate (a server fault, not the query's)."""

    code = "evaluation_failed"


class WorkerLostError(ServerError):
    """A query worker died under a query it was not stopped for."""

    code = "worker_lost"


class QueryTimeoutError(ServerError):
    """A limit of the service, not a mistake of the client: 503, and the message names the setting."""

    code = "query_timeout"
    status = 503


class StoreError(ServerError):
    code = "store_error"


class DiskFullError(StoreError):
    """ENOSPC anywhere in a write, a load or a publish: the change is rolled back, nothing published."""

    code = "disk_full"
    status = 507


class StoreUnavailableError(ServerError):
    """A remote store is down, unreachable or refuses azkg's credentials: the message names the store."""

    code = "store_unavailable"
    status = 503


class StoreAnswerError(ServerError):
    """A remote store answered, but not with a complete answer azkg can pass on (an HTML error page,
    a body cut off, a silent cut of its own): never passed on as if it were complete."""

    code = "store_bad_answer"
    status = 502


class WriteLostError(ServerError):
    """A write's confined process stopped after parsing, before it answered: the store holds all of
    the write or none of it (the dirty marker), but the service cannot say which."""

    code = "write_lost"


def reported(code: str, message: str, otherwise: type[AzkgError]) -> AzkgError:
    """An error another process reported by its stable code (a query worker, a write's child), rebuilt
    as the class of this tree that has the code, with its status; `otherwise` for a code it does not have."""
    return _by_code().get(code, otherwise)(message)


@functools.cache  # the tree is whole once this module is imported
def _by_code() -> dict[str, type[AzkgError]]:
    """Each code's class, the most specific where two share one (RequestError over ClientError);
    classes built from something other than a message (CurationError's problems) are left out."""
    found: dict[str, type[AzkgError]] = {}
    level: list[type[AzkgError]] = [AzkgError]
    while level:
        for cls in level:
            if "__init__" not in vars(cls) or cls is AzkgError or cls is TooManyRequestsError:
                found[cls.code] = cls
        level = [sub for cls in level for sub in cls.__subclasses__()]
    return found
