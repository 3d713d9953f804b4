"""Find personal data in a table and pseudonymize it before it reaches a run.

A run keeps copies of what it trained on (predictions per row, a sample of the
data). If a column holds e-mail addresses, those copies spread personal data
into every run, every artifact store and every laptop that opens them. Replace
it first with a *keyed* hash: the same person always gets the same pseudonym,
so you can still count errors per observer, but without the key nobody can go
back from a pseudonym to the person. A plain SHA-256 is not enough: anyone can
hash a list of likely e-mail addresses and look the pseudonyms up.

In practice: Microsoft Presidio finds personal data in text and tables, and
your data platform's column-level access control and audit log say who may read
the raw column and who did.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import pandas as pd

from mlcourse.course import STATE_DIR

EMAIL = re.compile(r"^\s*[\w.+-]+@[\w-]+(\.[\w-]+)+\s*$")
KEY_FILE = STATE_DIR / "pseudonym.key"
KEY_VARIABLE = "MLCOURSE_PSEUDONYM_KEY"


def personal_columns(table: pd.DataFrame, share: float = 0.5) -> list[str]:
    """Columns whose values are mostly e-mail addresses (``share`` of the non-missing ones or more)."""
    found = []
    for column in table.columns:
        values = table[column].dropna()
        if not pd.api.types.is_numeric_dtype(values) and len(values) and values.astype(str).str.match(EMAIL).mean() >= share:
            found.append(column)
    return found


def course_key() -> bytes:
    """The secret key for pseudonyms: ``$MLCOURSE_PSEUDONYM_KEY``, else a random key kept in ``.course/``.

    The key never goes into a run record, the data or git: whoever holds it can
    re-identify people, so a team keeps it in a secrets manager.
    """
    if os.environ.get(KEY_VARIABLE):
        return os.environ[KEY_VARIABLE].encode()
    if not KEY_FILE.exists():
        _create_key(KEY_FILE)
    return KEY_FILE.read_text(encoding="utf-8").strip().encode()


def _create_key(path) -> None:
    """Write a new random key readable by its owner only; if another process got there first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(draft, path)  # atomic: appears complete, and only if no key exists yet
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def pseudonym(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the value as written by anyone (trimmed, lower case), 16 hex digits."""
    normalized = value.strip().lower().encode()
    return hmac.new(key, normalized, hashlib.sha256).hexdigest()[:16]


def pseudonymize(table: pd.DataFrame, key: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy of ``table`` whose personal columns (found, or the ``columns`` given) hold pseudonyms."""
    columns = personal_columns(table) if columns is None else columns
    return table.assign(**{column: table[column].map(lambda v: pseudonym(v, key), na_action="ignore")
                           for column in columns})
