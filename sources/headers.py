"""How a delivered header cell (or a unit written in one) is compared with the names a contract
and the unit table know."""

from __future__ import annotations

import re
import unicodedata


def normalize_header(text: str) -> str:
    """Fold a header cell to a comparable form: NFKC (full-width → half-width, （）→ ()),
    no white space, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()
