"""Which ``--db`` values name a PostgreSQL database, and the checks on them (no psycopg here).

A ``postgresql://`` or ``postgres://`` URL, or a libpq key=value string with ``service=``,
``host=`` or ``dbname=`` selects PostgreSQL; anything else is a data folder. A password is
never accepted on the command line or in ``UPDECK_DB`` (it would show in ``ps`` and shell
history): libpq reads it from ``PGPASSFILE`` / ``~/.pgpass``, ``PGPASSWORD`` or a service
file, as every PostgreSQL client does.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from updeck.storage.errors import DatabaseProblem

URL_SCHEMES = ("postgresql://", "postgres://")
_KEYWORD = re.compile(r"(?:^|\s)(service|host|hostaddr|dbname|user|port)\s*=", re.IGNORECASE)
_PASSWORD_KEY = re.compile(r"(?:^|\s)password\s*=", re.IGNORECASE)

PASSWORD_REFUSED = (
    "the database address holds a password; updeck never takes one on the command line or "
    "in UPDECK_DB (it would show in ps and in shell history). Put it in ~/.pgpass (or the "
    "file PGPASSFILE names), in PGPASSWORD, or in a service of pg_service.conf "
    "(--db service=NAME), and give the address without it")


def is_database_address(db: str) -> bool:
    """True when ``db`` names a PostgreSQL database rather than a data folder."""
    text = db.strip()
    if text.lower().startswith(URL_SCHEMES):
        return True
    return "=" in text and bool(_KEYWORD.search(text))


def check_address(db: str) -> str:
    """``db`` stripped; :class:`DatabaseProblem` when it carries a password."""
    text = db.strip()
    if text.lower().startswith(URL_SCHEMES):
        parts = urlsplit(text)
        if parts.password is not None or any(
                key.lower() == "password" for key, _ in parse_qsl(parts.query)):
            raise DatabaseProblem(PASSWORD_REFUSED)
    elif _PASSWORD_KEY.search(text):
        raise DatabaseProblem(PASSWORD_REFUSED)
    return text


def describe(db: str) -> str:
    """The address as said to people (a password, if any, left out)."""
    text = db.strip()
    if text.lower().startswith(URL_SCHEMES):
        parts = urlsplit(text)
        if parts.password is not None:
            netloc = parts.netloc.rsplit("@", 1)
            user = netloc[0].split(":", 1)[0]
            parts = parts._replace(netloc=f"{user}@{netloc[1]}")
        query = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query, safe="/:,")))
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", text, flags=re.IGNORECASE)
