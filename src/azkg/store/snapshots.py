"""The one module that opens pyoxigraph stores: layout, loading, snapshots (docs/decisions/0005).

DIR/primary/          read-write; only the writer opens it
DIR/snapshots/<n>/    immutable checkpoints; readers open the live one read-only
DIR/CURRENT           JSON naming the live snapshot, its source hash and its triple count
DIR/primary.dirty     present while primary may differ from the live snapshot (a change under way,
                      or one killed or failed); the next writer resets primary before anything else
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph

from azkg.errors import AzkgError, DiskFullError, RequestError, StoreError
from azkg.sparql.evaluation import update
from azkg.sparql.formats import Format, rdf_syntax_of

DATA_GRAPH = pyoxigraph.NamedNode("https://w3id.org/azkg/graph/data")
ONTOLOGY_GRAPH = pyoxigraph.NamedNode("https://w3id.org/azkg/graph/ontology")
CURRENT = "CURRENT"
DIRTY = "primary.dirty"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadSummary:
    files: int
    bytes: int
    triples: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Snapshot:
    path: Path
    source_sha256: str | None
    triples: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_snapshot(store_dir: Path) -> Snapshot | None:
    try:
        record = json.loads((store_dir / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise StoreError(f"{store_dir / CURRENT}: unreadable ({err}); delete the store folder to rebuild it") from err
    return Snapshot(store_dir / "snapshots" / record["snapshot"], record.get("source_sha256"), record["triples"])


def open_reader(store_dir: Path) -> tuple[pyoxigraph.Store, Snapshot]:
    """The live snapshot, read-only: safe beside a running writer, since no one writes snapshots."""
    snapshot = current_snapshot(store_dir)
    if snapshot is None:
        raise StoreError(f"{store_dir}: no store here yet; create it with `azkg load FILE --store {store_dir}`")
    try:
        return pyoxigraph.Store.read_only(str(snapshot.path)), snapshot
    except OSError as err:
        raise StoreError(f"{snapshot.path}: cannot open the store snapshot: {err}") from err


class LiveReader:
    """The live snapshot, read-only, reopened when CURRENT names a newer one (a look at its mtime per use)."""

    def __init__(self, store_dir: Path):
        self.dir = store_dir
        self.stamp: int | None = None
        self._store: pyoxigraph.Store | None = None
        self.single_graph = False  # the live snapshot has no named graphs (azkg.sparql.evaluation.Dataset.options)

    def store(self) -> pyoxigraph.Store:
        stamp = os.stat(self.dir / CURRENT).st_mtime_ns
        if self._store is None or stamp != self.stamp:
            self._store, _ = open_reader(self.dir)
            self.stamp = stamp
            self.single_graph = next(iter(self._store.named_graphs()), None) is None
        return self._store


@contextmanager
def exclusive(store_dir: Path) -> Iterator[None]:
    """Writers of one store folder take turns, across processes (several HTTP processes, or `azkg load`
    beside a running service). The lock file sits beside the folder, which a rebuild replaces whole."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(store_dir.with_name(store_dir.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@contextmanager
def writing(store_dir: Path) -> Iterator[Writer]:
    """The store's writer for one change: primary is opened under the lock and closed after, so that no
    process holds RocksDB's own lock between writes. Every writer starts from the live snapshot: a
    change that was killed, or failed, left the dirty marker, and primary is reset before anything else.
    A change that fails here is rolled back; one that ends without publishing too."""
    with exclusive(store_dir):
        if (store_dir / DIRTY).exists():
            try:
                _restore_primary(store_dir)
            except OSError as err:
                raise store_failure(err, "resetting the store to its last published snapshot") from err
        writer = Writer(store_dir)
        try:
            yield writer
            if writer.dirty:
                writer.rollback()
        except BaseException as err:
            _roll_back_after(writer)
            if isinstance(err, OSError) and not isinstance(err, AzkgError):
                raise store_failure(err, "the write failed") from err
            raise
        finally:
            writer.close()


def _roll_back_after(writer: Writer) -> None:
    """Undo a failed change now; if even that fails, the marker stays and the next writer resets."""
    if writer.dirty:
        try:
            writer.rollback()
        except Exception:  # the original error is the one to report
            writer.close()


def is_disk_full(err: BaseException) -> bool:
    """ENOSPC from Python, or RocksDB's message inside a pyoxigraph OSError (which has no errno)."""
    seen: BaseException | None = err
    while seen is not None:
        if getattr(seen, "errno", None) == errno.ENOSPC or "No space left on device" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def store_failure(err: BaseException, doing: str) -> AzkgError:
    """The error to raise for an OSError while writing: a full disk is said so, the rest as a store error."""
    if is_disk_full(err):
        return DiskFullError(f"the disk holding the store is full ({doing}: {err}); nothing was written")
    return StoreError(f"{doing}: {err}")


def _restore_primary(store_dir: Path) -> None:
    """Make primary a copy of the live snapshot (or empty), then drop the dirty marker. Safe to repeat:
    killed half-way, the marker is still there and the next writer does it again."""
    primary = store_dir / "primary"
    shutil.rmtree(primary, ignore_errors=True)
    snapshot = current_snapshot(store_dir)
    if snapshot is not None:
        pyoxigraph.Store.read_only(str(snapshot.path)).backup(str(primary))
    (store_dir / DIRTY).unlink(missing_ok=True)
    _fsync_dir(store_dir)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Writer:
    """The single writer of a store folder: loads into primary, then publishes a new snapshot."""

    def __init__(self, store_dir: Path):
        self.dir = store_dir
        self.dirty = (store_dir / DIRTY).exists()
        store_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.store = pyoxigraph.Store(str(store_dir / "primary"))
        except OSError as err:
            raise StoreError(
                f"{store_dir}: cannot open the store for writing ({err}); is another azkg using it?"
            ) from err

    def _mark_dirty(self) -> None:
        """Written and synced before primary changes, so that a kill at any later moment is seen."""
        if self.dirty:
            return
        with open(self.dir / DIRTY, "w", encoding="utf-8") as marker:
            marker.write(f"{os.getpid()}\n")
            marker.flush()
            os.fsync(marker.fileno())
        _fsync_dir(self.dir)
        self.dirty = True

    def load(
        self, files: Iterable[Path], graph: pyoxigraph.NamedNode | None = None, progress: Progress | None = None
    ) -> LoadSummary:
        """Bulk-load files (format by extension); a file that fails to parse names itself and its position."""
        paths = list(files)
        syntaxes = [(path, rdf_syntax_of(path)) for path in paths]  # all formats known before any load
        before, started, total_bytes = len(self.store), time.perf_counter(), 0
        self._mark_dirty()
        try:
            for path, syntax in syntaxes:
                total_bytes += self._load_one(path, syntax, graph, progress)
        except AzkgError:
            self.rollback()
            raise
        self.store.flush()
        return LoadSummary(len(paths), total_bytes, len(self.store) - before, time.perf_counter() - started)

    def _load_one(
        self, path: Path, syntax: Format, graph: pyoxigraph.NamedNode | None, progress: Progress | None
    ) -> int:
        to_graph = graph if graph is not None and not syntax.rdf_format.supports_datasets else None
        try:
            with path.open("rb") as raw:
                reader = _CountingReader(raw, progress)
                self.store.bulk_load(reader, syntax.rdf, to_graph=to_graph)  # type: ignore[arg-type]  # read() is all it uses
                return reader.count
        except FileNotFoundError:
            raise StoreError(f"{path}: no such file") from None
        except SyntaxError as err:
            raise StoreError(f"{path}: not valid {syntax.name}: {err}") from err
        except OSError as err:
            raise store_failure(err, f"{path}: cannot load") from err

    def publish(self, source_sha256: str | None = None) -> Snapshot:
        """Checkpoint primary as a new snapshot and make it live; drop snapshots no longer live."""
        snapshots = self.dir / "snapshots"
        snapshots.mkdir(exist_ok=True)
        previous = current_snapshot(self.dir)
        name = f"{time.time_ns():020d}"
        record: dict[str, Any] = {"snapshot": name, "source_sha256": source_sha256, "triples": len(self.store)}
        try:
            self.store.flush()
            self.store.backup(str(snapshots / name))
            _write_synced(self.dir / f".{CURRENT}.tmp", json.dumps(record, indent=2) + "\n")
            os.replace(self.dir / f".{CURRENT}.tmp", self.dir / CURRENT)
            _fsync_dir(self.dir)
        except OSError as err:
            shutil.rmtree(snapshots / name, ignore_errors=True)
            raise store_failure(err, "publishing the snapshot") from err
        (self.dir / DIRTY).unlink(missing_ok=True)  # primary is the live snapshot again
        self.dirty = False
        keep = {name, previous.path.name if previous else None}  # readers may still be on the previous one
        for old in snapshots.iterdir():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        return Snapshot(snapshots / name, source_sha256, record["triples"])

    def update(self, text: str, base_iri: str | None = None) -> None:
        """A SPARQL 1.1 Update, applied whole or not at all (pyoxigraph runs it in one transaction);
        relative IRIs in it are resolved against base_iri."""
        self._mark_dirty()
        try:
            try:
                update(self.store, text, base_iri)
            except BaseException as err:
                # the failed call's frame holds the Store; left in the traceback, it would keep RocksDB open
                # (and deleting its files) while the rollback that follows copies the snapshot into primary
                traceback.clear_frames(err.__traceback__)
                raise
        except PermissionError:
            raise  # LOAD or SERVICE in a process without network: the caller says why
        except OSError as err:
            raise store_failure(err, "the update failed and changed nothing") from err
        except (RuntimeError, ValueError) as err:  # DROP GRAPH <g> of no such graph, say
            raise RequestError(f"the update failed and changed nothing: {err}") from err
        self.store.flush()

    def put_graph(
        self, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph, quads: list[pyoxigraph.Quad], replace: bool
    ) -> bool:
        """Add the triples to the graph (replacing it first if asked); True when the graph is new. A graph
        exists while it holds triples (as GET and queries see it), so adding none creates nothing."""
        existed = self.has_graph(graph)
        self._mark_dirty()
        if replace and existed:
            self.store.clear_graph(graph) if isinstance(graph, pyoxigraph.DefaultGraph) else self.store.remove_graph(
                graph
            )
        self.store.extend([pyoxigraph.Quad(q.subject, q.predicate, q.object, graph) for q in quads])
        self.store.flush()
        return not existed and bool(quads)

    def drop_graph(self, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> bool:
        """Remove the graph; False when there was no such graph."""
        if not self.has_graph(graph):
            return False
        self._mark_dirty()
        self._clear(graph)
        self.store.flush()
        return True

    def _clear(self, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> None:
        if isinstance(graph, pyoxigraph.DefaultGraph):
            self.store.clear_graph(graph)
        else:
            self.store.remove_graph(graph)

    def has_graph(self, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> bool:
        """Whether the graph holds a triple: an empty named graph (CREATE GRAPH) is no graph to GET."""
        return next(self.store.quads_for_pattern(None, None, None, graph), None) is not None

    def rollback(self) -> None:
        """Put primary back to the live snapshot (or empty), dropping a half-done change."""
        self.close()
        _restore_primary(self.dir)
        self.dirty = False
        self.store = pyoxigraph.Store(str(self.dir / "primary"))

    def close(self) -> None:
        self.store = None  # type: ignore[assignment]
        gc.collect()  # pyoxigraph releases the RocksDB lock when the Store object is freed


def build_store(
    store_dir: Path, data_file: Path, ontology_files: list[Path], progress: Progress | None = None
) -> Snapshot:
    """A fresh store from data/triples.ttl and the ontology, built beside and swapped in when complete."""
    staging = store_dir.with_name(store_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    writer = Writer(staging)
    try:
        writer.load([data_file], DATA_GRAPH, progress)
        writer.load(ontology_files, ONTOLOGY_GRAPH, progress)
        writer.publish(file_sha256(data_file))
    except BaseException:
        writer.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    writer.close()
    retired = store_dir.with_name(store_dir.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if store_dir.exists():
        os.replace(store_dir, retired)
    os.replace(staging, store_dir)
    shutil.rmtree(retired, ignore_errors=True)
    snapshot = current_snapshot(store_dir)
    assert snapshot is not None
    return snapshot


def ensure_store(
    store_dir: Path, data_file: Path, ontology_files: list[Path], progress: Progress | None = None
) -> tuple[Snapshot, bool]:
    """The store for data_file: built when missing, rebuilt when data_file changed since it was built.
    A store made by `azkg load` (which records no source) is served as it is."""
    with exclusive(store_dir):  # several processes may start at once; one builds, the others find it built
        snapshot = current_snapshot(store_dir)
        if snapshot is not None and snapshot.source_sha256 in (None, file_sha256(data_file)):
            return snapshot, False
        return build_store(store_dir, data_file, ontology_files, progress), True


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


class _CountingReader:
    """A binary reader that reports how many bytes were read, for the progress bar."""

    def __init__(self, raw: IO[bytes], progress: Progress | None):
        self.raw, self.progress, self.count = raw, progress, 0

    def read(self, size: int = -1) -> bytes:
        block = self.raw.read(size)
        self.count += len(block)
        if self.progress is not None and block:
            self.progress(len(block))
        return block

    def readable(self) -> bool:
        return True
