"""The read replica for /healthz, as the answering process sees it (app/replica.py): up or down,
how far behind the primary, and whether the layers' reads go to it now. Only when there is one
(DATABASE_REPLICA_URL, or the embedded cluster's once made).

Warnings, never an outage: whatever the replica does, the primary answers its reads. A replica
stopped on purpose is no warning either, only a note of how to start it again or remove it."""
from __future__ import annotations


def replica_status(state: str, lag_s: float | None, reads: bool, max_lag_s: float, retry_s: float) -> dict:
    """{"state": "up" | "down" | "not_following" | "stopped", "lag_seconds", "max_lag_seconds",
    "reads": "replica" | "primary", "warnings": [(code, params)], "notes": [(code, params)]}."""
    warnings, notes = [], []
    if state == "stopped":
        notes.append(("replica.stopped", {}))
    elif state == "down":
        warnings.append(("replica.down", {"seconds": f"{retry_s:g}"}))
    elif state == "not_following":
        warnings.append(("replica.not_following", {}))
    elif lag_s is not None and lag_s > max_lag_s:
        warnings.append(("replica.behind", {"lag": f"{lag_s:.1f}", "bound": f"{max_lag_s:g}"}))
    # a lag not yet measured (the process's first look) is no warning: the next look measures it
    return {"state": state, "lag_seconds": None if lag_s is None else round(lag_s, 1),
            "max_lag_seconds": max_lag_s, "reads": "replica" if reads else "primary", "warnings": warnings,
            "notes": notes}
