"""One school, its own Slack workspace only.

A distributed Slack app can be installed in any workspace, and Slack then signs that workspace's requests
with the app's own signing secret: a valid signature does not say the request is the school's. So every
request Bolt dispatches is checked first (Bolt's `before_authorize`, ahead of any token look-up) against
the school's `slack_workspaces` (team ids, or the Enterprise Grid organisation). Anything else is
refused: a slash command hears that this Pestbot belongs to another school, everything else gets an
empty 200 (so that Slack does not retry), and the attempt is on record with the workspace's id only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from flows.services import App, refuse_outsider

log = logging.getLogger(__name__)


def before_authorize(app: App) -> Callable[..., BoltResponse | None]:
    def guard(body: dict, context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        if app.school.own_slack_workspace(context.team_id, context.enterprise_id) or _no_workspace(body):
            next()
            return None
        place = context.team_id or context.enterprise_id or "?"
        log.warning("refused a Slack request from another workspace")
        message = refuse_outsider(app, "slack", place)
        if isinstance(body, dict) and isinstance(body.get("command"), str):
            return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": message.text}),
                                headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")

    return guard


def _no_workspace(body: object) -> bool:
    """Slack's check of the Request URL (url_verification) names no workspace and reads nothing; Bolt answers
    it after this guard (ssl_check comes before it)."""
    return isinstance(body, dict) and body.get("type") == "url_verification"
