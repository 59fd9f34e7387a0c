"""What a channel says when a message did not go: `Undelivered`, whose reason is the kind of
failure and the server's code ("smtp 451", "http 500", "ConnectionRefusedError") — kept on the
message and logged, so never the server's own words, which may quote the recipient."""
from __future__ import annotations


class Undelivered(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:200]


def of(error: BaseException) -> str:
    """The reason for an error that came from the network or the TLS layer: its kind."""
    return type(error).__name__
