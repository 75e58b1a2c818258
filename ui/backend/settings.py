"""The settings page's non-secret settings. Worker thread."""

from __future__ import annotations

from typing import Any

from app.store import settings
from ui.context import AppContext
from ui.tasks import Changes


def load_settings(ctx: AppContext) -> dict[str, Any]:
    return settings.all_settings(ctx.store)


def save_settings(ctx: AppContext, values: dict[str, Any]) -> Changes:
    for key, value in values.items():
        settings.put(ctx.store, key, value)
    return Changes(settings=True)
