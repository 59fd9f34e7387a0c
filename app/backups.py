"""Backups of the embedded cluster as files: where base backups and the WAL archive lie, what a
base backup records of itself, and the shell commands PostgreSQL runs to archive and fetch WAL.

    <directory>/base/<start, UTC>/   one base backup (pg_basebackup -Ft, its WAL streamed in, so it
                                     restores on its own): base.tar.gz, pg_wal.tar.gz,
                                     backup_manifest, backup.json (when it began and finished, its
                                     first WAL file) and pgpassword (the superuser's password: the
                                     restored cluster answers to the password it had)
    <directory>/wal/<WAL file>.gz    every WAL file the cluster finished since (archive_command)

Base backups plus the WAL after them restore any moment since the oldest. Folders are 0700 and
files 0600, owned by the server's OS user. No Flask and no database here: the cluster
(pgserver.py) runs the tools and /healthz reads the dates.
"""
from __future__ import annotations

import json
import re
import shlex
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# While this file is in the data directory, finished WAL files are archived; the first base
# backup puts it there. Before it there is nothing to replay WAL onto, and a test run's gigabytes
# of it would pile up for nothing. It lies with the data, not with the backups, so that a backup
# disk gone missing fails the archiving (and /healthz says so) rather than passing for "no
# backups wanted".
ARCHIVING_MARKER = "gridmap-archiving"

_LABEL_WAL = re.compile(r"^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$", re.M)


@dataclass(frozen=True)
class BaseBackup:
    path: Path
    started_at: datetime
    finished_at: datetime       # a restore may aim at any moment after this
    start_wal: str              # the archive must keep this WAL file and every later one

    @property
    def name(self) -> str:
        return self.path.name

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())


@dataclass(frozen=True)
class BackupStore:
    directory: Path

    def __post_init__(self):
        # the archive command runs in the data directory, as another user
        object.__setattr__(self, "directory", Path(self.directory).resolve())

    @property
    def base_dir(self) -> Path:
        return self.directory / "base"

    @property
    def wal_dir(self) -> Path:
        return self.directory / "wal"

    # -- what there is ---------------------------------------------------------------------
    def base_backups(self) -> list[BaseBackup]:
        """The complete ones, oldest first (one being written has no backup.json yet)."""
        found = []
        for record in self.base_dir.glob("*/backup.json"):
            if record.parent.name.startswith("."):
                continue                    # being written
            facts = json.loads(record.read_text())
            found.append(BaseBackup(record.parent, datetime.fromisoformat(facts["started_at"]),
                                    datetime.fromisoformat(facts["finished_at"]), facts["start_wal"]))
        return sorted(found, key=lambda b: (b.started_at, len(b.name), b.name))

    def newest(self) -> BaseBackup | None:
        backups = self.base_backups()
        return backups[-1] if backups else None

    def for_moment(self, moment: datetime | None) -> BaseBackup | None:
        """The base backup to replay WAL onto up to `moment` (None: the latest): the newest that
        had finished by then, so the least WAL is replayed."""
        candidates = [b for b in self.base_backups() if moment is None or b.finished_at <= moment]
        return candidates[-1] if candidates else None

    def last_archived_at(self) -> datetime | None:
        times = [f.stat().st_mtime for f in self.wal_dir.glob("*.gz")] if self.wal_dir.is_dir() else []
        return datetime.fromtimestamp(max(times), timezone.utc) if times else None

    # -- writing one -----------------------------------------------------------------------
    def new_base_path(self, started_at: datetime) -> Path:
        """Named by the second it began, and a count should another begin in the same one."""
        name = started_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path, n = self.base_dir / name, 1
        while path.exists():
            n += 1
            path = self.base_dir / f"{name}-{n}"
        return path

    @staticmethod
    def describe(path: Path, started_at: datetime, finished_at: datetime) -> dict:
        """backup.json for the base backup pg_basebackup wrote in `path`: its first WAL file is
        in its backup_label, the first member of base.tar.gz (read without unpacking the rest)."""
        with tarfile.open(path / "base.tar.gz") as tar:
            member = tar.next()
            if member is None or member.name != "backup_label":
                raise ValueError(f"{path}/base.tar.gz does not begin with a backup_label")
            label = tar.extractfile(member).read().decode()
        return {"started_at": started_at.isoformat(), "finished_at": finished_at.isoformat(),
                "start_wal": _LABEL_WAL.search(label).group(1)}

    # -- what PostgreSQL runs (/bin/sh, in the data directory) -----------------------------
    def archive_command(self) -> str:
        """Copies a finished WAL file into the archive, gzipped, under a temporary name that is
        renamed once the copy is on disk. A file already there is never overwritten: the same
        content (archived once before a crash) counts as done, any other is a failure that
        PostgreSQL retries and /healthz reports."""
        wal = _for_postgres(shlex.quote(str(self.wal_dir)))
        return (f"[ -f {ARCHIVING_MARKER} ] || exit 0; umask 077; d={wal}; f=%f; "
                'if [ -e "$d/$f.gz" ]; then gzip -dc "$d/$f.gz" | cmp -s - %p; exit $?; fi; '
                'gzip -1 -c %p > "$d/.$f.gz.tmp" && sync "$d/.$f.gz.tmp" '
                '&& mv "$d/.$f.gz.tmp" "$d/$f.gz" && sync "$d"')

    def restore_command(self) -> str:
        wal = _for_postgres(shlex.quote(str(self.wal_dir)))
        return f'd={wal}; [ -f "$d/%f.gz" ] && gzip -dc "$d/%f.gz" > %p'


def _for_postgres(shell_text: str) -> str:
    """PostgreSQL replaces %p and %f in these commands; a % of our own is written %%."""
    return shell_text.replace("%", "%%")


def conf_value(text: str) -> str:
    """`text` as a quoted value in postgresql.conf syntax."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
