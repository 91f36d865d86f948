"""Early Warning Project mass-killing episode list (2025 master list, sheet ``mk_events``).

One row per episode since 1945 (state-led and non-state-led) → table ``mass_killing_episodes``. The country is
where the killing happened (``mk_location_cow``, COW-numbered, resolved through ``etl/reference/codes/pitf.csv``);
episodes located in historical states (Czechoslovakia, North/South Yemen, South Vietnam) are rejected with the
crosswalk's reason. The responsible state is kept as its raw code plus an ISO3 where one exists.

``ewp_mass_killing_ongoing`` is derived from the episode rows only: for every loaded episode and every year from
``startyear`` to ``endyear`` (an empty ``endyear`` means ongoing: up to the latest year the list mentions, i.e.
the highest start or end year in it), the country-year counts one ongoing episode. Only country-years with at
least one episode get a row (the list names episodes, not country-years; no zeros are invented); its
``row_number`` is the first contributing episode row. This reproduces
``mk_ongoing_count`` of EWP's own country-year file ``basedata2025_…csv`` (checked in the tests); that file is
EWP's derived template and is not loaded. The workbook's other sheets (``droped cases``, the 2022
``Ongoing``/``Ended`` lists, code tables) are not loaded either.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import openpyxl
import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import duplicates_of, parse_numbers, reject_share_guard, this_year
from etl.sources.ewp_sra import EwpSra

SHEET = "mk_events"
EPISODES = "mass_killing_episodes"
COLUMNS = {  # header in the sheet -> column in the warehouse (first 18 columns of mk_events minus free-text notes)
    "country": "country", "mk_event_name": "episode", "mk_event_summary": "summary", "startyear": "start_year",
    "endyear": "end_year", "mk_event_code": "episode_code", "State-Led or Non-State-Led": "perpetrator_type",
    "mk_number_eth_groups": "number_eth_groups", "mk_location_cow": "location_cow",
    "mk_location_inheritor1": "location_inheritor1", "mk_location_inheritor2": "location_inheritor2",
    "mk_repsonsible_state_cow": "responsible_state_cow",  # "repsonsible" (sic) in the original header
    "mk_repsonsible_state_inheritor1": "responsible_inheritor1",
    "mk_repsonsible_state_inheritor2": "responsible_inheritor2",
}
OPTIONAL = {"Start date notes": "start_date_notes", "End date notes": "end_date_notes"}
REQUIRED = ("country", "mk_event_name", "startyear", "endyear", "mk_event_code", "State-Led or Non-State-Led",
            "mk_location_cow")
PERPETRATORS = ("State-Led", "Non-State-Led")
CODE_COLUMNS = ("location_cow", "location_inheritor1", "location_inheritor2", "responsible_state_cow",
                "responsible_inheritor1", "responsible_inheritor2")


def _cell(value: object) -> str | None:
    """Excel cells as text: 1945.0 → "1945", blanks → None (years and codes are stored as floats)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _sheet_rows(path: Path) -> list[tuple[int, list[str | None]]]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # a corrupt or non-xlsx zip
        raise SourceError(path, f"cannot open the workbook: {err}") from None
    try:
        if SHEET not in wb.sheetnames:
            raise SourceError(path, f"no sheet '{SHEET}' (found {', '.join(wb.sheetnames)})")
        return [(i, [_cell(v) for v in row]) for i, row in enumerate(wb[SHEET].iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


class EwpMassKilling(Source):
    id = "ewp_mass_killing"
    title = "Early Warning Project — mass-killing episodes since 1945 (2025 master list)"
    publisher = EwpSra.publisher
    licence = EwpSra.licence
    citation = EwpSra.citation
    url = "https://github.com/EarlyWarningProject/2025-Statistical-Risk-Assessment"
    folder = "ewp-mass-killing"
    ignore: ClassVar = ("basedata*.csv",)  # EWP's derived country-year template (see above): not loaded
    downloads: ClassVar = (
        Download("https://raw.githubusercontent.com/EarlyWarningProject/2025-Statistical-Risk-Assessment/"
                 "548cad77147d54cb59e529e7d390a6a7bdfe83b5/1.Buildcountryyears_and_mk_data/"
                 "EWP%20mass%20killing%20events%20master%20list_2025.xlsx",
                 "EWP mass killing events master list_2025.xlsx"),
    )
    indicators: ClassVar = (
        Indicator("ewp_mass_killing_ongoing", "Ongoing mass-killing episodes (EWP list)", "episodes (count)",
                  "Number of EWP mass-killing episodes (≥1,000 civilians deliberately killed by state or non-state "
                  "groups) ongoing in the country in `year`, derived from the episode list's start/end years (an "
                  "open end = ongoing up to the latest year in the list). Country-years without an episode have no "
                  "row.", True, (11,)),
    )
    tables = ("indicator_values",)
    table_schemas: ClassVar = {
        EPISODES: {
            "iso3": pl.String, "country": pl.String, "episode_code": pl.String, "episode": pl.String,
            "summary": pl.String, "start_year": pl.Int64, "end_year": pl.Int64, "ongoing": pl.Boolean,
            "perpetrator_type": pl.String, "number_eth_groups": pl.Int64, "location_cow": pl.String,
            "location_inheritor1": pl.String, "location_inheritor2": pl.String, "responsible_state_cow": pl.String,
            "responsible_iso3": pl.String, "responsible_inheritor1": pl.String, "responsible_inheritor2": pl.String,
            "start_date_notes": pl.String, "end_date_notes": pl.String, "file_name": pl.String,
            "row_number": pl.Int64,
        },
    }
    order = 62

    def recognise(self, path: Path, head: str) -> bool:
        if head != "<zip>" or path.suffix.lower() not in (".xlsx", ".xlsm"):
            return False
        try:
            wb = openpyxl.load_workbook(path, read_only=True)
        except Exception:
            return False
        try:
            return SHEET in wb.sheetnames
        finally:
            wb.close()

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        rows = _sheet_rows(path)
        if not rows:
            raise SourceError(path, f"sheet '{SHEET}' is empty")
        header = [h or "" for h in rows[0][1]]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SourceError(path, f"sheet '{SHEET}': missing column(s) {', '.join(map(repr, missing))}", row=1,
                              column=missing[0])
        wanted = {**COLUMNS, **{k: v for k, v in OPTIONAL.items() if k in header}}
        index = {src: header.index(src) for src in wanted}
        records = [
            {"_row": n, **{wanted[src]: (vals[i] if i < len(vals) else None) for src, i in index.items()}}
            for n, vals in rows[1:] if any(v is not None for v in vals)  # blank spreadsheet rows are not records
        ]
        schema = {"_row": pl.Int64, **dict.fromkeys(wanted.values(), pl.String)}
        df = pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)
        for col in OPTIONAL.values():
            if col not in df.columns:
                df = df.with_columns(pl.lit(None, pl.String).alias(col))
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.select("_row", *[c for c in df.columns if c != "_row"])
        for col, what in (("episode_code", "episode code"), ("country", "country")):
            blank = pl.col(col).is_null()
            rejects.add_rows(df.filter(blank), f"column '{col}': {what} is empty")
            df = df.filter(~blank)
        df = parse_numbers(df, ["start_year"], rejects, integer=True, required=True, minimum=1945, maximum=this_year())
        df = parse_numbers(df, ["end_year"], rejects, integer=True, minimum=1945, maximum=this_year())
        df = parse_numbers(df, ["number_eth_groups"], rejects, integer=True, minimum=0)
        before_start = pl.col("end_year").is_not_null() & (pl.col("end_year") < pl.col("start_year"))
        rejects.add_rows(df.filter(before_start), "end year before start year")
        df = df.filter(~before_start)
        bad_type = ~pl.col("perpetrator_type").is_in(PERPETRATORS) | pl.col("perpetrator_type").is_null()
        rejects.add_rows(df.filter(bad_type), pl.format("column 'State-Led or Non-State-Led': '{}' is not one of "
                                                         + " / ".join(PERPETRATORS), pl.col("perpetrator_type")))
        df = df.filter(~bad_type)
        df = parse_numbers(df, CODE_COLUMNS, rejects, integer=True, minimum=1)
        df = df.with_columns(pl.col(c).cast(pl.String) for c in CODE_COLUMNS)
        no_loc = pl.col("location_cow").is_null()
        rejects.add_rows(df.filter(no_loc), "column 'mk_location_cow': location code is empty")
        df = df.filter(~no_loc)
        df = df.rename({"location_cow": "mk_location_cow"})  # reject reasons name the sheet's column
        df, _ = ctx.countries.resolve(df, "mk_location_cow", "pitf", rejects)
        df = df.rename({"mk_location_cow": "location_cow"})
        responsible = {c: ctx.countries.lookup(c, "pitf") for c in df["responsible_state_cow"].drop_nulls().unique()}
        df = df.with_columns(
            pl.col("responsible_state_cow").replace_strict(
                {c: m.iso3 for c, m in responsible.items() if m.action == "map"}, default=None,
                return_dtype=pl.String).alias("responsible_iso3"),
            pl.col("end_year").is_null().alias("ongoing"),
        )
        df, n_dup = duplicates_of(df, ["episode_code"], rejects, what="episode")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        episodes = df.select(
            *[c for c in self.table_schemas[EPISODES] if c not in ("file_name", "row_number")],
            pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
        ).sort("start_year", "episode_code")
        note = f"sheet '{SHEET}' only; the other sheets (droped cases, Ongoing, Ended, code tables) are not loaded"
        return FileResult(path, f"EWP mass-killing master list ({path.stem})", rows_read,
                          {EPISODES: episodes, "indicator_values": ongoing_counts(episodes)}, rejects.frame(),
                          rows_duplicate=n_dup, note=note)


def ongoing_counts(episodes: pl.DataFrame) -> pl.DataFrame:
    """Country-year count of ongoing episodes; open episodes run to the latest year the list mentions."""
    if episodes.height == 0:
        return pl.DataFrame(schema={"iso3": pl.String, "year": pl.Int64, "indicator_id": pl.String,
                                    "value": pl.Float64, "file_name": pl.String, "row_number": pl.Int64})
    last = max(episodes["start_year"].max(), episodes["end_year"].max() or 0)
    years = episodes.with_columns(
        pl.int_ranges(pl.col("start_year"), pl.col("end_year").fill_null(last) + 1).alias("year")
    ).explode("year")
    return (
        years.group_by("iso3", "year")
        .agg(pl.len().cast(pl.Float64).alias("value"), pl.col("file_name").first(), pl.col("row_number").min())
        .select("iso3", pl.col("year").cast(pl.Int64), pl.lit("ewp_mass_killing_ongoing").alias("indicator_id"),
                "value", "file_name", "row_number")
        .sort("iso3", "year")
    )


SOURCE = EwpMassKilling()
