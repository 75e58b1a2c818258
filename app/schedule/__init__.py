"""Syncs while the app is closed, by the operating system's own scheduler: a systemd user timer on Linux, a
launchd agent on macOS, a Task Scheduler task on Windows. ``definitions`` writes every platform's definition
from one ``Schedule``; ``installer`` puts one in place, reports on it and takes it away."""
