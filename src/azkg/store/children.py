"""The one fork server every child process of the service comes from: query workers and writes.

A fork server is a fresh interpreter (started by exec, like spawn: it holds no lock, socket or store
of the service) with the children's modules imported once; each child forks from it in milliseconds
and shares those pages with its siblings, where a spawned interpreter takes about half a second (it
imports pyoxigraph, and the parent's main module, azkg's CLI, again) and keeps its own copy of all of
it. A worker killed at its deadline is back in milliseconds. `__main__` is preloaded so that a child
finds the parent's main module imported already: without it, every child would import the CLI anew.

Who needs a module in its children names it with `preload` when it is imported; `start` boots the
server early (`azkg serve` does, so that it boots while the web stack is still being imported).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

CONTEXT = multiprocessing.get_context("forkserver")
_PRELOAD = ["__main__"]


def preload(module: str) -> None:
    """Import `module` in the fork server, once (only before the server starts: it is started once)."""
    if module not in _PRELOAD:
        _PRELOAD.append(module)
        CONTEXT.set_forkserver_preload(list(_PRELOAD))


def start() -> None:
    """Boot the fork server now rather than at the first child."""
    forkserver.ensure_running()


CONTEXT.set_forkserver_preload(list(_PRELOAD))
