"""Confining a process that evaluates untrusted SPARQL: no network, bounded memory.

pyoxigraph carries an HTTP client: `SERVICE <url>` in a query and `LOAD <url>` in an update make the
process that evaluates them fetch the URL. Refusing them by reading the query text is a guess about
how the engine will parse it (`ex:a\\#`, `\\u0053ERVICE` and other spellings slip past scanners), so
the decision is made at the operating system instead: a seccomp filter makes `socket()` for IPv4 and
IPv6 fail with EACCES in the confined process, whatever the query says. Pipes and Unix sockets, all
the worker needs, stay open. The memory bound (RLIMIT_AS) turns a parse that explodes (entity
expansion in RDF/XML, say) into a MemoryError in that process alone.

Linux only (x86_64 and aarch64); elsewhere `confine` raises SandboxError and the caller decides.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import resource
import socket
import struct

from azkg.errors import SandboxError

_ARCHES = {  # machine -> (AUDIT_ARCH_*, the socket() and io_uring_setup() syscall numbers)
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_W_ABS, _JEQ_K, _RET_K = 0x20, 0x15, 0x06
# offsets in struct seccomp_data: nr (int), arch (u32), instruction_pointer (u64), args[6] (u64)
_NR, _ARCH, _ARG0 = 0, 4, 16


def confine(memory_bytes: int | None, network: bool = False) -> None:
    """Confine the calling process for the rest of its life (it cannot be undone)."""
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if not network:
        _deny_network()


def _deny_network() -> None:
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        raise SandboxError(f"cannot confine queries on {platform.machine()}: no seccomp filter for it")
    audit_arch, socket_nr, io_uring_nr = arch
    denied = _RET_ERRNO | errno.EACCES
    program = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 0, 6, audit_arch),  # another ABI: not ours to judge
        (_LD_W_ABS, 0, 0, _NR),
        (_JEQ_K, 5, 0, io_uring_nr),  # io_uring can open sockets without socket()
        (_JEQ_K, 0, 3, socket_nr),
        (_LD_W_ABS, 0, 0, _ARG0),
        (_JEQ_K, 2, 0, socket.AF_INET),
        (_JEQ_K, 1, 0, socket.AF_INET6),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, denied),
    ]
    code = b"".join(struct.pack("=HBBI", *op) for op in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("@HP", len(program), ctypes.addressof(buffer))  # struct sock_fprog, native alignment
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(NO_NEW_PRIVS) failed: {errno.errorcode.get(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buffer), 0, 0) != 0:
        raise SandboxError(f"installing the seccomp filter failed: {errno.errorcode.get(ctypes.get_errno())}")
