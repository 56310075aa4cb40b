"""API keys for integrations: organisation-scoped, limited to chosen permissions, stored hashed."""
