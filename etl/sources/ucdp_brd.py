"""UCDP Battle-Related Deaths Dataset (dyadic, v25.1) aggregated to country-year battle deaths.

Country attribution is ``gwno_loc`` (the country or countries whose government or territory is contested), as in
UCDP's own conflict-country tables. ``gwno_battle`` is not used: 353 of 1,995 rows list several battle countries
without any split of the deaths, so counting a dyad's total for each would inflate e.g. Yemen or Iran with Israel's
2024 war deaths. Only 50 rows (mostly interstate conflicts) list several location countries; for those the dyad's
full total is counted for each listed country, so the indicator is *not additive across countries* — the
geo-coded, additive figure is ``ucdp_state_based_deaths`` from the Organized Violence country-year dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Source
from etl.readers import duplicates_of, header_of, parse_numbers, reject_share_guard
from etl.sources._ucdp import (
    AGGREGATED,
    UCDP_LICENCE,
    UCDP_URL,
    aggregate,
    loaded_rows,
    open_release,
    resolve_gw,
)

REQUIRED = ("conflict_id", "dyad_id", "year", "bd_best", "bd_low", "bd_high", "gwno_loc", "version")
NOTE = (" Summed over the conflict dyads located in the country (gwno_loc); a dyad located in several countries "
        "(interstate conflicts) counts fully for each, so values are not additive across countries. "
        + AGGREGATED.format(what="dyad-year"))
SERIES = {"ucdp_brd_battle_deaths": ("bd_best", "best"), "ucdp_brd_battle_deaths_low": ("bd_low", "low"),
          "ucdp_brd_battle_deaths_high": ("bd_high", "high")}


class UcdpBattleDeaths(Source):
    id = "ucdp_brd"
    title = "UCDP Battle-Related Deaths Dataset (dyadic)"
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University"
    licence = UCDP_LICENCE
    citation = ("Davies, Shawn, Therese Pettersson, Margareta Sollenberg & Magnus Öberg (2025). Organized violence "
                "1989–2024, and the challenges of identifying civilian victims. Journal of Peace Research 62(4).")
    url = UCDP_URL
    folder = "ucdp-brd"
    downloads: ClassVar = (Download("https://ucdp.uu.se/downloads/brd/ucdp-brd-dyadic-251-csv.zip",
                                    "ucdp-brd-dyadic-251-csv.zip", unzip=True),)
    indicators: ClassVar = tuple(
        Indicator(iid, f"Battle-related deaths in conflicts located in the country ({est})",
                  f"deaths ({est} estimate)",
                  f"Battle-related deaths ({est} estimate) in state-based armed conflicts (UCDP BRD dyadic)." + NOTE,
                  True, (1,))
        for iid, (_, est) in SERIES.items()
    )
    tables = ("indicator_values",)

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "bd_best" in cols and "gwno_battle" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df, rows_read, rejects, version = open_release(self.id, path, REQUIRED)
        df = parse_numbers(df, [c for c, _ in SERIES.values()], rejects, integer=True, minimum=0, required=True)
        df, n_dup = duplicates_of(df, ["dyad_id", "year"], rejects, what="dyad-year")
        df, n_excl = resolve_gw(df, "gwno_loc", ctx, rejects, multi=True)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = pl.concat([aggregate(df, iid, pl.col(col).sum(), path) for iid, (col, _) in SERIES.items()])
        return FileResult(path, version, rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=loaded_rows(df),
                          rows_excluded=n_excl, note=rejects.dropped_note())


SOURCE = UcdpBattleDeaths()
