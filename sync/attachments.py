"""Photos and other files that devices upload apart from their mutations."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sync.errors import ProtocolError
from sync.tables import attachment, attachment_ref

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp")


def sniff_type(head: bytes) -> str | None:
    """The file's type by its first bytes, whatever name or header it came with."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_end(content: bytes, content_type: str) -> int | None:
    """Where the picture ends in ``content``, by its own structure; None if it never does.

    Bytes after the end (an HTML page, a script) are no part of the picture and are never
    kept, whatever a browser might make of them.
    """
    if content_type == "image/png":
        return _png_end(content)
    if content_type == "image/jpeg":
        return _jpeg_end(content)
    size = int.from_bytes(content[4:8], "little") + 8
    return size + size % 2 if size + size % 2 <= len(content) else None


def _png_end(content: bytes) -> int | None:
    position = 8
    while position + 12 <= len(content):
        length = int.from_bytes(content[position : position + 4], "big")
        chunk_type = content[position + 4 : position + 8]
        position += 12 + length
        if chunk_type == b"IEND":
            return position if position <= len(content) else None
    return None


# Markers that stand alone, without a length: the restarts, and the temporary marker.
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}


def _jpeg_end(content: bytes) -> int | None:
    position = 2
    while position + 1 < len(content):
        if content[position] != 0xFF:
            return None
        marker = content[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            return position + 2
        if marker in _STANDALONE:
            position += 2
            continue
        position += 2 + int.from_bytes(content[position + 2 : position + 4], "big")
        if marker == 0xDA:
            # The scan's coded data: a 0xFF in it is followed by 0x00 or a restart marker.
            while position + 1 < len(content):
                if content[position] == 0xFF and content[position + 1] not in _SCAN_BYTES:
                    break
                position += 1
    return None


_SCAN_BYTES = frozenset(range(0xD0, 0xD8)) | {0x00}


class AttachmentStore(Protocol):
    """Where attachment bytes live: a folder here, shared storage on a multi-server site."""

    def put(self, attachment_id: uuid.UUID, content: bytes) -> None: ...

    def read(self, attachment_id: uuid.UUID) -> bytes: ...


class FolderStore:
    """Files in a folder, two levels of sub-folders by id so none grows too large."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, attachment_id: uuid.UUID) -> Path:
        name = str(attachment_id)
        return self.root / name[:2] / name[2:4] / name

    def put(self, attachment_id: uuid.UUID, content: bytes) -> None:
        path = self._path(attachment_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a photo.
        handle, temporary = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)

    def read(self, attachment_id: uuid.UUID) -> bytes:
        return self._path(attachment_id).read_bytes()


def store_attachment(
    session: Session,
    store: AttachmentStore,
    *,
    attachment_id: uuid.UUID,
    content: bytes,
    declared_type: str,
    declared_sha256: str,
    partition_id: int,
    device_id: uuid.UUID,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bool:
    """Keep an uploaded file once; True if it is new, False if it was already here."""
    if len(content) > max_bytes:
        raise ProtocolError(
            413,
            "too_large",
            f"Files may be at most {max_bytes // (1024 * 1024)} MB.",
            max_bytes=max_bytes,
        )
    detected = sniff_type(content[:16])
    if detected not in ALLOWED_TYPES:
        raise ProtocolError(
            415,
            "unsupported_type",
            "Only JPEG, PNG and WebP pictures are accepted.",
            allowed=list(ALLOWED_TYPES),
        )
    if declared_type.split(";")[0].strip().lower() != detected:
        raise ProtocolError(
            415,
            "type_mismatch",
            f"The file is {detected}, not {declared_type}.",
        )
    digest = hashlib.sha256(content).hexdigest()
    if digest != declared_sha256.lower():
        raise ProtocolError(
            400, "hash_mismatch", "The file arrived damaged (its SHA-256 differs); send it again."
        )
    end = image_end(content, detected)
    if end is None:
        raise ProtocolError(415, "unreadable_image", "The picture is incomplete or damaged.")
    # ``digest`` stays the one of what was sent, so that sending it again is a repeat.
    content = content[:end]
    stored = session.execute(
        select(attachment.c.sha256).where(attachment.c.id == attachment_id)
    ).first()
    if stored is not None:
        if stored.sha256 != digest:
            raise ProtocolError(409, "id_taken", "Another file was already sent under this id.")
        return False
    store.put(attachment_id, content)
    session.execute(
        insert(attachment).values(
            id=attachment_id,
            partition_id=partition_id,
            content_type=detected,
            size=len(content),
            sha256=digest,
            device_id=device_id,
            received_at=now,
        )
    )
    session.commit()
    return True


def missing_attachments(session: Session, partition_id: int) -> list:
    """Attachments that records reference but that have not arrived: still on a device."""
    return session.execute(
        select(attachment_ref)
        .outerjoin(attachment, attachment.c.id == attachment_ref.c.attachment_id)
        .where((attachment_ref.c.partition_id == partition_id) & attachment.c.id.is_(None))
    ).all()
