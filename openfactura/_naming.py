"""The one rule that turns an Openfactura / SII wire name into a Python attribute name.

Every model field is declared with its wire name (``RUTEmisor``, ``MntNeto``,
``razonSocial``, ``current_page``...); its Python name is ``snake(wire)``. The rule is
kept here, and only here, so the code generator, the converter and the tests agree::

    >>> snake("RUTEmisor"), snake("MntNeto"), snake("CdgSIISucur"), snake("razonSocial")
    ('rut_emisor', 'mnt_neto', 'cdg_sii_sucur', 'razon_social')
"""

from __future__ import annotations

import keyword
import re
from functools import lru_cache

__all__ = ["snake"]

_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z0-9])([A-Z])")


@lru_cache(maxsize=4096)
def snake(wire_name: str) -> str:
    """Return the snake_case Python attribute name for ``wire_name``.

    An acronym stays one word (``SII``, ``RUT``, ``OF``, ``DR``); a Python keyword gets a
    trailing underscore.
    """
    name = _ACRONYM_THEN_WORD.sub(r"\1_\2", wire_name)
    name = _LOWER_THEN_UPPER.sub(r"\1_\2", name)
    name = name.replace("-", "_").lower()
    if keyword.iskeyword(name):
        name += "_"
    return name
