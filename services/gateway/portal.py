"""The web portal's files (portal/, built into portal/dist by `make run`), served by the gateway.

`/` and any page path a browser asks for (a GET that accepts HTML and is not an API path) answer the
portal's index.html, so a bookmarked page such as /applications/3 opens; `/assets/...` are the
built, content-hashed files, cached for a year; anything else the build put at the top is served as
is. Text files are gzipped for clients that take it. The page may load nothing from anywhere else
(Content-Security-Policy), frames of it are refused, and an unbuilt portal says how to build it.
"""
from __future__ import annotations

import gzip
import mimetypes
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Request, Response

from shared.config import settings

INDEX = "index.html"
ASSETS = "/assets/"
# paths that are never a portal page: an unknown one stays a JSON 404
NOT_PAGES = ("/api/", "/health")
# Element Plus sets inline styles; everything else comes from the platform itself
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                           "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_GZIP_BYTES = 1024
NOT_BUILT = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>惠企政策平台</title>"
             "<p>门户页面尚未构建。请在项目目录运行 <code>make run</code>（它会构建门户），"
             "或运行 <code>cd portal &amp;&amp; npm ci &amp;&amp; npm run build</code>。</p>"
             "<p>接口仍可使用：<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p></html>")


def is_built() -> bool:
    """Whether the portal has been built (its index.html is there to serve)."""
    return (settings().portal_path() / INDEX).is_file()


def is_file_path(path: str) -> bool:
    """Whether the portal serves `path` as a file of its build: the page itself, its assets, the icon."""
    return path == "/" or path.startswith(ASSETS) or (path.count("/") == 1 and "." in path)


def is_page_request(request: Request) -> bool:
    """A browser opening a portal page by its address (a deep link), not a call to the API."""
    return (request.method in ("GET", "HEAD") and not request.path.startswith(NOT_PAGES)
            and request.accept_mimetypes.accept_html)


def answer(request: Request, path: str | None = None) -> Response:
    """The file at `path` (the request's own by default), or index.html for a page path."""
    path = request.path if path is None else path
    root = settings().portal_path()
    if not is_built():
        return Response(NOT_BUILT, status=503, content_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
    target = _within(root, path.lstrip("/")) if path != "/" else None
    if target is None or not target.is_file():
        if path.startswith(ASSETS) or not is_page_request(request):
            return Response("", status=404)
        target = root / INDEX
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    stat = target.stat()
    body, encoded = _body(str(target), stat.st_mtime_ns, "gzip" in request.headers.get("Accept-Encoding", ""))
    headers = dict(SECURITY_HEADERS) if target.name == INDEX else {"X-Content-Type-Options": "nosniff"}
    headers["Cache-Control"] = ("public, max-age=31536000, immutable" if path.startswith(ASSETS)
                                else "no-cache")
    headers["Vary"] = "Accept-Encoding"
    if encoded:
        headers["Content-Encoding"] = "gzip"
    response = Response(body if request.method == "GET" else b"", content_type=content_type, headers=headers)
    if request.method == "HEAD":
        response.content_length = len(body)
    return response


def _within(root: Path, relative: str) -> Path | None:
    """The file under `root`; None for a path that would leave it (`..`, a symlink out)."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


@lru_cache(maxsize=256)
def _body(path: str, mtime_ns: int, gzip_ok: bool) -> tuple[bytes, bool]:
    """A file's bytes, gzipped where that helps; kept in memory per version of the file."""
    data = Path(path).read_bytes()
    content_type = mimetypes.guess_type(path)[0] or ""
    if gzip_ok and len(data) >= MIN_GZIP_BYTES and content_type.startswith(COMPRESSIBLE):
        return gzip.compress(data, compresslevel=6, mtime=0), True
    return data, False
