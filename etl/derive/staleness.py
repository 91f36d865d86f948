"""The staleness rule lives in ``r2p_rules.staleness`` (shared with the dashboard); re-exported for the ETL."""

from r2p_rules.staleness import MOVE_THRESHOLD, stale_reasons

__all__ = ["MOVE_THRESHOLD", "stale_reasons"]
