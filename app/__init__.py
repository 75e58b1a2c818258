"""Ledgerbridge core: everything that is not the Qt user interface."""

__version__ = "0.1.0"
