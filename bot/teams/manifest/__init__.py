"""The Teams app: manifest.json, its two icons (drawn by draw_icons.py) and the package `pestbot teams-package`
zips from them (package.py)."""
