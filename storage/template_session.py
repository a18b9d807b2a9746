"""One load's view of the disk: the search path, a parse cache, and template files in a folder."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from updeck.storage import yaml_nodes
from updeck.storage.safe_files import read_regular
from updeck.storage.template_errors import TemplateError
from updeck.storage.template_schema import RawTemplate, check_bytes

TEMPLATE_SUFFIXES = (".yaml", ".yml")
_ID_LINE = re.compile(r"""^id:[ \t]*['"]?([a-z0-9][a-z0-9-]*)['"]?[ \t]*(?:#.*)?$""", re.MULTILINE)


class TemplateSession:
    """One load: a parse cache, the search path, and the errors gathered so far."""

    def __init__(self, search_path: Sequence[Path] | None) -> None:
        if search_path is None:
            from updeck.storage.locations import template_search_path

            search_path = template_search_path()
        self.search_path = [Path(p) for p in search_path]
        self.cache: dict[Path, tuple[bytes | None, RawTemplate, list[TemplateError], bool]] = {}

    def parse(self, path: Path, shown: str, data: bytes | None = None
              ) -> tuple[bytes | None, RawTemplate, list[TemplateError], bool]:
        """(bytes, raw, errors, unreadable) of one file, cached by resolved path."""
        key = file_key(path)
        if data is None and key in self.cache:
            return self.cache[key]
        unreadable = False
        errors: list[TemplateError] = []
        raw = RawTemplate(shown)
        if data is None:
            try:
                info = path.stat()
                if stat.S_ISDIR(info.st_mode):
                    unreadable = True
                    errors.append(TemplateError(shown, 1, 1, "is a folder, not a template file"))
                elif not stat.S_ISREG(info.st_mode):
                    unreadable = True
                    errors.append(TemplateError(shown, 1, 1, "is not a regular file"))
                elif info.st_size > yaml_nodes.MAX_BYTES:
                    errors.append(TemplateError(shown, 1, 1, f"the file is larger than 1 MiB "
                                                              f"({info.st_size} bytes); refused"))
                else:
                    # never more than the limit, whatever stat said; never a FIFO or device
                    data = read_regular(path, limit=yaml_nodes.MAX_BYTES + 1)
            except FileNotFoundError:
                unreadable = True
                errors.append(TemplateError(shown, 1, 1, "no such file"))
            except OSError as exc:
                unreadable = True
                errors.append(TemplateError(shown, 1, 1, f"cannot read the file: {exc.strerror or exc}"))
        if data is not None:
            raw, errors = check_bytes(data, shown)
        result: tuple[bytes | None, RawTemplate, list[TemplateError], bool] = (data, raw, errors, unreadable)
        self.cache[key] = result
        return result

    def candidates(self, template_id: str, extra: Sequence[Path] = ()) -> Iterable[Path]:
        """Files on the search path (then ``extra`` folders) that may hold ``template_id``."""
        seen: set[Path] = set()
        for folder in [*self.search_path, *extra]:
            for path in template_files(folder):
                key = file_key(path)
                if key in seen:
                    continue
                seen.add(key)
                if quick_id(path) in (template_id, None):
                    yield path


def file_key(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def quick_id(path: Path) -> str | None:
    """The id of a file by a cheap look at its lines; ``None`` when unsure."""
    try:  # a FIFO planted in a template folder must not hang the search
        head = read_regular(path, limit=yaml_nodes.MAX_BYTES + 1)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace")
    ids = _ID_LINE.findall(text)
    return ids[0] if len(ids) == 1 else None


def available_ids(session: TemplateSession) -> list[str]:
    """Ids of the files on the search path that parse cleanly on their own (no extends)."""
    ids: set[str] = set()
    for folder in session.search_path:
        for path in template_files(folder):
            _, raw, own_errors, _ = session.parse(path, str(path))
            if raw.id and not own_errors:
                ids.add(raw.id)
    return sorted(ids)


def template_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files directly in a folder, by name; none if it is missing."""
    base = Path(folder)
    try:
        return sorted(p for p in base.iterdir() if p.suffix.lower() in TEMPLATE_SUFFIXES and p.is_file())
    except OSError:
        return []
