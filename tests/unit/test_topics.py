"""Topic suggestions (loket.topics): the hint's examples are found by prefix, word, substring and
close spelling; each language has its own list, without the other's words."""

from __future__ import annotations

import pytest

from loket import topics


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("robo", "robotica"),
        ("robotica", "robotica"),
        ("Robotica", "robotica"),
        ("zonne", "zonne-energie"),
        ("zonne energie", "zonne-energie"),
        ("zonneenergie", "zonne-energie"),
        ("zorgtech", "zorgtechniek"),
        ("robtica", "robotica"),  # a typo
        ("zorg", "zorg"),  # the exact topic before longer ones
        ("programeren", "programmeren"),
    ],
)
def test_the_hint_examples_and_typos_are_found(query, first):
    assert topics.suggest(query, "nl")[0] == first


def test_word_matches_follow_prefix_matches():
    found = topics.suggest("energie", "nl")
    assert found[0].lower().startswith("energie")
    assert "zonne-energie" in found and "windenergie" in found


def test_the_dutch_list_has_no_english_words_and_the_english_list_no_dutch():
    nl, en = set(topics.topics("nl")), set(topics.topics("en"))
    for word in ("health", "assignment", "guest lesson", "software engineering", "robotics"):
        assert word not in nl
    for word in ("robotica", "zorg", "zonne-energie", "Energie"):
        assert word not in en
    assert topics.suggest("robo", "en")[0] == "robotics"
    assert topics.suggest("solar", "en")[0] == "solar energy"
    assert topics.topics("de") == topics.topics("nl")


def test_empty_query_gives_the_start_of_the_list_and_nonsense_nothing():
    assert topics.suggest("", "nl", limit=3) == ["zonne-energie", "robotica", "zorgtechniek"]
    assert topics.suggest("xqzv", "nl") == []
    assert len(topics.suggest("e", "nl", limit=5)) == 5
