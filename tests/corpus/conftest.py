"""The corpus tests start the same real servers as tests/slack and tests/teams."""

from tests.slack.conftest import fake_slack, slack  # noqa: F401 - fixtures
from tests.teams.conftest import connector, loop_thread, start  # noqa: F401 - fixtures
from tests.teams.test_teams_token import signing_key  # noqa: F401 - fixture
