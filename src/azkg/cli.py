"""The `azkg` command: a thin layer over the functions the rest of azkg provides."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from azkg import __version__
from azkg.build import build as run_build
from azkg.errors import AzkgError
from azkg.settings import Settings, find_root


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
