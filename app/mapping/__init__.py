"""The chart-of-accounts mapping: which QuickBooks account or item each Clio thing posts to."""

from app.mapping.model import Mapping, TrustAccountMap, load_mapping, save_mapping
from app.mapping.validate import MappingProblem, demo_defaults, validate

__all__ = [
    "Mapping",
    "MappingProblem",
    "TrustAccountMap",
    "demo_defaults",
    "load_mapping",
    "save_mapping",
    "validate",
]
