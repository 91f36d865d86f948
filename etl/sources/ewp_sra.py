"""Early Warning Project (USHMM) Statistical Risk Assessment: every published edition's forecasts + coefficients.

Editions come in four layouts (see data/raw/ewp-sra/SOURCE.md):

* 2013–2015 (Jay Ulfelder's ensemble, ``sftgcode`` + ``forecast.year`` + ``mean.p``): a **one-year** risk of a new
  *state-led* mass-killing onset in ``forecast.year`` (the replication code's target is ``mkl.start.1``, the onset
  "during the following calendar year"). These rows fill ``onset_risk_1yr`` only — never the 2-year indicator.
  The ex-ante history file repeats the 2015 edition of ``ewp.forecasts.2015.csv``; ``combine`` keeps the
  single-edition file's rows and counts identical repeats as duplicates.
* 2018–2022 (``SFTGcode``, ``risk_in_YYYY`` 1-year and ``risk_YYYY_YY`` / ``risk_in_YYYY_YY`` 2-year): no rank
  column, so the rank is computed from the 2-year risk within the edition.
* 2023– (``ccode`` COW-numbered, ``risk.YYYYandYYYY.fromYYYY`` with a published ``rank.…`` column; the files also
  carry the previous edition's scores, which are ignored: the previous edition's own file is authoritative).
* Coefficient files (2019–2022: 1-year and 2-year weights; 2023: three model variants; 2024–: ``coef.full``).

Year convention: ``year`` = first year of the forecast window (the 2025 edition, based on 2024 data, forecasts
2025–2026 → 2025). The window is read from the column names, never assumed. Computed ranks: 1 + the number of
countries with a strictly higher risk in the same edition (ties share a rank); the 2023– editions' published
ranks break ties, so they are kept as published. Countries: PITF/SFTG letter codes and EWP's numeric ccodes
both resolve through ``etl/reference/codes/pitf.csv`` (system ``pitf``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import duplicates_of, header_of, parse_numbers, read_delimited, reject_share_guard, this_year

RAW = "https://raw.githubusercontent.com/EarlyWarningProject"
ULF = "https://raw.githubusercontent.com/ulfelder/earlywarningproject-statrisk-replication"

FORECASTS = "ewp_forecasts"
COEFFICIENTS = "ewp_coefficients"

# 2-year risk columns: risk_2018_19 (2018), risk_in_2019_20 (2019–2022), risk.2025and2026.from2024 (2023–)
RISK2_SHORT = re.compile(r"^risk_(?:in_)?(\d{4})_(\d{2})$")
RISK2_LONG = re.compile(r"^risk\.(\d{4})and(\d{4})\.from(\d{4})$")
RISK1_SHORT = re.compile(r"^risk_in_(\d{4})$")
RISK1_LONG = re.compile(r"^risk\.(\d{4})only\.from(\d{4})$")
RANK2 = re.compile(r"^rank\.(\d{4})and(\d{4})\.from\d{4}$")  # 2025 header says "from2025" (sic)
RANK1 = re.compile(r"^riskrank\.(\d{4})only\.from\d{4}$")
COEF_MODEL = re.compile(r"^coef\.(\w+)$")
# UN Framework factor fed by the onset risk and rank: EWP forecasts a new mass killing of civilians (≥ 1,000
# deliberately killed), i.e. a widespread attack on a civilian population — factor 11 (docs/methodology.md)
FACTORS = (11,)


def _layout(cols: list[str]) -> str | None:
    """Which of the known layouts a header belongs to (None: not an EWP SRA file)."""
    names = set(cols)
    if {"sftgcode", "forecast.year", "mean.p"} <= names:
        return "ulfelder"
    if "SFTGcode" in names and any(RISK2_SHORT.match(c) for c in cols):
        return "sftg"
    if "ccode" in names and any(RISK2_LONG.match(c) for c in cols):
        return "ccode"
    if {"Variables", "Weights.for.2.year.forecast"} <= names or {"variable", "coef.full"} <= names:
        return "coefficients"
    return None


def _edition_of_coefficients(path: Path) -> int:
    """The coefficient files hold no year: take it from the run date in the name, else from the edition folder.

    The 2023 file's name has no year at all, so its download is cached as ``2023_coefficients_9Nov_hackregion.csv``.
    """
    name = path.stem
    for pattern in (r"run-(\d{4})-\d{2}-\d{2}", r"\d{1,2}[A-Za-z]{3}(\d{4})", r"(?<!\d)(20\d{2})(?!\d)"):
        if m := re.search(pattern, name):
            return int(m.group(1))
    if re.fullmatch(r"\d{4}", path.parent.name):
        return int(path.parent.name)
    raise SourceError(path, "cannot tell which edition these coefficients belong to: the file name has no run date; "
                            "prefix the name with the edition year (e.g. 2023_coefficients_….csv) or keep it in a "
                            "folder named after it (2023/)")


class EwpSra(Source):
    id = "ewp_sra"
    title = "Early Warning Project — Statistical Risk Assessment (forecasts and model coefficients, 2013–2025)"
    publisher = "Early Warning Project, Simon-Skjodt Center for the Prevention of Genocide, USHMM"
    licence = ("No licence stated; published by USHMM as replication material on GitHub — confirm redistribution "
               "with ewp@ushmm.org before a public release")
    citation = ("Source: Early Warning Project, Simon-Skjodt Center for the Prevention of Genocide, United States "
                "Holocaust Memorial Museum — earlywarningproject.ushmm.org. Statistical Risk Assessment replication "
                "files (GitHub: EarlyWarningProject).")
    url = "https://earlywarningproject.ushmm.org/"
    folder = "ewp-sra"
    downloads: ClassVar = (
        Download(f"{ULF}/5524a401a97cb7cfc964c33916adfa6d2e294ac4/data.out/ewp.exante.forecast.history.2015.csv",
                 "ewp.exante.forecast.history.2015.csv"),
        Download(f"{ULF}/5524a401a97cb7cfc964c33916adfa6d2e294ac4/data.out/ewp.forecasts.2015.csv",
                 "ewp.forecasts.2015.csv"),
        Download(f"{RAW}/2018-Statistical-Risk-Assessment/882f2e94a1dabd28a45b71626d45d0f77f52a5a1/"
                 "sortedrisk_2017based_1and2yr_15Oct2018.csv", "sortedrisk_2017based_1and2yr_15Oct2018.csv"),
        Download(f"{RAW}/2019-Statistical-Risk-Assessment/7ea97cfbd0bd303ef8115502638eaa285a6fd78d/"
                 "results/base2018-run-2019-09-19.csv", "base2018-run-2019-09-19.csv"),
        Download(f"{RAW}/2019-Statistical-Risk-Assessment/7ea97cfbd0bd303ef8115502638eaa285a6fd78d/"
                 "results/base2018-coeffs-run-2019-09-19.csv", "base2018-coeffs-run-2019-09-19.csv"),
        Download(f"{RAW}/2020-Statistical-Risk-Assessment/beff58c684377d2cdbea3f7a624147d72f4d2abb/"
                 "Modelling/results/base2019-run-2020-08-18.csv", "base2019-run-2020-08-18.csv"),
        Download(f"{RAW}/2020-Statistical-Risk-Assessment/beff58c684377d2cdbea3f7a624147d72f4d2abb/"
                 "Modelling/results/base2019-coeffs-run-2020-08-18.csv", "base2019-coeffs-run-2020-08-18.csv"),
        Download(f"{RAW}/2021-Statistical-Risk-Assessment/910bbb1bf46b635c2a017ab8a1c8dd11473cb36d/"
                 "Modelling/results/base2020-run-2021-08-18.csv", "base2020-run-2021-08-18.csv"),
        Download(f"{RAW}/2021-Statistical-Risk-Assessment/910bbb1bf46b635c2a017ab8a1c8dd11473cb36d/"
                 "Modelling/results/base2020-coeffs-run-2021-08-18.csv", "base2020-coeffs-run-2021-08-18.csv"),
        Download(f"{RAW}/2022-Statistical-Risk-Assessment/d3345713f4bc1d135834c8a8a6c1e8c1dce988f6/"
                 "Modelling/results/base2021-run-2022-09-30.csv", "base2021-run-2022-09-30.csv"),
        Download(f"{RAW}/2022-Statistical-Risk-Assessment/d3345713f4bc1d135834c8a8a6c1e8c1dce988f6/"
                 "Modelling/results/base2021-coeffs-run-2022-09-30.csv", "base2021-coeffs-run-2022-09-30.csv"),
        Download(f"{RAW}/2023-Statistical-Risk-Assessment/f55985eb439102229713caa5c43b76594af611d9/"
                 "3.Modeling/final_forecasts_data_9Nov_hackregion.csv",
                 "final_forecasts_data_9Nov_hackregion.csv"),
        Download(f"{RAW}/2023-Statistical-Risk-Assessment/f55985eb439102229713caa5c43b76594af611d9/"
                 "3.Modeling/coefficients_9Nov_hackregion.csv", "2023_coefficients_9Nov_hackregion.csv"),
        Download(f"{RAW}/2024-Statistical-Risk-Assessment/7500ffafe1346f9df3e14f419830078eb22e44d8/"
                 "3.Modeling/final_forecasts_data_11Oct2024.csv", "final_forecasts_data_11Oct2024.csv"),
        Download(f"{RAW}/2024-Statistical-Risk-Assessment/7500ffafe1346f9df3e14f419830078eb22e44d8/"
                 "3.Modeling/coefficients_11Oct2024.csv", "coefficients_11Oct2024.csv"),
        Download(f"{RAW}/2025-Statistical-Risk-Assessment/548cad77147d54cb59e529e7d390a6a7bdfe83b5/"
                 "3.Modeling/final_forecasts_data_3Sep2025.csv", "final_forecasts_data_3Sep2025.csv"),
        Download(f"{RAW}/2025-Statistical-Risk-Assessment/548cad77147d54cb59e529e7d390a6a7bdfe83b5/"
                 "3.Modeling/coefficients_3Sep2025.csv", "coefficients_3Sep2025.csv"),
    )
    indicators: ClassVar = (
        Indicator("ewp_onset_risk_2yr", "EWP risk of a new mass-killing onset (2 years)", "probability 0–1",
                  "Statistical Risk Assessment: estimated probability of a new onset of mass killing (≥1,000 "
                  "civilians deliberately killed by a state or non-state group within a year) over the two-year "
                  "window starting in `year` (edition year; 2018– editions). Not strictly comparable across the "
                  "2022/2023 model change.", True, FACTORS),
        Indicator("ewp_onset_risk_1yr", "EWP risk of a new mass-killing onset (1 year)", "probability 0–1",
                  "Estimated probability of a new mass-killing onset in `year` alone. 2013–2015 editions: Ulfelder "
                  "ensemble `mean.p`, state-led mass killing only; 2018–: the edition's one-year risk column.", True,
                  FACTORS),
        Indicator("ewp_rank", "EWP risk rank", "rank (1 = highest risk)",
                  "Rank of the country in the edition whose forecast window starts in `year`. Published rank for "
                  "2023–; otherwise computed within the edition as 1 + number of countries with a strictly higher "
                  "risk (2-year risk for 2018–2022, one-year `mean.p` for 2013–2015).", False, FACTORS),
    )
    tables = ("indicator_values",)
    table_schemas: ClassVar = {
        FORECASTS: {
            "edition": pl.Int64, "iso3": pl.String, "country": pl.String, "country_code": pl.String,
            "forecast_window_start": pl.Int64, "forecast_window_end": pl.Int64,
            "onset_risk_2yr": pl.Float64, "onset_risk_1yr": pl.Float64, "rank": pl.Int64, "rank_1yr": pl.Int64,
            "rank_computed": pl.Boolean, "file_name": pl.String, "row_number": pl.Int64,
        },
        COEFFICIENTS: {
            "edition": pl.Int64, "model": pl.String, "variable": pl.String, "coefficient": pl.Float64,
            "odds_ratio": pl.Float64, "file_name": pl.String, "row_number": pl.Int64,
        },
    }
    redistributable = True
    order = 60

    def recognise(self, path: Path, head: str) -> bool:
        return _layout(header_of(head)) is not None

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",")
        layout = _layout(df.columns)
        if layout is None:
            raise SourceError(path, "not a recognised Early Warning Project risk-assessment layout", row=1)
        if layout == "coefficients":
            return self._coefficients(path, df, ctx)
        return self._forecasts(path, df, layout, ctx)

    # -- forecasts -------------------------------------------------------------------------------------------
    def _forecasts(self, path: Path, df: pl.DataFrame, layout: str, ctx: Context) -> FileResult:
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        if layout == "ulfelder":
            df = parse_numbers(df, ["forecast.year"], rejects, integer=True, required=True, minimum=1990,
                               maximum=this_year() + 2)  # forecasts look ahead
            df = parse_numbers(df, ["mean.p"], rejects, required=True, minimum=0, maximum=1)
            df = df.with_columns(
                pl.col("forecast.year").alias("edition"), pl.col("forecast.year").alias("forecast_window_start"),
                pl.col("forecast.year").alias("forecast_window_end"),
                pl.lit(None, pl.Float64).alias("onset_risk_2yr"), pl.col("mean.p").alias("onset_risk_1yr"),
                pl.lit(None, pl.Int64).alias("rank"), pl.lit(None, pl.Int64).alias("rank_1yr"),
                pl.col("sftgcode").alias("country_code"),
            )
            rank_on = "onset_risk_1yr"
        else:
            df, rank_on = self._edition_columns(path, df, layout, rejects)
        df = df.with_columns(pl.col("country_code").cast(pl.String).str.strip_chars())
        df, _ = ctx.countries.resolve(df, "country_code", "pitf", rejects)
        df, n_dup = duplicates_of(df, ["edition", "iso3"], rejects, what="country in this edition")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        computed = df["rank"].is_null()
        df = df.with_columns(
            pl.when(pl.col("rank").is_null())
            .then(pl.col(rank_on).rank(method="min", descending=True).over("edition").cast(pl.Int64))
            .otherwise(pl.col("rank")).alias("rank"),
            pl.Series("rank_computed", computed),
        )
        name_col = "country" if "country" in df.columns else "ewp_name"
        forecasts = df.select(
            "edition", "iso3", pl.col(name_col).str.strip_chars().alias("country"), "country_code",
            "forecast_window_start", "forecast_window_end", "onset_risk_2yr", "onset_risk_1yr", "rank", "rank_1yr",
            "rank_computed", pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
        ).sort("edition", "rank", "iso3")
        editions = sorted(forecasts["edition"].unique().to_list())
        version = f"EWP SRA edition{'s' if len(editions) > 1 else ''} {', '.join(map(str, editions))}"
        return FileResult(path, version, rows_read, {FORECASTS: forecasts, "indicator_values": _indicators(forecasts)},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=forecasts.height)

    def _edition_columns(self, path: Path, df: pl.DataFrame, layout: str,
                         rejects: Rejects) -> tuple[pl.DataFrame, str]:
        """Pick this edition's risk/rank columns (the latest window when a file also carries the previous one)."""
        cols = df.columns
        if layout == "sftg":
            risk2 = {int(m.group(1)): (c, int(m.group(1)[:2] + m.group(2)))
                     for c in cols if (m := RISK2_SHORT.match(c))}
            risk1 = {int(m.group(1)): c for c in cols if (m := RISK1_SHORT.match(c))}
            rank2: dict[int, str] = {}
            rank1: dict[int, str] = {}
            code = "SFTGcode"
        else:
            risk2 = {int(m.group(1)): (c, int(m.group(2))) for c in cols if (m := RISK2_LONG.match(c))}
            risk1 = {int(m.group(1)): c for c in cols if (m := RISK1_LONG.match(c))}
            rank2 = {int(m.group(1)): c for c in cols if (m := RANK2.match(c))}
            rank1 = {int(m.group(1)): c for c in cols if (m := RANK1.match(c))}
            code = "ccode"
        start = max(risk2)
        col2, end = risk2[start]
        if end != start + 1:
            raise SourceError(path, f"2-year risk column covers {start}–{end}, expected two consecutive years",
                              row=1, column=col2)
        if layout == "ccode" and "year" in cols:
            years = df["year"].str.strip_chars().unique().to_list()
            if years != [str(start - 1)]:
                raise SourceError(path, f"data year {years} does not precede the forecast window {start}–{end}",
                                  column="year")
        col1 = risk1.get(start)
        df = parse_numbers(df, [col2], rejects, required=True, minimum=0, maximum=1)
        if col1:
            df = parse_numbers(df, [col1], rejects, required=True, minimum=0, maximum=1)
        ranks = [c for c in (rank2.get(start), rank1.get(start)) if c]
        if ranks:
            df = parse_numbers(df, ranks, rejects, integer=True, required=True, minimum=1)
        df = df.with_columns(
            pl.lit(start, pl.Int64).alias("edition"), pl.lit(start, pl.Int64).alias("forecast_window_start"),
            pl.lit(end, pl.Int64).alias("forecast_window_end"), pl.col(col2).alias("onset_risk_2yr"),
            (pl.col(col1) if col1 else pl.lit(None, pl.Float64)).alias("onset_risk_1yr"),
            (pl.col(rank2[start]) if start in rank2 else pl.lit(None, pl.Int64)).alias("rank"),
            (pl.col(rank1[start]) if start in rank1 else pl.lit(None, pl.Int64)).alias("rank_1yr"),
            pl.col(code).alias("country_code"),
        )
        return df, "onset_risk_2yr"

    # -- coefficients ----------------------------------------------------------------------------------------
    def _coefficients(self, path: Path, df: pl.DataFrame, ctx: Context) -> FileResult:
        edition = _edition_of_coefficients(path)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        if "Variables" in df.columns:
            var = "Variables"
            models = {"1yr": ("Weights.for.1.year.forecast", None), "2yr": ("Weights.for.2.year.forecast", None)}
            models = {k: v for k, v in models.items() if v[0] in df.columns}
        else:
            var = "variable"
            models = {m.group(1): (c, f"or.{m.group(1)}" if f"or.{m.group(1)}" in df.columns else None)
                      for c in df.columns if (m := COEF_MODEL.match(c))}
        numeric = [c for pair in models.values() for c in pair if c]
        df = parse_numbers(df, numeric, rejects)  # "NA" = variable not in that model variant
        df = df.with_columns(pl.col(var).str.strip_chars())
        empty = df.filter(pl.col(var).is_null() | (pl.col(var) == ""))
        rejects.add_rows(empty, f"column '{var}': variable name is empty")
        df = df.filter(pl.col(var).is_not_null() & (pl.col(var) != ""))
        no_coef = pl.all_horizontal(pl.col(c).is_null() for c, _ in models.values())
        rejects.add_rows(df.filter(no_coef), "no coefficient in any model column")
        df = df.filter(~no_coef)
        df, n_dup = duplicates_of(df, [var], rejects, what="variable")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        parts = [
            df.filter(pl.col(coef).is_not_null()).select(
                pl.lit(edition, pl.Int64).alias("edition"), pl.lit(model).alias("model"), pl.col(var).alias("variable"),
                pl.col(coef).alias("coefficient"),
                (pl.col(odds) if odds else pl.lit(None, pl.Float64)).alias("odds_ratio"),
                pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
            )
            for model, (coef, odds) in models.items()
        ]
        out = pl.concat(parts, how="vertical").sort("model", "row_number")
        return FileResult(path, f"EWP SRA {edition} model coefficients", rows_read, {COEFFICIENTS: out},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=df.height)

    # -- cross-file ------------------------------------------------------------------------------------------
    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One edition in several files (the 2015 ex-ante history repeats ewp.forecasts.2015.csv): keep the file
        holding fewer editions; identical repeats elsewhere are duplicates, differing ones rejects."""
        with_fc = [r for r in results if FORECASTS in r.tables and r.tables[FORECASTS].height]
        if len(with_fc) < 2:
            return results
        n_editions = {r.path.name: r.tables[FORECASTS]["edition"].n_unique() for r in with_fc}
        ranked = sorted(with_fc, key=lambda r: (n_editions[r.path.name], r.path.name))
        owner: dict[tuple[int, str], tuple[str, float | None, float | None]] = {}
        for r in ranked:
            fc = r.tables[FORECASTS]
            drop_rows: list[int] = []
            rejects = Rejects(self.id, r.path.name)
            n_dup = 0
            for row in fc.iter_rows(named=True):
                key = (row["edition"], row["iso3"])
                values = (row["onset_risk_2yr"], row["onset_risk_1yr"])
                if key not in owner:
                    owner[key] = (r.path.name, *values)
                    continue
                drop_rows.append(row["row_number"])
                kept_file, *kept = owner[key]
                if list(values) == kept:
                    n_dup += 1
                else:
                    rejects.add(row["row_number"], f"edition {key[0]} {key[1]} is also in {kept_file} with a "
                                f"different risk {kept} (kept {kept_file})", {k: row[k] for k in values_keys})
            if not drop_rows:
                continue
            keep = ~pl.col("row_number").is_in(drop_rows)
            r.tables = {t: f.filter(keep) for t, f in r.tables.items()}
            r.rows_duplicate += n_dup
            r.rejects = pl.concat([r.rejects, rejects.frame()], how="vertical")
            r.rows_loaded = r.tables[FORECASTS].height
            r.note = (r.note + " " if r.note else "") + (
                f"{len(drop_rows)} rows repeat editions already loaded from a single-edition file")
        return results


values_keys = ("country", "country_code", "onset_risk_2yr", "onset_risk_1yr")


def _indicators(forecasts: pl.DataFrame) -> pl.DataFrame:
    """Long form: one row per country, window-start year and indicator; absent risks produce no row."""
    base = forecasts.select("iso3", pl.col("forecast_window_start").alias("year"), "onset_risk_2yr",
                            "onset_risk_1yr", pl.col("rank").cast(pl.Float64).alias("rank"), "file_name", "row_number")
    parts = [
        base.filter(pl.col(col).is_not_null()).select(
            "iso3", "year", pl.lit(ind).alias("indicator_id"), pl.col(col).alias("value"), "file_name", "row_number")
        for col, ind in (("onset_risk_2yr", "ewp_onset_risk_2yr"), ("onset_risk_1yr", "ewp_onset_risk_1yr"),
                         ("rank", "ewp_rank"))
    ]
    return pl.concat(parts, how="vertical")


SOURCE = EwpSra()
