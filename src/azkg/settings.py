"""azkg's two settings objects, each frozen, made once and passed down:

- `Paths`: where the process finds its inputs and writes its outputs (one per process, from --root);
- `ServiceSettings`: the limits and options of the HTTP service (one per service). Each setting is
  declared once, as a field with its type, default, help and check; the table `SERVICE_SETTINGS`, the
  AZKG_* environment variables, the options of `azkg serve` and the README's table are derived from it.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from azkg.bundle import user_store_dir
from azkg.errors import SettingError


@dataclass(frozen=True)
class Paths:
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


GRAPHS = "https://w3id.org/azkg/graph/"  # where the graphs azkg fills are named
Check = Callable[[str, typing.Any], "str | None"]  # (name, value) -> what is wrong, or None


def _positive(name: str, value: float) -> str | None:
    return None if value > 0 else f"{name} must be greater than 0 (got {value})"


def _not_negative(name: str, value: float) -> str | None:
    return None if value >= 0 else f"{name} must be 0 or more (got {value})"


def _token(name: str, value: str | None) -> str | None:
    return None if value is None or len(value) >= 16 else f"{name} must have at least 16 characters"


def _base_url(name: str, value: str | None) -> str | None:
    if value is None or (value.startswith(("http://", "https://")) and value.endswith("/")):
        return None
    return f"{name} must be an http(s) URL ending in '/' (got {value!r})"


def _url(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        return f"{name} must be an http(s) URL (got {value!r})"
    if "@" in value.split("/")[2]:  # a URL is logged and shown in messages: credentials never go in it
        return f"{name} must not carry credentials: set store_user and store_password (AZKG_STORE_PASSWORD)"
    return None


def _iris(name: str, value: str | None) -> str | None:
    if value is None or all(iri.strip().startswith(("http://", "https://", "urn:")) for iri in value.split(",")):
        return None
    return f"{name} must be comma-separated absolute IRIs (got {value!r})"


def _auth(name: str, value: str | None) -> str | None:
    if value in (None, "basic", "digest", "bearer"):
        return None
    return f"{name} must be basic, digest or bearer (got {value!r})"


def _host_names(name: str, value: str | None) -> str | None:
    for host in _split_hosts(value):
        wildcard = "*" in host[1:] or (host.startswith("*") and not host.startswith("*."))
        port = ":" in host and not host.startswith("[")  # [::1] is a host; localhost:8000 is not
        if wildcard or port or "/" in host:
            return f"{name}: {host!r} is not a host name (name, *.domain or [IPv6])"
    return None


def _split_hosts(value: str | None) -> list[str]:
    return [name.strip().lower() for name in (value or "").split(",") if name.strip()]


def _setting(default: typing.Any, help: str, check: Check | None = None, flag: str | None = None,
             secret: bool = False) -> typing.Any:
    """A field of ServiceSettings with what the table needs; `flag` renames its `serve` option, and a
    secret has none (a command line is visible to every user of the machine in `ps`)."""
    return field(default=default, metadata={"help": help, "check": check, "flag": flag, "secret": secret})


@dataclass(frozen=True)
class ServiceSettings:
    query_timeout: float = _setting(
        10.0,
        "Seconds a query may run; past it the query is stopped and the client gets 503. A request may lower "
        "it with the timeout parameter.",
        _positive,
    )
    max_rows: int = _setting(
        1_000_000,
        "Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) an answer holds at most; answers are streamed, so the "
        "time limit is what bounds them. A cut answer says so in its body (JSON and XML: a head link; other "
        "formats: 422 instead) and in `X-Azkg-Truncated: true`. A request may lower it with max_rows.",
        _positive,
    )
    max_query_length: int = _setting(100_000, "Characters a query may have (413 beyond).", _positive)
    max_body_bytes: int = _setting(1_000_000, "Bytes a request body may have (413 beyond).", _positive)
    max_query_depth: int = _setting(
        256,
        "Nesting depth of groups and brackets a query may have; thousands of levels crash SPARQL parsers, so "
        "deeper queries get 400 before parsing.",
        _positive,
    )
    query_workers: int = _setting(
        2,
        "Worker processes that evaluate queries; one stuck past its time limit is killed and replaced.",
        _positive,
        flag="--workers",
    )
    max_waiting: int = _setting(
        10_000,
        "Hard cap on queries waiting for a worker, a bound on memory. Below it a query is admitted while its "
        "expected wait (waiters ahead × recent mean service time / workers) is shorter than its time limit; "
        "otherwise `429` with `Retry-After` from that estimate.",
        _positive,
    )
    answer_cache_mb: int = _setting(
        64,
        "Megabytes of whole SPARQL answers each HTTP process keeps, keyed by the query, its parameters, the "
        "format and the store's snapshot, so that a repeated request is answered without running it (with an "
        "`ETag`; `If-None-Match` gets `304`). A write makes a new snapshot, so no answer outlives it. 0 turns "
        "the cache off.",
        _not_negative,
    )
    inline_queries: bool = _setting(
        True,
        "Answer queries bounded by construction (one basic graph pattern, every triple pattern on a given "
        "subject, within 1,024 matching triples) in the HTTP process, without the hop to a query worker, when "
        "no other query is out to a worker or heavy ones hold them all; anything else goes to the workers, "
        "which the time limit can stop.",
    )
    heavy_query_seconds: float = _setting(
        0.5,
        "Seconds after which a running query counts as heavy, and its text is remembered as slow; heavy "
        "queries may use all workers but one.",
        _positive,
    )
    max_header_bytes: int = _setting(
        65_536,
        "Bytes of request headers (the URL aside); more get `431` and the connection is closed.",
        _positive,
    )
    header_timeout: float = _setting(
        10.0,
        "Seconds a client has to send a request's headers, from connecting or from the request's first byte; "
        "a slower one gets `408` and the connection is closed.",
        _positive,
    )
    http_processes: int = _setting(
        1,
        "HTTP server processes sharing the port, each with its own query workers; more use more cores on "
        "light queries. Writes take turns through a lock file beside the store.",
        _positive,
        flag="--processes",
    )
    allow_service: bool = _setting(
        False,
        "Allow `SERVICE` (requests from the server to other endpoints); off by default, enforced by the "
        "query workers' sandbox (no internet sockets).",
    )
    update_token: str | None = _setting(
        None,
        "Bearer token that enables writes (SPARQL Update at `/update`, Graph Store writes at `/store`); "
        "without it the service is read-only. At least 16 characters.",
        _token,
        secret=True,
    )
    write_memory_mb: int = _setting(
        2048,
        "Megabytes of address space the process that parses and applies one write may use; a write that "
        "needs more gets 413 and changes nothing.",
        _positive,
    )
    base_iri: str = _setting(
        "https://w3id.org/azkg/",
        "The persistent IRI base of the data: IRIs under it are served by this deployment (`id/...`, "
        "`fact/...`, `def/...`); relative IRIs in queries resolve against it.",
        _base_url,
    )
    public_url: str | None = _setting(
        None,
        "The deployment's own URL, such as `https://example.org/azkg/`; links in pages, redirects and the "
        "service description point there. Without it, they follow the URL each request came in on, `Host` "
        "header included.",
        _base_url,
    )
    trusted_hosts: str | None = _setting(
        None,
        "Comma-separated host names the service answers for (`kg.example.org,localhost`; `*.example.org` for "
        "subdomains); any other `Host` gets 400 (`untrusted_host`, in the usual envelope). Without it, any "
        "host: fine on your machine, but in production set it or `public_url`.",
        _host_names,
    )
    store_url: str | None = _setting(
        None,
        "The SPARQL query endpoint of a remote store (Virtuoso's `/sparql`, Oxigraph server's `/query`, any SPARQL "
        "1.1 Protocol endpoint). With it, the service runs over that store instead of the embedded one, and "
        "several azkg processes or machines may serve one store (docs/deploy.md).",
        _url,
        flag="--remote",
    )
    store_update_url: str | None = _setting(
        None,
        "The remote store's SPARQL Update endpoint; without it, Virtuoso's `/sparql-auth` (with credentials), "
        "Oxigraph's `/update`, or else the query endpoint.",
        _url,
    )
    store_graph_store_url: str | None = _setting(
        None,
        "The remote store's Graph Store Protocol endpoint; without it, Virtuoso's `/sparql-graph-crud-auth` "
        "(with credentials), Oxigraph's `/store`; a store with none takes graph writes as SPARQL Update.",
        _url,
    )
    store_graphs: str | None = _setting(
        None,
        "Comma-separated graphs azkg owns in a remote store (without it, the two `azkg publish` fills: "
        "`https://w3id.org/azkg/graph/data` and `.../graph/ontology`): queries read their union as the default "
        "graph and only them as named graphs (a store's own system graphs stay out), and writes may touch only "
        "them.",
        _iris,
    )
    store_auth: str | None = _setting(
        None,
        "How azkg proves itself to a remote store: basic, digest (Virtuoso) or bearer; without it, basic when "
        "store_user is set, bearer when store_token is.",
        _auth,
    )
    store_user: str | None = _setting(None, "The user azkg writes to a remote store as.")
    store_password: str | None = _setting(None, "The password of store_user.", secret=True)
    store_token: str | None = _setting(None, "A bearer token for the remote store.", secret=True)
    store_poll_seconds: float = _setting(
        30.0,
        "Seconds after which answers, look-ups and the search index kept from a remote store are asked for "
        "again, so that writes made to the store behind azkg's back show within this time. Writes through "
        "any azkg front-end show at once: each bumps a data version every front-end reads.",
        _positive,
    )

    def __post_init__(self) -> None:
        for setting in SERVICE_SETTINGS:
            problem = setting.check(setting.name, getattr(self, setting.name)) if setting.check else None
            if problem is not None:
                raise SettingError(problem)

    @classmethod
    def from_environment(cls, environ: dict[str, str], **given: object) -> ServiceSettings:
        """Defaults, then AZKG_* environment variables, then what the caller gives (command options)."""
        values: dict[str, object] = {}
        for setting in SERVICE_SETTINGS:
            raw = given.get(setting.name)
            if raw is None and setting.env in environ:
                raw = environ[setting.env]
            if raw is not None:
                values[setting.name] = setting.convert(raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def remote(self) -> bool:
        return self.store_url is not None

    @property
    def owned_graphs(self) -> tuple[str, ...]:
        given = self.store_graphs or f"{GRAPHS}data,{GRAPHS}ontology"
        return tuple(iri.strip() for iri in given.split(",") if iri.strip())

    @property
    def host_names(self) -> list[str]:
        """The trusted host names; empty for any host."""
        return _split_hosts(self.trusted_hosts)


@dataclass(frozen=True)
class Setting:
    """One row of the settings table, read off a ServiceSettings field."""

    name: str
    kind: type  # what a value is converted to: bool, int, float or str
    default: float | int | bool | str | None
    help: str
    check: Check | None
    flag: str | None  # the option of `azkg serve`; None for a secret, set only in the environment

    @property
    def env(self) -> str:
        return f"AZKG_{self.name.upper()}"

    @property
    def default_text(self) -> str:
        """The default as the docs and `serve --help` show it."""
        if self.default is None or isinstance(self.default, bool):
            return {None: "none", True: "true", False: "false"}[self.default]
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)

    def convert(self, raw: object) -> object:
        """A value from the environment or the command line as the setting's type."""
        if not isinstance(raw, str):
            return raw
        try:
            if self.kind is bool:
                if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(raw)
                return raw.lower() in ("1", "true", "yes")
            return self.kind(raw)
        except ValueError:
            raise SettingError(f"{self.env}={raw!r}: not a valid {self.kind.__name__}") from None


def _rows() -> tuple[Setting, ...]:
    hints = typing.get_type_hints(ServiceSettings)
    rows = []
    for declared in fields(ServiceSettings):
        meta = declared.metadata
        flag = None if meta["secret"] else meta["flag"] or "--" + declared.name.replace("_", "-")
        kind = _without_none(hints[declared.name])
        rows.append(Setting(declared.name, kind, declared.default, meta["help"], meta["check"], flag))  # type: ignore[arg-type]
    return tuple(rows)


def _without_none(hint: typing.Any) -> type:
    """`str | None` -> str: an unset optional setting is None, a set one a value of that type."""
    return next(kind for kind in typing.get_args(hint) or (hint,) if kind is not type(None))


SERVICE_SETTINGS = _rows()


def settings_table() -> str:
    """The README's table of settings, in Markdown."""
    lines = ["| setting | environment variable | default | what it does |", "|---|---|---|---|"]
    lines += [f"| {s.name} | {s.env} | {s.default_text} | {s.help} |" for s in SERVICE_SETTINGS]
    return "\n".join(lines) + "\n"


CHILD_SETTINGS = "AZKG_CHILD_SETTINGS"  # the environment variable by which `serve --processes N` hands down


def child_settings(paths: Paths, service: ServiceSettings, store_dir: Path) -> str:
    """What each process of `serve --processes N` serves with, whole, as JSON: uvicorn starts them afresh,
    so they cannot be handed objects, and re-reading AZKG_* piecemeal would let them drift from the parent."""
    return json.dumps(
        {"root": str(paths.root), "project": paths.project, "store": str(store_dir), "service": asdict(service)}
    )


def read_child_settings(text: str) -> tuple[Paths, ServiceSettings, Path]:
    given = json.loads(text)
    return Paths(Path(given["root"]), given["project"]), ServiceSettings(**given["service"]), Path(given["store"])
