"""The `azkg` command: a thin layer over the functions the rest of azkg provides."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
import pyoxigraph

from azkg import __version__
from azkg.bundle import bundled_root, find_project, is_project
from azkg.errors import AzkgError, UnknownFormatError
from azkg.settings import CHILD_SETTINGS, SERVICE_SETTINGS, Paths, ServiceSettings, child_settings
from azkg.sparql.evaluation import Deadline
from azkg.sparql.formats import JSON_RESULTS, rdf_syntax, result_formats
from azkg.sparql.query_text import scan
from azkg.sparql.tables import render_table
from azkg.store import children
from azkg.store.export import EXPORTS, Export, GzipWriter, Output, export_named, write_export
from azkg.store.messages import Job
from azkg.store.pool import QueryPool
from azkg.store.snapshots import ensure_store, open_reader, writing
from azkg.store.telemetry import configure_logging
from azkg.web.answers import whole_answer


@click.group()
@click.version_option(__version__, prog_name="azkg")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder holding ontology/ and data/ (default: found from the current folder; outside one, "
    "serve, query and export use the graph bundled with azkg).",
)
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """azkg: Azerbaijan's industrial zones as a sourced knowledge graph."""
    configure_logging()
    project = root.resolve() if root else find_project()
    if project is not None:
        ctx.obj = Paths(project)
        return
    try:
        ctx.obj = Paths(bundled_root(), project=False)
    except FileNotFoundError as err:
        _fail(ctx.invoked_subcommand or "", f"{err}; pass --root DIR, a project folder (holding ontology/ and data/)")


def _need_project(paths: Paths, command: str) -> None:
    """The build commands read and write a project's curated files, never the bundled copies."""
    if paths.project and is_project(paths.root):
        return
    where = f"{paths.root} is not one" if paths.project else f"there is none at or above {Path.cwd()}"
    _fail(command, f"needs a project folder (one holding ontology/ and data/) and {where}; run it inside one, "
                   "or pass --root DIR")


@main.command()
@click.option("--check", is_flag=True, help="Do not write; exit 1 if data/triples.ttl differs from a fresh build.")
@click.option("--with-drafts", is_flag=True, help="Include drafted claims that pass the checks (needs --output).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="With --with-drafts: the preview graph to write (never data/triples.ttl).",
)
@click.pass_obj
def build(paths: Paths, check: bool, with_drafts: bool, output: Path | None) -> None:
    """Check the sources and curated claims and write data/triples.ttl, saying what changed."""
    _need_project(paths, "build")
    if with_drafts != (output is not None) or (with_drafts and check):
        _fail("build", "--with-drafts and --output go together, without --check")
    try:
        from azkg.build.pipeline import (
            build as run_build,  # rdflib and pySHACL take 0.3 s to import; only build needs them
        )

        result = run_build(paths, check=check, preview=output)
    except AzkgError as err:
        click.echo(f"azkg build: {err}", err=True)
        sys.exit(err.exit_code)
    target = paths.relative(result.path) if output is None else str(output)
    state = "is up to date" if check else ("written" if result.changed else "unchanged")
    click.echo(
        f"{target} {state}: {result.triples} triples ({result.asserted} asserted, {result.entailed} entailed), "
        f"{result.facts} facts, {result.entities} entities, {result.sources} sources"
    )
    if result.changes is not None and result.changes.any:
        click.echo("against the committed graph:\n" + "\n".join(f"  {line}" for line in result.changes.lines()))
    if result.skipped_drafts:
        click.echo(f"{len(result.skipped_drafts)} problem(s) kept drafted claims out of the preview:")
        click.echo("\n".join(f"  {problem}" for problem in result.skipped_drafts))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "source_id", default=None, help="The source id (default: <publisher>-<date>).")
@click.option("--publisher", default=None, help="The outlet that published it: an entity id or name (entities.yaml).")
@click.option("--published", default=None, help="Publication date, YYYY-MM-DD or YYYY-MM-DDThh:mm+hh:mm.")
@click.option("--url", default=None, help="The address the text was retrieved from.")
@click.option("--title", default=None, help="The headline, as the outlet gives it.")
@click.option("--label", default=None, help="A name for the source in lists (default: the title, else made up).")
@click.option("--language", default="en", show_default=True, help="The text's language (BCP 47).")
@click.option("--syndicated-from", default=None, help="The original publisher, when --publisher republished it.")
@click.option(
    "--retrieved", type=click.DateTime(["%Y-%m-%d"]), default=None, help="When it was retrieved (default: today)."
)
@click.pass_obj
def add(paths: Paths, file: Path, retrieved, **given: str | None) -> None:
    """Register a new source: its text kept exactly as received, and what is known of it."""
    _need_project(paths, "add")
    from azkg.build.registry import Registration, register

    given["id"] = given.pop("source_id")
    options: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if retrieved is not None:
        options["retrieved"] = retrieved.date()
    try:
        done = register(paths, Registration(file, **options))
    except AzkgError as err:
        _fail("add", str(err))
    click.echo(
        f"added source '{done.id}': {paths.relative(done.text_file)} and {paths.relative(done.metadata_file)}; "
        f"next: azkg draft {done.id}, or write data/curation/{done.id}.yaml (docs/curation.md)"
    )


@main.command()
@click.option("--write", is_flag=True, help="Rewrite the generated block of docs/curation.md instead of printing it.")
@click.pass_obj
def reference(paths: Paths, write: bool) -> None:
    """The curation reference (metrics, units, relations, fields), generated from the ontology."""
    _need_project(paths, "reference")
    from azkg.build.ontology import load_ontology
    from azkg.build.reference import render, replace_block

    try:
        block = render(load_ontology(paths.ontology_dir))
    except AzkgError as err:
        _fail("reference", str(err))
    if not write:
        click.echo(block, nl=False)
        return
    guide = paths.root / "docs" / "curation.md"
    guide.write_text(replace_block(guide.read_text(encoding="utf-8"), block), encoding="utf-8")
    click.echo(f"wrote the reference into {paths.relative(guide)}")


@main.command()
@click.option("--write", is_flag=True, help="Rewrite the figures in README.md instead of printing them.")
@click.pass_obj
def stats(paths: Paths, write: bool) -> None:
    """What data/triples.ttl holds: sources, facts, quotes, entities by class, triples, conflicts."""
    from rdflib import Graph

    from azkg.build.ontology import load_ontology
    from azkg.build.stats import render, write_readme

    if write:
        _need_project(paths, "stats --write")
    try:
        graph = Graph().parse(paths.triples_file, format="turtle")
        ontology = load_ontology(paths.ontology_dir)
    except (OSError, SyntaxError, AzkgError) as err:
        _fail("stats", f"{paths.relative(paths.triples_file)}: {err}")
    if not write:
        click.echo(render(graph, ontology), nl=False)
    elif not write_readme(paths.root / "README.md", graph, ontology):
        _fail("stats", "README.md has no block of generated figures")


@main.command()
@click.argument("source_id", metavar="SOURCE")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: data/curation/SOURCE.yaml).")
@click.option("--force", is_flag=True, help="Overwrite an existing curation file.")
@click.pass_obj
def draft(paths: Paths, source_id: str, output: Path | None, force: bool) -> None:
    """Draft claims of a registered source for a curator to review (every draft: line to be checked)."""
    _need_project(paths, "draft")
    import datetime

    from azkg.build.drafting import draft_source, render

    target = output or paths.curation_dir / f"{source_id}.yaml"
    if target.exists() and not force:
        _fail("draft", f"{paths.relative(target)} exists; review it, or pass --force to overwrite it")
    try:
        result = draft_source(paths, source_id, datetime.date.today().isoformat())
    except AzkgError as err:
        _fail("draft", str(err))
    text = render(result)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, target)
    except OSError as err:
        _fail("draft", f"cannot write {target}: {err.strerror or err}")
    finally:
        temp.unlink(missing_ok=True)
    figures = sum(1 for c in result.claims if "metric" in c.fields)
    click.echo(
        f"drafted {paths.relative(target)}: {figures} figures, {len(result.claims) - figures} relations, "
        f"{len(result.proposed)} proposed entities; review every 'draft:' line (docs/curation.md)"
    )


@main.group()
def entities() -> None:
    """Look up the curated entities."""


@entities.command("find")
@click.argument("name")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Entities shown at most.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_obj
def entities_find(paths: Paths, name: str, limit: int, as_json: bool) -> None:
    """Every entity NAME may denote (case, diacritics, quote marks, legal forms ignored), near misses after."""
    _need_project(paths, "entities find")
    from azkg.build.lookup import find_entities

    if not name.strip():
        _fail("entities find", "NAME is empty; give a name such as 'Sumgayit Industrial Park'")
    try:
        matches = find_entities(paths, name, limit)
    except AzkgError as err:
        _fail("entities find", str(err))
    if as_json:
        click.echo(json.dumps([m.as_json() for m in matches], ensure_ascii=False, indent=2))
        return
    if not matches:
        click.echo(f"no entity is named like '{name}'; add it to {paths.relative(paths.entities_file)}")
        sys.exit(1)
    for match in matches:
        click.echo(_match_text(match))


def _match_text(match) -> str:
    head = f"{match.id} ({match.type}): {match.label}, {match.facts} claim(s)"
    head += "" if match.exact else f"; did you mean? '{match.matched}' is {match.score:.0%} alike"
    lines = [head] + [f"    {use.name!r} in {', '.join(use.sources) or 'no source text'}" for use in match.names]
    return "\n".join(lines)


STORE_OPTION = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Store folder (default: .azkg/store in the project, built from data/triples.ttl on first use).",
)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@STORE_OPTION
@click.pass_obj
def load(paths: Paths, files: tuple[Path, ...], store_dir: Path | None) -> None:
    """Bulk-load RDF files (format by extension: .ttl .nt .nq .trig .jsonld .rdf) into a store."""
    target = store_dir or paths.store_dir
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        _fail("load", f"no such file: {', '.join(missing)}")
    size = sum(f.stat().st_size for f in files)
    try:
        with writing(target) as writer:  # waits for a running service's write, if any
            with click.progressbar(length=size, label="loading", file=sys.stderr, show_pos=False) as bar:
                summary = writer.load(files, progress=bar.update)
            writer.publish()
    except AzkgError as err:
        _fail("load", str(err))
    click.echo(
        f"loaded {summary.files} file(s) ({summary.bytes / 1e6:.1f} MB) in {summary.seconds:.2f} s: "
        f"{summary.triples} new triples, {summary.rate:,.0f} triples/s, into {target}"
    )


@main.command()
@click.argument("sparql")
@click.option(
    "--format",
    "output",
    default="table",
    show_default=True,
    help=f"table, or a result format ({', '.join(f.name for f in result_formats())}) "
    "or for CONSTRUCT an RDF one (ttl, nt, jsonld, rdfxml...).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds before the query is stopped (default: the setting query_timeout, AZKG_QUERY_TIMEOUT).",
)
@STORE_OPTION
@click.pass_obj
def query(paths: Paths, sparql: str, output: str, timeout: float | None, store_dir: Path | None) -> None:
    """Answer a SPARQL query from the local store, printing a table by default. The query runs in a query
    worker, as the service runs it, so that its time limit stops it even inside a sort."""
    try:
        service = ServiceSettings.from_environment(dict(os.environ))
        if store_dir is None:
            ensure_store(paths.store_dir, paths.triples_file, paths.ontology_files)
        store_dir = store_dir or paths.store_dir
        open_reader(store_dir)  # a missing store is said here, plainly, not as a worker that failed to start
        seconds = timeout or service.query_timeout
        form = scan(sparql, service.max_query_depth).form or "SELECT"
        if form in ("SELECT", "ASK"):  # in SPARQL JSON, read back for the table or the chosen format
            body = _run_in_worker(store_dir, sparql, JSON_RESULTS.media_type, seconds)
            results = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
            click.echo(_render(results, output), nl=False)
        else:
            syntax = rdf_syntax("ttl" if output == "table" else output)
            click.echo(_run_in_worker(store_dir, sparql, syntax.media_type, seconds).decode("utf-8"), nl=False)
    except AzkgError as err:
        _fail("query", str(err))


def _run_in_worker(store_dir: Path, sparql: str, media_type: str, seconds: float) -> bytes:
    """The whole answer from one query worker, unconfined: SERVICE is the local user's own business. The
    time limit counts from when the worker is ready: starting it is not the query's time."""

    async def run() -> bytes:
        pool = QueryPool(store_dir, 1, allow_service=True)
        await pool.start()
        try:
            deadline = Deadline.after(seconds, "query_timeout",
                                      lowered_by="`azkg query --timeout SECONDS` sets another for one query")
            return await whole_answer(pool.run(Job(sparql, media_type, sys.maxsize, deadline)))
        finally:
            await pool.close()

    return asyncio.run(run())


def _render(results: Any, output: str) -> str:
    written = {f.name: f.results for f in result_formats()}
    if isinstance(results, pyoxigraph.QueryBoolean):
        if output not in ("table", *written):
            raise UnknownFormatError(f"--format {output}: use table, {', '.join(written)} for ASK")
        if output == "table":
            return ("true" if bool(results) else "false") + "\n"
        return results.serialize(format=written[output]).decode("utf-8")  # type: ignore[union-attr]  # bytes: no output given
    if output == "table":
        return render_table(results) + "\n"
    if output not in written:
        raise UnknownFormatError(f"--format {output}: use table, {', '.join(written)} for SELECT")
    return results.serialize(format=written[output]).decode("utf-8")


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"azkg {command}: {message}", err=True)
    sys.exit(1)


@main.command()
@click.option(
    "--format",
    "name",
    type=click.Choice([e.name for e in EXPORTS]),
    default="ttl",
    show_default=True,
    help="An RDF syntax for the data graph, or csv for the figures (one row per figure).",
)
@STORE_OPTION
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write, whole or not at all (default: standard output).",
)
@click.option("--gzip", "compress", is_flag=True, help="Compress the output with gzip.")
@click.pass_obj
def export(paths: Paths, name: str, store_dir: Path | None, output: Path | None, compress: bool) -> None:
    """Write the data graph (or the figures as CSV) from the local store, streamed in constant memory."""
    started = time.perf_counter()
    try:
        if store_dir is None:
            ensure_store(paths.store_dir, paths.triples_file, paths.ontology_files)
        store, _ = open_reader(store_dir or paths.store_dir)
        if output is None:
            _write_export(store, export_named(name), sys.stdout.buffer, compress)
            return
        _write_export_file(store, export_named(name), output, compress)
    except AzkgError as err:
        _fail("export", str(err))
    except BrokenPipeError:  # the reader went away (`azkg export | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as err:
        _fail("export", f"cannot write {output or 'to standard output'}: {err.strerror or err}")
    assert output is not None  # standard output returned above
    size = output.stat().st_size
    click.echo(f"wrote {output} ({size:,} bytes) in {time.perf_counter() - started:.2f} s", err=True)


def _write_export(store: pyoxigraph.Store, export: Export, raw: Output, compress: bool) -> None:
    if compress:
        packed = GzipWriter(raw)
        write_export(store, export, packed)
        packed.close()
    else:
        write_export(store, export, raw)
    raw.flush()


def _write_export_file(store: pyoxigraph.Store, export: Export, path: Path, compress: bool) -> None:
    """Written beside and renamed when complete, so that a failure leaves no half file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as handle:
            _write_export(store, export, handle, compress)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


@main.command()
@click.option("--remote", "store_url", required=True, help="The store's SPARQL query endpoint (AZKG_STORE_URL).")
@click.pass_obj
def publish(paths: Paths, store_url: str) -> None:
    """Put data/triples.ttl and the ontology into a remote store: loaded beside the live graphs, then switched
    in one update, so that readers see the old data or the new, never half; a failure leaves the old data.
    Credentials and the other store_* settings come from the environment (AZKG_STORE_USER, ...)."""
    from azkg.store.remote import RemoteStore
    from azkg.store.snapshots import DATA_GRAPH, ONTOLOGY_GRAPH

    files = {DATA_GRAPH.value: [paths.triples_file], ONTOLOGY_GRAPH.value: paths.ontology_files}
    missing = [str(path) for found in files.values() for path in found if not path.is_file()]
    if missing or not paths.ontology_files:
        _fail("publish", f"no such file: {', '.join(missing) or paths.relative(paths.ontology_dir) + '/*.ttl'}")
    started = time.perf_counter()
    try:
        service = ServiceSettings.from_environment(dict(os.environ), store_url=store_url)
        unowned = [graph for graph in files if graph not in service.owned_graphs]
        if unowned:
            _fail("publish", f"setting store_graphs leaves out {', '.join(unowned)}: readers would not see it")
        store = RemoteStore(service)
        try:
            endpoint = store.probe()
            sent = store.publish(files)
        finally:
            store.client.close()
    except AzkgError as err:
        _fail("publish", f"{err}; the store still serves the data it had")
    click.echo(f"published {sent:,} triples to {endpoint.name} in {time.perf_counter() - started:.1f} s")


def _check_remote(service: ServiceSettings) -> None:
    from azkg.store.remote import RemoteStore

    store = RemoteStore(service)
    try:
        endpoint = store.probe()
    finally:
        store.client.close()
    click.echo(f"azkg: serving {endpoint.name} ({endpoint.kind}; graphs {', '.join(endpoint.graphs)})", err=True)


def _setting_options(command: Callable[..., None]) -> Callable[..., None]:
    """An option of `serve` for each setting that has one, its help and default read from the table."""
    for setting in reversed(SERVICE_SETTINGS):
        if setting.flag is None:
            continue
        shown = f"{setting.help} ({setting.env}; default {setting.default_text})"
        if setting.kind is bool:
            flags = f"{setting.flag}/--no-{setting.flag.removeprefix('--')}"
            command = click.option(flags, setting.name, default=None, help=shown)(command)
        else:
            command = click.option(setting.flag, setting.name, type=setting.kind, default=None, help=shown)(command)
    return command


@main.command()
@STORE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@_setting_options
@click.pass_obj
def serve(paths: Paths, store_dir: Path | None, host: str, port: int, **given: object) -> None:
    """Serve SPARQL over the store, built from data/triples.ttl on first start and when it changes."""
    try:
        service = ServiceSettings.from_environment(dict(os.environ), **given)
        if service.remote:  # a store down, refusing azkg or answering garbage: said now, in one line
            _check_remote(service)
    except AzkgError as err:
        _fail("serve", str(err))
    if service.http_processes == 1 and not service.remote:  # the children's fork server boots beside the imports
        children.preload("azkg.web.write_process")
        children.start()
    # imported here so that build, load and query do not pay for the web stack at start-up
    import uvicorn

    from azkg.web.app import asgi_app
    from azkg.web.http_guard import configured

    logging.getLogger("azkg").setLevel(logging.INFO)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"azkg: open http://{shown}:{port}/ (SPARQL endpoint: http://{shown}:{port}/sparql)", err=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if service.http_processes == 1:
        guard = configured(service.max_header_bytes, service.header_timeout)  # header size and time limits
        uvicorn.run(asgi_app(paths, service, store_dir), http=guard, **options)
        return
    # uvicorn starts each process afresh from an import string: hand it the settings whole, as made here
    os.environ[CHILD_SETTINGS] = child_settings(paths, service, store_dir or paths.store_dir)
    uvicorn.run(
        "azkg.web.app:from_environment", factory=True, workers=service.http_processes,
        http="azkg.web.http_guard:GuardedHttpTools", **options,  # its limits from the settings handed down
    )


if __name__ == "__main__":
    main()
