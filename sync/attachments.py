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
