"""The durable material store: content-addressed, atomic, synced, safe under crashes and threads."""
from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from services.application import material_store
from services.application.material_store import MaterialCorrupted, MaterialNotFound, MaterialStore
from tests.unit.application.domain.test_materials import (
    DOCX_BYTES,
    JPEG_BYTES,
    OFD_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    XLSX_BYTES,
)

# --- putting and opening -------------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path) -> MaterialStore:
    return MaterialStore(tmp_path / "materials")


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_put_then_open(store):
    stored = store.put(PDF_BYTES)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert (stored.sha256, stored.size) == (digest, len(PDF_BYTES))
    assert stored.path == store.root / digest[:2] / digest
    assert store.exists(digest) and store.open(digest) == PDF_BYTES
    assert files_under(store.root) == [stored.path]


def test_put_is_idempotent_and_rewrites_nothing(store, monkeypatch):
    first = store.put(PNG_BYTES)
    inode = first.path.stat().st_ino

    def no_write(*args, **kwargs):
        raise AssertionError("a second put must not write")

    monkeypatch.setattr(material_store.tempfile, "mkstemp", no_write)
    monkeypatch.setattr(material_store.os, "replace", no_write)
    second = store.put(PNG_BYTES)
    assert second == first
    assert first.path.stat().st_ino == inode
    assert files_under(store.root) == [first.path]


def test_a_crash_before_the_rename_leaves_no_final_file_and_no_temporary(store, monkeypatch):
    def crash(*args):
        raise OSError("power cut")

    monkeypatch.setattr(material_store.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.put(PDF_BYTES)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert not store.exists(digest)
    assert files_under(store.root) == []
    monkeypatch.undo()
    assert store.open(store.put(PDF_BYTES).sha256) == PDF_BYTES  # the retry stores it


def test_a_crash_while_syncing_leaves_nothing_behind(store, monkeypatch):
    def crash(descriptor):
        raise OSError("disk gone")

    monkeypatch.setattr(material_store.os, "fsync", crash)
    with pytest.raises(OSError, match="disk gone"):
        store.put(PDF_BYTES)
    assert files_under(store.root) == []


def test_a_temporary_file_left_by_a_hard_crash_is_harmless(store):
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    shard = store.root / digest[:2]
    shard.mkdir(parents=True)
    (shard / f".{digest}.k1ll3d.tmp").write_bytes(PDF_BYTES[:10])  # half written, never renamed
    assert not store.exists(digest)
    with pytest.raises(MaterialNotFound):
        store.open(digest)
    store.put(PDF_BYTES)
    assert store.open(digest) == PDF_BYTES


def test_the_file_is_synced_before_the_rename_and_the_directory_after(store, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def replace(source, target):
        events.append(("replace", str(target)))
        real_replace(source, target)

    monkeypatch.setattr(material_store.os, "fsync", fsync)
    monkeypatch.setattr(material_store.os, "replace", replace)
    stored = store.put(DOCX_BYTES)
    shard = str(stored.path.parent)
    replaced = events.index(("replace", str(stored.path)))
    synced_temporary = [i for i, (kind, path) in enumerate(events)
                        if kind == "fsync" and Path(path).name.startswith(f".{stored.sha256}.")]
    assert synced_temporary and synced_temporary[0] < replaced
    assert ("fsync", shard) in events[replaced:]
    assert ("fsync", str(store.root)) in events[replaced:]

    # the shard's own entry in the root is durable now: a second file in it syncs its name only
    sibling = next(content for content in (DOCX_BYTES + number.to_bytes(3, "big") for number in range(100_000))
                   if hashlib.sha256(content).hexdigest()[:2] == stored.sha256[:2])
    events.clear()
    again = store.put(sibling)
    assert again.path.parent == stored.path.parent
    assert ("fsync", shard) in events and ("fsync", str(store.root)) not in events


def test_a_corrupted_file_is_detected_on_open(store):
    stored = store.put(PDF_BYTES)
    stored.path.write_bytes(PDF_BYTES.replace(b"Catalog", b"Catalag"))  # one bit of rot, same size
    with pytest.raises(MaterialCorrupted):
        store.open(stored.sha256)
    stored.path.write_bytes(PDF_BYTES[:20])  # truncated
    with pytest.raises(MaterialCorrupted):
        store.open(stored.sha256)


def test_putting_the_bytes_again_repairs_a_corrupted_file(store):
    stored = store.put(PDF_BYTES)
    stored.path.write_bytes(b"%PDF-garbage")
    store.put(PDF_BYTES)
    assert store.open(stored.sha256) == PDF_BYTES


def test_opening_what_was_never_stored(store):
    with pytest.raises(MaterialNotFound):
        store.open("0" * 64)
    assert not store.exists("0" * 64)


@pytest.mark.parametrize("digest", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, "0" * 63 + "/", None])
def test_only_sha256_digests_name_materials(store, digest):
    with pytest.raises(ValueError, match="not a sha256 digest"):
        store.open(digest)
    with pytest.raises(ValueError, match="not a sha256 digest"):
        store.exists(digest)


def real_threading():
    """OS threads: the test session monkey-patches `threading` with eventlet's green threads."""
    try:
        from eventlet import patcher
    except ImportError:
        return threading
    return patcher.original("threading") if patcher.is_monkey_patched("thread") else threading


def run_in_threads(count: int, target) -> list:
    threads_module = real_threading()
    results: list = []
    errors: list = []

    def run():
        try:
            results.append(target())
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threads_module.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_threads_putting_the_same_bytes_at_once_both_succeed_with_one_file(store, monkeypatch):
    both_written = real_threading().Barrier(2, timeout=10)
    real_replace = os.replace
    replaced: list[str] = []

    def replace_together(source, target):  # both have written their temporary file before either renames
        both_written.wait()
        replaced.append(source)
        real_replace(source, target)

    monkeypatch.setattr(material_store.os, "replace", replace_together)
    results = run_in_threads(2, lambda: store.put(XLSX_BYTES))
    assert len(replaced) == 2 and results[0] == results[1]
    assert files_under(store.root) == [results[0].path]
    assert store.open(results[0].sha256) == XLSX_BYTES


def test_many_threads_putting_the_same_bytes(store):
    results = run_in_threads(8, lambda: store.put(OFD_BYTES))
    assert len(set(results)) == 1
    assert files_under(store.root) == [results[0].path]
    assert store.open(results[0].sha256) == OFD_BYTES


@contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_files_are_0640_and_directories_0750_whatever_the_umask(tmp_path, mask):
    store = MaterialStore(tmp_path / "var" / "materials")
    with umask(mask):
        stored = store.put(JPEG_BYTES)
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o640
    assert stat.S_IMODE(stored.path.parent.stat().st_mode) == 0o750
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o750


def test_orphans_are_old_unreferenced_files_and_stale_temporaries(store):
    kept, orphan, fresh = store.put(PDF_BYTES), store.put(PNG_BYTES), store.put(JPEG_BYTES)
    stale_temporary = orphan.path.parent / f".{orphan.sha256}.x.tmp"
    stale_temporary.write_bytes(b"half")
    fresh_temporary = fresh.path.parent / f".{fresh.sha256}.y.tmp"
    fresh_temporary.write_bytes(b"half")
    day_ago = time.time() - 2 * 24 * 3600
    for path in (kept.path, orphan.path, stale_temporary):
        os.utime(path, (day_ago, day_ago))
    assert store.orphans({kept.sha256}) == sorted([orphan.path, stale_temporary])
    assert store.orphans({kept.sha256}, older_than_s=0, now=time.time() + 1) == sorted(
        [orphan.path, stale_temporary, fresh.path, fresh_temporary])


def test_a_put_reusing_an_old_file_makes_it_no_orphan(store):
    stored = store.put(PDF_BYTES)
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(stored.path, (day_ago, day_ago))
    assert store.orphans(set()) == [stored.path]
    store.put(PDF_BYTES)  # a new application with the same document, about to commit its row
    assert store.orphans(set()) == []


def test_orphans_of_an_empty_store(store):
    assert store.orphans(set()) == []


def test_the_default_root_is_under_the_var_dir(monkeypatch, tmp_path):
    from shared.config import settings

    monkeypatch.setenv("HUIQI_VAR_DIR", str(tmp_path))
    settings.cache_clear()
    try:
        assert material_store.default_root() == tmp_path / "materials"
    finally:
        settings.cache_clear()
