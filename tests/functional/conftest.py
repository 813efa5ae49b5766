"""Fixtures for the dashboard's Pilot tests (shared with the snapshot tests)."""

from companion_fixtures import session, setup, state_session

__all__ = ["session", "setup", "state_session"]
