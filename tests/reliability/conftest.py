"""The Slack harness fixtures, for the reliability tests that go through the real Slack endpoint."""

from tests.slack.conftest import fake_slack, slack  # noqa: F401 - fixtures
from tests.teams.conftest import connector, loop_thread, start, teams  # noqa: F401,E402 - fixtures
