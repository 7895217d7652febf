"""The files of a batch as received, kept compressed in the database, and read back.

A stored row keeps only its place in its file (sheet and row number), so the batch keeps the
files themselves: zstd-compressed (a Kobo CSV shrinks about 5 times, at ~350 MB/s), in pieces of
CHUNK_BYTES, the same on SQLite and PostgreSQL. Packing runs in a thread while the rows are
validated: reading and zstd release the GIL, so it costs the import little wall time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from opendtm.core.errors import Conflict
from opendtm.ingest.models import ImportBatch, ImportFile, ImportFileChunk

CHUNK_BYTES = 8 << 20  # compressed bytes per stored piece
READ_BYTES = 4 << 20
LEVEL = 1  # zstd's fastest level already beats gzip -6 on export files
COMPRESSION = "zstd"


@dataclass
class PackedFile:
    """One source file compressed in memory, ready to be stored with its batch."""

    role: str
    name: str
    sha256: str
    size: int
    chunks: list[bytes] = field(default_factory=list)


class _ChunkSink:
    """A write target for zstd that cuts its output into pieces of CHUNK_BYTES."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) >= CHUNK_BYTES:
            self.chunks.append(bytes(self._buffer[:CHUNK_BYTES]))
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def close(self) -> list[bytes]:
        if self._buffer or not self.chunks:
            self.chunks.append(bytes(self._buffer))
        self._buffer = bytearray()
        return self.chunks


def file_pack(role: str, path: Path) -> PackedFile:
    """Compress one file in pieces, with its SHA-256 and size."""
    digest = hashlib.sha256()
    sink = _ChunkSink()
    size = 0
    compressor = zstandard.ZstdCompressor(level=LEVEL)
    with Path(path).open("rb") as stream:
        writer = compressor.stream_writer(sink, closefd=False)  # type: ignore[arg-type]
        while piece := stream.read(READ_BYTES):
            digest.update(piece)
            writer.write(piece)
            size += len(piece)
        writer.flush(zstandard.FLUSH_FRAME)
    return PackedFile(
        role=role, name=Path(path).name, sha256=digest.hexdigest(), size=size, chunks=sink.close()
    )


class Packing:
    """The sources of an import being compressed in a background thread."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opendtm-pack")
        self._future: Future[list[PackedFile]] = self._pool.submit(
            lambda: [file_pack(role, path) for role, path in sources.items()]
        )
        self._pool.shutdown(wait=False)

    def result(self) -> list[PackedFile]:
        """The packed files (waits for the thread; re-raises what it raised)."""
        return self._future.result()


def files_store(batch: ImportBatch, packed: list[PackedFile]) -> None:
    """Store the packed files with their batch (inside the import's transaction)."""
    for item in packed:
        stored = ImportFile.objects.create(
            batch=batch,
            role=item.role,
            name=item.name,
            sha256=item.sha256,
            size=item.size,
            compression=COMPRESSION,
        )
        ImportFileChunk.objects.bulk_create(
            [ImportFileChunk(file=stored, seq=i, data=data) for i, data in enumerate(item.chunks)],
            batch_size=1,
        )


def _pieces(stored: ImportFile) -> Iterator[bytes]:
    """The compressed pieces in order, one query each (a file is never whole in memory)."""
    seqs = list(stored.chunks.order_by("seq").values_list("seq", flat=True))
    for seq in seqs:
        data = stored.chunks.filter(seq=seq).values_list("data", flat=True).get()
        yield bytes(data)


def file_unpack(stored: ImportFile, target: Path) -> Path:
    """Write the stored file's original bytes to `target`, checking them against its SHA-256."""
    digest = hashlib.sha256()
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    with Path(target).open("wb") as out:
        for piece in _pieces(stored):
            data = decompressor.decompress(piece)
            digest.update(data)
            out.write(data)
    if digest.hexdigest() != stored.sha256:
        raise Conflict(
            f"The stored copy of {stored.name} (batch {stored.batch_id}) does not match its "
            "SHA-256: it is damaged.",
            hint="Restore the database from a backup, or import the original file again.",
        )
    return Path(target)
