"""Benchmark: azkg's /sparql against a naive FastAPI app and Oxigraph's Rust server, side by side.

    python benchmarks/sparql_bench.py [--sizes 100000 1000000] [--seconds 3] [--processes 1] [--out docs/benchmarks.md]

Needs `wrk` (Debian: apt-get install wrk) and the `oxigraph` package (pip install -e ".[bench]").
For each size it generates a synthetic graph in azkg's shape (parks, companies, figures with sources
and quotes), loads it with `azkg load` and `oxigraph load` (load rate, peak memory), starts the three
servers on 127.0.0.1, and for each query of the mix and each concurrency (1, 4, 16) runs wrk against
each server in turn (interleaved, so drift on a shared machine hits all three alike). It prints a
Markdown report with queries/s, p50/p99 latency and the ratios, and writes it to --out.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
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
            "PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")


def queries(parks: int, facts: int) -> dict[str, str]:
    return {
        "entity lookup": f"SELECT ?p ?o WHERE {{ <{AZ}id/company-{7 % (parks * 20)}> ?p ?o }}",
        "provenance of a fact": f"SELECT ?quote ?source WHERE {{ <{AZ}fact/s{(facts // 2) % 100}/f{facts // 2}> "
                                "prov:wasDerivedFrom ?q . "
                                "?q oa:hasSource ?source ; oa:hasSelector/oa:exact ?quote }",
        "facts of a park": f"SELECT ?f ?m ?v WHERE {{ ?f azkg:about <{AZ}id/park-{parks // 2}> ; azkg:metric ?m ; "
                           "azkg:value ?v }",
        "aggregate": f"SELECT ?park (SUM(?v) AS ?total) WHERE {{ ?f azkg:about ?park ; "
                     f"azkg:metric <{AZ}def/metric/investment> ; azkg:value ?v }} GROUP BY ?park",
        "label search": 'SELECT ?e ?l WHERE { ?e rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "park 7")) } LIMIT 20',
        "ORDER BY with LIMIT": "SELECT ?f ?v WHERE { ?f azkg:value ?v } ORDER BY DESC(?v) LIMIT 10",
    }


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
            for line in (
                f"{fact} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{AZ}def/FigureFact>",
                f"{fact} <{AZ}def/about> {about}",
                f"{fact} <{AZ}def/metric> <{AZ}def/metric/{metrics[f % 5]}>",
                f'{fact} <{AZ}def/value> "{value}"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                f'{fact} <{AZ}def/currency> "AZN"',
                f'{fact} <{AZ}def/asOf> "2026-01-27"^^<http://www.w3.org/2001/XMLSchema#date>',
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

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def rss_mb(self) -> int:
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid)) // 1024


def start(name: str, command: list[str], url: str, env: dict | None = None) -> Server:
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    probe = url + "?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=2).read()
            return Server(name, url, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{name} did not start")


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
    errors: int


def wrk(url: str, query: str, concurrency: int, seconds: float, timeout: float | None = None) -> Run:
    """`timeout`: wrk's --timeout (its default, 2 s, counts a slower answer as a timeout)."""
    target = url + "?query=" + urllib.parse.quote(PREFIXES + query)
    threads = min(2, concurrency)
    limit = [f"--timeout={timeout:g}s"] if timeout else []
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "--latency", *limit,
                          "-H", "Accept: application/sparql-results+json", target],
                         capture_output=True, text=True, check=True).stdout
    qps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Run(qps, _latency(out, "50%"), _latency(out, "99%"), errors)


def _latency(out: str, which: str) -> float:
    value, unit = re.search(rf"{which}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# ------------------------------------------------------------------ the run

def bench_size(size: int, seconds: float, work: Path, processes: int = 1) -> list[str]:
    data = work / f"data-{size}.nt"
    parks, facts = generate(data, size)
    ours_store, rust_store = work / f"azkg-{size}", work / f"oxigraph-{size}"
    ours_s, ours_mb, out = timed([str(BIN / "azkg"), "load", str(data), "--store", str(ours_store)])
    triples = int(re.search(r"(\d+) new triples", out).group(1))
    rust_s, rust_mb, _ = timed([str(BIN / "oxigraph"), "load", "--location", str(rust_store), "--file", str(data)])
    lines = [f"### {triples:,} triples", "",
             "| load | seconds | triples/s | peak memory |", "|---|---|---|---|",
             f"| `azkg load` | {ours_s:.2f} | {triples / ours_s:,.0f} | {ours_mb} MB |",
             f"| `oxigraph load` | {rust_s:.2f} | {triples / rust_s:,.0f} | {rust_mb} MB |",
             f"| ratio azkg / oxigraph | | **{rust_s / ours_s:.2f}x** | |", ""]
    snapshot = sorted((ours_store / "snapshots").iterdir())[-1]
    ports = [free_port() for _ in range(3)]
    servers = [
        start("azkg", [str(BIN / "azkg"), "--root", str(ROOT), "serve", "--store", str(ours_store),
                       "--port", str(ports[0]), "--processes", str(processes), "--answer-cache-mb", "0"],
              f"http://127.0.0.1:{ports[0]}/sparql"),  # the answer cache off: every request evaluated
        start("naive", [str(BIN / "uvicorn"), "naive_app:app", "--app-dir", str(ROOT / "benchmarks"),
                        "--port", str(ports[1]), "--log-level", "warning"],
              f"http://127.0.0.1:{ports[1]}/sparql", {"AZKG_BENCH_STORE": str(snapshot)}),
        start("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(rust_store),
                           "--bind", f"127.0.0.1:{ports[2]}"], f"http://127.0.0.1:{ports[2]}/query"),
    ]
    peak = {s.name: s.rss_mb() for s in servers}
    results: dict[tuple[str, int, str], Run] = {}
    try:
        mix = queries(parks, facts)
        for server in servers:  # warm up
            wrk(server.url, mix["entity lookup"], 4, 1)
        for qname, query in mix.items():
            for concurrency in CONCURRENCY:
                order = servers[concurrency % 3:] + servers[: concurrency % 3]  # rotate who goes first
                for server in order:
                    results[(qname, concurrency, server.name)] = wrk(server.url, query, concurrency, seconds)
                    peak[server.name] = max(peak[server.name], server.rss_mb())
    finally:
        for server in servers:
            server.stop()
    lines += ["| query | c | azkg q/s | naive q/s | oxigraph q/s | azkg p50 / p99 ms | naive p50 / p99 ms | "
              "oxigraph p50 / p99 ms | azkg / naive | azkg / oxigraph |", "|---|---|---|---|---|---|---|---|---|---|"]
    for qname in mix:
        for concurrency in CONCURRENCY:
            a, n, o = (results[(qname, concurrency, name)] for name in ("azkg", "naive", "oxigraph"))
            errors = "" if not (a.errors or n.errors or o.errors) else f" (errors: {a.errors}/{n.errors}/{o.errors})"
            lines.append(f"| {qname}{errors} | {concurrency} | {a.qps:,.0f} | {n.qps:,.0f} | {o.qps:,.0f} | "
                         f"{a.p50_ms:.2f} / {a.p99_ms:.2f} | {n.p50_ms:.2f} / {n.p99_ms:.2f} | "
                         f"{o.p50_ms:.2f} / {o.p99_ms:.2f} | {a.qps / n.qps:.2f}x | {a.qps / o.qps:.2f}x |")
    geo = {name: math.exp(sum(math.log(max(results[(q, 16, name)].qps, 1e-9)) for q in mix) / len(mix))
           for name in ("azkg", "naive", "oxigraph")}
    lookup = results[("entity lookup", 1, "azkg")]
    lines += ["", f"Geometric mean at concurrency 16: azkg {geo['azkg']:,.0f} q/s, naive {geo['naive']:,.0f}, "
              f"oxigraph {geo['oxigraph']:,.0f}: **azkg / naive {geo['azkg'] / geo['naive']:.2f}x** (target >= 1.5), "
              f"**azkg / oxigraph {geo['azkg'] / geo['oxigraph']:.2f}x** (target >= 0.7). "
              f"Entity look-up p50 at concurrency 1: **{lookup.p50_ms:.2f} ms** (target < 1.5). "
              f"Peak server memory: azkg {peak['azkg']} MB (all processes), naive {peak['naive']} MB, "
              f"oxigraph {peak['oxigraph']} MB.", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--processes", type=int, default=1, help="azkg's HTTP processes (serve --processes)")
    args = parser.parse_args()
    for tool in ("wrk", "/usr/bin/time"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install {'wrk' if tool == 'wrk' else 'time'}")
    if not (BIN / "oxigraph").exists():
        sys.exit('the oxigraph CLI is needed: pip install -e ".[bench]"')
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    report = ["# Benchmarks", "", f"Run on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores "
              f"({cpu.group(1) if cpu else platform.machine()}), {memory} GiB, Python {platform.python_version()}, "
              "load generator wrk on the same machine.", "",
              f"Command: `python benchmarks/sparql_bench.py --sizes {' '.join(map(str, args.sizes))} "
              f"--seconds {args.seconds:g} --processes {args.processes}`", ""]
    with tempfile.TemporaryDirectory(prefix="azkg-bench-") as work:
        for size in args.sizes:
            report += bench_size(size, args.seconds, Path(work), args.processes)
            print("\n".join(report), flush=True)
    args.out.write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
