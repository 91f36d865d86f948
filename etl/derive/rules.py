"""The risk-factor rules (etl/reference/risk_factor_rules.csv) and the one function that applies them to a proxy.

Rules are data so an analyst can read and challenge them: each row has a note saying why. The first row whose
``indicator`` glob matches an indicator id decides how that indicator is rated (``absolute`` thresholds on a
scale with a published meaning, ``percentile`` in the world, or ``context``: shown, never rated); the ``trend``
row upgrades a low proxy that worsened sharply. Every rating returns the human-readable rule that fired.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from r2p_rules.numbers import fmt

RULES_FILE = Path(__file__).resolve().parents[1] / "reference" / "risk_factor_rules.csv"
COLUMNS = ("rule", "indicator", "comparison", "elevated", "watch", "stale_after_years", "trend", "min_percentile",
           "label", "note")
KINDS = ("absolute", "percentile", "context", "trend")
COMPARISONS = (">=", "<=", "!=")
SIGNALS = ("elevated", "watch", "low", "stale", "not rated")
SEVERITY = {"elevated": 0, "watch": 1, "low": 2}
SYMBOL = {">=": "≥", "<=": "≤", "!=": "≠"}
BASELINE_YEARS = 3


class RuleError(Exception):
    """The rules file is unusable; the message names file, row and column."""


@dataclass(frozen=True)
class Rule:
    kind: str
    indicator: str
    comparison: str | None
    elevated: float | None
    watch: float | None
    stale_after_years: int | None
    trend: bool
    min_percentile: float | None
    label: str
    note: str
    row_number: int


@dataclass(frozen=True)
class Rules:
    by_pattern: tuple[Rule, ...]  # absolute / percentile / context rows, in file order
    trend: Rule | None

    def for_indicator(self, indicator_id: str) -> Rule | None:
        return next((r for r in self.by_pattern if fnmatchcase(indicator_id, r.indicator)), None)


def load_rules(path: Path = RULES_FILE) -> Rules:
    """Read and check the rules file; any problem is a RuleError naming row and column (header = row 1)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            records = list(reader)
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise RuleError(f"{path.name}: cannot be read: {err}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RuleError(f"{path.name}, row 1: missing column(s) {', '.join(missing)}")
    rules: list[Rule] = []
    trend: Rule | None = None
    for row_number, rec in enumerate(records, start=2):
        rule = _parse(path, row_number, rec)
        if rule.kind == "trend":
            trend = rule
        else:
            rules.append(rule)
    if not any(r.indicator == "*" for r in rules):
        raise RuleError(f"{path.name}: no default rule (indicator '*'), so some indicators would not be rated")
    return Rules(tuple(rules), trend)


def _parse(path: Path, row: int, rec: dict[str, str | None]) -> Rule:
    def fail(column: str, message: str) -> RuleError:
        return RuleError(f"{path.name}, row {row}, column '{column}': {message}")

    def number(column: str) -> float | None:
        text = (rec.get(column) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise fail(column, f"'{text}' is not a number") from None

    kind = (rec.get("rule") or "").strip()
    if kind not in KINDS:
        raise fail("rule", f"'{kind}' is not one of {', '.join(KINDS)}")
    indicator = (rec.get("indicator") or "").strip()
    if not indicator:
        raise fail("indicator", "empty (use an indicator id or a glob such as 'pts_*')")
    comparison = (rec.get("comparison") or "").strip() or None
    if kind in ("absolute", "percentile", "trend") and comparison not in COMPARISONS:
        raise fail("comparison", f"'{comparison}' is not one of {', '.join(COMPARISONS)}")
    elevated, watch = number("elevated"), number("watch")
    if kind in ("absolute", "percentile") and elevated is None and watch is None:
        raise fail("watch", "an absolute or percentile rule needs an elevated or a watch threshold")
    if kind == "trend" and watch is None:
        raise fail("watch", "the trend rule needs the worsening (in %) that makes a low proxy watch")
    stale = number("stale_after_years")
    if kind != "trend" and (stale is None or stale < 0 or stale != int(stale)):
        raise fail("stale_after_years", "needs a whole number of years ≥ 0")
    trend_flag = (rec.get("trend") or "").strip().lower()
    if trend_flag not in ("yes", "no", ""):
        raise fail("trend", f"'{trend_flag}' is not yes/no")
    return Rule(kind, indicator, comparison, elevated, watch, int(stale) if stale is not None else None,
                trend_flag == "yes", number("min_percentile"), (rec.get("label") or "").strip(),
                (rec.get("note") or "").strip(), row)


def ordinal(percentile: float) -> str:
    n = math.floor(percentile)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hit(value: float, comparison: str, threshold: float | None) -> bool:
    if threshold is None:
        return False
    return {">=": value >= threshold, "<=": value <= threshold, "!=": value != threshold}[comparison]


def rate(rule: Rule, value: float, year: int, newest_year: int, percentile: float | None,
         trend_pct: float | None, trend: Rule | None) -> tuple[str, str]:
    """(signal, rule text) for one proxy: stale first, then the indicator's rule, then the trend upgrade."""
    stale_after = rule.stale_after_years or 0
    if newest_year - year > stale_after:
        older = f"more than {stale_after} year{'s' if stale_after != 1 else ''} older than" if stale_after else \
            "older than"
        return "stale", f"latest value ({year}) is {older} the newest data of this indicator ({newest_year})"
    if rule.kind == "context":
        return "not rated", f"not rated (context): {rule.note}"
    if rule.kind == "absolute":
        cmp = rule.comparison or ">="
        label = f"{rule.label} {fmt(value)}".strip()
        for level, threshold in (("elevated", rule.elevated), ("watch", rule.watch)):
            if _hit(value, cmp, threshold):
                return level, f"{label} {SYMBOL[cmp]} {fmt(threshold)} (absolute threshold)"
        lowest = rule.watch if rule.watch is not None else rule.elevated
        negation = {">=": "<", "<=": ">", "!=": "="}[cmp]
        signal, text = "low", f"{label} {negation} {fmt(lowest)} (below the watch threshold)"
    else:  # percentile
        if percentile is None:
            return "not rated", "not rated: the catalog gives no direction of risk for this indicator"
        signal, text = "low", f"{ordinal(percentile)} world percentile < {ordinal(rule.watch or rule.elevated or 0)}"
        for level, threshold in (("elevated", rule.elevated), ("watch", rule.watch)):
            if threshold is not None and percentile >= threshold:
                return level, f"{ordinal(percentile)} world percentile ≥ {ordinal(threshold)}"
    if (trend is not None and rule.trend and trend_pct is not None and trend.watch is not None
            and trend_pct >= trend.watch
            and (trend.min_percentile is None or (percentile is not None and percentile >= trend.min_percentile))):
        return "watch", (f"worsened {trend_pct:.0f}% vs its {year - BASELINE_YEARS}–{year - 1} mean "
                         f"(≥ {fmt(trend.watch)}%); level: {text}")
    return signal, text
