"""The JSON API under /api/v1, for integrations and a future mobile client (docs/api.md)."""
