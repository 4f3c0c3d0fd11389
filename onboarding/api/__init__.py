"""The JSON API under /api/v1: bearer tokens, problem+json errors, idempotent POSTs, an OpenAPI document."""
