"""Clio Manage API v4: client, typed errors, fields and normalization to app.model records."""
