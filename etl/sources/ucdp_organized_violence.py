"""UCDP Country-Year Dataset on Organized Violence within Country Borders (v25.1): the country-year backbone.

One row per country-year (1989–2024) with state-based, non-state and one-sided deaths already split by country
borders (geo-coded from GED), so these values are additive across countries — unlike the dyad/actor datasets.
Zero is a recorded value here (UCDP lists every country-year), so zeros are loaded, never dropped.

The helpers it shares with the other UCDP country-year modules live in ``etl/sources/_ucdp.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects
from etl.model import Source as _Source
from etl.readers import ROW, duplicates_of, header_of, parse_numbers, reject_share_guard
from etl.sources._ucdp import UCDP_LICENCE, UCDP_URL, open_release, resolve_gw

# ---------------------------------------------------------------- the organized-violence country-year source

def _ind(iid: str, label: str, unit: str, desc: str, factors: tuple[int, ...]) -> Indicator:
    return Indicator(iid, label, unit, desc + " UCDP Organized Violence country-year (deaths within the country's "
                     "borders, geo-coded from GED; one file row per country-year, so row_number is that row).",
                     True, factors)


# indicator id → (column, label, unit, description, risk factors)
SERIES: dict[str, tuple[str, str, str, str, tuple[int, ...]]] = {
    "ucdp_state_based_deaths": ("sb_total_deaths_best_cy", "State-based conflict deaths", "deaths (best estimate)",
                                "Deaths in state-based armed conflict (a government is a party), best estimate.", (1,)),
    "ucdp_state_based_deaths_low": ("sb_total_deaths_low_cy", "State-based conflict deaths (low)",
                                    "deaths (low estimate)", "Deaths in state-based armed conflict, low estimate.",
                                    (1,)),
    "ucdp_state_based_deaths_high": ("sb_total_deaths_high_cy", "State-based conflict deaths (high)",
                                     "deaths (high estimate)", "Deaths in state-based armed conflict, high estimate.",
                                     (1,)),
    "ucdp_nonstate_deaths": ("ns_total_deaths_best_cy", "Non-state conflict deaths", "deaths (best estimate)",
                             "Deaths in non-state conflict (organised groups fighting each other, no government "
                             "party), best estimate.", (1,)),
    "ucdp_nonstate_deaths_low": ("ns_total_deaths_low_cy", "Non-state conflict deaths (low)", "deaths (low estimate)",
                                 "Deaths in non-state conflict, low estimate.", (1,)),
    "ucdp_nonstate_deaths_high": ("ns_total_deaths_high_cy", "Non-state conflict deaths (high)",
                                  "deaths (high estimate)", "Deaths in non-state conflict, high estimate.", (1,)),
    "ucdp_onesided_deaths": ("os_total_deaths_best_cy", "One-sided violence deaths", "deaths (best estimate)",
                             "Civilians deliberately killed by a government or an organised armed group (one-sided "
                             "violence), best estimate.", (2, 11)),
    "ucdp_onesided_deaths_low": ("os_total_deaths_low_cy", "One-sided violence deaths (low)", "deaths (low estimate)",
                                 "One-sided violence deaths, low estimate.", (2, 11)),
    "ucdp_onesided_deaths_high": ("os_total_deaths_high_cy", "One-sided violence deaths (high)",
                                  "deaths (high estimate)", "One-sided violence deaths, high estimate.", (2, 11)),
    "ucdp_onesided_govt_deaths": ("os_any_govt_killings_best_cy", "One-sided killings by governments",
                                  "deaths (best estimate)", "Civilians deliberately killed by any government "
                                  "(the country's own or a foreign one) in the country, best estimate.", (2, 11)),
    "ucdp_onesided_nsgroup_deaths": ("os_nsgroup_killings_best_cy", "One-sided killings by non-state groups",
                                     "deaths (best estimate)", "Civilians deliberately killed by organised non-state "
                                     "armed groups in the country, best estimate.", (2, 11)),
    "ucdp_state_based_civilian_deaths": ("sb_deaths_civilians_cy", "Civilian deaths in state-based conflict",
                                         "deaths (best estimate)", "Civilians killed in state-based armed conflict "
                                         "(part of the best estimate).", (13,)),
    "ucdp_nonstate_civilian_deaths": ("ns_deaths_civilians_cy", "Civilian deaths in non-state conflict",
                                      "deaths (best estimate)", "Civilians killed in non-state conflict (part of the "
                                      "best estimate).", (13,)),
    "ucdp_organized_violence_deaths": ("cumulative_total_deaths_in_orgvio_best_cy", "Deaths in organised violence",
                                       "deaths (best estimate)", "All deaths in state-based, non-state and one-sided "
                                       "violence together (UCDP's 'cumulative' = summed over the three types, not "
                                       "over years), best estimate.", (1,)),
    "ucdp_organized_violence_deaths_low": ("cumulative_total_deaths_in_orgvio_low_cy",
                                           "Deaths in organised violence (low)", "deaths (low estimate)",
                                           "All deaths in organised violence, low estimate.", (1,)),
    "ucdp_organized_violence_deaths_high": ("cumulative_total_deaths_in_orgvio_high_cy",
                                            "Deaths in organised violence (high)", "deaths (high estimate)",
                                            "All deaths in organised violence, high estimate.", (1,)),
}
ID_COLS = ("country_id_cy", "country_cy", "year_cy", "version")
REQUIRED = (*ID_COLS, *(s[0] for s in SERIES.values()))


class UcdpOrganizedViolence(_Source):
    id = "ucdp_organized_violence"
    title = "UCDP Country-Year Dataset on Organized Violence within Country Borders"
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University"
    licence = UCDP_LICENCE
    citation = ("Davies, Shawn, Therese Pettersson, Margareta Sollenberg & Magnus Öberg (2025). Organized violence "
                "1989–2024, and the challenges of identifying civilian victims. Journal of Peace Research 62(4).")
    url = UCDP_URL
    folder = "ucdp-organizedviolence-cy"
    downloads: ClassVar = (Download("https://ucdp.uu.se/downloads/organizedviolencecy/organizedviolencecy-251-csv.zip",
                                    "organizedviolencecy-251-csv.zip", unzip=True),)
    indicators: ClassVar = tuple(_ind(iid, s[1], s[2], s[3], s[4]) for iid, s in SERIES.items())
    tables = ("indicator_values",)

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "country_id_cy" in cols and "sb_total_deaths_best_cy" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df, rows_read, rejects, version = open_release(self.id, path, REQUIRED, "year_cy")
        df = parse_numbers(df, [s[0] for s in SERIES.values()], rejects, integer=True, minimum=0)
        df, excluded = resolve_gw(df, "country_id_cy", ctx, rejects, multi=False)
        df = self._check_names(df, ctx, rejects)
        df, n_dup = duplicates_of(df, ["iso3", "year_cy"], rejects, what="country-year")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        df = df.rename({"year_cy": "year"})
        parts = [
            df.select("iso3", "year", pl.lit(iid).alias("indicator_id"), pl.col(s[0]).cast(pl.Float64).alias("value"),
                      pl.lit(path.name).alias("file_name"), pl.col(ROW).alias("row_number"))
            for iid, s in SERIES.items()
        ]
        values = pl.concat(parts).filter(pl.col("value").is_not_null()).sort("iso3", "year", "indicator_id")
        return FileResult(path, version, rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=df.height, rows_excluded=excluded)

    @staticmethod
    def _check_names(df: pl.DataFrame, ctx: Context, rejects: Rejects) -> pl.DataFrame:
        """Cross-check: a UCDP name that resolves to another ISO3 than its GW code means a wrong code or crosswalk."""
        names = {n: ctx.countries.lookup(n, "name") for n in df["country_cy"].unique().to_list()}
        by_name = pl.DataFrame({"country_cy": list(names), "__name_iso3": [m.iso3 for m in names.values()]},
                               schema={"country_cy": pl.String, "__name_iso3": pl.String})
        df = df.join(by_name, on="country_cy", how="left")
        bad = pl.col("__name_iso3").is_not_null() & (pl.col("__name_iso3") != pl.col("iso3"))
        reason = pl.format("column 'country_cy': '{}' is {} but country_id_cy {} maps to {} (wrong GW code or "
                           "crosswalk)", "country_cy", "__name_iso3", "country_id_cy", "iso3").alias("__reason")
        rejects.add_rows(df.filter(bad).with_columns(reason).drop("iso3"), pl.col("__reason"))
        return df.filter(~bad).drop("__name_iso3")


SOURCE = UcdpOrganizedViolence()
