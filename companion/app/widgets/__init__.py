"""Widgets of the dashboard: each renders the values it is given and does no IO."""
