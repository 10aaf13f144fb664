"""The Slack adapter: a slack-bolt app behind `POST /slack/events` (or Socket Mode), and its notifier."""
