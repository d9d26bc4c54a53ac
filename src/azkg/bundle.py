"""Where the ontology and the bundled graph are: the project folder when there is one, else the copies
shipped inside the package.

A project folder holds ontology/ and data/; curators edit them there and the build commands write
there. An installed azkg carries read-only copies (ontology/*.ttl, its shapes and checks, and
data/triples.ttl) under azkg/bundled/, put there by the wheel's build step (setup.py), so that
`azkg serve` works from any folder. An editable install has no such copies: its package is the
checkout's src/azkg, and the checkout itself is the bundle.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

BUNDLED = "bundled"  # the folder inside the package; setup.py copies into it


def is_project(folder: Path) -> bool:
    return (folder / "ontology").is_dir() and (folder / "data").is_dir()


def find_project(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: the current folder) that holds ontology/ and
    data/, or None outside any project."""
    here = (start or Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if is_project(folder)), None)


def bundled_root() -> Path:
    """The folder with the package's own ontology/ and data/triples.ttl: the copies in the wheel, or in
    an editable install the checkout the package lives in."""
    copies = Path(str(resources.files("azkg") / BUNDLED))
    if (copies / "data" / "triples.ttl").is_file():
        return copies
    checkout = Path(__file__).resolve().parents[2]  # src/azkg/bundle.py -> the checkout
    if is_project(checkout):
        return checkout
    raise FileNotFoundError(f"this azkg installation has no bundled graph (looked in {copies})")


def user_store_dir() -> Path:
    """The store of the bundled graph outside any project: one per user, in the platform's folder for
    application data, so that serving from an empty folder leaves nothing in it and every folder
    shares one store (it is rebuilt when an upgrade brings another bundled graph)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "azkg" / "store"
