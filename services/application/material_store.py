"""Application materials kept safe on disk, content-addressed.

`MaterialStore` keeps each material at `root/<sha256[:2]>/<sha256>`
(root is `var_dir/materials` by default). `put` writes a temporary file in the same directory,
flushes and fsyncs it, renames it over the final name with `os.replace` (atomic), then fsyncs the
directory, so once `put` returns the bytes and their name survive a power cut. If the final file
already holds the same bytes, nothing is rewritten: a retried request or a redelivered message
stores nothing twice.

Why a crash never loses a material that a committed row references. The service writes the rows
(name, filename, media type, size, sha256) in its database transaction, and calls `put` for every
material *before* that transaction commits:

- crash before or during `put`: there is no committed row, so nothing is lost. At worst a
  temporary file (a dot-name ending in `.tmp`) remains; readers never look at those.
- crash after `put`, before the commit: the file is durable but no row points at it. It is an
  orphan, harmless; a retry of the same upload finds it and reuses it.
- crash after the commit: the file was durable before the row existed, so the row's sha256 finds
  it.

Content addressing is what makes this safe without coordination: a path's content never changes
(its name is its hash), so there is no update in place that a crash could tear, two applications
with the same document share one file, and concurrent `put`s of the same bytes race harmlessly
(both renames install identical content). `open` re-hashes what it reads, so a file damaged on
disk raises `MaterialCorrupted` instead of returning wrong bytes; a later `put` of the same bytes
repairs it. Files are created 0o640 and directories 0o750 whatever the umask.

Orphans may be removed by `orphans(referenced)`, which lists unreferenced files (and stale
temporary files) older than a grace period. `put` refreshes the modification time of a file it
reuses, so a file about to be referenced by a transaction in flight is never old. Remove orphans
only with a grace period far longer than any transaction, and list the files *before* reading
the referenced set from the database.

These are plain blocking file operations; the service calls them from its worker (they are short:
at most 3 files of at most 10 MiB) and does not need eventlet here.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.config import settings

FILE_MODE = 0o640
DIRECTORY_MODE = 0o750
ORPHAN_GRACE_S = 24 * 3600.0
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class StoredMaterialError(Exception):
    def __init__(self, sha256: str, message: str):
        super().__init__(sha256, message)
        self.sha256 = sha256
        self.message = message

    def __str__(self) -> str:
        return f"material {self.sha256}: {self.message}"


class MaterialNotFound(StoredMaterialError, LookupError):
    pass


class MaterialCorrupted(StoredMaterialError):
    pass


@dataclass(frozen=True)
class StoredMaterial:
    sha256: str
    size: int
    path: Path


def default_root() -> Path:
    return settings().var_dir / "materials"


class MaterialStore:
    """Materials on disk, content-addressed, written atomically and durably (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # shards whose entry in the root this store has synced: once durable it stays so, and a
        # directory sync costs milliseconds of the kernel's time on every put
        self._durable_shards: set[str] = set()

    def path_of(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a sha256 digest (64 lower-case hex digits): {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put(self, content: bytes) -> StoredMaterial:
        """Store the bytes durably (idempotent); when this returns, a crash cannot lose them."""
        digest = hashlib.sha256(content).hexdigest()
        final = self.path_of(digest)
        shard = final.parent
        _make_directory(shard)
        if _holds(final, digest, len(content)):
            os.utime(final)  # not an orphan: a transaction is about to reference it
            _fsync(final, os.O_RDONLY)  # a crashed earlier put may have renamed it without syncing
        else:
            descriptor, temporary = tempfile.mkstemp(dir=shard, prefix=f".{digest}.", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as stream:
                    os.fchmod(stream.fileno(), FILE_MODE)
                    stream.write(content)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, final)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
                raise
        _fsync(shard, os.O_RDONLY | os.O_DIRECTORY)  # the name in its directory
        if shard.name not in self._durable_shards:
            _fsync(self.root, os.O_RDONLY | os.O_DIRECTORY)  # the directory in the root (another put may have made it)
            self._durable_shards.add(shard.name)
        return StoredMaterial(digest, len(content), final)

    def open(self, sha256: str) -> bytes:
        """The stored bytes, verified against their hash: MaterialNotFound, MaterialCorrupted."""
        path = self.path_of(sha256)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise MaterialNotFound(sha256, "not stored") from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise MaterialCorrupted(sha256, f"{path} does not hold the bytes of that hash")
        return content

    def orphans(self, referenced: Iterable[str], older_than_s: float = ORPHAN_GRACE_S,
                now: float | None = None) -> list[Path]:
        """Files no committed row references (and temporary files left by crashes), untouched for
        `older_than_s`; safe to delete under the conditions in the module docstring."""
        referenced = set(referenced)
        deadline = (time.time() if now is None else now) - older_than_s
        found: list[Path] = []
        if not self.root.is_dir():
            return found
        for shard in self.root.iterdir():
            if not (shard.is_dir() and re.fullmatch(r"[0-9a-f]{2}", shard.name)):
                continue
            for path in shard.iterdir():
                if path.name.startswith(".") and path.name.endswith(".tmp"):
                    orphan = True
                elif _SHA256_HEX.fullmatch(path.name) and path.name.startswith(shard.name):
                    orphan = path.name not in referenced
                else:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if orphan and path.is_file() and path.stat().st_mtime < deadline:
                        found.append(path)
        return sorted(found)


def _holds(path: Path, digest: str, size: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest() == digest
    except FileNotFoundError:
        return False


def _make_directory(path: Path) -> None:
    """Create the directory (and missing parents) with DIRECTORY_MODE, each made durable in its parent."""
    try:
        os.mkdir(path, DIRECTORY_MODE)
    except FileExistsError:
        return
    except FileNotFoundError:
        _make_directory(path.parent)
        _make_directory(path)
        return
    os.chmod(path, DIRECTORY_MODE)  # whatever the umask
    _fsync(path.parent, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int) -> None:
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
