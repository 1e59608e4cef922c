"""Application materials: validation (every rule names its field), sniffing, and a resubmission's merge."""
from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import pytest
from pydantic import BaseModel, ValidationError

from services.application.domain import materials
from services.application.domain.materials import (
    DOCX,
    JPEG,
    MAX_BYTES,
    OFD,
    PDF,
    PNG,
    XLSX,
    MaterialError,
    MaterialIn,
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
