"""Application materials (申报材料): what an applicant may upload, checked.

`POST /api/v1/applications` carries at most three `materials`, each
`{"name", "filename", "content_base64"}` (contract section 7). `check_materials` validates them and
answers `CheckedMaterial`s, or raises `MaterialError` naming the offending field the way the
gateway names pydantic errors (`materials.1.content_base64: not valid base64`, indexes from 0).
The type of a file is decided by sniffing its bytes (`sniff`), never by its name: PDF, JPEG, PNG,
and the zip-based OFD (版式文档, GB/T 33190), DOCX and XLSX. The filename's extension must agree
with what the bytes are. The filename is only ever shown back to people; it never becomes a path.
A resubmission's materials replace those of the same name (`merge`).

Keeping them on disk is `material_store`.
"""
from __future__ import annotations

import binascii
import hashlib
import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

MiB = 1024 * 1024
MAX_MATERIALS = 3
MAX_BYTES = 10 * MiB  # one material, decoded
MAX_TOTAL_BYTES = 25 * MiB  # all materials of one application, decoded
MAX_ENCODED_CHARS = 4 * -(-MAX_BYTES // 3)  # the longest base64 text that can decode to MAX_BYTES
MAX_NAME_CHARS = 100
MAX_FILENAME_CHARS = 200

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OFD = "application/ofd"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class MediaType:
    label: str  # short name, used in the list of allowed types
    description: str  # what people call it, used in messages
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the usual one


MEDIA_TYPES: dict[str, MediaType] = {
    PDF: MediaType("PDF", "a PDF document", (".pdf",)),
    JPEG: MediaType("JPEG", "a JPEG image", (".jpg", ".jpeg")),
    PNG: MediaType("PNG", "a PNG image", (".png",)),
    OFD: MediaType("OFD", "an OFD document", (".ofd",)),
    DOCX: MediaType("DOCX", "a Word document (DOCX)", (".docx",)),
    XLSX: MediaType("XLSX", "an Excel workbook (XLSX)", (".xlsx",)),
}
ALLOWED_TYPES = ", ".join(kind.label for kind in MEDIA_TYPES.values())

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IHDR = b"\x00\x00\x00\x0dIHDR"  # the first chunk: 13 bytes of IHDR
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_PATH_SEPARATORS = ("/", "\\")
# Bidirectional controls let "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def sniff(content: bytes) -> str | None:
    """The media type the bytes are, among the allowed ones; None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(_PNG_SIGNATURE) and content[8:16] == _PNG_IHDR:
        return PNG
    if content.startswith(_ZIP_LOCAL_HEADER):
        return _sniff_zip(content)
    return None


def _sniff_zip(content: bytes) -> str | None:
    """OFD, DOCX or XLSX by the entries of the zip's central directory (nothing is decompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
            struct.error):
        return None
    if "OFD.xml" in names:  # GB/T 33190: the entry file at the root of the package
        return OFD
    if "[Content_Types].xml" in names:  # Office Open XML
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def describe_size(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size} bytes"


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("material", message)


def _check_text(value: str, what: str) -> str:
    value = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise _refuse(f"{what} must not contain control characters")
    if any(char in _BIDI_CONTROLS for char in value):
        raise _refuse(f"{what} must not contain bidirectional text controls")
    return value


class MaterialIn(BaseModel):
    """One material as the applicant sends it. Valid means: decodable, of an allowed type, and
    named with a matching extension; `content`, `media_type`, `size` and `sha256` then describe it."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS)]
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FILENAME_CHARS)]
    content_base64: str

    _content: bytes = PrivateAttr(default=b"")
    _media_type: str = PrivateAttr(default="")
    _sha256: str = PrivateAttr(default="")

    @field_validator("name")
    @classmethod
    def _name_is_text(cls, value: str) -> str:
        return _check_text(value, "name")

    @field_validator("filename")
    @classmethod
    def _filename_is_a_plain_name(cls, value: str) -> str:
        if "\x00" in value:
            raise _refuse("filename must not contain NUL")
        if any(separator in value for separator in _PATH_SEPARATORS):
            raise _refuse("filename must not contain path separators (/ or \\)")
        if value.startswith("."):
            raise _refuse("filename must not start with a dot")
        return _check_text(value, "filename")

    @field_validator("content_base64")
    @classmethod
    def _strict_base64(cls, value: str) -> str:
        """Standard alphabet, padded, no whitespace, canonical; the decoded size from the length alone."""
        if len(value) > MAX_ENCODED_CHARS:
            raise _refuse(f"content larger than {describe_size(MAX_BYTES)}")
        if len(value) % 4 or not _BASE64_TEXT.fullmatch(value):
            raise _refuse("not valid base64 (standard alphabet, padded, without whitespace or a data: prefix)")
        if value and not _canonical_base64_tail(value):
            raise _refuse("not valid base64 (non-zero bits after the last byte)")
        size = len(value) // 4 * 3 - value.count("=", -2)
        if size == 0:
            raise _refuse("content is empty")
        if size > MAX_BYTES:
            raise _refuse(f"content larger than {describe_size(MAX_BYTES)}")
        return value

    @model_validator(mode="after")
    def _type_agrees_with_name(self) -> MaterialIn:
        content = binascii.a2b_base64(self.content_base64, strict_mode=True)
        media_type = sniff(content)
        if media_type is None:
            raise self._error("content_base64", self.content_base64[:16],
                              f"type not allowed; allowed types: {ALLOWED_TYPES}")
        kind = MEDIA_TYPES[media_type]
        extension = PurePath(self.filename).suffix.lower()
        if extension not in kind.extensions:
            expected = " or ".join(kind.extensions)
            found = f"extension {extension}" if extension else "no extension"
            raise self._error("filename", self.filename,
                              f"{found} does not match the content, which is {kind.description} (expected {expected})")
        self._content = content
        self._media_type = media_type
        self._sha256 = hashlib.sha256(content).hexdigest()
        return self

    def _error(self, field_name: str, value: str, message: str) -> ValidationError:
        # A ValidationError keeps its location (and gets the enclosing one, materials.<i>, when nested).
        return ValidationError.from_exception_data(
            type(self).__name__, [InitErrorDetails(type=_refuse(message), loc=(field_name,), input=value)])

    @property
    def content(self) -> bytes:
        return self._content

    @property
    def media_type(self) -> str:
        return self._media_type

    @property
    def size(self) -> int:
        return len(self._content)

    @property
    def sha256(self) -> str:
        return self._sha256


def _canonical_base64_tail(value: str) -> bool:
    """Whether the last quantum re-encodes to itself (no stray bits after the last byte)."""
    tail = value[-4:]
    return binascii.b2a_base64(binascii.a2b_base64(tail), newline=False).decode("ascii") == tail


@dataclass(frozen=True)
class CheckedMaterial:
    """A material that passed every check; `record()` is what the database row holds."""

    name: str
    filename: str
    media_type: str
    size: int
    sha256: str
    content: bytes = field(repr=False, compare=False)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "filename": self.filename, "media_type": self.media_type, "size": self.size,
                "sha256": self.sha256}


class MaterialError(ValueError):
    """Materials refused: `field` names the first offence (`materials.1.filename`), `details` all of them
    as `{"field", "message"}` (the shape of an Invalid error's details)."""

    def __init__(self, field: str, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(field, message)
        self.field = field
        self.message = message
        self.details = details or [{"field": field, "message": message}]

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def check_materials(items: Any) -> list[CheckedMaterial]:
    """The materials of one application, checked: at most MAX_MATERIALS, each valid, no two with
    the same content, together at most MAX_TOTAL_BYTES. Raises MaterialError."""
    if not isinstance(items, list | tuple):
        raise MaterialError("materials", "must be a list")
    if len(items) > MAX_MATERIALS:
        raise MaterialError("materials", f"at most {MAX_MATERIALS} materials, got {len(items)}")
    valid: list[MaterialIn] = []
    problems: list[dict[str, str]] = []
    for index, item in enumerate(items):
        try:
            valid.append(MaterialIn.model_validate(item))
        except ValidationError as error:
            problems.extend({"field": ".".join(str(part) for part in ("materials", index, *entry["loc"])),
                             "message": entry["msg"]} for entry in error.errors(include_url=False))
    if problems:
        raise MaterialError(problems[0]["field"], problems[0]["message"], problems)
    first_index: dict[str, int] = {}
    for index, material in enumerate(valid):
        if material.sha256 in first_index:
            raise MaterialError(f"materials.{index}.content_base64",
                                f"same content as materials.{first_index[material.sha256]}")
        first_index[material.sha256] = index
    total = sum(material.size for material in valid)
    if total > MAX_TOTAL_BYTES:
        raise MaterialError("materials", f"together {describe_size(total)}, more than the "
                                         f"{describe_size(MAX_TOTAL_BYTES)} an application may carry")
    return [CheckedMaterial(material.name, material.filename, material.media_type, material.size,
                            material.sha256, material.content) for material in valid]


def merge(current: list[dict[str, Any]], added: list[CheckedMaterial]) -> list[dict[str, Any]]:
    """An application's materials after a resubmission: each added material replaces the one of the
    same name, or is added after the others; MaterialError when that makes more than MAX_MATERIALS."""
    merged = list(current)
    for material in added:
        same = [index for index, existing in enumerate(merged) if existing["name"] == material.name]
        if same:   # in the place of the first of that name (an early submission may have had two)
            merged[same[0]] = material.record()
            merged = [existing for index, existing in enumerate(merged) if index not in same[1:]]
        else:
            merged.append(material.record())
    if len(merged) > MAX_MATERIALS:
        raise MaterialError("materials", f"at most {MAX_MATERIALS} materials in all: the application has "
                                         f"{len(current)}, and a material replaces only the one of its name; "
                                         f"these would make {len(merged)}")
    return merged

