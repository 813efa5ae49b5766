"""The organiser's board (`companion board mqtt://host:port/<event>`)."""
