"""V-Dem country-year indices (V-Dem Institute): democracy, rule of law, civil society, regime-change episodes.

Reads any V-Dem country-year CSV (``country_text_id``, ``year`` and V-Dem variables): the ERT episodes file,
the DemSpaces outcome file, or a subset of the full V-Dem dataset. Only variables in :data:`CATALOG` become
indicators (``vdem_<variable>``); other columns are listed in the file's note, never loaded unlabelled.

Decisions:
* DemSpaces (recognised by its ``gwcode`` column) stores ``v2x_pubcorr`` inverted (1 − original, higher = less
  corrupt): it is loaded as ``vdem_v2x_pubcorr_inverted`` so it never mixes with the original index.
* V-Dem versions are not mixed in one series: when several files give the same indicator, the file reaching the
  latest year supplies the whole series; the other file's values of that indicator are duplicates.
* ``country_text_id`` quirks (etl/reference/codes/vdem.csv): PSE is V-Dem's "Palestine/West Bank" unit and is the
  PSE series; PSG (Gaza), PSB (British Mandate), SML (Somaliland), ZZB (Zanzibar) and historical States (DDR,
  VDR, YMD) are rejected with a reason — never merged into another unit's series.
* ``NA`` is missing (no row); a row with no value at all is counted as excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import header_of, parse_numbers, read_delimited, reject_share_guard, this_year

INDEX = "index 0–1"
LATENT = "model estimate (latent scale, about −5…5)"


@dataclass(frozen=True)
class Var:
    label: str
    unit: str
    description: str
    higher_is_worse: bool | None
    risk_factors: tuple[int, ...]
    minimum: float | None = 0.0
    maximum: float | None = 1.0


CATALOG: dict[str, Var] = {
    # indices of the V-Dem country-year dataset (higher = more democratic / more rights unless stated)
    "v2x_polyarchy": Var("Electoral democracy index", INDEX, "V-Dem electoral democracy (polyarchy).", False, ()),
    "v2x_libdem": Var("Liberal democracy index", INDEX, "V-Dem liberal democracy.", False, ()),
    "v2x_regime": Var("Regimes of the World", "category 0–3",
                      "0 closed autocracy, 1 electoral autocracy, 2 electoral democracy, 3 liberal democracy.",
                      False, (), 0, 3),
    "v2x_rule": Var("Rule of law index", INDEX, "V-Dem rule of law.", False, (3,)),
    "v2xcl_rol": Var("Equality before the law and individual liberty index", INDEX,
                     "V-Dem equality before the law and individual liberty (rule of law, equal civil rights).",
                     False, (3, 9)),
    "v2x_horacc_osp": Var("Horizontal accountability index", INDEX,
                          "V-Dem horizontal accountability (checks by courts and legislature on the executive).",
                          False, (3,)),
    "v2x_veracc_osp": Var("Vertical accountability index", INDEX,
                          "V-Dem vertical accountability (citizens' ability to hold government to account through "
                          "elections and parties).", False, ()),
    "v2x_pubcorr": Var("Public sector corruption index", INDEX,
                       "V-Dem public sector corruption as published (higher = more corrupt).", True, (3,)),
    "v2x_corr": Var("Political corruption index", INDEX, "V-Dem political corruption (higher = more corrupt).",
                    True, (3,)),
    "v2xcs_ccsi": Var("Core civil society index", INDEX, "V-Dem core civil society (robust, independent civil "
                      "society organisations).", False, (6,)),
    "v2x_freexp_altinf": Var("Freedom of expression and alternative sources of information index", INDEX,
                             "V-Dem freedom of expression and alternative sources of information.", False, (6,)),
    "v2xcl_disc": Var("Freedom of discussion index", INDEX, "V-Dem freedom of discussion.", False, (6,)),
    "v2x_civlib": Var("Civil liberties index", INDEX, "V-Dem civil liberties.", False, (6,)),
    "v2x_clpol": Var("Political civil liberties index", INDEX, "V-Dem political civil liberties.", False, (6,)),
    "v2x_clpriv": Var("Private civil liberties index", INDEX, "V-Dem private civil liberties.", False, (9,)),
    "v2x_clphy": Var("Physical violence index", INDEX, "V-Dem physical integrity: freedom from political killings "
                     "and torture by the government (higher = safer).", False, (2,)),
    "v2xeg_eqprotec": Var("Equal protection index", INDEX, "V-Dem equal protection of rights and freedoms across "
                          "social groups.", False, (9,)),
    "v2xeg_eqaccess": Var("Equal access index", INDEX, "V-Dem equal access to power across social groups.",
                          False, (9,)),
    "v2clkill": Var("Freedom from political killings", LATENT, "V-Dem expert-coded measurement-model estimate "
                    "(higher = fewer political killings by the State).", False, (2,), None, None),
    "v2clrelig": Var("Freedom of religion", LATENT, "V-Dem measurement-model estimate (higher = freer).",
                     False, (9,), None, None),
    "v2pepwrsoc": Var("Power distributed by social group", LATENT, "V-Dem measurement-model estimate (higher = "
                      "more equal distribution of political power across social groups).", False, (9,), None, None),
    # ERT: Episodes of Regime Transformation (regime change as enabling circumstance / trigger)
    "aut_ep": Var("Autocratization episode (ERT)", "flag 0/1", "1 = the country-year is part of an episode of "
                  "autocratization (V-Dem ERT); includes censored ongoing episodes.", True, (7, 8)),
    "dem_ep": Var("Democratization episode (ERT)", "flag 0/1", "1 = the country-year is part of an episode of "
                  "democratization (V-Dem ERT); a regime transformation, hence a possible trigger.", None, (8,)),
    "row_regch_event": Var("Regime change event (ERT)", "code −1/0/1", "Change of Regimes-of-the-World class in "
                           "this year: −1 towards autocracy, 1 towards democracy, 0 none (V-Dem ERT).",
                           None, (8,), -1, 1),
}
PUBCORR_INVERTED = "v2x_pubcorr_inverted"
CATALOG[PUBCORR_INVERTED] = Var(
    "Public sector corruption index (inverted)", INDEX,
    "1 − V-Dem public sector corruption, as published by the DemSpaces project (higher = less corrupt).",
    False, (3,))
REQUIRED = ("country_text_id", "year")


class VDem(Source):
    id = "vdem"
    title = "V-Dem country-year indices (ERT episodes, DemSpaces outcomes)"
    publisher = "V-Dem Institute, University of Gothenburg"
    licence = "CC BY-SA 4.0 (V-Dem data licence; not restated inside the files)"
    citation = ("Coppedge, Michael, et al. V-Dem Country-Year Dataset v15/v14. Varieties of Democracy (V-Dem) "
                "Project; Maerz, Edgell, Krusell, Maxwell, Hellmeier, ERT – Episodes of Regime Transformation, "
                "V-Dem 2025; V-Dem Democratic Spaces Barometer (github.com/vdeminstitute/demspaces).")
    url = "https://www.v-dem.net/data/the-v-dem-dataset/"
    folder = "vdem"
    downloads: ClassVar = (
        Download("https://raw.githubusercontent.com/vdeminstitute/ERT/master/inst/ert.csv", "ert.csv"),
        Download("https://raw.githubusercontent.com/vdeminstitute/demspaces/master/create-data/output/"
                 "dv_data_1968_on.csv", "dv_data_1968_on.csv"),
    )
    indicators: ClassVar = tuple(
        Indicator(f"vdem_{name}", var.label, var.unit, var.description, var.higher_is_worse, var.risk_factors)
        for name, var in CATALOG.items()
    )
    tables = ("indicator_values",)
    order = 50

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "country_text_id" in cols and "year" in cols and any(c.startswith("v2x") for c in cols)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        demspaces = "gwcode" in df.columns
        kind = "ERT" if "aut_ep" in df.columns else "DemSpaces" if demspaces else "V-Dem country-year"
        if demspaces and "v2x_pubcorr" in df.columns:
            df = df.rename({"v2x_pubcorr": PUBCORR_INVERTED})
        variables = [c for c in df.columns if c in CATALOG]
        if not variables:
            raise SourceError(path, f"no known V-Dem variable among the columns (expected some of "
                                    f"{', '.join(list(CATALOG)[:6])}…)", row=1)
        ignored = [c for c in df.columns if c.startswith(("v2", "e_")) and c not in CATALOG]
        df = parse_numbers(df, ["year"], rejects, integer=True, minimum=1789, maximum=this_year(), required=True)
        for name in variables:
            var = CATALOG[name]
            df = parse_numbers(df, [name], rejects, minimum=var.minimum, maximum=var.maximum)
        empty = pl.all_horizontal(pl.col(c).is_null() for c in variables)
        n_empty = df.filter(empty).height
        df = df.filter(~empty)
        df = df.with_columns(pl.col("country_text_id").str.strip_chars())
        df, n_excluded = ctx.countries.resolve(df, "country_text_id", "vdem", rejects)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = (
            df.select("iso3", "year", pl.col("_row").alias("row_number"), *variables)
            .unpivot(index=["iso3", "year", "row_number"], on=variables, variable_name="var", value_name="value")
            .filter(pl.col("value").is_not_null())
            .select("iso3", "year", ("vdem_" + pl.col("var")).alias("indicator_id"), pl.col("value").cast(pl.Float64),
                    pl.lit(path.name).alias("file_name"), "row_number")
            .sort("iso3", "year", "indicator_id")
        )
        note = f"{kind}: {', '.join(variables)}; {n_empty} rows without any value excluded"
        if ignored:
            note += f"; columns not in the catalog, not loaded: {', '.join(ignored)}"
        years = f"{values['year'].min()}–{values['year'].max()}" if values.height else "no values"
        return FileResult(path, f"{kind} ({years})", rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_excluded=n_empty + n_excluded, note=note)

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One file per indicator series (no mixing of V-Dem versions): the file reaching the latest year wins."""
        if len(results) < 2:
            return results
        best: dict[str, tuple[int, str]] = {}
        for r in results:
            iv = r.tables["indicator_values"]
            for ind, last in iv.group_by("indicator_id").agg(pl.col("year").max()).iter_rows():
                key = (last, r.path.name)
                if ind not in best or key > best[ind]:
                    best[ind] = key
        for r in results:
            iv = r.tables["indicator_values"]
            losing = [ind for ind in iv["indicator_id"].unique().to_list() if best[ind][1] != r.path.name]
            if not losing:
                continue
            keep = iv.filter(~pl.col("indicator_id").is_in(losing))
            # a row is a duplicate when none of its values survive; otherwise it still counts as loaded
            dup_rows = iv.select("row_number").unique().join(keep.select("row_number").unique(), on="row_number",
                                                               how="anti").height
            r.tables["indicator_values"] = keep
            r.rows_duplicate += dup_rows
            winners = sorted({best[i][1] for i in losing})
            r.note += (f"; {', '.join(sorted(losing))} also in {', '.join(winners)} (later coverage): that series "
                       f"is kept, this file's values are duplicates ({dup_rows} rows with no other value)")
        return results


SOURCE = VDem()
