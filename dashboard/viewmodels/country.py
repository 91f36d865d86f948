"""The country brief as data: one pure function of the warehouse (and today's date) that the country page, the PDF
pack and the PPTX deck all read, so the three cannot drift.

Key figures are described once, as data (``KEY_FIGURES``): adding one is a one-line change there. Every part of
the brief carries the source ids it used, so no caller threads a list of sources around.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dashboard import data, figures, risk
from dashboard.queries import country as q

GED_CIVILIANS = "ged_civilian_deaths"  # not a catalog indicator: summed from GED events


@dataclass(frozen=True)
class KeyFigureSpec:
    """One key figure: the catalog indicator it shows and the reader's label (``note`` explains a definition)."""

    indicator_id: str
    label: str
    note: str = ""


KEY_FIGURES: tuple[KeyFigureSpec, ...] = (
    KeyFigureSpec(data.DEATH_INDICATORS["state-based"], "State-based conflict deaths"),
    KeyFigureSpec(data.DEATH_INDICATORS["non-state"], "Non-state conflict deaths"),
    KeyFigureSpec(data.DEATH_INDICATORS["one-sided"], "One-sided deaths (civilians targeted)"),
    KeyFigureSpec(GED_CIVILIANS, "Civilian deaths (GED events, all violence types)"),
    KeyFigureSpec(data.DISPLACEMENT_INDICATORS[0], "Refugees from the country"),
    KeyFigureSpec(data.DISPLACEMENT_INDICATORS[2], "IDPs (UNHCR)",
                  "People displaced inside the country whom UNHCR protects or assists (UNHCR population "
                  "statistics, end of year). IDMC counts everyone displaced by conflict; see Trends for both."),
    KeyFigureSpec(data.PTS_INDICATORS[0], "Political Terror Scale (Amnesty)"),
    KeyFigureSpec(data.PTS_INDICATORS[1], "Political Terror Scale (HRW)"),
    KeyFigureSpec(data.PTS_INDICATORS[2], "Political Terror Scale (US State Dept)"),
    KeyFigureSpec(data.POPULATION, "Population"),
)

# the different IDP figures a country page can show, and what each one counts
IDP_DEFINITIONS = {
    "unhcr_idps": "UNHCR: internally displaced people UNHCR protects or assists, end of year (a subset of all IDPs).",
    "idmc_conflict_idps_stock_unhcr": "IDMC (published through UNHCR's statistics): everyone displaced inside the "
                                      "country by conflict and violence, end of year.",
    "idmc_conflict_idps_stock": "IDMC: everyone displaced inside the country by conflict and violence, end of year.",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class KeyFigure:
    indicator_id: str
    label: str
    value: float
    text: str  # formatted with figures.fmt
    unit: str
    year: int
    period: str  # "2024", or "2026 to date, Jan–Apr" for a part year
    part_year: bool
    previous: float | None  # the previous full period (None when not comparable or missing)
    change_text: str  # "+158% vs 2023", "" when there is no comparable previous value
    direction: str  # "worse", "better", "same" or "" (no previous value, or no better/worse)
    range_text: str  # low–high estimate when the source has one
    source: str
    source_id: str
    note: str = ""


@dataclass(frozen=True)
class Level:
    risk_level: str
    as_of: dt.date
    age_text: str  # "listed 2024-09-01, 15 months ago"
    later_text: str  # "no later listing for this country recorded here (latest in the warehouse: 2026-03-16)"
    source_url: str


@dataclass(frozen=True)
class Forecast:
    edition: str
    risk_text: str  # "8.1%"
    rank: int | None
    of_n: int | None
    window: str  # "2025–2026"
    sentence: str


@dataclass(frozen=True)
class ElevatedFactor:
    factor: int
    name: str
    sentence: str  # plain language, for readers
    rule: str  # the rule behind the status (for a tooltip or details)


@dataclass(frozen=True)
class Brief:
    iso3: str
    name: str
    region: str
    today: dt.date
    level: Level | None
    forecast: Forecast | None
    key_figures: tuple[KeyFigure, ...]
    elevated: tuple[ElevatedFactor, ...]
    factor_counts: str  # "6 elevated, 3 watch, …"
    summary: str
    sources: tuple[str, ...]  # source ids of everything above, first-seen order


# ------------------------------------------------------------------------------------------ formatting


def months_between(earlier: dt.date, later: dt.date) -> int:
    return max(0, (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day))


def age_text(months: int) -> str:
    if months < 1:
        return "less than a month ago"
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''} ago"
    rest = months % 12
    return f"{months // 12} years{f' {rest} month' + ('s' if rest != 1 else '') if rest else ''} ago"


def change_text(value: float, previous: float | None, previous_period: str) -> str:
    if previous is None:
        return ""
    if previous == 0:
        return "unchanged from 0" if value == 0 else f"up from 0 in {previous_period}"
    pct = (value - previous) / abs(previous) * 100
    if abs(pct) < 0.5:
        return f"unchanged vs {previous_period}"
    return f"{'+' if pct > 0 else '−'}{figures.fmt(abs(pct))}% vs {previous_period} ({figures.fmt(previous)})"


def direction(value: float, previous: float | None, higher_is_worse: bool | None) -> str:
    if previous is None or higher_is_worse is None:
        return ""
    if value == previous:
        return "same"
    return "worse" if (value > previous) == bool(higher_is_worse) else "better"


# ----------------------------------------------------------------------------------------- key figures


def _by_year(code: str, ids: tuple[str, ...]) -> dict[str, dict[int, Any]]:
    df = data.country_values(code, ids)
    out: dict[str, dict[int, Any]] = {}
    for ind, year, value in zip(df["indicator_id"].to_list(), df["year"].to_list(), df["value"].to_list(),
                                strict=True):
        out.setdefault(ind, {}).setdefault(int(year), value)
    return out


def _catalog_figure(spec: KeyFigureSpec, years: dict[int, Any], by_year: dict[str, dict[int, Any]]) -> KeyFigure:
    info = data.indicator_info(spec.indicator_id) or {}
    year = max(y for y, v in years.items() if v is not None)
    value = float(years[year])
    prev = years.get(year - 1)
    low = by_year.get(f"{spec.indicator_id}_low", {}).get(year)
    high = by_year.get(f"{spec.indicator_id}_high", {}).get(year)
    hiw = info.get("higher_is_worse")
    return KeyFigure(
        spec.indicator_id, spec.label, value, figures.fmt(value), str(info.get("unit") or ""), year, str(year),
        False, None if prev is None else float(prev), change_text(value, prev, str(year - 1)),
        direction(value, prev, None if spec.indicator_id == data.POPULATION else hiw),
        f"{figures.fmt(low)}–{figures.fmt(high)}" if low is not None and high is not None else "",
        str(info.get("source_title") or info.get("source_id") or ""), str(info.get("source_id") or ""), spec.note)


def _ged_civilians(code: str, spec: KeyFigureSpec) -> KeyFigure | None:
    """Civilian deaths summed over GED events, latest year; a part year (candidate events) says so and is never
    compared with the previous full year."""
    tot = data.event_totals(code)
    if tot.height == 0 or tot["deaths_civilians"].null_count() == tot.height:
        return None
    sums: dict[int, float] = {}
    versions: set[str] = set()
    for y, v in zip(tot["year"].to_list(), tot["deaths_civilians"].to_list(), strict=True):
        sums[int(y)] = sums.get(int(y), 0) + (v or 0)
    year = max(sums)
    for y, vs in zip(tot["year"].to_list(), tot["versions"].to_list(), strict=True):
        if y == year and vs:
            versions |= {x.strip() for x in vs.split(",") if x.strip()}
    cover = q.event_coverage(code)
    part = cover is not None and cover[1].year == year and (cover[1].month, cover[1].day) != (12, 31)
    if part:
        period = f"{year} to date, Jan–{MONTHS[cover[1].month - 1]}"  # type: ignore[index]
        prev = None
    else:
        period, prev = str(year), sums.get(year - 1)
    value = float(sums[year])
    return KeyFigure(GED_CIVILIANS, spec.label, value, figures.fmt(value), "deaths", year, period, part, prev,
                     change_text(value, prev, str(year - 1)), direction(value, prev, True), "",
                     f"UCDP GED {', '.join(sorted(versions))}".strip(), "ucdp_ged", spec.note)


def key_figures(code: str) -> tuple[KeyFigure, ...]:
    wanted = tuple(s.indicator_id for s in KEY_FIGURES if s.indicator_id != GED_CIVILIANS)
    wanted += tuple(f"{i}_{s}" for i in data.DEATH_INDICATORS.values() for s in ("low", "high"))
    by_year = _by_year(code, wanted)
    out = []
    for spec in KEY_FIGURES:
        if spec.indicator_id == GED_CIVILIANS:
            fig = _ged_civilians(code, spec)
        else:
            years = by_year.get(spec.indicator_id)
            fig = _catalog_figure(spec, years, by_year) if years and any(v is not None for v in years.values()) \
                else None
        if fig is not None:
            out.append(fig)
    return tuple(out)


# ------------------------------------------------------------------------------------------ level, EWP


def level(code: str, today: dt.date) -> Level | None:
    hist = data.risk_history(code)
    rows = [r for r in hist.iter_rows(named=True) if r["list_id"] == risk.GCR2P]
    if not rows:
        return None
    r = rows[0]
    as_of = r["as_of"]
    newest = q.latest_listing_date()
    later = ("no later listing for this country is recorded here"
             + (f" (the newest listing in the warehouse is dated {newest})" if newest and newest > as_of else ""))
    return Level(r["risk_level"], as_of, f"listed {as_of}, {age_text(months_between(as_of, today))}", later,
                 r["source_url"] or "")


def forecast(code: str) -> Forecast | None:
    ewp = data.ewp_history(code)
    rows = [r for r in ewp.iter_rows(named=True) if r["onset_risk"] is not None]
    if not rows:
        return None
    last = rows[-1]
    onset = last["onset_risk"]
    risk_text = f"{onset * 100:.1f}%" if onset <= 1 else figures.fmt(onset)
    rank = int(last["rank"]) if last["rank"] is not None else None
    of_n = q.ewp_field_size(last["edition"]) if rank is not None else None
    window = f"{last['window_start']}–{last['window_end']}" if last.get("window_end") else ""
    rank_text = f", rank {rank}" + (f" of {of_n}" if of_n else "") if rank is not None else ""
    sentence = (f"Early Warning Project, {last['edition']} edition: risk of a new mass-killing onset within two "
                f"years{f' ({window})' if window else ''} {risk_text}{rank_text}.")
    return Forecast(str(last["edition"]), risk_text, rank, of_n, window, sentence)


# ---------------------------------------------------------------------------------------- risk factors


def _proxy_sentence(p: dict[str, Any]) -> str:
    label = p["label"] or p["indicator_id"]
    pct = p["world_percentile"]
    where = f", worse than in {int(pct)}% of countries" if pct is not None and pct >= 50 else ""
    return f"{label}: {figures.fmt(p['value'])} in {p['year']}{where}"


def _unit_rank(unit: str | None) -> int:
    """Deaths, then people, then other measures; flags and log transforms last (readers get counts or rates)."""
    u = str(unit or "")
    return 3 if u.startswith(("log", "flag")) else 0 if "deaths" in u else 1 if u == "persons" else 2


def plain_factors(code: str) -> dict[int, ElevatedFactor]:
    """Every factor with a status from proxies (elevated, watch, low) in a plain sentence built from its strongest
    readable proxy of that signal; the rule stays beside it. Keyed by factor number."""
    b = risk.board(code)
    px = risk.proxies(code)
    by_key: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for p in px.iter_rows(named=True):
        by_key.setdefault((p["factor"], p["signal"]), []).append(p)
    out = {}
    for r in b.iter_rows(named=True):
        ps = by_key.get((r["factor"], r["status"]), [])
        if not ps:
            if r["status"] == "elevated":
                out[r["factor"]] = ElevatedFactor(r["factor"], r["name"], "Elevated on analyst evidence.",
                                                  str(r["reason"] or ""))
            continue
        # readers get a count or a rate, not a log transform: prefer deaths, then people
        readable = sorted(ps, key=lambda p: (_unit_rank(p["unit"]), -(p["world_percentile"] or 0)))
        others = len(ps) - 1
        sentence = _proxy_sentence(readable[0]) + (f" (and {others} other signal{'s' if others > 1 else ''})"
                                                   if others else "") + "."
        out[r["factor"]] = ElevatedFactor(r["factor"], r["name"], sentence, str(r["reason"] or ""))
    return out


def elevated_factors(code: str) -> tuple[ElevatedFactor, ...]:
    """The elevated factors in plain sentences, in factor order."""
    statuses = dict(zip(risk.board(code)["factor"].to_list(), risk.board(code)["status"].to_list(), strict=True))
    return tuple(f for n, f in sorted(plain_factors(code).items()) if statuses.get(n) == "elevated")


def factor_counts(code: str) -> str:
    counts: dict[str, int] = {}
    for s in risk.board(code)["status"].to_list():
        counts[s] = counts.get(s, 0) + 1
    order = {s: i for i, s in enumerate(risk.STATUSES)}
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda t: order.get(t[0], 9)))


# -------------------------------------------------------------------------------------------- summary


def summary(name: str, figs: tuple[KeyFigure, ...], lvl: Level | None) -> str:
    """Sentences generated only from warehouse values (no adjectives beyond up/down)."""
    by_id = {f.indicator_id: f for f in figs}
    parts: list[str] = []
    deaths = [(vt, by_id[i]) for vt, i in data.DEATH_INDICATORS.items() if i in by_id]
    if deaths:
        year = max(f.year for _, f in deaths)
        items = [f"{f.text} {vt}" for vt, f in deaths if f.year == year]
        parts.append(f"In {year}, UCDP recorded {', '.join(items)} deaths (best estimates) in {name}.")
        one = by_id.get(data.DEATH_INDICATORS["one-sided"])
        if one and one.previous is not None and one.year == year:
            diff = one.value - one.previous
            verb = "up" if diff > 0 else "down" if diff < 0 else "unchanged"
            parts.append(f"One-sided violence against civilians was {verb}"
                         f"{'' if verb == 'unchanged' else ' ' + figures.fmt(abs(diff))} from {year - 1} "
                         f"({figures.fmt(one.previous)}).")
    for ind, label in ((data.DISPLACEMENT_INDICATORS[0], "refugees originating from the country"),
                       (data.DISPLACEMENT_INDICATORS[2], "IDPs")):
        if ind in by_id:
            parts.append(f"UNHCR counted {by_id[ind].text} {label} in {by_id[ind].year}.")
    pts = [by_id[i] for i in data.PTS_INDICATORS if i in by_id]
    if pts:
        year = max(f.year for f in pts)
        scores = ", ".join(f"{f.indicator_id.removeprefix('pts_').replace('_', ' ')} {f.text}"
                           for f in pts if f.year == year)
        parts.append(f"Political Terror Scale scores for {year} (1 best – 5 worst): {scores}.")
    if lvl:
        parts.append(f"The Global Centre for R2P listed it as '{lvl.risk_level}' as of {lvl.as_of}.")
    return " ".join(parts) or "The warehouse holds no figures for this country yet."


# ---------------------------------------------------------------------------------------------- brief


def brief(code: str, today: dt.date | None = None) -> Brief | None:
    """The brief of one country (``code`` an ISO3 in the warehouse), as of ``today`` (for ages); None if unknown."""
    info = data.country(code)
    if info is None:
        return None
    today = today or dt.date.today()
    figs = key_figures(code)
    lvl = level(code, today)
    fc = forecast(code)
    elevated = elevated_factors(code)
    sources = [*(["r2p_monitor"] if lvl else []),
               *([(data.indicator_info(data.EWP_RISK) or {}).get("source_id", "ewp_sra")] if fc else []),
               *(f.source_id for f in figs),
               *([s for s in _proxy_sources(code)] if elevated else [])]
    region = " · ".join(x for x in (info.get("m49_region"), info.get("m49_subregion")) if x)
    return Brief(code, info["name"], region, today, lvl, fc, figs, elevated, factor_counts(code),
                 summary(info["name"], figs, lvl), tuple(dict.fromkeys(s for s in sources if s)))


def _proxy_sources(code: str) -> list[str]:
    ids = dict.fromkeys(risk.proxies(code)["indicator_id"].to_list())
    return [(data.indicator_info(i) or {}).get("source_id", "") for i in ids if i]


def idp_figures(code: str) -> list[tuple[str, str, int, str]]:
    """Every IDP figure the warehouse holds for the country: (label, value text, year, what it counts)."""
    ids = tuple(i for i in IDP_DEFINITIONS if i in set(data.country_indicator_ids(code)))
    if not ids:
        return []
    by_year = _by_year(code, ids)
    out = []
    for i in ids:
        years = {y: v for y, v in by_year.get(i, {}).items() if v is not None}
        if years:
            y = max(years)
            out.append(((data.indicator_info(i) or {}).get("label", i), figures.fmt(years[y]), y, IDP_DEFINITIONS[i]))
    return out
