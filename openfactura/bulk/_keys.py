"""Deterministic idempotency keys for a batch.

A document's ``Idempotency-Key`` is the caller's id for it (an order number) when it has
one; otherwise the batch identity plus the document's position in the input: for an
input file, a hash of the file and the document's line. The same batch run again gives
every document the same key, so the API answers ``OF-06`` (the original token) instead
of emitting twice. A key is never derived from the content: two identical boletas in one
batch are two documents.

Usage::

    business_key("order-1234")                 # 'order-1234'
    position_key("3f2a...e1", 57)              # 'bulk-3f2a...e1-57'
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from .._exceptions import shown

__all__ = ["MAX_KEY_LENGTH", "business_key", "check_identity", "position_key", "random_identity"]

MAX_KEY_LENGTH = 200
_PRINTABLE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
_IDENTITY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def business_key(value: Any) -> str:
    """The key for a document the caller gave ``value`` as its id (text or an integer).

    Raises ``ValueError`` with the reason when it cannot be an HTTP header value.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{shown(value)} is not a text or an integer")
    text = str(value).strip()
    if not text:
        raise ValueError("an empty id")
    if len(text) > MAX_KEY_LENGTH:
        raise ValueError(f"longer than {MAX_KEY_LENGTH} characters")
    if not _PRINTABLE.match(text):
        raise ValueError(f"{text!r} has characters other than printable ASCII")
    return text


def position_key(identity: str, position: int) -> str:
    """The key of the document at ``position`` (a line, or an index) of batch ``identity``."""
    return f"bulk-{identity}-{position}"


def check_identity(value: str) -> str:
    """A batch identity given by the caller (letters, digits, ``_.:-``; 1 to 100)."""
    if not isinstance(value, str) or not _IDENTITY.match(value):
        raise ValueError(
            f"{shown(value)} is not a batch identity (letters, digits, _.:-; 1 to 100)"
        )
    return value


def random_identity() -> str:
    return uuid.uuid4().hex[:24]


def file_identity(digest: hashlib._Hash) -> str:
    """The identity of an input file from the sha256 of its bytes."""
    return digest.hexdigest()[:32]
