"""A firm's schedule as the command line and the window both set it: the system scheduler's definition and
the interval kept in the firm's settings (``schedule.every_minutes``; 0 when none)."""

from __future__ import annotations

from app.schedule.definitions import Schedule
from app.schedule.installer import Installer, Outcome
from app.store import settings
from app.store.db import Store

SETTING_KEY = "schedule.every_minutes"


def every_minutes(store: Store) -> int:
    return int(settings.get(store, SETTING_KEY, 0) or 0)


def install(store: Store, profile: str, minutes: int, data_dir: str | None = None,
            installer: Installer | None = None) -> Outcome:
    done = (installer or Installer()).install(Schedule(profile, minutes, data_dir=data_dir))
    settings.put(store, SETTING_KEY, minutes)
    return done


def remove(store: Store, profile: str, data_dir: str | None = None, installer: Installer | None = None) -> Outcome:
    done = (installer or Installer()).remove(Schedule(profile, every_minutes(store) or 15, data_dir=data_dir))
    settings.put(store, SETTING_KEY, 0)
    return done


def status(store: Store, profile: str, data_dir: str | None = None, installer: Installer | None = None) -> str:
    return (installer or Installer()).status(Schedule(profile, every_minutes(store) or 15, data_dir=data_dir))
