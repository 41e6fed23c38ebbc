"""The subscribers' registry: an id belongs to one country for good (issue 14: re-registering an id for another
country re-pointed its stream, topic and credentials included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backbone.feed.__main__ import main
from backbone.feed.subscribers import Registry, Subscriber, SubscriberTaken


def test_an_id_registered_for_one_country_is_refused_to_another_and_nothing_changes(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "feed.json")
    assert registry.add(Subscriber("ncu-1", "FR", "French NCU"))
    before = registry.path.read_bytes()
    with pytest.raises(SubscriberTaken, match="registered for FR"):
        registry.add(Subscriber("ncu-1", "SN", "Senegal's NCU"))
    assert registry.path.read_bytes() == before
    assert Registry(registry.path).current() == (Subscriber("ncu-1", "FR", "French NCU"),)


def test_its_own_country_may_update_the_description(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "feed.json")
    registry.add(Subscriber("ncu-1", "FR", "French NCU"))
    assert not registry.add(Subscriber("ncu-1", "FR", "French NCU"))
    assert registry.add(Subscriber("ncu-1", "FR", "Police nationale"))
    assert Registry(registry.path).current() == (Subscriber("ncu-1", "FR", "Police nationale"),)


def test_the_command_answers_a_conflict_before_touching_kafka(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.json"
    Registry(feed).add(Subscriber("ncu-1", "FR"))
    monkeypatch.setenv("FEED_SUBSCRIBERS_FILE", str(feed))
    monkeypatch.setenv("BACKBONE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("BACKBONE_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # nothing listens: a Kafka call would fail
    assert main(["subscribe", "--id", "ncu-1", "--country", "sn"]) == 2
    assert "registered for FR" in capsys.readouterr().err
    assert Registry(feed).current() == (Subscriber("ncu-1", "FR"),)
