"""Fixtures for the dashboard's Pilot tests (shared with the snapshot tests)."""

from companion_fixtures import session, setup

__all__ = ["session", "setup"]
