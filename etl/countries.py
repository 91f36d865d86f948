"""One canonical country table keyed by ISO 3166-1 alpha-3, and crosswalks from every code system we meet.

Base list: ISO 3166-1 from pycountry, plus the documented overrides in ``etl/reference/country_overrides.csv``
(Kosovo XKX, regions for Taiwan). Crosswalk rows live in ``etl/reference/codes/*.csv`` with columns
``system,code,iso3,action,note`` — ``action`` is ``map``, ``exclude`` (an aggregate such as a World Bank region:
not a country, counted as excluded) or ``reject`` (e.g. a historical state with no ISO code: recorded in
``rejects`` with the note as reason). Adding a code system is adding rows, not code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl
import pycountry

from etl.model import Rejects

REFERENCE = Path(__file__).parent / "reference"
NULL_CODE = "\x00null"  # a blank code, as a key (a code column's nulls are looked up like any other value)
SYSTEMS = ("iso3", "iso2", "m49", "gw", "name", "pitf", "pts", "vdem", "unhcr", "wb", "idmc")


def normalise_name(name: str) -> str:
    """Casefold, strip accents and punctuation: "Côte d’Ivoire" == "cote d'ivoire" == "COTE D IVOIRE"."""
    text = re.sub(r"['’`´]", "", name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9()]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Match:
    iso3: str | None
    action: str  # map | exclude | reject | unknown
    reason: str = ""


class Countries:
    """Resolve names and codes of any system to ISO3, and build the public ``countries`` table."""

    def __init__(self, extra_codes: pl.DataFrame | None = None):
        self.base = self._base_table()
        codes = pl.concat(
            [pl.read_csv(p, infer_schema=False) for p in sorted((REFERENCE / "codes").glob("*.csv"))],
            how="vertical",
        )
        if extra_codes is not None:
            codes = pl.concat([codes, extra_codes.select(codes.columns)], how="vertical")
        codes = codes.with_columns(pl.col("action").fill_null("map"), pl.col("note").fill_null(""))
        self.codes = self._apply_historical_policy(codes)
        self._index: dict[tuple[str, str], Match] = {}
        for row in self.codes.iter_rows(named=True):
            key = (row["system"], self._key(row["system"], row["code"]))
            self._index.setdefault(key, Match(row["iso3"] or None, row["action"], row["note"]))

    @classmethod
    def historical_states(cls) -> pl.DataFrame:
        """The one policy for historical States (``etl/reference/historical_states.csv``, docs/methodology.md):
        a unit continued by a modern State counts toward it; an absorbed or dissolved one is rejected."""
        return pl.read_csv(REFERENCE / "historical_states.csv", infer_schema=False).with_columns(
            pl.col("successor_iso3").fill_null(""))

    def historical_keys(self, system: str) -> set[str]:
        """The (normalised) codes of ``system`` that name a historical unit of the policy."""
        keys = set()
        for unit in self.historical_states()["codes"].to_list():
            for ref in unit.split(";"):
                sys, code = (part.strip() for part in ref.split(":", 1))
                if sys == system:
                    keys.add(self._key(sys, code))
        return keys

    @classmethod
    def _apply_historical_policy(cls, codes: pl.DataFrame) -> pl.DataFrame:
        """Replace every crosswalk row naming a historical unit's code by the policy's decision, in every system:
        one rule for North Yemen, the FRY or the USSR whichever source names them."""
        rows = []
        for unit in cls.historical_states().iter_rows(named=True):
            successor = unit["successor_iso3"] or None
            verdict = (f"{unit['unit']} ({unit['period']}): {unit['rule']} → {successor}" if successor else
                       f"{unit['unit']} ({unit['period']}): historical state, {unit['rule']}, no ISO 3166-1 code")
            for ref in unit["codes"].split(";"):
                system, code = (part.strip() for part in ref.split(":", 1))
                rows.append({"system": system, "code": code, "iso3": successor,
                             "action": "map" if successor else "reject",
                             "note": f"{verdict} (etl/reference/historical_states.csv: {unit['note']})"})
        policy = pl.DataFrame(rows, schema=dict.fromkeys(codes.columns, pl.String))
        keys = {(r["system"], cls._key(r["system"], r["code"])) for r in rows}
        keep = [(sys, cls._key(sys, code)) not in keys for sys, code in codes.select("system", "code").iter_rows()]
        return pl.concat([policy, codes.filter(pl.Series(keep))], how="vertical")

    @staticmethod
    def _base_table() -> pl.DataFrame:
        rows = [
            {"iso3": c.alpha_3, "iso2": c.alpha_2, "m49_code": c.numeric,
             "name": getattr(c, "common_name", None) or c.name,
             "official_name": getattr(c, "official_name", None) or c.name}
            for c in pycountry.countries
        ]
        base = pl.DataFrame(rows)
        extra = Countries._read_overrides().filter(~pl.col("iso3").is_in(base["iso3"].implode())).select(
            "iso3", "iso2", pl.lit(None, pl.String).alias("m49_code"), "name", pl.col("name").alias("official_name")
        )
        return pl.concat([base, extra], how="vertical").sort("iso3")

    @staticmethod
    def _read_overrides() -> pl.DataFrame:
        return pl.read_csv(REFERENCE / "country_overrides.csv", infer_schema=False)

    @cached_property
    def overrides(self) -> pl.DataFrame:
        return self._read_overrides()

    @staticmethod
    def _key(system: str, code: str | int) -> str:
        text = str(code).strip()
        if system == "name":
            return normalise_name(text)
        if system in ("gw", "m49"):
            try:
                return str(int(float(text)))
            except ValueError:
                return text
        return text.upper()

    @cached_property
    def _by_name(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for c in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                if value := getattr(c, attr, None):
                    names.setdefault(normalise_name(value), c.alpha_3)
        for row in self.base.iter_rows(named=True):
            names.setdefault(normalise_name(row["name"]), row["iso3"])
        return names

    @cached_property
    def _iso3(self) -> set[str]:
        return set(self.base["iso3"].to_list())

    @cached_property
    def _iso2(self) -> dict[str, str]:
        return {r["iso2"]: r["iso3"] for r in self.base.iter_rows(named=True) if r["iso2"]}

    @cached_property
    def _m49(self) -> dict[str, str]:
        return {str(int(r["m49_code"])): r["iso3"] for r in self.base.iter_rows(named=True) if r["m49_code"]}

    def lookup(self, value: str | int | None, system: str) -> Match:
        """Crosswalk rows first (they encode decisions), then the ISO standard itself."""
        if value is None or str(value).strip() == "":
            return Match(None, "unknown", f"empty {system} value")
        key = self._key(system, value)
        if (hit := self._index.get((system, key))) is not None:
            return hit
        iso3: str | None = None
        if system in ("iso3", "pitf", "pts", "vdem", "unhcr", "wb", "idmc") and key in self._iso3:
            iso3 = key  # these systems use ISO3 for most countries; crosswalk rows cover their exceptions
        elif system == "iso2":
            iso3 = self._iso2.get(key)
        elif system == "m49":
            iso3 = self._m49.get(key)
        elif system == "name":
            iso3 = self._by_name.get(key)
            if iso3 is None and "(" in key:  # "Myanmar (Burma)" → "myanmar"
                stripped = re.sub(r"\s*\([^)]*\)", "", key).strip()
                hit = self._index.get(("name", stripped))
                iso3 = hit.iso3 if hit and hit.action == "map" else self._by_name.get(stripped)
        if iso3:
            return Match(iso3, "map")
        return Match(None, "unknown", f"unknown {system} '{value}' (add it to etl/reference/codes/ if it is a country)")

    def resolve(
        self,
        df: pl.DataFrame,
        column: str,
        system: str,
        rejects: Rejects,
        *,
        out: str = "iso3",
        multi: bool = False,
    ) -> tuple[pl.DataFrame, int]:
        """Add ``out`` (ISO3) from ``column``; unknown/rejected codes go to rejects, excluded ones are counted.

        ``multi`` accepts lists like "651, 666" (one output row per country): a row keeps the codes that map and
        only a row with no mappable code is rejected; the codes dropped from a kept row (a historical state next
        to its modern successor, e.g. "816, 817") are listed in ``rejects.dropped_codes`` for the file's note.
        Returns (frame, rows excluded).
        """
        if not multi:
            return self._resolve_single(df, column, system, rejects, out)
        work = df.with_columns(pl.col(column).cast(pl.String).str.split(",").alias("__codes")).explode("__codes")
        work = work.with_columns(pl.col("__codes").str.strip_chars())
        uniques = work["__codes"].unique().to_list()
        matches = {u: self.lookup(u, system) for u in uniques}
        mapping = pl.DataFrame(
            {"__codes": list(matches), out: [m.iso3 for m in matches.values()],
             "__action": [m.action for m in matches.values()], "__reason": [m.reason for m in matches.values()]},
            schema={"__codes": pl.String, out: pl.String, "__action": pl.String, "__reason": pl.String},
        )
        if out in work.columns:
            work = work.drop(out)
        work = work.join(mapping, on="__codes", how="left", nulls_equal=True)
        bad = work["__action"].is_in(["reject", "unknown"])
        # a list such as "816, 817": keep the row for the codes that map, drop only the others
        mapped_rows = work.filter(pl.col("__action") == "map")["_row"].unique().implode()
        partial = work.filter(bad & pl.col("_row").is_in(mapped_rows))
        for row, code, why in partial.select("_row", "__codes", "__reason").iter_rows():
            rejects.dropped_codes.append((row, f"column '{column}': code {code} not attributed ({why})"))
        bad_rows = work.filter(bad & ~pl.col("_row").is_in(mapped_rows)).unique("_row", keep="first",
                                                                                 maintain_order=True)
        work = work.filter(~bad & (pl.col("_row").is_in(mapped_rows) | (pl.col("__action") == "exclude")))
        if bad_rows.height:  # a row with no code that maps is rejected once, with its (first) code's reason
            reason = pl.format(f"column '{column}': {{}}", pl.col("__reason"))
            rejects.add_rows(bad_rows.drop("__codes", "__action", out), reason)
        excluded = work.filter(pl.col("__action") == "exclude")
        # excluded only when none of its codes maps (otherwise it is loaded)
        excluded = excluded.filter(~pl.col("_row").is_in(work.filter(pl.col("__action") == "map")["_row"]
                                                          .unique().implode()))
        n_excluded = excluded["_row"].n_unique() if "_row" in excluded.columns else excluded.height
        work = work.filter(pl.col("__action") == "map").drop("__codes", "__action", "__reason")
        return work, n_excluded

    def _resolve_single(self, df: pl.DataFrame, column: str, system: str, rejects: Rejects,
                        out: str) -> tuple[pl.DataFrame, int]:
        """``resolve`` for one code per row: each distinct code is looked up once and mapped onto the column (a join
        of the whole frame cost ~1 s on a 2.5M-row ACLED export); one pass keeps the rows that map."""
        codes = df[column].cast(pl.String)
        matches = {u: self.lookup(u, system) for u in codes.unique().to_list()}
        keys = [NULL_CODE if k is None else k for k in matches]
        col = pl.col(column).cast(pl.String).fill_null(NULL_CODE)

        def mapped(values: list[str | None]) -> pl.Expr:
            return col.replace_strict(keys, values, default=None, return_dtype=pl.String)

        work = df.drop(out) if out in df.columns else df
        work = work.with_columns(mapped([m.iso3 for m in matches.values()]).alias(out),
                                 mapped([m.action for m in matches.values()]).alias("__action"),
                                 mapped([m.reason for m in matches.values()]).alias("__reason"))
        bad_rows = work.filter(pl.col("__action").is_in(["reject", "unknown"]))
        if bad_rows.height:
            rejects.add_rows(bad_rows.drop("__action", out),
                             pl.format(f"column '{column}': {{}}", pl.col("__reason")))
        n_excluded = int(work.select((pl.col("__action") == "exclude").sum()).item())
        return work.filter(pl.col("__action") == "map").drop("__action", "__reason"), n_excluded

    def table(self, regions: pl.DataFrame | None = None) -> pl.DataFrame:
        """The public ``countries`` table: ISO base + M49 regions + one column of codes per crosswalk system."""
        base = self.base
        region_cols = ["m49_region", "m49_subregion", "m49_intermediate_region", "ldc", "lldc", "sids"]
        if regions is not None and regions.height:
            base = base.drop("m49_code").join(
                regions.select("iso3", "m49_code", "name", *region_cols).rename({"name": "m49_name"}),
                on="iso3", how="left",
            )
            base = base.with_columns(pl.coalesce("m49_name", "name").alias("name")).drop("m49_name")
        else:
            base = base.with_columns(*(pl.lit(None, pl.String).alias(c) for c in region_cols[:3]),
                                     *(pl.lit(None, pl.Boolean).alias(c) for c in region_cols[3:]))
        ov = self.overrides.select("iso3", pl.col("m49_region").alias("__r"), pl.col("m49_subregion").alias("__s"))
        base = base.join(ov, on="iso3", how="left").with_columns(
            pl.coalesce("m49_region", "__r").alias("m49_region"),
            pl.coalesce("m49_subregion", "__s").alias("m49_subregion"),
        ).drop("__r", "__s")
        mapped = self.codes.filter((pl.col("action") == "map") & (pl.col("system") != "name"))
        for system in sorted(set(mapped["system"].to_list())):
            codes = (
                mapped.filter(pl.col("system") == system)
                .group_by("iso3").agg(pl.col("code").unique().sort().str.join("; ").alias(f"{system}_codes"))
            )
            base = base.join(codes, on="iso3", how="left")
        names = (
            self.codes.filter((pl.col("action") == "map") & (pl.col("system") == "name"))
            .group_by("iso3").agg(pl.col("code").unique().sort().str.join("; ").alias("other_names"))
        )
        return base.join(names, on="iso3", how="left").sort("iso3")
