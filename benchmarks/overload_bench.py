"""Benchmark: azkg under overload, a mixed load at rising concurrency, against a baseline's code.

    python benchmarks/overload_bench.py [--concurrency 16 64 256] [--seconds 10] [--workers 2]
                                        [--heavy-share 0.05] [--baseline-src /tmp/azkg-base/src]

Needs `wrk` (Debian: apt-get install wrk). For each concurrency and each code (this checkout's src, and
the baseline's src if given, e.g. a `git worktree add /tmp/azkg-base main`), it starts a fresh
`azkg serve` on 127.0.0.1 over the project's data with that code on PYTHONPATH, then runs two wrk at
once for --seconds: the light mix on most connections (entity look-ups by /sparql, entity pages
/id/<slug> as HTML, /api/entities/<slug>; each fetched once before, to warm the app's caches), and
runaway queries (a cross product that only its time limit stops) on --heavy-share of the
connections. It prints, per run, successful requests/s (2xx of both), the 429s and 503s, and the
light requests' p50/p99 latency (of every light response, whatever its status).
"""

from __future__ import annotations

import argparse
import json
import os
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
AZ = "https://w3id.org/azkg/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENTITIES = f"SELECT DISTINCT ?e WHERE {{ ?e a <{AZ}def/Company> }} ORDER BY ?e LIMIT 40"
JSON = "application/sparql-results+json"

LUA = """
local paths = %s
local accepts = %s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; i = math.random(#paths) end
function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Accept"] = accepts[i]})
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do totals[k] = (totals[k] or 0) + v end
  end
  for k, v in pairs(totals) do io.write(string.format("STATUS %%d %%d\\n", k, v)) end
  io.write(string.format("LATENCY %%d %%d\\n", latency:percentile(50), latency:percentile(99)))
  io.write(string.format("ERRORS %%d\\n", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


@dataclass
class Outcome:
    statuses: dict[int, int]
    p50_ms: float
    p99_ms: float
    socket_errors: int

    def count(self, *codes: int) -> int:
        return sum(n for code, n in self.statuses.items() if code in codes)

    @property
    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(src: Path, store: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(src), "AZKG_QUERY_WORKERS": str(workers),
           "AZKG_ANSWER_CACHE_MB": "0"}  # the queue under load, not the answer cache
    process = subprocess.Popen(
        [sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "serve", "--store", str(store), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    stop = time.monotonic() + 120
    while time.monotonic() < stop:
        try:
            with urllib.request.urlopen(base + "/sparql", timeout=2) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"the server with {src} did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def sparql_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def light_mix(base: str) -> list[tuple[str, str]]:
    with urllib.request.urlopen(base + sparql_path(ENTITIES) + "&format=json", timeout=30) as answer:
        rows = json.load(answer)["results"]["bindings"]
    slugs = [row["e"]["value"].removeprefix(AZ + "id/") for row in rows]
    mix = []
    for slug in slugs:
        mix.append((sparql_path(f"SELECT ?p ?o WHERE {{ <{AZ}id/{slug}> ?p ?o }}"), JSON))
        mix.append((f"/id/{slug}", "text/html"))
        mix.append((f"/api/entities/{slug}", "application/json"))
    for path, accept in mix:  # warm the app's answer caches, so that the runs measure the steady state
        with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept": accept}), timeout=60):
            pass
    return mix


def wrk(base: str, mix: list[tuple[str, str]], connections: int, seconds: float, folder: Path, name: str):
    script = folder / f"{name}.lua"
    paths = "{" + ",".join(json.dumps(p) for p, _ in mix) + "}"
    accepts = "{" + ",".join(json.dumps(a) for _, a in mix) + "}"
    script.write_text(LUA % (paths, accepts))
    threads = max(1, min(2, connections))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{round(seconds)}s", "--timeout", "30s",
               "-s", str(script), base]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse(output: str) -> Outcome:
    statuses = {int(code): int(n) for code, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.MULTILINE)}
    latency = re.search(r"^LATENCY (\d+) (\d+)$", output, re.MULTILINE)
    errors = re.search(r"^ERRORS (\d+)$", output, re.MULTILINE)
    if latency is None or errors is None:
        raise RuntimeError(f"wrk said:\n{output}")
    return Outcome(statuses, int(latency.group(1)) / 1000, int(latency.group(2)) / 1000, int(errors.group(1)))


def run(src: Path, concurrency: int, args: argparse.Namespace, folder: Path) -> tuple[Outcome, Outcome]:
    store = folder / f"store-{concurrency}-{abs(hash(str(src)))}"
    if store.exists():
        shutil.rmtree(store)
    process, base = start_server(src, store, args.workers)
    try:
        mix = light_mix(base)
        heavy = max(1, round(concurrency * args.heavy_share)) if args.heavy_share > 0 else 0
        runs = [wrk(base, mix, concurrency - heavy, args.seconds, folder, "light")]
        if heavy:
            runs.append(wrk(base, [(sparql_path(RUNAWAY), JSON)], heavy, args.seconds, folder, "heavy"))
        outcomes = [parse(p.communicate(timeout=args.seconds + 120)[0]) for p in runs]
        light, runaway = outcomes[0], outcomes[1] if heavy else Outcome({}, 0, 0, 0)
    finally:
        stop_server(process)
        shutil.rmtree(store, ignore_errors=True)
    return light, runaway


def row(label: str, concurrency: int, light: Outcome, heavy: Outcome, seconds: float) -> str:
    ok = (light.ok + heavy.ok) / seconds
    return (f"| {label} | {concurrency} | {ok:,.0f} | {light.count(429)} / {heavy.count(429)} | "
            f"{light.count(503)} / {heavy.count(503)} | {light.socket_errors + heavy.socket_errors} | "
            f"{light.p50_ms:.1f} / {light.p99_ms:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--heavy-share", type=float, default=0.05)
    parser.add_argument("--baseline-src", type=Path, help="the src folder of the code to compare with")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("overload_bench needs wrk (apt-get install wrk)")
    codes = [("this checkout", ROOT / "src")]
    if args.baseline_src:
        codes.append(("baseline", args.baseline_src.resolve()))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {args.workers} query workers; "
          f"{args.seconds:g} s per run; heavy share {args.heavy_share:g} of the connections")
    print("| code | c | successful req/s | 429 light / heavy | 503 light / heavy | socket errors | "
          "light p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="azkg-overload-") as scratch:
        for concurrency in args.concurrency:
            for label, src in codes:  # interleaved, so that drift on a shared machine hits both alike
                light, heavy = run(src, concurrency, args, Path(scratch))
                print(row(label, concurrency, light, heavy, args.seconds), flush=True)


if __name__ == "__main__":
    main()
