"""Measurements for issue 13: granian against uvicorn, and the union tax of pyoxigraph's union default graph.

    PYTHONPATH=src python benchmarks/server_bench.py servers [--seconds 3] [--rounds 3] [--triples 100000]
    PYTHONPATH=src python benchmarks/server_bench.py union [--triples 1000000] [--runs 7] [--loads 3]

Needs `wrk` and granian (pip install 'granian>=2.8,<3'). `servers` starts every server at once on its own
port (idle ones cost nothing), then runs wrk against them in turn, round after round (A, B, A, B...), at
-c16 and -c1: a do-nothing ASGI app, a do-nothing FastAPI app and azkg's /sparql (an entity look-up), each
under uvicorn (httptools, uvloop) and granian (ASGI; multi- and single-threaded runtime), and a do-nothing
RSGI app under granian. Server CPU is read from /proc/PID/stat over the whole process tree.
`union` loads the synthetic data of sparql_bench.py in three layouts (named graphs; the default graph;
both), each with bulk_load and then optimize(), and times pyoxigraph's evaluation (thread CPU and wall)
of six queries over each, interleaved; then it checks extend/bulk_load of data already there and whether
the union default graph dedupes a triple held by two graphs. Both print Markdown tables; run them from
the project's root, on an otherwise quiet machine if you can (servers ~7 min, union ~10 min).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sparql_bench import AZ, PREFIXES, ROOT, Server, _latency, _tree, free_port, generate

BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")
LOOKUP = f"SELECT ?p ?o WHERE {{ <{AZ}id/company-7> ?p ?o }}"


# ------------------------------------------------------------------ the do-nothing apps the servers run

async def bare_asgi(scope: dict, receive: Callable, send: Callable) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def bare_rsgi(scope: object, protocol: object) -> None:
    protocol.response_bytes(200, [("content-type", "text/plain")], b"ok")  # type: ignore[attr-defined]


def fastapi_app() -> object:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/", response_class=PlainTextResponse)
    async def nothing() -> str:
        return "ok"

    return app


# ------------------------------------------------------------------ servers and load

def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and all its descendants (threads included)."""
    total = 0
    for one in _tree(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def start(name: str, command: list[str], url: str, log: Path, env: dict[str, str]) -> Server:
    with log.open("w") as err:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=err, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=False).returncode == 0:
            return Server(name, url, process)
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{name} did not start; its log, {log}:\n{log.read_text()[-3000:]}")


@dataclass
class Run:
    qps: float
    p50_ms: float
    cpu_ms: float  # server CPU per request
    errors: int


def load(server: Server, concurrency: int, seconds: float) -> Run:
    before = cpu_seconds(server.process.pid)
    out = subprocess.run(["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{seconds:g}s", "--latency",
                          "-H", "Accept: application/sparql-results+json", server.url],
                         capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(server.process.pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    qps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return Run(qps, _latency(out, "50%"), 1000 * used / max(requests, 1), errors)


def server_commands(store: Path) -> dict[str, tuple[list[str], str, dict[str, str]]]:
    """name -> (command, path to load, environment)."""
    from azkg.settings import Paths, ServiceSettings, child_settings

    here = str(ROOT / "benchmarks")
    uvicorn = [str(BIN / "uvicorn"), "--app-dir", here, "--http", "httptools", "--loop", "uvloop",
               "--log-level", "warning", "--no-access-log"]
    granian = [str(BIN / "granian"), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    modes = {"granian asgi mt": ["--interface", "asgi", "--runtime-mode", "mt"],
             "granian asgi st": ["--interface", "asgi", "--runtime-mode", "st"]}
    service = ServiceSettings.from_environment(dict(os.environ), answer_cache_mb=0)
    child = {"AZKG_CHILD_SETTINGS": child_settings(Paths(ROOT), service, store)}
    sparql = "/sparql?query=" + urllib.parse.quote(PREFIXES + LOOKUP)
    commands = {
        "bare / uvicorn": ([*uvicorn, "server_bench:bare_asgi", "--lifespan", "on"], "/", {}),
        "bare / granian rsgi": ([*granian, "--working-dir", here, "--interface", "rsgi", "server_bench:bare_rsgi"],
                                "/", {}),
        "fastapi / uvicorn": ([*uvicorn, "--factory", "server_bench:fastapi_app"], "/", {}),
        "azkg / uvicorn (azkg serve)": ([str(BIN / "python"), "-m", "azkg.cli", "--root", str(ROOT), "serve",
                                         "--store", str(store), "--answer-cache-mb", "0", "--port"], sparql, {}),
    }
    for mode, flags in modes.items():
        commands[f"bare / {mode}"] = ([*granian, "--working-dir", here, *flags, "server_bench:bare_asgi"], "/", {})
        commands[f"fastapi / {mode}"] = ([*granian, "--working-dir", here, *flags, "--factory",
                                          "server_bench:fastapi_app"], "/", {})
        commands[f"azkg / {mode}"] = ([*granian, *flags, "--factory", "azkg.web.app:from_environment"], sparql, child)
    return dict(sorted(commands.items()))


def bench_servers(triples: int, seconds: float, rounds: int, work: Path) -> list[str]:
    data, store = work / "data.nt", work / "store"
    generate(data, triples)
    env = {"PYTHONPATH": str(ROOT / "src")}
    subprocess.run([str(BIN / "python"), "-m", "azkg.cli", "load", str(data), "--store", str(store)],
                   env={**os.environ, **env}, check=True, capture_output=True)
    servers = []
    try:
        for name, (command, path, extra) in server_commands(store).items():
            port = free_port()
            command = [*command, str(port)] if command[-1] == "--port" else [*command, "--port", str(port)]
            log = work / (re.sub(r"\W+", "-", name) + ".log")
            servers.append(start(name, command, f"http://127.0.0.1:{port}{path}", log, {**env, **extra}))
        for server in servers:
            load(server, 4, 1)  # warm up
        runs: dict[tuple[str, int], list[Run]] = {}
        for turn in range(rounds):
            order = servers[turn % len(servers):] + servers[: turn % len(servers)]
            for concurrency in (16, 1):
                for server in order:
                    runs.setdefault((server.name, concurrency), []).append(load(server, concurrency, seconds))
        memory = {server.name: server.rss_mb() for server in servers}
    finally:
        for server in servers:
            server.stop()
    lines = [f"{triples:,} triples; wrk -t2 -c16 / -t1 -c1, {seconds:g} s a run, {rounds} rounds interleaved; "
             "median [min-max]", "",
             "| server | q/s c16 | q/s c1 | p50 ms c1 | CPU ms/req c16 | CPU ms/req c1 | RSS MB | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for server in servers:
        c16, c1 = runs[(server.name, 16)], runs[(server.name, 1)]
        errors = sum(r.errors for r in c16 + c1)
        lines.append(f"| {server.name} | {spread([r.qps for r in c16], '.0f')} | {spread([r.qps for r in c1], '.0f')} "
                     f"| {spread([r.p50_ms for r in c1], '.3f')} | {spread([r.cpu_ms for r in c16], '.3f')} "
                     f"| {spread([r.cpu_ms for r in c1], '.3f')} | {memory[server.name]} | {errors} |")
    return lines


def spread(values: list[float], form: str) -> str:
    return f"{statistics.median(values):{form}} [{min(values):{form}}-{max(values):{form}}]"


# ------------------------------------------------------------------ the union tax

UNION_QUERIES = {
    "GROUP BY": f"SELECT ?park (SUM(?v) AS ?total) WHERE {{ ?f azkg:about ?park ; "
                f"azkg:metric <{AZ}def/metric/investment> ; azkg:value ?v }} GROUP BY ?park",
    "ORDER BY+LIMIT": "SELECT ?f ?v WHERE { ?f azkg:value ?v } ORDER BY DESC(?v) LIMIT 10",
    "COUNT(*)": "SELECT (COUNT(*) AS ?n) WHERE { ?f azkg:metric ?m }",
    "facts of a park": f"SELECT ?f ?m ?v WHERE {{ ?f azkg:about <{AZ}id/park-25> ; azkg:metric ?m ; azkg:value ?v }}",
    "7 OPTIONALs": f"SELECT * WHERE {{ ?f azkg:about <{AZ}id/park-25> . OPTIONAL {{ ?f azkg:metric ?m }} "
                   "OPTIONAL { ?f azkg:value ?v } OPTIONAL { ?f azkg:currency ?c } OPTIONAL { ?f azkg:asOf ?d } "
                   "OPTIONAL { ?f azkg:statedIn ?s } OPTIONAL { ?f prov:wasDerivedFrom ?q } "
                   "OPTIONAL { ?f rdfs:label ?l } }",
    "entity look-up": LOOKUP,
}


def graph_of(subject: str) -> str:
    """Facts and quotes go to their source's graph (s0..s99), parks and companies to one more."""
    parts = subject.strip("<>").split("/")
    return f"<{AZ}graph/{parts[5]}>" if parts[4] in ("fact", "quote") else f"<{AZ}graph/entities>"


def write_layouts(data: Path, work: Path) -> dict[str, tuple[Path, str]]:
    named, both = work / "named.nq", work / "both.nq"
    with data.open() as lines, named.open("w") as only, both.open("w") as twice:
        for line in lines:
            quad = f"{line[:-3]} {graph_of(line.split(' ', 1)[0])} .\n"
            only.write(quad)
            twice.write(quad)
            twice.write(line)
    return {"(i) named, union": (named, "nq"), "(ii) default": (data, "nt"), "(iii) both, plain": (both, "nq")}


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def load_layouts(files: dict[str, tuple[Path, str]], work: Path, loads: int) -> tuple[dict, dict[str, Path]]:
    import pyoxigraph

    formats = {"nq": pyoxigraph.RdfFormat.N_QUADS, "nt": pyoxigraph.RdfFormat.N_TRIPLES}
    timings: dict[str, list[float]] = {}
    stores: dict[str, Path] = {}
    for turn in range(loads):
        for index, (name, (path, syntax)) in enumerate(files.items()):
            folder = work / f"store-{index}-{turn}"
            started, cpu = time.perf_counter(), time.process_time()
            store = pyoxigraph.Store(str(folder))
            store.bulk_load(path=str(path), format=formats[syntax])
            store.flush()
            timings.setdefault(name, []).append(time.perf_counter() - started)
            timings.setdefault(f"{name} cpu", []).append(time.process_time() - cpu)
            started = time.perf_counter()
            store.optimize()  # compacts: one bulk_load of interleaved graphs leaves many overlapping files
            timings.setdefault(f"{name} optimize", []).append(time.perf_counter() - started)
            quads = len(store)
            del store
            if name in stores:
                shutil.rmtree(stores[name])
            stores[name] = folder
            timings.setdefault(f"{name} quads", []).append(quads)
    return timings, stores


def extend_check(data: Path, named_file: Path, work: Path) -> list[str]:
    """Store.extend and bulk_load of the same triples twice, a default-graph copy added to the named graphs,
    and the same triple in two graphs."""
    import pyoxigraph

    nt, nq = pyoxigraph.RdfFormat.N_TRIPLES, pyoxigraph.RdfFormat.N_QUADS
    triples = list(pyoxigraph.parse(path=str(data), format=nt))
    default = pyoxigraph.DefaultGraph()
    quads = [pyoxigraph.Quad(t.subject, t.predicate, t.object, default) for t in triples]
    named = [pyoxigraph.Quad(q.subject, q.predicate, q.object, pyoxigraph.NamedNode(graph_of(str(q.subject))[1:-1]))
             for q in quads]
    steps: dict[str, list[Callable[[pyoxigraph.Store], None]]] = {
        "extend into the default graph, twice": [lambda st: st.extend(quads)] * 2,
        "extend into the named graphs, twice": [lambda st: st.extend(named)] * 2,
        "bulk_load into the default graph, twice": [lambda st: st.bulk_load(path=str(data), format=nt)] * 2,
        "bulk_load of the named graphs, then of the default-graph copy": [
            lambda st: st.bulk_load(path=str(named_file), format=nq),
            lambda st: st.bulk_load(path=str(data), format=nt),
        ],
    }
    lines = []
    for index, (label, calls) in enumerate(steps.items()):
        folder = work / f"check-{index}"
        store = pyoxigraph.Store(str(folder))
        shown = []
        for call in calls:
            wall, cpu = time.perf_counter(), time.process_time()
            call(store)
            store.flush()
            shown.append(f"{time.perf_counter() - wall:.1f} s ({time.process_time() - cpu:.1f} s CPU), "
                         f"{len(store):,} quads, {disk_mb(folder):.0f} MB")
        lines.append(f"- {label}: " + "; then ".join(shown))
        del store
        shutil.rmtree(folder)
    store = pyoxigraph.Store()
    s, p, o = (pyoxigraph.NamedNode(f"{AZ}x/{x}") for x in "spo")
    for g in ("g1", "g2"):
        store.add(pyoxigraph.Quad(s, p, o, pyoxigraph.NamedNode(f"{AZ}x/{g}")))
    for query in (f"SELECT (COUNT(*) AS ?n) WHERE {{ <{s.value}> <{p.value}> <{o.value}> }}",
                  "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
        rows = list(store.query(query, use_default_graph_as_union=True))
        shown = rows[0]["n"].value if "COUNT" in query else f"{len(rows)} rows"
        lines.append(f"- one triple in two named graphs, union default graph: `{query}` -> {shown}")
    return lines


def time_queries(stores: dict[str, Path], runs: int) -> dict[tuple[str, str, str], list[float]]:
    """(query, layout, "wall" or "cpu") -> seconds of each timed run; cpu is the evaluating thread's, which
    other work on the machine disturbs far less than the wall clock."""
    import pyoxigraph

    opened = {name: pyoxigraph.Store.read_only(str(path)) for name, path in stores.items()}
    union = {name: name.startswith("(i)") for name in stores}
    times: dict[tuple[str, str, str], list[float]] = {}
    rows: dict[tuple[str, str], int] = {}
    names = list(opened)
    for turn in range(runs + 1):  # the first round warms the caches and is not counted
        order = names[turn % len(names):] + names[: turn % len(names)]
        for qname, query in UNION_QUERIES.items():
            for name in order:
                wall, cpu = time.perf_counter(), time.thread_time()
                count = sum(1 for _ in opened[name].query(PREFIXES + query, use_default_graph_as_union=union[name]))
                if turn:
                    times.setdefault((qname, name, "cpu"), []).append(time.thread_time() - cpu)
                    times.setdefault((qname, name, "wall"), []).append(time.perf_counter() - wall)
                rows[(qname, name)] = count
    for qname in UNION_QUERIES:
        if len({rows[(qname, name)] for name in names}) != 1:
            print(f"{qname}: rows differ by layout: {[rows[(qname, n)] for n in names]}", file=sys.stderr)
    return times


def bench_union(triples: int, runs: int, loads: int, work: Path) -> list[str]:
    data = work / "data.nt"
    generate(data, triples)
    files = write_layouts(data, work)
    loading, stores = load_layouts(files, work, loads)
    times = time_queries(stores, runs)
    lines = [f"{triples:,} triples; bulk_load {loads} times interleaved, each query {runs} timed runs interleaved "
             "(after one warm-up); median [min-max]", "",
             "| layout | quads | load s (wall) | load s (CPU, all threads) | optimize() s | disk MB |",
             "|---|---|---|---|---|---|"]
    for name in files:
        lines.append(f"| {name} | {int(loading[f'{name} quads'][0]):,} | {spread(loading[name], '.2f')} "
                     f"| {spread(loading[f'{name} cpu'], '.2f')} | {spread(loading[f'{name} optimize'], '.2f')} "
                     f"| {disk_mb(stores[name]):.0f} |")
    for clock in ("cpu", "wall"):
        lines += ["", f"Evaluation, {clock} ms:", "",
                  "| query | (i) named, union | (ii) default | (iii) both, plain | (i)/(ii) | (iii)/(ii) |",
                  "|---|---|---|---|---|---|"]
        for qname in UNION_QUERIES:
            ms = [[1000 * x for x in times[(qname, name, clock)]] for name in files]
            base = statistics.median(ms[1])
            lines.append(f"| {qname} | {spread(ms[0], '.2f')} | {spread(ms[1], '.2f')} | {spread(ms[2], '.2f')} "
                         f"| {statistics.median(ms[0]) / base:.2f} | {statistics.median(ms[2]) / base:.2f} |")
    return [*lines, "", *extend_check(data, files["(i) named, union"][0], work)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["servers", "union"])
    parser.add_argument("--triples", type=int, default=None, help="default: 100000 (servers), 1000000 (union)")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="azkg-server-bench-") as work:
        if args.what == "servers":
            lines = bench_servers(args.triples or 100_000, args.seconds, args.rounds, Path(work))
        else:
            lines = bench_union(args.triples or 1_000_000, args.runs, args.loads, Path(work))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
