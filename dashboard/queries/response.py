"""International response queries: measures by sphere, Security Council outcomes and vetoes, Geo-PKO locations,
and the response-gap ranking. Read-only, parameterised SQL through dashboard.data's cached warehouse."""

from __future__ import annotations

import polars as pl

from dashboard import data
from dashboard.risk import COMMITMENT_LABELS

MEASURE_COLS = ("iso3", "sphere", "kind", "name", "body", "start", "end", "start_year", "end_year", "status",
                "detail", "source_id", "source_url", "as_of")
QUOTED = ", ".join(f'"{c}"' for c in MEASURE_COLS)
SPHERES = ("national", "bilateral", "regional", "multilateral")


@data.cached
def measures(iso3: str) -> pl.DataFrame:
    """Every recorded measure of one country; the national sphere is the Pillar I ``commitment_status`` rows."""
    parts = [t.rows(iso3) for t in (_MEASURES, _PILLAR_ONE) if t.available()]
    if not parts:
        return pl.DataFrame(schema={c: pl.String for c in MEASURE_COLS})
    out = pl.concat([p.select(MEASURE_COLS).cast({"start_year": pl.Int64, "end_year": pl.Int64}) for p in parts],
                     how="vertical_relaxed")
    national = pl.col("sphere") == "national"
    return out.with_columns(pl.when(national).then(pl.col("name").replace(COMMITMENT_LABELS)).otherwise("name")
                            .alias("name"))


_MEASURES = data.CountryTable(
    f"SELECT iso3 AS slice_iso3, {QUOTED} FROM response_measures "
    "ORDER BY sphere, kind, coalesce(end_year, 9999) DESC, start DESC NULLS LAST, name", "response_measures")
_PILLAR_ONE = data.CountryTable(
    "SELECT iso3 AS slice_iso3, iso3, 'national' AS sphere, 'Pillar I commitment' AS kind, commitment AS name, "
    "NULL AS body, CAST(since AS VARCHAR) AS start, CAST(withdrawn_on AS VARCHAR) AS \"end\", "
    "year(since) AS start_year, year(withdrawn_on) AS end_year, status, coverage_note AS detail, "
    "source_id, source_url, CAST(as_of AS VARCHAR) AS as_of FROM commitment_status ORDER BY commitment",
    "commitment_status")


@data.cached
def bilateral_evidence(iso3: str) -> pl.DataFrame:
    """The analyst-evidence slot: evidence rows whose claim mentions a bilateral measure (none are loaded today)."""
    return _BILATERAL.rows(iso3) if _BILATERAL.available() else pl.DataFrame()


_BILATERAL = data.CountryTable(
    "SELECT iso3 AS slice_iso3, date, claim, citation_url, author FROM evidence WHERE regexp_matches(lower(claim), "
    "'bilateral|sanction|envoy|mediat|aid suspen|travel ban|asset freeze') ORDER BY date DESC", "evidence")


@data.cached
def council_outcomes_per_year(iso3: str) -> pl.DataFrame:
    """Resolutions and presidential statements per year whose topic names the country."""
    if not _PER_YEAR.available():
        return pl.DataFrame(schema={"year": pl.Int64, "kind": pl.String, "n": pl.Int64})
    return _PER_YEAR.rows(iso3)


# an outcome names each of its countries once (list_distinct), as list_contains counted it
_PER_YEAR = data.CountryTable(
    "SELECT slice_iso3, year, kind, count(*) AS n FROM (SELECT unnest(list_distinct(iso3_list)) AS slice_iso3, "
    "year, kind FROM security_council_outcomes) GROUP BY slice_iso3, year, kind ORDER BY year, kind",
    "security_council_outcomes")


@data.cached
def council_latest(iso3: str, limit: int = 5) -> pl.DataFrame:
    """The latest outcomes naming the country, with the resolution's UN Digital Library record when known."""
    if not _COUNCIL.available():
        return pl.DataFrame()
    return _COUNCIL.rows(iso3).head(limit)


def _council_sql() -> str:
    record = ("(SELECT url FROM unsc_resolution_records r WHERE r.kind = 'record' AND r.res_no = "
              "TRY_CAST(regexp_extract(o.symbol, 'S/RES/(\\d+)', 1) AS BIGINT))"
              if data.has("unsc_resolution_records") else "NULL")
    return (f"SELECT unnest(list_distinct(iso3_list)) AS slice_iso3, date, symbol, kind, topic, vote, meeting, "
            f"{record} AS record_url FROM security_council_outcomes o ORDER BY date DESC, symbol DESC")


_COUNCIL = data.CountryTable(_council_sql, "security_council_outcomes")


@data.cached
def psdh_disagreements(iso3: str) -> pl.DataFrame:
    """UN missions whose active/closed status differs between the cited table and the Data Hub's list."""
    return _PSDH.rows(iso3) if _PSDH.available() else pl.DataFrame()


_PSDH = data.CountryTable(
    "SELECT p.iso3 AS slice_iso3, p.mission_acronym, p.is_active, p.last_update, r.status, r.\"end\" "
    "FROM psdh_missions p JOIN response_measures r ON r.iso3 = p.iso3 AND r.source_id = 'response_curated' "
    "AND r.name LIKE '%(' || p.mission_acronym || ')' WHERE p.is_active <> (r.status = 'active') "
    "ORDER BY p.mission_acronym", "psdh_missions", "response_measures")


@data.cached
def vetoes(iso3: str) -> pl.DataFrame:
    return _VETOES.rows(iso3) if _VETOES.available() else pl.DataFrame()


_VETOES = data.CountryTable(
    "SELECT iso3 AS slice_iso3, date, draft, situation, vetoed_by, agenda_item FROM security_council_vetoes "
    "ORDER BY date DESC, row_number", "security_council_vetoes")  # ties: source order


@data.cached
def coverage() -> dict[str, str]:
    """Per sphere, what the loaded sources cover (shown where a sphere has nothing for a country)."""
    out = {s: "no source of this sphere is loaded" for s in SPHERES}
    w = data.warehouse()
    if data.has("commitment_status"):
        n, as_of = w.rows("SELECT count(DISTINCT commitment), max(as_of) FROM commitment_status")[0]
        out["national"] = f"Pillar I commitment tables ({n} commitments, as of up to {as_of}; partial)"
    if data.has("evidence"):
        n = w.rows("SELECT count(*) FROM evidence")[0][0]
        out["bilateral"] = f"analyst evidence files ({n} items loaded); no bilateral dataset is loaded"
    else:
        out["bilateral"] = "analyst evidence files (none loaded); no bilateral dataset is loaded"
    if data.has("response_measures"):
        for sphere in ("regional", "multilateral"):
            kinds, as_of = w.rows("SELECT string_agg(DISTINCT kind, ', ' ORDER BY kind), max(as_of) "
                                  "FROM response_measures WHERE sphere = ?", [sphere])[0]
            if kinds:
                out[sphere] = f"{kinds} (evidence up to {as_of})"
    if data.has("security_council_outcomes"):
        lo, hi = w.rows("SELECT min(date), max(date) FROM security_council_outcomes")[0]
        out["multilateral"] += f"; Security Council outcomes {lo} – {hi}"
    return out


@data.cached
def deployments(iso3: str) -> pl.DataFrame:
    """Geo-PKO locations of the country, each with its years and the largest troop count recorded."""
    if not data.has("pko_deployments"):
        return pl.DataFrame()
    return data.warehouse().frame(
        "SELECT mission, location, latitude, longitude, min(year) AS first_year, max(year) AS last_year, "
        "max(troops) AS max_troops, bool_or(hq > 0) AS hq FROM pko_deployments WHERE iso3 = ? "
        "GROUP BY mission, location, latitude, longitude ORDER BY mission, location, latitude, longitude", [iso3])


@data.cached
def response_gaps(min_factors: int, years: int, r2p_listed: bool) -> pl.DataFrame:
    """Countries with elevated risk and no multilateral measure recorded as active in the last ``years`` years.

    Elevated risk: at least ``min_factors`` risk factors rated elevated (risk_factor_status), or, with
    ``r2p_listed``, a current Global Centre for R2P listing. A multilateral measure counts when its end year (or,
    without one, the year of its as-of date) falls in the window, or a Security Council outcome named the country
    in the window."""
    if not data.has("risk_factor_status"):
        return pl.DataFrame()
    w = data.warehouse()
    listed = ("SELECT DISTINCT iso3 FROM r2p_risk_levels WHERE as_of = (SELECT max(as_of) FROM r2p_risk_levels)"
              if r2p_listed and data.has("r2p_risk_levels") else "SELECT NULL::VARCHAR AS iso3 WHERE false")
    has_measures = data.has("response_measures")
    has_sc = data.has("security_council_outcomes")
    # a measure without an end year counts as in force up to its as-of date (the latest evidence), not forever
    measure_sql = ("SELECT iso3, max(coalesce(end_year, TRY_CAST(left(as_of, 4) AS BIGINT), 9999)) AS last_year "
                   "FROM response_measures "
                   "WHERE sphere = 'multilateral' GROUP BY iso3") if has_measures else \
        "SELECT NULL::VARCHAR AS iso3, NULL::BIGINT AS last_year WHERE false"
    sc_sql = ("SELECT unnest(iso3_list) AS iso3, max(year) AS last_year FROM security_council_outcomes GROUP BY 1"
              if has_sc else "SELECT NULL::VARCHAR AS iso3, NULL::BIGINT AS last_year WHERE false")
    sql = f"""
    WITH f AS (SELECT iso3, count(*) FILTER (WHERE status = 'elevated') AS elevated,
                      string_agg(CAST(factor AS VARCHAR), ', ' ORDER BY factor) FILTER (WHERE status = 'elevated')
                      AS factors
               FROM risk_factor_status GROUP BY iso3),
         l AS ({listed}),
         m AS (SELECT iso3, max(last_year) AS last_year FROM ({measure_sql} UNION ALL {sc_sql}) GROUP BY iso3),
         cur AS (SELECT CAST(year(current_date) AS BIGINT) AS y)
    SELECT c.iso3, c.name, coalesce(f.elevated, 0) AS elevated_factors, f.factors,
           l.iso3 IS NOT NULL AS r2p_listed, m.last_year AS last_multilateral_year
    FROM countries c LEFT JOIN f USING (iso3) LEFT JOIN l USING (iso3) LEFT JOIN m USING (iso3), cur
    WHERE (coalesce(f.elevated, 0) >= ? OR l.iso3 IS NOT NULL)
      AND (m.last_year IS NULL OR m.last_year < cur.y - ?)
    ORDER BY r2p_listed DESC, elevated_factors DESC, c.name"""
    df = w.frame(sql, [min_factors, years])
    return df.with_columns(pl.when(pl.col("last_multilateral_year") == 9999).then(None)
                           .otherwise(pl.col("last_multilateral_year")).alias("last_multilateral_year"))
