"""What is in the landing folder: every file an office dropped, and why a file cannot be a
delivery before anything reads it.

``landing/<extract>/<any name>.csv|.xlsx|.txt`` (subfolders of an extract's folder are that
extract's) is a delivery. Everything else is recorded, never skipped in silence: a file at the
landing root, in a folder that is not a known extract, a hidden file (``.name``, or inside a
hidden folder), a name with control characters or bytes that are not UTF-8, something that is
not a regular file, and a symbolic link that leads out of the landing folder (never followed:
a link must not make the warehouse load a file from elsewhere on the machine). Each of these
becomes a ``Entry`` with a ``problem``; the loader records it in meta.files as rejected with
that reason. Office lock files (``~$name.xlsx``, written while a workbook is open in Excel) are
the editor's, not the office's: they are listed apart, for the run summary to mention.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

ROOT_EXTRACT = "(landing root)"   # meta.files.extract of a file dropped at the landing root


@dataclass(frozen=True)
class Entry:
    path: Path           # where it is (a followed link: the link's path, inside the landing)
    rel: str             # relative to the landing folder, printable (odd bytes escaped)
    extract: str         # the extract folder, an unknown folder's name, or ROOT_EXTRACT
    size: int            # bytes (of the link itself, for a link not followed)
    mtime: float         # modification time, seconds (idem)
    problem: str | None = None   # why it cannot be a delivery; None: read it

    @property
    def received_ms(self) -> int:
        """Its modification time as meta.files.received_at holds it (to the microsecond), in ms."""
        import datetime as dt
        return round(dt.datetime.fromtimestamp(self.mtime, dt.UTC).timestamp() * 1000)

    def fingerprint(self) -> str:
        """A content hash for meta.files: the file's, or the link's own text for a link that
        is not followed (its target is never read)."""
        if self.problem is not None and not self._readable():
            what = os.readlink(self.path) if self.path.is_symlink() else stat.filemode(self.path.lstat().st_mode)
            return hashlib.sha256(f"not read: {what}".encode("utf-8", "backslashreplace")).hexdigest()
        h = hashlib.sha256()
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        return h.hexdigest()

    def _readable(self) -> bool:
        """A regular file that is not a link (links with a problem are never opened)."""
        st = self.path.lstat()
        return stat.S_ISREG(st.st_mode)


def printable(rel: str) -> str:
    """A path as text that DuckDB and a terminal can hold: bytes that are not UTF-8 as \\xNN,
    control characters as \\uNNNN."""
    text = os.fsencode(rel).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == "/" else f"\\u{ord(c):04x}" for c in text)


def _odd_name(name: str) -> str | None:
    if printable(name) != name:
        return ("an odd file name (control characters or bytes that are not UTF-8): "
                "rename it and deliver it again")
    return None


def scan(landing: Path, extracts) -> tuple[list[Entry], list[str]]:
    """Every file under ``landing``, oldest first, and the Office lock files found (relative
    paths). ``extracts``: the known extract names. Never follows a link out of the folder."""
    extracts = set(extracts)
    entries: list[Entry] = []
    locks: list[str] = []
    if not landing.is_dir():
        return entries, locks
    root = landing.resolve()

    def inside(target: Path) -> bool:
        return target == root or root in target.parents

    def walk(folder: Path, extract: str | None, hidden: bool, unknown: str | None) -> None:
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for child in children:
            path = Path(child.path)
            rel = printable(str(path.relative_to(landing)))
            name = child.name
            if name.startswith("~$"):
                locks.append(rel)
                continue
            try:
                lst = path.lstat()
            except OSError:
                continue  # vanished while listing
            is_hidden = hidden or name.startswith(".")
            if stat.S_ISLNK(lst.st_mode):
                target = Path(os.path.realpath(path))
                if not target.exists():
                    entries.append(Entry(path, rel, extract or unknown or ROOT_EXTRACT, lst.st_size,
                                         lst.st_mtime, "a broken symbolic link: nothing to read"))
                    continue
                if not inside(target):
                    what = "folder" if target.is_dir() else "file"
                    entries.append(Entry(path, rel, extract or unknown or ROOT_EXTRACT, lst.st_size,
                                         lst.st_mtime, f"a symbolic link to a {what} outside the landing "
                                         "folder: not followed — deliver the file itself"))
                    continue
                if target.is_dir():
                    entries.append(Entry(path, rel, extract or unknown or ROOT_EXTRACT, lst.st_size,
                                         lst.st_mtime, "a symbolic link to a folder: not followed"))
                    continue
            st = path.stat() if stat.S_ISLNK(lst.st_mode) else lst
            if stat.S_ISDIR(st.st_mode):
                if extract is None and unknown is None:  # a folder at the landing root
                    if name in extracts and not is_hidden:
                        walk(path, name, False, None)
                    else:
                        walk(path, None, is_hidden, printable(name))
                else:
                    walk(path, extract, is_hidden, unknown)
                continue
            problem = None
            owner = extract or unknown or ROOT_EXTRACT
            if not stat.S_ISREG(st.st_mode):
                problem = "not a regular file (a pipe, socket or device): not read"
            elif extract is None and unknown is None:
                problem = ("a file at the landing root: put it in the folder of its extract "
                           "(landing/<extract>/)")
            elif extract is None:
                top = rel.split("/", 1)[0]
                if top.startswith("."):
                    problem = f"in a hidden folder ({top}): not a delivery"
                else:
                    near = difflib.get_close_matches(top, sorted(extracts), n=1)
                    problem = (f"folder '{top}' is not a known extract"
                               + (f" (did you mean {near[0]}?)" if near else
                                  " (the folders are named after the extracts of docs/FORMATS.md)"))
            elif is_hidden:
                problem = "a hidden file (its name or a folder's starts with '.'): not a delivery"
            else:
                problem = _odd_name(name)
            entries.append(Entry(path, rel, owner, st.st_size, st.st_mtime, problem))

    walk(landing, None, False, None)
    entries.sort(key=lambda e: (e.mtime, e.rel))
    return entries, sorted(locks)
