"""What the live stream's tests share."""
import pytest


@pytest.fixture()
def open_streams():
    """Streams a test opens, closed after it."""
    streams = []
    yield streams
    for s in streams:
        s.close()
