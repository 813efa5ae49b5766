"""The dashboard's screens: the main dashboard, the checkpoint form and the detail views."""
