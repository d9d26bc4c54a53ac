"""Where azkg finds its inputs and writes its outputs: one frozen object, made once and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from azkg.bundle import user_store_dir


@dataclass(frozen=True)
class Settings:
    root: Path
    project: bool = True  # False: root is the package's bundled copy, read-only, outside any project

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.ontology_dir / "shapes"

    @property
    def checks_dir(self) -> Path:
        return self.ontology_dir / "checks"

    @property
    def sources_dir(self) -> Path:
        return self.root / "data" / "sources"

    @property
    def curation_dir(self) -> Path:
        return self.root / "data" / "curation"

    @property
    def entities_file(self) -> Path:
        return self.curation_dir / "entities.yaml"

    @property
    def triples_file(self) -> Path:
        return self.root / "data" / "triples.ttl"

    @property
    def store_dir(self) -> Path:
        return self.root / ".azkg" / "store" if self.project else user_store_dir()

    @property
    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project root when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class Setting:
    name: str
    default: float | int | bool | str | None
    help: str

    @property
    def env(self) -> str:
        return f"AZKG_{self.name.upper()}"


SERVICE_SETTINGS = (
    Setting(
        "query_timeout",
        10.0,
        "Seconds a query may run; past it the query is stopped and the client gets 503. "
        "A request may lower it with the timeout parameter.",
    ),
    Setting(
        "max_rows",
        1_000_000,
        "Rows of a SELECT (triples of a CONSTRUCT or DESCRIBE) an answer holds at most (answers are streamed, "
        "so the time limit is what bounds them); a cut answer says so in its body and the X-Azkg-Truncated "
        "header. A request may lower it with max_rows.",
    ),
    Setting("max_query_length", 100_000, "Characters a query may have."),
    Setting("max_body_bytes", 1_000_000, "Bytes a request body may have."),
    Setting(
        "max_query_depth",
        256,
        "Nesting depth of groups and brackets a query may have (thousands of levels crash SPARQL parsers).",
    ),
    Setting(
        "query_workers",
        2,
        "Worker processes that evaluate queries; one stuck past its time limit is killed and replaced.",
    ),
    Setting(
        "max_waiting",
        10_000,
        "Hard cap on queries waiting for a worker (a bound on memory); below it a query is admitted while its "
        "expected wait is shorter than its time limit, else 429 with Retry-After.",
    ),
    Setting(
        "heavy_query_seconds",
        0.5,
        "Seconds after which a running query counts as heavy (and its text is remembered as slow); heavy "
        "queries may use all workers but one.",
    ),
    Setting(
        "max_header_bytes",
        65_536,
        "Bytes of request headers (the request line's URL aside); more get 431 and the connection is closed.",
    ),
    Setting(
        "header_timeout",
        10.0,
        "Seconds a client has to send a request's headers once it opened the connection or began the request; "
        "a slower one gets 408 and the connection is closed.",
    ),
    Setting(
        "http_processes",
        1,
        "HTTP server processes sharing the port, each with its own query workers; more use more cores on light "
        "queries (writes take turns through a lock file).",
    ),
    Setting("allow_service", False, "Allow SERVICE, i.e. let the server send requests to other endpoints."),
    Setting(
        "update_token",
        None,
        "Bearer token that enables SPARQL Update at /update and writes at /store; without it the service is read-only.",
    ),
    Setting(
        "write_memory_mb",
        2048,
        "Megabytes of address space the process that parses and applies one write may use; a write that "
        "needs more is refused (413) and changes nothing.",
    ),
    Setting(
        "base_iri",
        "https://w3id.org/azkg/",
        "The persistent IRI base of the data: IRIs under it are served by this deployment (id/..., fact/..., def/...).",
    ),
    Setting(
        "public_url",
        None,
        "The deployment's own URL, such as https://example.org/azkg/; links in pages and dumps point "
        "there. Without it, links and redirects follow the URL each request came in on (its Host header).",
    ),
    Setting(
        "trusted_hosts",
        None,
        "Comma-separated host names the service answers for, such as kg.example.org,localhost (*.example.org "
        "for subdomains); a request with any other Host header gets 400. Without it, any host (for local use).",
    ),
)


class SettingError(ValueError):
    pass


@dataclass(frozen=True)
class ServiceSettings:
    query_timeout: float = 10.0
    max_rows: int = 1_000_000
    max_query_length: int = 100_000
    max_body_bytes: int = 1_000_000
    max_query_depth: int = 256
    query_workers: int = 2
    max_waiting: int = 10_000
    heavy_query_seconds: float = 0.5
    max_header_bytes: int = 65_536
    header_timeout: float = 10.0
    http_processes: int = 1
    allow_service: bool = False
    update_token: str | None = None
    write_memory_mb: int = 2048
    base_iri: str = "https://w3id.org/azkg/"
    public_url: str | None = None
    trusted_hosts: str | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str], **given: object) -> ServiceSettings:
        """Defaults, then AZKG_* environment variables, then what the caller gives (command options)."""
        values: dict[str, object] = {}
        for setting in SERVICE_SETTINGS:
            raw = given.get(setting.name)
            if raw is None and setting.env in environ:
                raw = environ[setting.env]
            if raw is not None:
                values[setting.name] = _convert(setting, raw)
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        for name in (
            "query_timeout",
            "max_rows",
            "max_query_length",
            "max_body_bytes",
            "max_query_depth",
            "query_workers",
            "max_waiting",
            "heavy_query_seconds",
            "max_header_bytes",
            "header_timeout",
            "http_processes",
            "write_memory_mb",
        ):
            if getattr(self, name) <= 0:
                raise SettingError(f"{name} must be greater than 0 (got {getattr(self, name)})")
        if self.update_token is not None and len(self.update_token) < 16:
            raise SettingError("update_token must have at least 16 characters")
        for name in ("base_iri", "public_url"):
            value = getattr(self, name)
            if value is not None and (not value.startswith(("http://", "https://")) or not value.endswith("/")):
                raise SettingError(f"{name} must be an http(s) URL ending in '/' (got {value!r})")
        for host in self.host_names:
            wildcard = "*" in host[1:] or (host.startswith("*") and not host.startswith("*."))
            port = ":" in host and not host.startswith("[")  # [::1] is a host; localhost:8000 is not
            if wildcard or port or "/" in host:
                raise SettingError(f"trusted_hosts: {host!r} is not a host name (name, *.domain or [IPv6])")

    @property
    def host_names(self) -> list[str]:
        """The trusted host names; empty for any host."""
        return [name.strip().lower() for name in (self.trusted_hosts or "").split(",") if name.strip()]


def _convert(setting: Setting, raw: object) -> object:
    if not isinstance(raw, str):
        return raw
    try:
        if isinstance(setting.default, bool):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        if isinstance(setting.default, int):
            return int(raw)
        if isinstance(setting.default, float):
            return float(raw)
    except ValueError:
        raise SettingError(f"{setting.env}={raw!r}: not a valid {type(setting.default).__name__}") from None
    return raw
