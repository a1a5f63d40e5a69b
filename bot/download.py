"""An export (bot.desk.workbook) sent as a download, for the API and the console alike:
written to a temporary file first (so a failure is answered as one, not as a cut-off
file), then sent in chunks under a Chinese file name (RFC 6266 / 5987), and the file
removed whatever happens."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.desk.workbook import WRITERS, Export

# Paths that answer with a file: not held to [http] staff_deadline (bot.app), since a
# large export takes as long as its rows; [staff] export_rows_max bounds it instead.
SUFFIXES = tuple(f".{kind}" for kind in WRITERS)
CHUNK = 256 * 1024


def disposition(name: str) -> str:
    """``attachment`` with the name twice: an ASCII stand-in for old clients, and the
    real one percent-encoded in UTF-8 (``filename*``), which browsers prefer."""
    stem, dot, ext = name.rpartition(".")
    plain = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9._-]+", "_", stem)).strip("_.")
    fallback = f"export_{plain}{dot}{ext}" if plain else f"export{dot}{ext}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _temporary(kind: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="township-export-", suffix=f".{kind}")
    os.close(handle)
    return Path(name)


async def send(request: web.Request, export: Export, kind: str) -> web.StreamResponse:
    """The export as a file of ``kind`` (xlsx or csv)."""
    write, content_type = WRITERS[kind]
    path = await asyncio.to_thread(_temporary, kind)
    try:
        await write(export, path)
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": disposition(f"{export.name}.{kind}"),
                # Personal data: never kept by a cache on the way.
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        response.content_length = await asyncio.to_thread(os.path.getsize, path)
        await response.prepare(request)
        # Opened here, not in a thread: a request cancelled while a thread opened it
        # would leave the file open with no one to close it.
        file = path.open("rb")
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                await response.write(chunk)
        finally:
            file.close()
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
