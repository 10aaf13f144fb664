"""Fixtures for the Slack tests: the fake Web API, and the real server started against it."""

from __future__ import annotations

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Server


@pytest.fixture
def fake_slack():
    with FakeSlack() as fake:
        yield fake
    assert fake.violations == [], "a call broke Block Kit's limits"


@pytest.fixture
def slack(wired, fake_slack):
    with Server(wired, fake_slack) as server:
        yield server
