"""A file's identity: the BLAKE3 digest of its bytes (cryptographic, and three times faster than SHA-256,
which mattered: hashing took a third of the time of parsing EVTX)."""

from __future__ import annotations

from blake3 import blake3


def digest_bytes(data: bytes) -> str:
    return blake3(data).hexdigest()


def digest_file(path: str) -> str:
    hasher = blake3()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            hasher.update(block)
    return hasher.hexdigest()
