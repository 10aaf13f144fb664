"""Microsoft Teams: the Bot Framework SDK (botbuilder 4.17) lives in this package only.

Moving to the Microsoft 365 Agents SDK replaces this folder and nothing else; see docs/teams.md.
"""
