"""Feature flags: coded defaults, per-organisation and per-role overrides, evaluated on the server."""
