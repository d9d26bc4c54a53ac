"""Benchmark: azkg's /sparql against a naive FastAPI app and Oxigraph's Rust server, side by side.

    python benchmarks/sparql_bench.py [--sizes 100000 1000000] [--seconds 3] [--processes 1]
        [--servers azkg azkg-cached naive oxigraph] [--azkg-option="--workers 3"] [--label TEXT]
        [--out docs/benchmarks.md] [--no-write]

Needs `wrk` (Debian: apt-get install wrk) and the `oxigraph` package (pip install -e ".[bench]").
For each size it generates a synthetic graph in azkg's shape (parks, companies, figures with sources
and quotes), loads it with `azkg load` and `oxigraph load` (load rate, peak memory), and starts the
servers on 127.0.0.1 one at a time, timing each one's cold start (launch to its first answer) and
reading its idle memory. The servers: azkg with its answer cache off (every request evaluated), azkg
with its default answer cache (wrk repeats one URL, so this is the figure for a mix that repeats
requests), the naive app and Oxigraph's server. For each kind of the query mix and each concurrency
(1, 4, 16) it runs wrk against each server in turn (interleaved, who goes first rotating, so drift on a
shared machine hits all alike). It prints a Markdown report with queries/s, p50/p99 latency, the
ratios and the targets of issue 13, and writes it into --out between MARK_START and MARK_END, leaving
the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AZ = "https://w3id.org/azkg/"
CONCURRENCY = (1, 4, 16)
PREFIXES = (f"PREFIX azkg: <{AZ}def/> PREFIX prov: <http://www.w3.org/ns/prov#> "
            "PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ")
JSON, N_TRIPLES = "application/sparql-results+json", "application/n-triples"
SERVERS = ("azkg", "azkg cached", "naive", "oxigraph")
RATIOS = (("azkg", "naive"), ("azkg", "oxigraph"), ("azkg cached", "oxigraph"))
IDLE_AFTER = 3.0  # seconds after its first answer at which a server's idle memory is read
LOOKUP = "entity look-up"
MARK_START, MARK_END = "<!-- sparql_bench: start -->", "<!-- sparql_bench: end -->"
FIRST_DAY, DAYS = datetime.date(2022, 1, 1), 4 * 365  # the facts' asOf dates spread over four years


@dataclass(frozen=True)
class Kind:
    """One kind of the query mix: its name (stable: docs/benchmarks.md's tables use it), its text
    (without PREFIXES) and the media type asked for."""

    name: str
    query: str
    accept: str = JSON


def mix(parks: int, facts: int) -> list[Kind]:
    """The query mix of issue 13, over the shape `generate` writes."""
    company, park = f"<{AZ}id/company-{7 % (parks * 20)}>", f"<{AZ}id/park-{parks // 2}>"
    fact = f"<{AZ}fact/s{(facts // 2) % 100}/f{facts // 2}>"
    optionals = " ".join(f"OPTIONAL {{ ?f {p} ?{v} }}" for p, v in (
        ("azkg:metric", "m"), ("azkg:value", "v"), ("azkg:currency", "c"), ("azkg:asOf", "d"),
        ("azkg:statedIn", "s"), ("azkg:status", "st"), ("rdfs:label", "l")))
    return [
        Kind("ASK on one IRI", f"ASK {{ {company} ?p ?o }}"),
        Kind(LOOKUP, f"SELECT ?p ?o WHERE {{ {company} ?p ?o }}"),
        Kind("CONSTRUCT of an entity", f"CONSTRUCT {{ {company} ?p ?o }} WHERE {{ {company} ?p ?o }}", N_TRIPLES),
        Kind("1-hop join", f"SELECT ?c ?l WHERE {{ ?c azkg:residentIn {park} ; rdfs:label ?l }}"),
        Kind("2-hop provenance", f"SELECT ?quote ?source WHERE {{ {fact} prov:wasDerivedFrom ?q . "
                                 "?q oa:hasSource ?source ; oa:hasSelector/oa:exact ?quote }"),
        Kind("facts of a park", f"SELECT ?f ?m ?v WHERE {{ ?f azkg:about {park} ; azkg:metric ?m ; azkg:value ?v }}"),
        Kind("GROUP BY", f"SELECT ?park (SUM(?v) AS ?total) WHERE {{ ?f azkg:about ?park ; "
                         f"azkg:metric <{AZ}def/metric/investment> ; azkg:value ?v }} GROUP BY ?park"),
        Kind("ORDER BY+LIMIT", "SELECT ?f ?v WHERE { ?f azkg:value ?v } ORDER BY DESC(?v) LIMIT 10"),
        Kind("COUNT(*)", "SELECT (COUNT(*) AS ?n) WHERE { ?f azkg:metric ?m }"),
        Kind("7 OPTIONALs", f"SELECT * WHERE {{ ?f azkg:about {park} {optionals} }}"),
        Kind("date-range", 'SELECT ?f ?d WHERE { ?f azkg:asOf ?d '
                           'FILTER(?d >= "2024-01-01"^^xsd:date && ?d < "2024-04-01"^^xsd:date) }'),
        Kind("label search", 'SELECT ?e ?l WHERE { ?e rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "park 7")) } '
                             "LIMIT 20"),
    ]


def queries(parks: int, facts: int) -> dict[str, str]:
    """The SELECT kinds of the mix by name (remote_bench counts their rows and adds FROM before WHERE)."""
    return {kind.name: kind.query for kind in mix(parks, facts) if kind.query.startswith("SELECT")}


# ------------------------------------------------------------------ data

def generate(path: Path, triples: int) -> tuple[int, int]:
    """N-Triples in azkg's shape; returns (parks, facts)."""
    parks = max(10, triples // 20000)
    companies = parks * 20
    per_fact = 20
    facts = max(1, (triples - parks * 4 - companies * 5) // per_fact)
    metrics = ["investment", "jobs", "output", "exports", "area"]
    with path.open("w", encoding="utf-8") as out:
        w = out.write
        for p in range(parks):
            park = f"<{AZ}id/park-{p}>"
            w(f'{park} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{AZ}def/IndustrialPark> .\n')
            w(f'{park} <http://www.w3.org/2000/01/rdf-schema#label> "Park {p} Industrial Park"@en .\n')
            w(f'{park} <http://www.w3.org/2004/02/skos/core#altLabel> "P{p}"@en .\n')
            w(f'{park} <{AZ}def/areaHectares> "{100 + p}"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n')
        for c in range(companies):
            company = f"<{AZ}id/company-{c}>"
            w(f"{company} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{AZ}def/Company> .\n")
            w(f'{company} <http://www.w3.org/2000/01/rdf-schema#label> "Company {c} LLC"@en .\n')
            w(f"{company} <{AZ}def/residentIn> <{AZ}id/park-{c % parks}> .\n")
            w(f"{company} <{AZ}def/country> <{AZ}id/country-{c % 30}> .\n")
            w(f'{company} <{AZ}def/legalForm> "LLC" .\n')
        for f in range(facts):
            source = f"s{f % 100}"
            fact, quote = f"<{AZ}fact/{source}/f{f}>", f"<{AZ}quote/{source}/{f * 10}-{f * 10 + 40}>"
            about = f"<{AZ}id/park-{f % parks}>" if f % 3 else f"<{AZ}id/company-{f % companies}>"
            value = (f * 7919) % 10_000_000
            as_of = FIRST_DAY + datetime.timedelta(days=(f * 97) % DAYS)
            for line in (
                f"{fact} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{AZ}def/FigureFact>",
                f"{fact} <{AZ}def/about> {about}",
                f"{fact} <{AZ}def/metric> <{AZ}def/metric/{metrics[f % 5]}>",
                f'{fact} <{AZ}def/value> "{value}"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                f'{fact} <{AZ}def/currency> "AZN"',
                f'{fact} <{AZ}def/asOf> "{as_of}"^^<http://www.w3.org/2001/XMLSchema#date>',
                f"{fact} <{AZ}def/statedIn> <{AZ}source/{source}>",
                f"{fact} <http://www.w3.org/ns/prov#wasDerivedFrom> {quote}",
                f"{fact} <{AZ}def/status> <{AZ}def/status/actual>",
                f'{fact} <http://www.w3.org/2000/01/rdf-schema#label> "Figure {f}: {value} AZN"@en',
                f"{quote} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{AZ}def/Quote>",
                f"{quote} <http://www.w3.org/ns/oa#hasSource> <{AZ}source/{source}>",
                f"{quote} <http://www.w3.org/ns/oa#hasSelector> <{quote[1:-1]}#text>",
                f"{quote} <http://www.w3.org/ns/oa#hasSelector> <{quote[1:-1]}#position>",
                f'<{quote[1:-1]}#text> <http://www.w3.org/ns/oa#exact> "a total investment of {value} manats"',
                f'<{quote[1:-1]}#text> <http://www.w3.org/ns/oa#prefix> "attracting "',
                f'<{quote[1:-1]}#text> <http://www.w3.org/ns/oa#suffix> " in the zones"',
                f'<{quote[1:-1]}#position> <http://www.w3.org/ns/oa#start> "{f * 10}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>',
                f'<{quote[1:-1]}#position> <http://www.w3.org/ns/oa#end> "{f * 10 + 40}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>',
                f"<{quote[1:-1]}#text> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/oa#TextQuoteSelector>",
            ):
                w(line + " .\n")
    return parks, facts


def timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB (GNU time), and output of a command."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=True)
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return time.perf_counter() - started, peak_kb // 1024, result.stdout


# ------------------------------------------------------------------ servers

@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    cold_s: float = 0.0  # from launch to the first answer of a one-row query

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def rss_mb(self) -> int:
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid)) // 1024

    def pss_mb(self) -> int:
        """Proportional set size: each page shared by n processes counts 1/n in each (forked workers share
        their parent's pages, which RSS counts once per process)."""
        return sum(_pss_kb(pid) for pid in _tree(self.process.pid)) // 1024


def start(name: str, command: list[str], url: str, env: dict | None = None) -> Server:
    """Launch a server and wait for its first answer, polling every 10 ms (its cold start)."""
    probe = urllib.request.Request(url + "?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
                                   headers={"Accept": JSON})
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    while time.perf_counter() - started < 120:
        try:
            urllib.request.urlopen(probe, timeout=2).read()
            return Server(name, url, process, time.perf_counter() - started)
        except OSError:
            time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"{name} did not start")


def launches(names: list[str], stores: dict[str, Path], processes: int,
             azkg_options: list[str]) -> list[tuple[str, list[str], str, dict | None]]:
    """(name, command, URL, environment) of each server asked for, each on a port of its own. The two
    azkg servers share the store folder: serving only reads its immutable snapshots (read-only), as
    `serve --processes N` does."""
    ports = {name: free_port() for name in SERVERS}
    azkg = [str(BIN / "azkg"), "--root", str(ROOT), "serve", "--store", str(stores["azkg"]),
            "--processes", str(processes)]
    every = {
        "azkg": ([*azkg, "--port", str(ports["azkg"]), "--answer-cache-mb", "0", *azkg_options], "sparql", None),
        "azkg cached": ([*azkg, "--port", str(ports["azkg cached"]), *azkg_options], "sparql", None),
        "naive": ([str(BIN / "uvicorn"), "naive_app:app", "--app-dir", str(ROOT / "benchmarks"),
                   "--port", str(ports["naive"]), "--log-level", "warning"], "sparql",
                  {"AZKG_BENCH_STORE": str(stores["snapshot"])}),
        "oxigraph": ([str(BIN / "oxigraph"), "serve-read-only", "--location", str(stores["oxigraph"]),
                      "--bind", f"127.0.0.1:{ports['oxigraph']}"], "query", None),
    }
    return [(name, every[name][0], f"http://127.0.0.1:{ports[name]}/{every[name][1]}", every[name][2])
            for name in names]


def start_all(names: list[str], stores: dict[str, Path], processes: int,
              azkg_options: list[str]) -> tuple[list[Server], dict[str, tuple[int, int]]]:
    """Start the servers one after another (so that no start competes with another for the cores) and
    read each one's memory IDLE_AFTER seconds after its first answer, before any load."""
    servers: list[Server] = []
    idle: dict[str, tuple[int, int]] = {}  # (RSS, PSS)
    try:
        for name, command, url, env in launches(names, stores, processes, azkg_options):
            servers.append(start(name, command, url, env))
            time.sleep(IDLE_AFTER)
            idle[name] = servers[-1].rss_mb(), servers[-1].pss_mb()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers, idle


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:  # threads come and go while we look
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for child in kids:
            pids += _tree(int(child))
    return pids


def _rss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmRSS:\s+(\d+)", text)
    return int(match.group(1)) if match else 0


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ load generation

@dataclass
class Run:
    qps: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 2xx/3xx, and socket errors and timeouts
    failed: int = 0  # of which answers other than 2xx/3xx: the server could not answer this kind


def wrk(url: str, query: str, concurrency: int, seconds: float, timeout: float | None = None,
        accept: str = JSON) -> Run:
    """`timeout`: wrk's --timeout (its default, 2 s, counts a slower answer as a timeout)."""
    target = url + "?query=" + urllib.parse.quote(PREFIXES + query)
    threads = min(2, concurrency)
    limit = [f"--timeout={timeout:g}s"] if timeout else []
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "--latency", *limit,
                          "-H", f"Accept: {accept}", target],
                         capture_output=True, text=True, check=True).stdout
    qps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    failed = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errors = failed + sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Run(qps, _latency(out, "50%"), _latency(out, "99%"), errors, failed)


def _latency(out: str, which: str) -> float:
    value, unit = re.search(rf"{which}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# ------------------------------------------------------------------ the run

Results = dict[tuple[str, int, str], Run]  # (kind, concurrency, server)


def bench_size(size: int, seconds: float, work: Path, processes: int = 1, names: list[str] | None = None,
               azkg_options: list[str] | None = None) -> list[str]:
    names = list(names or SERVERS)
    data = work / f"data-{size}.nt"
    parks, facts = generate(data, size)
    stores = {"azkg": work / f"azkg-{size}", "oxigraph": work / f"oxigraph-{size}"}
    lines = load_stores(data, stores)
    stores["snapshot"] = sorted((stores["azkg"] / "snapshots").iterdir())[-1]
    servers, idle = start_all(names, stores, processes, azkg_options or [])
    peak = {name: rss for name, (rss, _) in idle.items()}
    results: Results = {}
    kinds = mix(parks, facts)
    try:
        for server in servers:  # warm up
            wrk(server.url, next(k.query for k in kinds if k.name == LOOKUP), 4, 1)
        for kind in kinds:
            for concurrency in CONCURRENCY:
                turn = len(results) // len(servers) % len(servers)
                for server in servers[turn:] + servers[:turn]:  # rotate who goes first
                    results[(kind.name, concurrency, server.name)] = wrk(server.url, kind.query, concurrency,
                                                                         seconds, accept=kind.accept)
                    peak[server.name] = max(peak[server.name], server.rss_mb())
    finally:
        for server in servers:
            server.stop()
    lines += start_table(servers, idle, peak)
    lines += results_table(kinds, names, results)
    return [*lines, "", summary(kinds, names, results), ""]


def load_stores(data: Path, stores: dict[str, Path]) -> list[str]:
    ours_s, ours_mb, out = timed([str(BIN / "azkg"), "load", str(data), "--store", str(stores["azkg"])])
    triples = int(re.search(r"(\d+) new triples", out).group(1))
    rust_s, rust_mb, _ = timed([str(BIN / "oxigraph"), "load", "--location", str(stores["oxigraph"]),
                                "--file", str(data)])
    return [f"### {triples:,} triples", "",
            "| load | seconds | triples/s | peak memory |", "|---|---|---|---|",
            f"| `azkg load` | {ours_s:.2f} | {triples / ours_s:,.0f} | {ours_mb} MiB |",
            f"| `oxigraph load` | {rust_s:.2f} | {triples / rust_s:,.0f} | {rust_mb} MiB |",
            f"| ratio azkg / oxigraph | | **{rust_s / ours_s:.2f}x** | |", ""]


def start_table(servers: list[Server], idle: dict[str, tuple[int, int]], peak: dict[str, int]) -> list[str]:
    lines = ["| server | cold start | idle memory, PSS | idle memory, RSS | peak RSS under load |",
             "|---|---|---|---|---|"]
    lines += [f"| {s.name} | {s.cold_s:.2f} s | {idle[s.name][1]} MiB | {idle[s.name][0]} MiB | {peak[s.name]} MiB |"
              for s in servers]
    return [*lines, "", "Cold start: seconds from launching the server to its first answer of a one-row query "
            "(polled every 10 ms; the store's files are in the page cache, just loaded). Memory: of all the "
            f"server's processes, idle {IDLE_AFTER:g} s after that answer, before any load; PSS counts a page "
            "shared by n processes 1/n in each (the memory the server takes from the machine), RSS counts it in "
            "each. Targets for azkg: cold start <= 0.5 s, idle memory <= 150 MiB.", ""]


def results_table(kinds: list[Kind], names: list[str], results: Results) -> list[str]:
    pairs = [(a, b) for a, b in RATIOS if a in names and b in names]
    lines = ["| query | c | " + " | ".join(f"{n} q/s" for n in names) + " | "
             + " | ".join(f"{n} p50 / p99 ms" for n in names) + "".join(f" | {a} / {b}" for a, b in pairs) + " |",
             "|---|---|" + "---|" * (2 * len(names) + len(pairs))]
    for kind in kinds:
        for concurrency in CONCURRENCY:
            got = {n: results[(kind.name, concurrency, n)] for n in names}
            errors = ", ".join(f"{n} {r.errors:,}" + (f" ({r.failed:,} not 2xx)" if r.failed else "")
                               for n, r in got.items() if r.errors)
            lines.append(f"| {kind.name}{f' (errors: {errors})' if errors else ''} | {concurrency} | "
                         + " | ".join(f"{r.qps:,.0f}" for r in got.values()) + " | "
                         + " | ".join(latencies(r) for r in got.values())
                         + "".join(f" | {ratio(got[a], got[b])}" for a, b in pairs) + " |")
    return lines


def answered(run: Run) -> bool:
    """Whether the run counts: some answer within the window, and only 2xx/3xx answers."""
    return run.qps > 0 and not run.failed


def ratio(a: Run, b: Run) -> str:
    return f"{a.qps / b.qps:.2f}x" if answered(a) and answered(b) else "n/a"


def latencies(run: Run) -> str:
    return f"{run.p50_ms:.2f} / {run.p99_ms:.2f}" if run.qps else "n/a"


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 0.0


def summary(kinds: list[Kind], names: list[str], results: Results) -> str:
    """The line of issue 13's targets."""
    parts = [geomeans(kinds, names, results)]
    if "azkg" in names:
        lookup = results[(LOOKUP, 1, "azkg")]
        parts.append(f"Entity look-up p50 at concurrency 1: **{lookup.p50_ms:.2f} ms** (target <= 0.4).")
    if "azkg" in names and "naive" in names:
        parts.append(slower_than_naive(kinds, results))
    return " ".join(parts)


def geomeans(kinds: list[Kind], names: list[str], results: Results) -> str:
    """Each server's geometric mean at concurrency 16 over the kinds it answered (`answered`), and the
    ratios with targets over the kinds both servers answered."""
    said = []
    for name in names:
        runs = {k.name: results[(k.name, 16, name)] for k in kinds}
        left = [q for q, run in runs.items() if not answered(run)]
        without = f" (without {', '.join(left)}: no answer or not 2xx)" if left else ""
        said.append(f"{name} {geomean([r.qps for r in runs.values() if answered(r)]):,.0f} q/s{without}")
    line = "Geometric mean at concurrency 16 over the mix: " + ", ".join(said)
    targets = ((("azkg", "oxigraph"), ">= 0.8"), (("azkg cached", "oxigraph"), ">= 1.2"))
    for (a, b), target in ((pair, t) for pair, t in targets if set(pair) <= set(names)):
        both = [k.name for k in kinds if answered(results[(k.name, 16, a)]) and answered(results[(k.name, 16, b)])]
        value = geomean([results[(q, 16, a)].qps / results[(q, 16, b)].qps for q in both])
        over = "" if len(both) == len(kinds) else f", over the {len(both)} kinds both answered"
        line += f"; **{a} / {b} {value:.2f}x** (target {target}{over})"
    return line + "."


def slower_than_naive(kinds: list[Kind], results: Results) -> str:
    slower, unknown = [], []
    for kind in kinds:
        runs = [(c, results[(kind.name, c, "azkg")], results[(kind.name, c, "naive")]) for c in CONCURRENCY]
        if not all(answered(a) and answered(n) for _, a, n in runs):
            unknown.append(kind.name)
        elif found := [f"c{c} {a.qps / n.qps:.2f}x" for c, a, n in runs if a.qps < n.qps]:
            slower.append(f"{kind.name} ({', '.join(found)})")
    line = f"Kinds where azkg is slower than the naive app: **{'; '.join(slower) or 'none'}** (target: none)"
    if unknown:
        line += f"; not compared: {', '.join(unknown)} (no answer in the window, or not 2xx, from one of them)"
    return line + "."


def write_report(out: Path, lines: list[str]) -> None:
    """Put the report between the markers in `out`, keeping the rest of the file."""
    block = f"{MARK_START}\n" + "\n".join(lines).strip("\n") + f"\n{MARK_END}"
    if not out.exists():
        out.write_text(f"# Benchmarks\n\n{block}\n", encoding="utf-8")
        return
    text = out.read_text(encoding="utf-8")
    head, found, rest = text.partition(MARK_START)
    if not found or MARK_END not in rest:
        sys.exit(f"{out} has no {MARK_START} ... {MARK_END} block: add the markers around the part to replace")
    out.write_text(head + block + rest.split(MARK_END, 1)[1], encoding="utf-8")


def server_name(text: str) -> str:
    return text.replace("-", " ")  # `--servers azkg-cached` spares the quotes


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of each wrk run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help=f"the file whose {MARK_START} ... {MARK_END} block the report replaces")
    parser.add_argument("--no-write", action="store_true", help="only print the report")
    parser.add_argument("--processes", type=int, default=1, help="azkg's HTTP processes (serve --processes)")
    parser.add_argument("--servers", type=server_name, nargs="+", choices=SERVERS, default=list(SERVERS),
                        metavar="NAME", help="the servers to run: azkg, azkg-cached, naive, oxigraph (default: all)")
    parser.add_argument("--azkg-option", action="append", default=[], metavar="ARGS",
                        help="extra arguments to both azkg servers' `azkg serve`, split as a shell does "
                             '(--azkg-option="--workers 3"); repeatable')
    parser.add_argument("--label", default="SPARQL service", help="the report's heading, to tell runs apart")
    args = parser.parse_args()
    args.servers = [name for name in SERVERS if name in args.servers]  # the tables' order
    args.azkg_option = [word for option in args.azkg_option for word in shlex.split(option)]
    return args


def heading(args: argparse.Namespace) -> list[str]:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip() or "unknown"
    options = f" {shlex.join(args.azkg_option)}" if args.azkg_option else ""
    return [f"## {args.label} ({time.strftime('%Y-%m-%d')})", "",
            f"Run on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores "
            f"({cpu.group(1) if cpu else platform.machine()}), {memory} GiB, Python {platform.python_version()}, "
            f"load generator wrk on the same machine; azkg at commit {commit}.", "",
            f"Command: `python benchmarks/sparql_bench.py {shlex.join(sys.argv[1:])}`", "",
            f"Servers: azkg is `azkg serve --processes {args.processes} --answer-cache-mb 0{options}` (every "
            f"request evaluated); azkg cached is `azkg serve --processes {args.processes}{options}` with its "
            "default answer cache (wrk repeats one URL: a mix that repeats requests); naive is "
            "benchmarks/naive_app.py (FastAPI and pyoxigraph under uvicorn); oxigraph is "
            "`oxigraph serve-read-only`.", ""]


def main() -> None:
    args = arguments()
    for tool in ("wrk", "/usr/bin/time"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install {'wrk' if tool == 'wrk' else 'time'}")
    if not (BIN / "oxigraph").exists():
        sys.exit('the oxigraph CLI is needed: pip install -e ".[bench]"')
    report = heading(args)
    print("\n".join(report), flush=True)
    with tempfile.TemporaryDirectory(prefix="azkg-bench-") as work:
        for size in args.sizes:
            lines = bench_size(size, args.seconds, Path(work), args.processes, args.servers, args.azkg_option)
            print("\n".join(lines), flush=True)
            report += lines
    if not args.no_write:
        write_report(args.out, report)


if __name__ == "__main__":
    main()
