"""The `azkg` command: a thin layer over the functions the rest of azkg provides."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import click
import pyoxigraph

from azkg import __version__
from azkg.errors import AzkgError
from azkg.export import EXPORTS, Export, GzipWriter, Output, export_named, write_export
from azkg.formats import RESULT_SYNTAXES, UnknownFormatError, rdf_syntax
from azkg.settings import Settings, find_root
from azkg.store import ensure_store, evaluate, open_reader, writing
from azkg.tables import render_table


@click.group()
@click.version_option(__version__, prog_name="azkg")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder holding ontology/ and data/ (default: found from the current folder).",
)
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """azkg: Azerbaijan's industrial zones as a sourced knowledge graph."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings(root.resolve() if root else find_root())


@main.command()
@click.option("--check", is_flag=True, help="Do not write; exit 1 if data/triples.ttl differs from a fresh build.")
@click.pass_obj
def build(settings: Settings, check: bool) -> None:
    """Check the sources and curated claims and write data/triples.ttl."""
    try:
        from azkg.build import build as run_build  # rdflib and pySHACL take 0.3 s to import; only build needs them

        result = run_build(settings, check=check)
    except AzkgError as err:
        click.echo(f"azkg build: {err}", err=True)
        sys.exit(err.exit_code)
    target = settings.relative(result.path)
    state = "is up to date" if check else ("written" if result.changed else "unchanged")
    click.echo(
        f"{target} {state}: {result.triples} triples ({result.asserted} asserted, {result.entailed} entailed), "
        f"{result.facts} facts, {result.entities} entities, {result.sources} sources"
    )


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
def load(settings: Settings, files: tuple[Path, ...], store_dir: Path | None) -> None:
    """Bulk-load RDF files (format by extension: .ttl .nt .nq .trig .jsonld .rdf) into a store."""
    target = store_dir or settings.store_dir
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        _fail("load", f"no such file: {', '.join(missing)}")
    size = sum(f.stat().st_size for f in files)
    try:
        with writing(target) as writer:  # waits for a running service's write, if any
            with click.progressbar(length=size, label="loading", file=sys.stderr, show_pos=False) as bar:
                summary = writer.load(files, progress=bar.update)
            writer.publish()
    except (AzkgError, UnknownFormatError) as err:
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
    help="table, or a result format (json, xml, csv, tsv) or for CONSTRUCT an RDF one (ttl, nt, jsonld, rdfxml...).",
)
@STORE_OPTION
@click.pass_obj
def query(settings: Settings, sparql: str, output: str, store_dir: Path | None) -> None:
    """Answer a SPARQL query from the local store, printing a table by default."""
    try:
        if store_dir is None:
            ensure_store(settings.store_dir, settings.triples_file, settings.ontology_files)
        store, _ = open_reader(store_dir or settings.store_dir)
        results = evaluate(store, sparql)
        click.echo(_render(results, output), nl=False)
    except (AzkgError, UnknownFormatError) as err:
        _fail("query", str(err))


def _render(results: object, output: str) -> str:
    if isinstance(results, pyoxigraph.QueryBoolean):
        if output not in ("table", *RESULT_SYNTAXES):
            raise UnknownFormatError(f"--format {output}: use table, {', '.join(RESULT_SYNTAXES)} for ASK")
        if output == "table":
            return ("true" if bool(results) else "false") + "\n"
        return results.serialize(format=RESULT_SYNTAXES[output]).decode("utf-8")
    if isinstance(results, pyoxigraph.QuerySolutions):
        if output == "table":
            return render_table(results) + "\n"
        if output not in RESULT_SYNTAXES:
            raise UnknownFormatError(f"--format {output}: use table, {', '.join(RESULT_SYNTAXES)} for SELECT")
        return results.serialize(format=RESULT_SYNTAXES[output]).decode("utf-8")
    syntax = rdf_syntax("ttl" if output == "table" else output)
    return results.serialize(format=syntax.oxigraph).decode("utf-8")


def _fail(command: str, message: str) -> None:
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
def export(settings: Settings, name: str, store_dir: Path | None, output: Path | None, compress: bool) -> None:
    """Write the data graph (or the figures as CSV) from the local store, streamed in constant memory."""
    started = time.perf_counter()
    try:
        if store_dir is None:
            ensure_store(settings.store_dir, settings.triples_file, settings.ontology_files)
        store, _ = open_reader(store_dir or settings.store_dir)
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
@STORE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--query-timeout", type=float, default=None, help="Seconds a query may run (AZKG_QUERY_TIMEOUT; default 10)."
)
@click.option("--max-rows", type=int, default=None, help="Rows an answer holds at most (AZKG_MAX_ROWS; default 10000).")
@click.option(
    "--workers", "query_workers", type=int, default=None, help="Query worker processes (AZKG_QUERY_WORKERS; default 2)."
)
@click.option(
    "--processes", "http_processes", type=int, default=None,
    help="HTTP server processes, each with its own workers (AZKG_HTTP_PROCESSES; default 1).",
)
@click.pass_obj
def serve(settings: Settings, store_dir: Path | None, host: str, port: int, **given: object) -> None:
    """Serve SPARQL over the store, built from data/triples.ttl on first start and when it changes."""
    # imported here so that build, load and query do not pay for the web stack at start-up
    import os

    import uvicorn

    from azkg.settings import SERVICE_SETTINGS, ServiceSettings, SettingError
    from azkg.web.app import create_app
    from azkg.web.fast_sparql import FastSparql
    from azkg.web.http_guard import configured

    try:
        service = ServiceSettings.from_environment(dict(os.environ), **given)
    except SettingError as err:
        _fail("serve", str(err))
    logging.getLogger("azkg").setLevel(logging.INFO)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"azkg: open http://{shown}:{port}/ (SPARQL endpoint: http://{shown}:{port}/sparql)", err=True)
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if service.http_processes == 1:
        guard = configured(service.max_header_bytes, service.header_timeout)  # header size and time limits
        uvicorn.run(FastSparql(create_app(settings, service, store_dir)), http=guard, **options)
        return
    # each process builds its app from the environment (uvicorn starts them afresh), so hand it everything
    for setting in SERVICE_SETTINGS:
        value = getattr(service, setting.name)
        if value is not None:
            os.environ[setting.env] = str(value).lower() if isinstance(value, bool) else str(value)
    os.environ["AZKG_ROOT"], os.environ["AZKG_STORE"] = str(settings.root), str(store_dir or settings.store_dir)
    uvicorn.run(
        "azkg.web.app:from_environment", factory=True, workers=service.http_processes,
        http="azkg.web.http_guard:GuardedHttpTools", **options,  # its limits from the environment set above
    )


if __name__ == "__main__":
    main()
