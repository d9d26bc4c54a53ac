"""Benchmark: the query mix of the SPARQL benchmark at 1M triples through azkg over Virtuoso, azkg over
Oxigraph's server, azkg embedded, and each store queried directly, side by side in one run; plus publish time.

    python benchmarks/remote_bench.py [--sizes 1000000] [--seconds 3] [--concurrency 1 16] [--out docs/benchmarks.md]

Needs `wrk` and `/usr/bin/time` (Debian: apt-get install wrk time), Virtuoso (Debian's virtuoso-opensource)
and the `oxigraph` CLI (pip install -e ".[bench]"). For each size it generates sparql_bench's synthetic graph
as a project folder (data/triples.ttl and the repo's ontology/), starts Virtuoso and Oxigraph's server as
tests/engines.py does (private temp folders, 127.0.0.1), times `azkg publish --remote` into each, loads the
same files into an embedded store with `azkg load`, and starts three azkg front-ends (over each store and
embedded; answer cache off, so every request runs). Then for each query and concurrency it runs wrk against
the five targets in turn (interleaved, who goes first rotating): the three front-ends and each store directly.
The direct queries name azkg's graphs with FROM (the data graph and the ontology graph), so that they read
what azkg reads (azkg sends the same graphs as default-graph-uri). Virtuoso is queried by GET (7.2.5 never
answers a POST of application/sparql-query). The Markdown report is printed and appended to --out.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

from sparql_bench import BIN, PREFIXES, Run, Server, _rss_kb, _tree, free_port, generate, queries, start, wrk  # noqa: E402

from tests import engines  # noqa: E402
from tests.backends import store_env  # noqa: E402
from tests.engines import Engine, oxigraph_store, virtuoso_store  # noqa: E402

DATA_GRAPH = "https://w3id.org/azkg/graph/data"
ONTOLOGY_GRAPH = "https://w3id.org/azkg/graph/ontology"
FROM = f" FROM <{DATA_GRAPH}> FROM <{ONTOLOGY_GRAPH}> WHERE "
TARGETS = ("azkg→virtuoso", "azkg→oxigraph", "azkg embedded", "virtuoso direct", "oxigraph direct")
WRK_TIMEOUT = 60  # seconds, as the front-ends' --query-timeout: a slow answer is counted, not a timeout
RATIOS = (("azkg→virtuoso", "virtuoso direct"), ("azkg→oxigraph", "oxigraph direct"))


@dataclass
class Target:
    name: str
    url: str
    direct: bool  # the query names azkg's graphs itself (FROM)

    def text(self, query: str) -> str:
        return query.replace(" WHERE ", FROM, 1) if self.direct else query


def rows(target: Target, query: str) -> int:
    """How many rows the target answers: the targets must agree, or they are not asked the same question."""
    url = target.url + "?query=" + urllib.parse.quote(PREFIXES + target.text(query))
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(json.load(response)["results"]["bindings"])


def env_of(engine: Engine) -> dict[str, str]:
    return {f"AZKG_{key.upper()}": value for key, value in store_env(engine).items()}


def publish(engine: Engine, project: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) of the azkg process, and its output line."""
    command = ["/usr/bin/time", "-f", "%M", str(BIN / "azkg"), "--root", str(project), "publish",
               "--remote", engine.query_url]
    started = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **env_of(engine)}, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"azkg publish into {engine.kind} failed:\n{done.stderr[-3000:]}\n{engine.log()}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) // 1024, done.stdout.strip()


def engine_rss_mb(engine: Engine) -> int:
    return sum(_rss_kb(pid) for pid in _tree(engine.pid)) // 1024


def front_end(name: str, project: Path, args: list[str], env: dict[str, str] | None = None) -> Server:
    port = free_port()
    command = [str(BIN / "azkg"), "--root", str(project), "serve", *args, "--port", str(port),
               "--answer-cache-mb", "0", "--query-timeout", "60"]
    return start(name, command, f"http://127.0.0.1:{port}/sparql", env)


def qps(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"  # no answer within the window: nothing to compare


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 0.0


def allow_after_image(limit_bytes: int) -> None:
    """Virtuoso's TransactionAfterImageLimit (50 MB by default) for the databases virtuoso_store makes from
    here on: `azkg publish`'s switch (MOVE of the staged graph) is one transaction, and at 1M triples its
    after image outgrows the default (500, SR325)."""
    setting = f"TransactionAfterImageLimit = {limit_bytes}\n"
    if setting not in engines.VIRTUOSO_INI:
        engines.VIRTUOSO_INI = engines.VIRTUOSO_INI.replace("[Parameters]\n", "[Parameters]\n" + setting, 1)


def bench_size(size: int, seconds: float, concurrencies: list[int], work: Path) -> list[str]:
    project = work / f"project-{size}"
    (project / "data").mkdir(parents=True)
    (project / "ontology").symlink_to(ROOT / "ontology", target_is_directory=True)
    started = time.perf_counter()
    parks, facts = generate(project / "data" / "triples.ttl", size)  # N-Triples: valid Turtle
    print(f"[{size}] generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    lines = [f"### {size:,} triples (generated)", ""]
    with ExitStack() as stack:
        virtuoso = stack.enter_context(virtuoso_store(work / f"virtuoso-{size}"))
        oxigraph = stack.enter_context(oxigraph_store(work / f"oxigraph-{size}"))
        lines += ["| publish (`azkg publish --remote`) | seconds | triples/s | azkg peak memory | "
                  "store memory after |", "|---|---|---|---|---|"]
        for engine in (virtuoso, oxigraph):
            took, peak_mb, said = publish(engine, project)
            sent = int(re.search(r"published ([\d,]+) triples", said).group(1).replace(",", ""))
            print(f"[{size}] {engine.kind}: {said} (peak {peak_mb} MB)", file=sys.stderr, flush=True)
            lines.append(f"| into {engine.kind} | {took:.1f} | {sent / took:,.0f} | {peak_mb} MB | "
                         f"{engine_rss_mb(engine)} MB |")
        store = work / f"embedded-{size}"
        started = time.perf_counter()
        subprocess.run([str(BIN / "azkg"), "--root", str(project), "load", str(project / "data" / "triples.ttl"),
                        *map(str, sorted((ROOT / "ontology").glob("*.ttl"))), "--store", str(store)],
                       check=True, capture_output=True)
        lines += [f"| `azkg load` (embedded, for comparison) | {time.perf_counter() - started:.1f} | | | |", ""]
        servers = []
        for name, extra, env in (("azkg→virtuoso", ["--remote", virtuoso.query_url], env_of(virtuoso)),
                                 ("azkg→oxigraph", ["--remote", oxigraph.query_url], env_of(oxigraph)),
                                 ("azkg embedded", ["--store", str(store)], None)):
            server = front_end(name, project, extra, env)
            stack.callback(server.stop)
            servers.append(server)
        targets = [Target(s.name, s.url, False) for s in servers]
        targets += [Target("virtuoso direct", virtuoso.query_url, True),
                    Target("oxigraph direct", oxigraph.query_url, True)]
        results: dict[tuple[str, int, str], Run] = {}
        mix = queries(parks, facts)
        counts = {qname: {t.name: rows(t, query) for t in targets} for qname, query in mix.items()}
        for target in targets:  # warm up
            for query in mix.values():
                wrk(target.url, target.text(query), 1, 1)
        for qname, query in mix.items():
            for concurrency in concurrencies:
                turn = (len(results) // len(targets)) % len(targets)
                for target in targets[turn:] + targets[:turn]:  # rotate who goes first
                    results[(qname, concurrency, target.name)] = wrk(target.url, target.text(query), concurrency,
                                                                     seconds, timeout=WRK_TIMEOUT)
                print(f"[{size}] {qname} c={concurrency}: " + ", ".join(
                    f"{t.name} {results[(qname, concurrency, t.name)]}" for t in targets), file=sys.stderr, flush=True)
        memory = {s.name: s.rss_mb() for s in servers} | {
            "virtuoso": engine_rss_mb(virtuoso), "oxigraph": engine_rss_mb(oxigraph)}
    for concurrency in concurrencies:
        lines += [f"Concurrency {concurrency}: queries/s, then p50 / p99 latency in ms.", "",
                  "| query | " + " | ".join(TARGETS) + " | " +
                  " | ".join(f"{a} / {b}" for a, b in RATIOS) + " | azkg embedded / oxigraph direct |",
                  "|---|" + "---|" * (len(TARGETS) + len(RATIOS) + 1)]
        for qname in mix:
            got = {name: results[(qname, concurrency, name)] for name in TARGETS}
            errors = {name: run.errors for name, run in got.items() if run.errors}
            note = f" (errors: {', '.join(f'{n} {e}' for n, e in errors.items())})" if errors else ""
            if len(set(counts[qname].values())) > 1:
                note += " (rows differ: " + ", ".join(f"{n} {c}" for n, c in counts[qname].items()) + ")"
            else:
                note += f" ({next(iter(counts[qname].values()))} rows)".replace("(1 rows)", "(1 row)")
            cells = [f"{qps(r.qps)}<br>{r.p50_ms:.2f} / {r.p99_ms:.2f}" for r in got.values()]
            ratios = [ratio(got[a].qps, got[b].qps) for a, b in (*RATIOS, ("azkg embedded", "oxigraph direct"))]
            lines.append(f"| {qname}{note} | " + " | ".join(cells + ratios) + " |")
        answered = [q for q in mix if all(results[(q, concurrency, name)].qps for name in TARGETS)]
        means = {name: geomean([results[(q, concurrency, name)].qps for q in answered]) for name in TARGETS}
        over = "" if len(answered) == len(mix) else (
            f" (over the {len(answered)} queries every target answered within the window)")
        lines += ["", f"Geometric mean at concurrency {concurrency}{over}: " + ", ".join(
            f"{name} {qps(value)} q/s" for name, value in means.items()) + "; " + ", ".join(
            f"**{a} / {b} {ratio(means[a], means[b])}**" for a, b in RATIOS) + ".", ""]
    lines += ["Memory at the end (RSS, all processes): " + ", ".join(f"{k} {v} MB" for k, v in memory.items()) + ".",
              ""]
    return lines


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    try:
        virtuoso = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "virtuoso-opensource-7-bin"],
                                  capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        virtuoso = "unknown"
    load = os.getloadavg()[0]
    return (f"Run on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores "
            f"({cpu.group(1) if cpu else platform.machine()}), {memory} GiB, Python {platform.python_version()}, "
            f"Virtuoso {virtuoso} (Debian), oxigraph {metadata.version('oxigraph')}, "
            f"pyoxigraph {metadata.version('pyoxigraph')}; the stores, the three front-ends and wrk all on this "
            f"machine, which other work shares (load average {load:.1f} at the start).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--virtuoso-after-image-mb", type=int, default=0,
                        help="Virtuoso's TransactionAfterImageLimit in MB (0: its default, 50 MB)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if args.virtuoso_after_image_mb:
        allow_after_image(args.virtuoso_after_image_mb << 20)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run stops its servers and stores too
    for tool in ("wrk", "/usr/bin/time", "virtuoso-t"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install "
                     f"{ {'wrk': 'wrk', '/usr/bin/time': 'time'}.get(tool, 'virtuoso-opensource')}")
    if not (BIN / "oxigraph").exists():
        sys.exit('the oxigraph CLI is needed: pip install -e ".[bench]"')
    after_image = f" --virtuoso-after-image-mb {args.virtuoso_after_image_mb}" if args.virtuoso_after_image_mb else ""
    report = ["## Over a remote store (2026-11-30)", "", machine(), "",
              f"Command: `python benchmarks/remote_bench.py --sizes {' '.join(map(str, args.sizes))} "
              f"--seconds {args.seconds:g} --concurrency {' '.join(map(str, args.concurrency))}{after_image}`", "",
              "Each front-end runs `azkg serve` with `--answer-cache-mb 0` (every request is evaluated) and "
              "`--query-timeout 60`, one HTTP process. The direct queries add `FROM <.../graph/data> "
              "FROM <.../graph/ontology>`, the graphs azkg sends as `default-graph-uri`; Virtuoso is asked by GET.",
              ""]
    with tempfile.TemporaryDirectory(prefix="azkg-remote-bench-") as work:
        for size in args.sizes:
            report += bench_size(size, args.seconds, args.concurrency, Path(work))
            print("\n".join(report), flush=True)
    with args.out.open("a", encoding="utf-8") as out:
        out.write("\n" + "\n".join(report) + "\n")


if __name__ == "__main__":
    main()
