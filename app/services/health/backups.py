"""Backups for /healthz: how old the newest base backup is, how long WAL has waited to be
archived, and warnings when either passes its bound. Only for the embedded cluster: a database
named by DATABASE_URL is backed up by its operator."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...backups import BackupStore
from ...config import Settings


def backup_status(session: Session, settings: Settings, now: datetime) -> dict:
    """{"last_base_backup", "archive", "warnings": [(code, params)]}; {"managed_by": "operator"}
    for a database the embedded cluster does not hold."""
    if not settings.embedded:
        return {"managed_by": "operator"}
    rules, warnings = settings.backups, []
    newest = BackupStore(settings.backup_dir).newest()
    last = None
    if newest is None:
        warnings.append(("backup.none", {}))
    else:
        age_hours = (now - newest.finished_at).total_seconds() / 3600
        last = {"finished_at": newest.finished_at.isoformat(), "age_hours": round(age_hours, 2)}
        if age_hours > rules.warn_backup_age_hours:
            warnings.append(("backup.old", {"hours": f"{age_hours:.1f}",
                                            "bound": f"{rules.warn_backup_age_hours:g}"}))

    mode = session.execute(text("SHOW archive_mode")).scalar_one()
    archiver = session.execute(text(
        "SELECT last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time "
        "FROM pg_stat_archiver")).one()
    # WAL waits as a .ready file until archive_command has taken it: the oldest is the lag
    waiting, oldest = session.execute(text(
        "SELECT count(*), min(modification) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")).one()
    lag = (now - oldest).total_seconds() if oldest else 0.0
    archive = {"mode": mode, "last_archived_at": _iso(archiver.last_archived_time),
               "waiting_files": waiting, "lag_seconds": round(lag),
               "failed_count": archiver.failed_count, "last_failed_at": _iso(archiver.last_failed_time)}
    if mode == "off":
        warnings.append(("backup.archive_off", {}))
    if lag > rules.warn_archive_lag_minutes * 60:
        warnings.append(("backup.archive_lag", {"minutes": f"{lag / 60:.0f}",
                                                "bound": f"{rules.warn_archive_lag_minutes:g}"}))
    if archiver.last_failed_time and (archiver.last_archived_time is None
                                      or archiver.last_failed_time > archiver.last_archived_time):
        warnings.append(("backup.archive_failing", {"wal": archiver.last_failed_wal}))
    return {"last_base_backup": last, "archive": archive, "warnings": warnings}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
