"""LogsEngine without HTTP: the in-process interface Lambda uses, and retention sweeps."""

from __future__ import annotations

import pytest

from lenticular.services.logs.engine import DAY_MS, LogsEngine
from lenticular.services.logs.errors import ResourceNotFoundException
from lenticular.services.logs.store import MIGRATIONS, LogsStore
from lenticular.state.sqlite import Database

ACCOUNT, REGION = "000000000000", "us-east-1"
NOW = 1_800_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(tmp_path, clock) -> LogsEngine:
    db = Database(tmp_path / "logs.sqlite", MIGRATIONS)
    yield LogsEngine(LogsStore(db), clock)
    db.close()


def test_put_events_creates_group_and_stream(engine):
    group, stream = "/aws/lambda/fn", "2024/01/01/[$LATEST]abc"
    engine.put_events(ACCOUNT, REGION, group, stream, [(NOW, "START"), (NOW + 1, "END")])
    engine.put_events(ACCOUNT, REGION, group, stream, [(NOW + 2, "REPORT")])
    found = engine.group(ACCOUNT, REGION, group)
    log_stream = engine.stream(found, stream)
    assert (log_stream.first_event_timestamp, log_stream.last_event_timestamp) == (NOW, NOW + 2)
    assert log_stream.stored_bytes == len("STARTENDREPORT")
    assert engine.group(ACCOUNT, REGION, group).stored_bytes == len("STARTENDREPORT")
    page = engine.get_log_events(found, log_stream, from_head=True)
    assert [e.message for e in page.events] == ["START", "END", "REPORT"]


def test_put_events_without_create_needs_group_and_stream(engine):
    with pytest.raises(ResourceNotFoundException, match="log group does not exist"):
        engine.put_events(ACCOUNT, REGION, "nope", "s", [(NOW, "x")], create=False)
    engine.create_group(ACCOUNT, REGION, "exists")
    with pytest.raises(ResourceNotFoundException, match="log stream does not exist"):
        engine.put_events(ACCOUNT, REGION, "exists", "s", [(NOW, "x")], create=False)


def test_groups_are_per_account_and_region(engine):
    engine.put_events(ACCOUNT, REGION, "g", "s", [(NOW, "x")])
    with pytest.raises(ResourceNotFoundException):
        engine.group("111122223333", REGION, "g")
    with pytest.raises(ResourceNotFoundException):
        engine.group(ACCOUNT, "eu-west-1", "g")


def test_sweep_deletes_expired_events_and_their_bytes(engine, clock):
    engine.put_events(ACCOUNT, REGION, "sweep", "s", [(NOW - 3 * DAY_MS, "old"), (NOW, "new")])
    engine.put_events(ACCOUNT, REGION, "keep", "s", [(NOW - 3 * DAY_MS, "old")])
    engine.set_retention(ACCOUNT, REGION, "sweep", 1)
    assert engine.sweep_expired() == 1
    group = engine.group(ACCOUNT, REGION, "sweep")
    assert group.stored_bytes == 3
    assert engine.stream(group, "s").stored_bytes == 3
    # Raw rows are gone, not just hidden.
    rows = engine.store.db.query("SELECT message FROM log_events WHERE group_id = ?", (group.id,))
    assert [r[0] for r in rows] == ["new"]
    # Groups without retention keep everything.
    keep = engine.group(ACCOUNT, REGION, "keep")
    assert [e.message for e in engine.filter_log_events(keep).events] == ["old"]
    # Time passes: the remaining event expires too.
    clock.now += 2 * DAY_MS
    assert engine.sweep_expired() == 1
    assert engine.filter_log_events(engine.group(ACCOUNT, REGION, "sweep")).events == []


def test_reads_hide_expired_events_before_the_sweep(engine):
    engine.put_events(ACCOUNT, REGION, "hide", "s", [(NOW - 2 * DAY_MS, "old"), (NOW, "new")])
    engine.set_retention(ACCOUNT, REGION, "hide", 1)
    group = engine.group(ACCOUNT, REGION, "hide")
    assert [e.message for e in engine.filter_log_events(group).events] == ["new"]
    page = engine.get_log_events(group, engine.stream(group, "s"), from_head=True)
    assert [e.message for e in page.events] == ["new"]


def test_put_log_events_rejections(engine, clock):
    engine.create_group(ACCOUNT, REGION, "rej")
    engine.create_stream(ACCOUNT, REGION, "rej", "s")
    events = [
        (NOW - 15 * DAY_MS, "too old"),
        (NOW - 15 * DAY_MS + 1, "too old 2"),
        (NOW - 60_000, "fine"),
        (NOW, "fine too"),
    ]
    # 24-hour span rule is for the batch: send the too-old ones alone.
    result = engine.put_log_events(ACCOUNT, REGION, "rej", "s", events[:2])
    assert result.rejected == {"tooOldLogEventEndIndex": 2}
    result = engine.put_log_events(
        ACCOUNT, REGION, "rej", "s", [*events[2:], (NOW + 3 * 3_600_000, "too new")]
    )
    assert result.rejected == {"tooNewLogEventStartIndex": 2}
    group = engine.group(ACCOUNT, REGION, "rej")
    assert [e.message for e in engine.filter_log_events(group).events] == ["fine", "fine too"]
