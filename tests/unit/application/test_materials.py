"""Application materials: validation (every rule names its field), sniffing, and the durable store."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from services.application import materials
from services.application.materials import (
    DOCX,
    JPEG,
    MAX_BYTES,
    OFD,
    PDF,
    PNG,
    XLSX,
    MaterialCorrupted,
    MaterialError,
    MaterialIn,
    MaterialNotFound,
    MaterialStore,
    check_materials,
    sniff,
)

# --- tiny valid files -----------------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
             + b"\x90wS\xde")
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


OFD_BYTES = zip_of("OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml")
DOCX_BYTES = zip_of("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX_BYTES = zip_of("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def item(name: str = "营业执照", filename: str = "营业执照.pdf", content: bytes = PDF_BYTES, **changes) -> dict:
    return {"name": name, "filename": filename, "content_base64": b64(content), **changes}


def refusal(items) -> MaterialError:
    with pytest.raises(MaterialError) as caught:
        check_materials(items)
    return caught.value


def pdf_of_size(size: int, fill: bytes = b"0") -> bytes:
    return b"%PDF-1.4\n" + fill * (size - 9)


# --- sniffing ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "media_type"), [(PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG),
                                                     (OFD_BYTES, OFD), (DOCX_BYTES, DOCX), (XLSX_BYTES, XLSX)])
def test_sniff_recognises_each_allowed_type(content, media_type):
    assert sniff(content) == media_type


@pytest.mark.parametrize("content", [
    b"", GIF_BYTES, b"hello, world", b"<html></html>", b"\x89PNG\r\n\x1a\n",  # a PNG signature without IHDR
    b"PK\x03\x04" + b"\x00" * 40,  # a zip header and nothing of a zip
    zip_of("readme.txt"),  # a zip, but none of ours
    zip_of("word/document.xml"),  # no [Content_Types].xml: not an Office package
    zip_of("[Content_Types].xml", "ppt/presentation.xml"),  # PPTX is not allowed
    b"MZ\x90\x00",  # an executable
    b" %PDF-1.7",  # the header must come first
])
def test_sniff_refuses_everything_else(content):
    assert sniff(content) is None


# --- one material --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("filename", "content", "media_type"), [
    ("营业执照.pdf", PDF_BYTES, PDF), ("门头照片.PNG", PNG_BYTES, PNG), ("照片.jpg", JPEG_BYTES, JPEG),
    ("照片.jpeg", JPEG_BYTES, JPEG), ("电子发票.ofd", OFD_BYTES, OFD), ("申请书.docx", DOCX_BYTES, DOCX),
    ("研发费用明细.xlsx", XLSX_BYTES, XLSX)])
def test_each_allowed_type_is_accepted_and_described(filename, content, media_type):
    [checked] = check_materials([item(filename=filename, content=content)])
    assert checked.media_type == media_type
    assert checked.filename == filename  # Chinese kept as sent
    assert checked.content == content and checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.record() == {"name": "营业执照", "filename": filename, "media_type": media_type,
                                "size": len(content), "sha256": checked.sha256}


def test_no_materials_is_fine():
    assert check_materials([]) == []


def test_names_and_filenames_are_trimmed():
    [checked] = check_materials([item(name="  营业执照 ", filename=" 执照.pdf ")])
    assert (checked.name, checked.filename) == ("营业执照", "执照.pdf")


@pytest.mark.parametrize(("name", "message"), [
    ("", "at least 1 character"), ("   ", "at least 1 character"), ("照" * 101, "at most 100 characters"),
    ("营业\x00执照", "control characters"), ("营业\n执照", "control characters"),
    ("执照\u202e", "bidirectional"), (7, "valid string")])
def test_name_rules(name, message):
    error = refusal([item(name=name)])
    assert error.field == "materials.0.name"
    assert message in error.message


def test_name_of_100_characters_is_accepted():
    assert check_materials([item(name="照" * 100)])[0].name == "照" * 100


@pytest.mark.parametrize(("filename", "message"), [
    ("", "at least 1 character"), ("a" * 197 + ".pdf", "at most 200 characters"),
    ("../营业执照.pdf", "path separators"), ("证照/营业执照.pdf", "path separators"),
    ("C:\\证照\\营业执照.pdf", "path separators"), ("营业执照\x00.pdf", "NUL"), (".pdf", "start with a dot"),
    (".hidden.pdf", "start with a dot"), ("营业\t执照.pdf", "control characters"),
    ("营业执照\u202efdp.exe.pdf", "bidirectional"), (b"a.pdf", "valid string")])
def test_filename_rules(filename, message):
    error = refusal([item(filename=filename)])
    assert error.field == "materials.0.filename"
    assert message in error.message


def test_filename_of_200_characters_is_accepted():
    filename = "执" * 196 + ".pdf"
    assert check_materials([item(filename=filename)])[0].filename == filename


@pytest.mark.parametrize(("content_base64", "message"), [
    ("not base64!", "not valid base64"),
    (b64(PDF_BYTES)[:-2], "not valid base64"),  # padding lost
    (b64(PDF_BYTES).rstrip("="), "not valid base64"),
    (b64(PDF_BYTES)[:8] + "\n" + b64(PDF_BYTES)[8:], "not valid base64"),  # whitespace
    (" " + b64(PDF_BYTES), "not valid base64"),
    ("data:application/pdf;base64," + b64(PDF_BYTES), "not valid base64"),
    (base64.urlsafe_b64encode(b"%PDF-\xfb\xff\xfe").decode(), "not valid base64"),  # the URL-safe alphabet
    ("JVBERi0==", "not valid base64"),  # b64(b"%PDF-") is "JVBERi0="
    ("JVBERi1=", "non-zero bits"),  # decodes to b"%PDF-" too, with stray bits: not canonical
    ("全角文字", "not valid base64"),
    ("", "empty"),
    (5, "valid string"),
])
def test_content_base64_rules(content_base64, message):
    error = refusal([item(content_base64=content_base64)])
    assert error.field == "materials.0.content_base64"
    assert message in error.message


def test_content_of_exactly_the_limit_is_accepted():
    [checked] = check_materials([item(content=pdf_of_size(MAX_BYTES))])
    assert checked.size == MAX_BYTES


@pytest.mark.parametrize("size", [MAX_BYTES + 1, MAX_BYTES + 4])  # same base64 length as the limit; longer
def test_content_over_the_limit_is_refused(size):
    error = refusal([item(content=pdf_of_size(size))])
    assert (error.field, error.message) == ("materials.0.content_base64", "content larger than 10.0 MiB")


def test_a_type_not_allowed_is_refused_naming_the_allowed_types():
    error = refusal([item(filename="动图.gif", content=GIF_BYTES)])
    assert error.field == "materials.0.content_base64"
    assert error.message == "type not allowed; allowed types: PDF, JPEG, PNG, OFD, DOCX, XLSX"


def test_a_filename_does_not_make_a_type():
    error = refusal([item(filename="病毒.pdf", content=b"MZ\x90\x00 not a pdf")])
    assert error.field == "materials.0.content_base64"
    assert "type not allowed" in error.message


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("营业执照.pdf", PNG_BYTES, "extension .pdf does not match the content, which is a PNG image (expected .png)"),
    ("申请书.xlsx", DOCX_BYTES, "extension .xlsx does not match the content, which is a Word document (DOCX)"),
    ("电子发票.zip", OFD_BYTES, "extension .zip does not match the content, which is an OFD document"),
    ("照片.png", JPEG_BYTES, "(expected .jpg or .jpeg)"),
    ("营业执照", PDF_BYTES, "no extension does not match the content, which is a PDF document (expected .pdf)"),
    ("营业执照.pdf.", PDF_BYTES, "no extension"),
])
def test_the_extension_must_agree_with_the_content(filename, content, message):
    error = refusal([item(filename=filename, content=content)])
    assert error.field == "materials.0.filename"
    assert message in error.message


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"size": 3}, "materials.0.size", "Extra inputs are not permitted"),
    ({"name": None}, "materials.0.name", "valid string"),
])
def test_unknown_fields_and_wrong_types_are_named(changes, field, message):
    error = refusal([{**item(), **changes}])
    assert (error.field, message in error.message) == (field, True)


def test_a_missing_field_is_named():
    error = refusal([{"name": "营业执照", "filename": "执照.pdf"}])
    assert (error.field, error.message) == ("materials.0.content_base64", "Field required")


def test_an_item_that_is_not_an_object_is_named():
    assert refusal([item(), "执照.pdf"]).field == "materials.1"


def test_materials_must_be_a_list():
    assert (refusal(item()).field, refusal(None).message) == ("materials", "must be a list")


def test_at_most_three_materials():
    items = [item(filename=f"{n}.pdf", content=PDF_BYTES + bytes([n])) for n in range(4)]
    error = refusal(items)
    assert (error.field, error.message) == ("materials", "at most 3 materials, got 4")
    assert len(check_materials(items[:3])) == 3


def test_the_same_content_twice_is_refused():
    error = refusal([item(filename="a.pdf"), item(filename="b.png", content=PNG_BYTES), item(filename="c.pdf")])
    assert (error.field, error.message) == ("materials.2.content_base64", "same content as materials.0")


def test_materials_together_are_limited_to_25_mib():
    nine_mib = [item(filename=f"{n}.pdf", content=pdf_of_size(9 * 1024 * 1024, fill=bytes([48 + n])))
                for n in range(3)]
    error = refusal(nine_mib)
    assert error.field == "materials"
    assert error.message == "together 27.0 MiB, more than the 25.0 MiB an application may carry"
    assert len(check_materials(nine_mib[:2])) == 2


def test_every_offence_is_in_the_details_and_the_first_is_the_field():
    error = refusal([item(), item(filename="a/b.pdf", content=PNG_BYTES), item(name="", content_base64="!!")])
    assert str(error) == "materials.1.filename: filename must not contain path separators (/ or \\)"
    assert [detail["field"] for detail in error.details] == [
        "materials.1.filename", "materials.2.name", "materials.2.content_base64"]


def test_the_model_names_fields_when_nested_in_a_request_model():
    class Request(BaseModel):
        materials: list[MaterialIn]

    with pytest.raises(ValidationError) as caught:
        Request.model_validate({"materials": [item(), item(filename="执照.pdf", content=PNG_BYTES)]})
    assert [error["loc"] for error in caught.value.errors()] == [("materials", 1, "filename")]


def test_material_in_is_frozen():
    material = MaterialIn.model_validate(item())
    with pytest.raises(ValidationError):
        material.name = "其他"
    assert material.model_dump() == item()


# --- the store -------------------------------------------------------------------------------------------------

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

    monkeypatch.setattr(materials.tempfile, "mkstemp", no_write)
    monkeypatch.setattr(materials.os, "replace", no_write)
    second = store.put(PNG_BYTES)
    assert second == first
    assert first.path.stat().st_ino == inode
    assert files_under(store.root) == [first.path]


def test_a_crash_before_the_rename_leaves_no_final_file_and_no_temporary(store, monkeypatch):
    def crash(*args):
        raise OSError("power cut")

    monkeypatch.setattr(materials.os, "replace", crash)
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

    monkeypatch.setattr(materials.os, "fsync", crash)
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

    monkeypatch.setattr(materials.os, "fsync", fsync)
    monkeypatch.setattr(materials.os, "replace", replace)
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

    monkeypatch.setattr(materials.os, "replace", replace_together)
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
        assert materials.default_root() == tmp_path / "materials"
    finally:
        settings.cache_clear()


# --- a resubmission's materials ---------------------------------------------------------------------------------

def _listed(*names: str) -> list[dict]:
    return [{"name": name, "filename": f"{name}.pdf", "media_type": PDF, "size": 1, "sha256": f"{number:064x}"}
            for number, name in enumerate(names)]


def _new(*names: str) -> list:
    return check_materials([item(name=name, content=PDF_BYTES + name.encode()) for name in names])


def test_a_resubmitted_material_replaces_the_one_of_its_name_in_its_place():
    merged = materials.merge(_listed("营业执照", "申请表"), _new("营业执照"))
    assert [entry["name"] for entry in merged] == ["营业执照", "申请表"]
    assert merged[0]["sha256"] == hashlib.sha256(PDF_BYTES + "营业执照".encode()).hexdigest()
    assert merged[1] == _listed("营业执照", "申请表")[1]


def test_a_resubmitted_material_of_a_new_name_is_added_after_the_others():
    merged = materials.merge(_listed("营业执照"), _new("社保证明", "承诺书"))
    assert [entry["name"] for entry in merged] == ["营业执照", "社保证明", "承诺书"]


def test_a_resubmission_may_not_make_more_than_three():
    with pytest.raises(MaterialError) as caught:
        materials.merge(_listed("营业执照", "申请表"), _new("社保证明", "承诺书"))
    assert caught.value.field == "materials" and "at most 3 materials in all" in caught.value.message
    assert [entry["name"] for entry in materials.merge(_listed("营业执照", "申请表", "承诺书"),
                                                       _new("申请表", "承诺书"))] == ["营业执照", "申请表", "承诺书"]


def test_a_resubmitted_material_replaces_every_earlier_one_of_its_name():
    merged = materials.merge(_listed("营业执照", "营业执照", "申请表"), _new("营业执照", "承诺书"))
    assert [entry["name"] for entry in merged] == ["营业执照", "申请表", "承诺书"]
