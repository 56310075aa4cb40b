"""OpenID Connect sign-in: per-organisation identity providers and verified e-mail domains."""
