"""The Teams app manifest (manifest.json) and `python -m bot.teams.manifest.package`, which zips it."""
