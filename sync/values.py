"""Values from devices as the server can store, compare and show them."""

from __future__ import annotations

import json
import math
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: for flags, rejections and history."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


MAX_ARGS_DEPTH = 16
_INT64 = range(-(2**63), 2**63)


def unstorable(value) -> str | None:
    """Why a device's value cannot be stored, compared or shown as it is; None if it can.

    A number no column holds, a float that is not finite, text with a broken character (a
    lone UTF-16 surrogate, what cutting an emoji in half leaves) or a NUL, nesting deeper
    than any mutation needs: each fails only later, in the database or a template, and
    the same way on every retry, so it is refused at the door for every field of every
    kind.
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_ARGS_DEPTH:
            return f"Nested more than {MAX_ARGS_DEPTH} levels deep."
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int):
            if item not in _INT64:
                return "A number too large to store."
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "A number that is not finite."
        elif isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            for key, member in item.items():
                stack.append((key, depth + 1))
                stack.append((member, depth + 1))
        elif isinstance(item, list):
            stack.extend((member, depth + 1) for member in item)
    return None


def text_problem(text: str) -> str | None:
    """Why text cannot be stored as it is (PostgreSQL refuses NULs, UTF-8 lone surrogates)."""
    if "\x00" in text:
        return "Text with a NUL character."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text with a broken character (half of an emoji?)."
    return None


# What the office's page keeps of a refused mutation's arguments, as JSON text.
MAX_KEPT_ARGS_CHARS = 4000


def shown_text(text: str, limit: int | None = None) -> str:
    """Text as a page can show it: broken characters and NULs replaced, cut to ``limit``."""
    mended = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    mended = mended.replace("\x00", "\ufffd")
    return mended if limit is None or len(mended) <= limit else mended[: limit - 1] + "…"


def _mended(value: Any, depth: int = 0) -> Any:
    """``jsonable`` for values that may be anything a device sent: depth-limited, with
    broken text mended and numbers no column holds written as text."""
    if depth > MAX_ARGS_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {shown_text(str(k), 200): _mended(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_mended(v, depth + 1) for v in value]
    if isinstance(value, str):
        return shown_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        return str(value)
    return jsonable(value)


def storable_summary(args: Any) -> Any:
    """A refused mutation's arguments as the office keeps them: whole up to a size, else
    the beginning of their JSON text and how long it was."""
    mended = _mended(args)
    text = json.dumps(mended, ensure_ascii=False)
    if len(text) <= MAX_KEPT_ARGS_CHARS:
        return mended
    return {"truncated_from_chars": len(text), "start": text[:MAX_KEPT_ARGS_CHARS]}


def utc_offset_minutes(moment: datetime | None) -> int | None:
    """The offset from UTC a device's clock reported, in minutes."""
    if moment is None or moment.utcoffset() is None:
        return None
    return int(moment.utcoffset().total_seconds() // 60)
