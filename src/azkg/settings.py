"""Where azkg finds its inputs and writes its outputs: one frozen object, made once and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    root: Path

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
        return self.root / ".azkg" / "store"

    @property
    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the project root when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder at or above `start` that holds ontology/ and data/."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ontology").is_dir() and (folder / "data").is_dir():
            return folder
    return here
