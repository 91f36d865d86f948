"""Early Warning Project 2025 predictor table (``prepared2024predictors-…csv``): country-year risk-factor proxies.

One row per EWP country-year 1960–2024 (``ccode`` = COW-numbered EWP code, resolved through
``etl/reference/codes/pitf.csv``; historical states such as East Germany, Czechoslovakia, North/South Yemen and
South Vietnam are rejected with the crosswalk's reason). Only the substantive predictors below become indicators
(``ewp_<column>`` with dots as underscores), each in the file's own ``year``; empty cells stay absent (never
imputed). Left out on purpose: region dummies, ``year_sq``, country age, ``newcountry``, ``includesnonstate``,
``mean_mk_onset_interaction``, population and GDP growth (model controls, no atrocity risk factor), the
``widetargeting``/``narrowtargeting`` model terms and the outcome columns ``mk_onset*`` (future values).
Binary V-Dem recodes follow EWP's ``format_vdem.R``; note the 2025 file's ``repress_civilsoc`` = 1 when V-Dem's
CSO-repression ordinal is 0, 1 or 2 (it was only 0 before the 2025 update).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source
from etl.readers import duplicates_of, header_of, parse_numbers, read_delimited, reject_share_guard, this_year
from etl.sources.ewp_sra import EwpSra

ID_COLUMNS = ("ewp_name", "year", "ccode")


@dataclass(frozen=True)
class Predictor:
    column: str
    label: str
    unit: str
    description: str
    higher_is_worse: bool | None
    factors: tuple[int, ...]
    minimum: float | None = None
    maximum: float | None = None

    @property
    def indicator_id(self) -> str:
        return "ewp_" + self.column.replace(".", "_").lower()


FLAG = "flag 0/1"
PREDICTORS: tuple[Predictor, ...] = (
    Predictor("discrimpop", "Share of population politically discriminated against", "share of population 0–1",
              "Share of the population belonging to ethnic groups subject to state-led political discrimination "
              "(EWP from Ethnic Power Relations); EWP's strongest predictor.", True, (9,), 0, 1),
    Predictor("minorityrule", "Minority rule (power monopolised by a social group)", FLAG,
              "1 if V-Dem's power distributed by social group (v2pepwrsoc, ordinal) is 0 or 1: a minority group "
              "holds (nearly) all political power.", True, (9,), 0, 1),
    Predictor("social_power_dist", "Political power unequal across social groups", FLAG,
              "1 if V-Dem v2pepwrsoc ordinal is 0, 1 or 2 (power not evenly distributed by social group).", True, (9,),
              0, 1),
    Predictor("social_inequality", "Civil liberties strongly unequal across social groups", FLAG,
              "1 if V-Dem social-group equality in respect for civil liberties (v2clsocgrp ordinal) is 0.", True, (9,),
              0, 1),
    Predictor("even_civilrights", "Civil liberties respected evenly across regions", FLAG,
              "1 if V-Dem regional unevenness in civil liberties (v2clrgunev ordinal) equals 2, as coded by EWP.",
              None, (9,), 0, 1),
    Predictor("religiousfreedom", "Freedom of religion (V-Dem ordinal)", "ordinal 0–4 (4 = most free)",
              "V-Dem freedom of religion, ordinal version (v2clrelig_ord).", False, (9,), 0, 4),
    Predictor("ses_power_dist", "Political power by socio-economic position (V-Dem)",
              "V-Dem latent scale (higher = more equal)",
              "V-Dem power distributed by socio-economic position (v2pepwrses).", False, (9,)),
    Predictor("efindex", "Ethnic fractionalisation index", "index 0–1",
              "Historical Index of Ethnic Fractionalization (Dražanová): probability that two random people belong "
              "to different ethnic groups.", None, (9,), 0, 1),
    Predictor("coup.try.5yr", "Coup attempt in the last 5 years", FLAG,
              "1 if at least one coup attempt (successful or failed) occurred in the last five years.", True, (8,),
              0, 1),
    Predictor("repress_civilsoc", "Civil-society repression", FLAG,
              "1 if V-Dem CSO repression (v2csreprss ordinal) is 0, 1 or 2 — severe, substantial or moderate "
              "repression (coding as of the 2025 update).", True, (6,), 0, 1),
    Predictor("freediscussion", "Freedom of discussion (V-Dem)", "index 0–1 (1 = most free)",
              "V-Dem freedom of discussion index (v2xcl_disc).", False, (6,), 0, 1),
    Predictor("v2mecenefm_binary", "Government media censorship", FLAG,
              "1 if V-Dem government censorship effort of the media (v2mecenefm ordinal) is 0, 1 or 2 (routine to "
              "occasional censorship).", True, (6,), 0, 1),
    Predictor("v2csgender_binary", "Women prevented from participating in civil society", FLAG,
              "1 if V-Dem CSO women's participation (v2csgender ordinal) is 0, 1 or 2.", True, (6,), 0, 1),
    Predictor("ios.iccpr1", "Party to the ICCPR first Optional Protocol", FLAG,
              "1 if the state has ratified the First Optional Protocol to the International Covenant on Civil and "
              "Political Rights (individual complaints).", False, (6,), 0, 1),
    Predictor("partyban.new.0", "All parties but the state party banned (or non-partisan)", FLAG,
              "1 if V-Dem party ban (v2psparban ordinal) is 0 or 1.", True, (7,), 0, 1),
    Predictor("partyban.new.1", "Many or a few parties banned", FLAG,
              "1 if V-Dem party ban (v2psparban ordinal) is 2 or 3.", True, (7,), 0, 1),
    Predictor("pol_killing_approved", "Political killings practised and approved by leaders", FLAG,
              "1 if V-Dem freedom from political killings (v2clkill ordinal) is 0: killings are systematic and "
              "typically incited or approved by top leaders.", True, (2,), 0, 1),
    Predictor("mk_ever", "Mass killing in the country's history", FLAG,
              "1 if the country has had any mass-killing episode since 1945 (EWP list).", True, (2,), 0, 1),
    Predictor("mk_onset_prev_year", "Mass-killing onset in the previous year", FLAG,
              "1 if a new mass-killing episode began in the year before `year` (EWP coding).", True, (11,), 0, 1),
    Predictor("mk_ongoing_count_log2", "Ongoing mass killings (log2 of 1 + count)", "log2(1 + episodes)",
              "log2(1 + number of ongoing mass-killing episodes) as used by the EWP model.", True, (11,), 0),
    Predictor("battledeaths.log2", "Battle deaths (log2)", "log2(battle deaths)",
              "Battle-related deaths, log base 2, as prepared by EWP (from UCDP).", True, (1,), 0),
    Predictor("judicialreform", "Judicial reform (V-Dem ordinal)", "ordinal 0–2",
              "V-Dem judicial reform (v2jureform ordinal) as prepared by EWP.", None, (3,), 0, 2),
    Predictor("un_imr_sqrt", "Infant mortality (square root)", "sqrt(deaths per 1,000 live births)",
              "Square root of the infant mortality rate (UN population data), EWP's proxy for state capacity.",
              True, (3,), 0),
)


class EwpPredictors(Source):
    id = "ewp_predictors"
    title = "Early Warning Project — Statistical Risk Assessment predictor data (2025 edition, 1960–2024)"
    publisher = EwpSra.publisher
    licence = EwpSra.licence
    citation = EwpSra.citation
    url = "https://github.com/EarlyWarningProject/2025-Statistical-Risk-Assessment"
    folder = "ewp-sra"
    downloads: ClassVar = (
        Download("https://raw.githubusercontent.com/EarlyWarningProject/2025-Statistical-Risk-Assessment/"
                 "548cad77147d54cb59e529e7d390a6a7bdfe83b5/3.Modeling/prepared2024predictors-2025-09-03.csv",
                 "prepared2024predictors-2025-09-03.csv"),
    )
    indicators: ClassVar = tuple(
        Indicator(p.indicator_id, p.label, p.unit, p.description + " Source column: " + p.column + ".",
                  p.higher_is_worse, p.factors)
        for p in PREDICTORS
    )
    tables = ("indicator_values",)
    order = 61

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return set(ID_COLUMNS) <= set(cols) and "discrimpop" in cols and not any(c.startswith("risk") for c in cols)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        columns = [p.column for p in PREDICTORS]
        df = read_delimited(path, separator=",", required=[*ID_COLUMNS, *columns])
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = parse_numbers(df, ["year"], rejects, integer=True, required=True, minimum=1945, maximum=this_year())
        df = parse_numbers(df, ["ccode"], rejects, integer=True, required=True, minimum=1)
        for p in PREDICTORS:
            df = parse_numbers(df, [p.column], rejects, minimum=p.minimum, maximum=p.maximum)
        df = df.with_columns(pl.col("ccode").cast(pl.String))
        df, _ = ctx.countries.resolve(df, "ccode", "pitf", rejects)
        empty = pl.all_horizontal(pl.col(c).is_null() for c in columns)
        rejects.add_rows(df.filter(empty).drop("iso3"), "no predictor value in this row")
        df = df.filter(~empty)
        df, n_dup = duplicates_of(df, ["iso3", "year"], rejects, what="country-year")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        long = pl.concat(
            [df.filter(pl.col(p.column).is_not_null()).select(
                "iso3", "year", pl.lit(p.indicator_id).alias("indicator_id"),
                pl.col(p.column).cast(pl.Float64).alias("value"), pl.lit(path.name).alias("file_name"),
                pl.col("_row").alias("row_number"))
             for p in PREDICTORS],
            how="vertical",
        ).sort("indicator_id", "iso3", "year")
        years = f"{df['year'].min()}–{df['year'].max()}" if df.height else "no rows"
        return FileResult(path, f"EWP predictors {path.stem} ({years})", rows_read, {"indicator_values": long},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=df.height)


SOURCE = EwpPredictors()
