"""UCDP Georeferenced Event Dataset (GED) and UCDP Candidate events → the ``events`` table (source ``ucdp_ged``).

Layouts recognised by content (header / HXL row / GeoJSON keys; never by file name):

* UCDP ``GEDEvent_v*.csv`` / ``ged*.csv``: the current 49-column schema and the GED 18.1/19.1 42-column schema;
* the "GED Syria" special release (19.1 schema without ``gwnoa``, 41 columns);
* the 48-column conversion without ``geom_wkt`` (CAF extract);
* HDX ``conflict_data_<iso3>.csv`` (HXL hashtag row under the header; layouts A/B/C incl. the pandas re-save with a
  leading unnamed index column and floats such as ``15960.0``);
* the GED GeoJSON (FeatureCollection with GED properties; coordinates from the point geometry);
* UCDP Candidate monthly files (``active_year`` = ``true``/``false``, dates as ``YYYY-MM-DD 00:00:00.000``).

``source_version`` rule (first that applies):

1. a version in the file name, or in the GeoJSON ``name`` member: ``GEDEvent_v23_1`` → 23.1, ``v26_0_4`` → 26.0.4,
   ``ged191`` / ``ged241_mexico…`` → 19.1 / 24.1;
2. GED Syria special release (no ``relid``, events all in GW 652, dated after 2018 — which no global 19.1-schema
   release holds): ``syria-652.<yymm first>.<yymm last>``, e.g. ``syria-652.1601.1911`` as UCDP names it;
3. candidate file (``active_year`` written ``true``/``false``): ``<yy>.0.<month>`` of the latest ``date_start``;
4. otherwise a yearly release, inferred from coverage: GED ``yy.1`` covers 1989…20(yy-1), so the latest
   ``date_start`` year Y gives ``(Y-1999).1`` (2023 → 24.1, 2021 → 22.1, 2019 → 20.1, 2018 → 19.1).

Versions order numerically: 19.1 < 23.1 < 24.1 < 25.1 < 26.0.1 < 26.0.4 < 26.1; the GED Syria release ranks lowest.

Cross-file rules (``combine``):

* the same event id in several files is one event: the newest version is kept, the others count as duplicates of
  their own file; the same id in the same version with identical content is a duplicate, with different content a
  reject (the first file/row is kept);
* a yearly release is a full revision of the history of every country it holds. Events of an *older* release
  (yearly or candidate) in a country that a newer yearly file holds, dated up to that release's coverage end, are
  therefore superseded even when their id is absent from the newer file (UCDP deleted or re-identified them):
  they are rejected with a "superseded" reason. So Myanmar comes from GED 24.1 only, while Bangladesh (only in
  ``ged191.csv``) keeps its 19.1 events;
* GED Syria includes "clear" events of dyads below the 25-deaths threshold, so it must not be mixed with global GED
  for Syria: while no other file holds Syria events in its window it is loaded as the only Syria event data
  (identifiable by its ``source_version``); as soon as another release does, all its events are rejected as
  superseded.

Deaths: UCDP's own files break ``low <= best <= high`` in about 1% of events (e.g. GED 24.1 Mexico: 89 events holding
17% of the deaths; candidate 26.0.4: 64% of the deaths), and UCDP's country-year tables include those events in
their totals (checked: GED 24.1 state-based ``best`` per country-year equals the CY 25.1 table for 1989–2022). By
default these events are loaded as published and counted in the file note; ``strict_death_range = True`` rejects
them instead. Negative deaths are always rejected. ``number_of_sources`` (-1 = missing) is not loaded.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from datetime import date
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Rejects, Source, SourceError
from etl.readers import (
    check_not_html_or_empty,
    duplicates_of,
    header_of,
    parse_dates,
    parse_numbers,
    read_delimited,
    reject_share_guard,
    this_year,
)

ROW = "_row"
CORE = ("id", "year", "type_of_violence", "best", "date_start", "country_id")
REQUIRED = (
    "id", "year", "type_of_violence", "conflict_new_id", "conflict_name", "dyad_new_id", "dyad_name", "side_a",
    "side_b", "where_prec", "adm_1", "adm_2", "latitude", "longitude", "country", "country_id", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "low", "best", "high",
)
OPTIONAL = ("code_status", "where_description", "iso3", "relid", "active_year")
VIOLENCE = {1: "state-based", 2: "non-state", 3: "one-sided"}
DEATHS = {
    "best": "deaths_best", "low": "deaths_low", "high": "deaths_high", "deaths_civilians": "deaths_civilians",
    "deaths_a": "deaths_a", "deaths_b": "deaths_b", "deaths_unknown": "deaths_unknown",
}
TEXT = {
    "side_a": "side_a", "side_b": "side_b", "conflict_name": "conflict_name", "dyad_name": "dyad_name",
    "adm_1": "adm1", "adm_2": "adm2", "where_description": "where_description", "code_status": "code_status",
}
# columns compared when the same event id appears twice in one version (provenance excluded)
CONTENT = (
    "iso3", "event_date", "date_end", "year", "latitude", "longitude", "adm1", "adm2", "where_description",
    "violence_type", *DEATHS.values(), "side_a", "side_b", "conflict_name", "dyad_name", "conflict_id", "dyad_id",
    "where_prec", "date_prec", "event_clarity", "code_status", "gw_code",
)

_NAME_VERSION = (
    re.compile(r"v(\d{2})_(\d{1,2})(?:_(\d{1,2}))?(?!\d)", re.IGNORECASE),  # GEDEvent_v23_1, GEDEvent_v26_0_4
    re.compile(r"ged(\d{2})(\d)(?!\d)", re.IGNORECASE),  # ged191.csv, ged241_mexico…, ged251-csv
)
SYRIA_GW = 652


def version_from_name(name: str) -> str | None:
    """``GEDEvent_v26_0_4`` → ``26.0.4``; ``ged191`` → ``19.1``; None when the name carries no version."""
    stem = Path(name).name
    for pattern in _NAME_VERSION:
        if m := pattern.search(stem):
            return ".".join(g for g in m.groups() if g is not None)
    return None


def version_key(version: str) -> tuple[int, ...]:
    """Numeric ordering of GED versions; the GED Syria special release ranks below every global release."""
    if version.startswith("syria"):
        return (-1,)
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (-1,)


def version_kind(version: str) -> str:
    """``yearly`` (yy.1), ``candidate`` (yy.0.m) or ``syria`` (special release)."""
    if version.startswith("syria"):
        return "syria"
    return "candidate" if len(version.split(".")) == 3 else "yearly"


def coverage_end(version: str) -> date | None:
    """Last day a yearly release covers: GED yy.1 holds events up to 31 December 20(yy-1)."""
    if version_kind(version) != "yearly":
        return None
    return date(2000 + version_key(version)[0] - 1, 12, 31)


def release_bound(version: str) -> date | None:
    """The last date a release can hold: yearly yy.1 → its coverage end; a candidate yy.0.m → 31 December 20yy
    (its events may end after the month it covers); the Syria special release → none (today only)."""
    if version_kind(version) == "candidate":
        return date(2000 + version_key(version)[0], 12, 31)
    return coverage_end(version)


def _after_release(df: pl.DataFrame, version: str, rejects: Rejects) -> pl.DataFrame:
    """An event dated after what its release covers is a corrupt date (a GED 23.1 event in 2099), not news."""
    bound = release_bound(version)
    if bound is None or df.height == 0:
        return df
    for col in ("date_start", "date_end"):
        late = pl.col(col) > pl.lit(bound)
        rejects.add_rows(df.filter(late), pl.format(
            f"column '{col}': {{}} is after the file's release: GED {version} covers events up to {bound}",
            pl.col(col)))
        df = df.filter(~late)
    return df


def _is_geojson(head: str) -> bool:
    start = head.lstrip("\ufeff \r\n\t")
    return start.startswith("{") and '"FeatureCollection"' in head and all(f'"{c}"' in head for c in CORE)


def _is_hxl(head: str) -> bool:
    """True when the record under the header is an HDX hashtag row (``#date+year``…)."""
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(head.lstrip("\ufeff"))), 2))
    except csv.Error:
        return False
    if len(rows) < 2:
        return False
    cells = [c.strip() for c in rows[1]]
    return any(c.startswith("#") for c in cells) and all(not c or c.startswith("#") or c.isdigit() for c in cells)


class UcdpGed(Source):
    id = "ucdp_ged"
    title = "UCDP Georeferenced Event Dataset (GED) and UCDP Candidate Events"
    publisher = "Uppsala Conflict Data Program (UCDP), Department of Peace and Conflict Research, Uppsala University"
    licence = "CC BY 4.0"
    citation = (
        "Data: Uppsala Conflict Data Program (UCDP), Uppsala University — ucdp.uu.se (CC BY 4.0). "
        "Sundberg, Ralph & Erik Melander (2013). Introducing the UCDP Georeferenced Event Dataset. Journal of Peace "
        "Research 50(4): 523–532. Hegre, Håvard, Mihai Croicu, Kristine Eck & Stina Högbladh (2020). Introducing "
        "the UCDP Candidate Events Dataset. Research & Politics 7(3)."
    )
    url = "https://ucdp.uu.se/downloads/"
    folder = "ucdp-ged"
    downloads: ClassVar = (
        Download("https://ucdp.uu.se/downloads/ged/ged251-csv.zip", "ged251-csv.zip", unzip=True),
        Download("https://ucdp.uu.se/downloads/candidateged/GEDEvent_v26_0_4.csv", "GEDEvent_v26_0_4.csv"),
    )
    tables = ("events",)
    order = 40
    strict_death_range: ClassVar[bool] = False  # True: reject events breaking low <= best <= high (see docstring)

    def recognise(self, path: Path, head: str) -> bool:
        if head == "<zip>":
            return False
        if _is_geojson(head):
            return True
        cols = set(header_of(head))
        return all(c in cols for c in CORE)

    # ------------------------------------------------------------------ reading
    def read_file(self, path: Path, ctx: Context) -> FileResult:
        head = check_not_html_or_empty(path)
        if _is_geojson(head):
            df, name_hint = self._read_geojson(path)
        else:
            df = read_delimited(path, separator=",", hxl=_is_hxl(head), required=REQUIRED)
            name_hint = None
        # the pandas index column of a re-saved HDX file ("" or "Unnamed: 0") is not data
        df = df.rename({c: f"_index{i}" for i, c in enumerate(df.columns)
                        if c == "" or c.lower().startswith(("unnamed", "column_"))})
        # keep what the events table uses: long source texts (articles, headlines, WKT) are not loaded, and
        # carrying them through every validation step would triple the ingest time at GED scale
        df = df.select([c for c in df.columns if c in REQUIRED or c in OPTIONAL or c.startswith("_")])
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        candidate_text = "active_year" in df.columns and bool(
            df["active_year"].drop_nulls().str.strip_chars().str.to_lowercase().is_in(["true", "false"]).any()
        )

        df = parse_numbers(df, ["id"], rejects, integer=True, required=True, minimum=0)
        df = df.with_columns(pl.col("id").cast(pl.String).alias("id"))
        df, n_dup = duplicates_of(df, ["id"], rejects, what="event")

        df = parse_numbers(df, ["type_of_violence"], rejects, integer=True, required=True)
        bad = ~pl.col("type_of_violence").is_in(list(VIOLENCE))
        rejects.add_rows(df.filter(bad), pl.format("column 'type_of_violence': {} is not 1, 2 or 3",
                                                    pl.col("type_of_violence")))
        df = df.filter(~bad)

        df = parse_numbers(df, ["best"], rejects, integer=True, required=True, minimum=0)
        df = parse_numbers(df, [c for c in DEATHS if c != "best"], rejects, integer=True, minimum=0)
        inconsistent = (pl.col("low") > pl.col("best")) | (pl.col("best") > pl.col("high"))
        n_range = int(df.select(inconsistent.fill_null(False).sum()).item())
        if self.strict_death_range:
            rejects.add_rows(df.filter(inconsistent.fill_null(False)), pl.format(
                "columns 'low', 'best', 'high': low <= best <= high violated (low={}, best={}, high={})",
                pl.col("low"), pl.col("best"), pl.col("high")))
            df = df.filter(~inconsistent.fill_null(False))

        df = parse_dates(df, "date_start", rejects, earliest="1989-01-01")
        df = parse_dates(df, "date_end", rejects, earliest="1989-01-01")
        backwards = pl.col("date_end") < pl.col("date_start")
        rejects.add_rows(df.filter(backwards), pl.format("column 'date_end': {} is before 'date_start' {}",
                                                         pl.col("date_end"), pl.col("date_start")))
        df = df.filter(~backwards)

        df = parse_numbers(df, ["year"], rejects, integer=True, minimum=1989, maximum=this_year())
        df = parse_numbers(df, ["latitude"], rejects, minimum=-90, maximum=90)
        df = parse_numbers(df, ["longitude"], rejects, minimum=-180, maximum=180)
        df = parse_numbers(df, ["where_prec", "date_prec", "event_clarity", "conflict_new_id", "dyad_new_id"],
                           rejects, integer=True)
        df = parse_numbers(df, ["country_id"], rejects, integer=True, required=True)
        df, n_excluded = self._countries(df, ctx, rejects)

        version = self._version(path, name_hint, df, candidate_text)
        df = _after_release(df, version, rejects)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        events = self._events(df, path, version)
        note = []
        if n_range:
            kept = "rejected" if self.strict_death_range else "loaded as published"
            note.append(f"{n_range} events in the file break low <= best <= high (UCDP's own values; {kept})")
        return FileResult(path, version, rows_read, {"events": events}, rejects.frame(), rows_duplicate=n_dup,
                          rows_excluded=n_excluded, note="; ".join(note))

    @staticmethod
    def _read_geojson(path: Path) -> tuple[pl.DataFrame, str | None]:
        """Features → one text row each (``_row`` = 1-based feature number); lat/lon from the point geometry."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SourceError(path, f"not valid GeoJSON: {err}") from None
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list) or not features:
            raise SourceError(path, "GeoJSON has no 'features'")
        rows = []
        for feat in features:
            props = dict(feat.get("properties") or {})
            coords = ((feat.get("geometry") or {}).get("coordinates") or [None, None])[:2]
            if props.get("longitude") in (None, "") and props.get("latitude") in (None, ""):
                props["longitude"], props["latitude"] = coords
            rows.append({k: None if v is None or v == "" else str(v) for k, v in props.items()})
        cols = list(dict.fromkeys(k for r in rows for k in r))
        df = pl.DataFrame(rows, schema={c: pl.String for c in cols})
        df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        missing = [c for c in REQUIRED if c not in df.columns]
        if missing:
            raise SourceError(path, f"GeoJSON features lack GED propert{'ies' if len(missing) > 1 else 'y'} "
                                    f"{', '.join(repr(m) for m in missing)}", column=missing[0])
        name = doc.get("name") if isinstance(doc.get("name"), str) else None
        return df, name

    @staticmethod
    def _countries(df: pl.DataFrame, ctx: Context, rejects: Rejects) -> tuple[pl.DataFrame, int]:
        """ISO3 from the HDX ``iso3`` column when present, else from the GW ``country_id``; cross-checked."""
        df = df.with_columns(pl.col("country_id").cast(pl.String).alias("gw_code"))
        gw = {c: ctx.countries.lookup(c, "gw") for c in df["gw_code"].unique().to_list()}
        if "iso3" in df.columns:
            df, n_excluded = ctx.countries.resolve(df, "iso3", "iso3", rejects, out="__iso3")
            gw_iso = pl.col("gw_code").replace_strict({k: m.iso3 for k, m in gw.items()}, default=None,
                                                      return_dtype=pl.String)
            clash = gw_iso.is_not_null() & (gw_iso != pl.col("__iso3"))
            rejects.add_rows(df.filter(clash), pl.format(
                "columns 'iso3' and 'country_id' disagree: iso3 {} but GW {} is {}", "__iso3", "gw_code", gw_iso))
            df = df.filter(~clash)
        else:
            df, n_excluded = ctx.countries.resolve(df, "country_id", "gw", rejects, out="__iso3")
        names = {n: ctx.countries.lookup(n, "name") for n in df["country"].drop_nulls().unique().to_list()}
        name_iso = pl.col("country").replace_strict(
            {n: (m.iso3 if m.action == "map" else None) for n, m in names.items()}, default=None,
            return_dtype=pl.String)
        clash = name_iso.is_not_null() & (name_iso != pl.col("__iso3"))
        rejects.add_rows(df.filter(clash), pl.format(
            "columns 'country' and 'country_id' disagree: '{}' is {} but the code gives {}",
            "country", name_iso, pl.col("__iso3")))
        return df.filter(~clash).drop("iso3", strict=False).rename({"__iso3": "iso3"}), n_excluded

    @staticmethod
    def _version(path: Path, name_hint: str | None, df: pl.DataFrame, candidate_text: bool) -> str:
        """The rule of the module docstring; raises when nothing is left to infer it from."""
        for name in (path.name, name_hint or ""):
            if version := version_from_name(name):
                return version
        if df.height == 0:
            raise SourceError(path, "no valid event left to infer the GED version from (name the file like "
                                    "GEDEvent_v25_1.csv)")
        first, last = df["date_start"].min(), df["date_start"].max()
        gws = set(df["country_id"].drop_nulls().to_list())
        if "relid" not in df.columns and gws == {SYRIA_GW} and last.year > 2018:
            return f"syria-{SYRIA_GW}.{first:%y%m}.{last:%y%m}"
        if candidate_text:
            return f"{last.year - 2000}.0.{last.month}"
        return f"{last.year - 1999}.1"

    def _events(self, df: pl.DataFrame, path: Path, version: str) -> pl.DataFrame:
        blank = lambda c: (pl.when(pl.col(c).str.strip_chars() == "").then(None)  # noqa: E731
                           .otherwise(pl.col(c)) if c in df.columns else pl.lit(None, pl.String))
        return df.select(
            pl.lit(self.id).alias("source"),
            pl.col("id").alias("event_id"),
            pl.lit(version).alias("source_version"),
            "iso3",
            pl.col("date_start").alias("event_date"),
            "date_end",
            pl.coalesce(pl.col("year"), pl.col("date_start").dt.year().cast(pl.Int64)).alias("year"),
            "latitude", "longitude",
            *(blank(src).alias(dst) for src, dst in TEXT.items()),
            pl.col("type_of_violence").replace_strict(VIOLENCE, return_dtype=pl.String).alias("violence_type"),
            *(pl.col(src).alias(dst) for src, dst in DEATHS.items()),
            pl.col("conflict_new_id").cast(pl.String).alias("conflict_id"),
            pl.col("dyad_new_id").cast(pl.String).alias("dyad_id"),
            "where_prec", "date_prec", "event_clarity", "gw_code",
            pl.lit(path.name).alias("file_name"),
            pl.col(ROW).alias("row_number"),
        )

    # ------------------------------------------------------------------ cross-file
    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One event per id across files and versions; older releases superseded by newer yearly coverage."""
        frames = [r.tables["events"].with_columns(pl.lit(i).alias("__f")) for i, r in enumerate(results)
                  if "events" in r.tables]
        if not frames:
            return results
        ranks = {v: n for n, v in enumerate(sorted({r.version for r in results}, key=version_key))}
        allev = pl.concat(frames, how="vertical").with_columns(
            pl.col("source_version").replace_strict(ranks, return_dtype=pl.Int64).alias("__rank"))
        dup_counts = [0] * len(results)
        extra_rejects: list[Rejects] = [Rejects(self.id, r.path.name) for r in results]

        # 1. the same id: keep the newest version; older versions are duplicates of their own file
        #    (skipped when every id is unique — the usual case for one full GED release)
        if allev["event_id"].n_unique() < allev.height:
            allev = allev.with_columns(pl.col("__rank").max().over("event_id").alias("__top"))
            for f, n in allev.filter(pl.col("__rank") < pl.col("__top")).group_by("__f").len().iter_rows():
                dup_counts[f] += n
            allev = allev.filter(pl.col("__rank") == pl.col("__top")).sort("__f", "row_number")
            # same id, same version, several files: identical → duplicate, different → reject (first kept)
            allev = allev.with_columns(pl.struct(list(CONTENT)).hash().alias("__h"))
            allev = allev.with_columns(pl.col("__h").first().over("event_id").alias("__h0"),
                                       pl.int_range(pl.len()).over("event_id").alias("__n"))
            later = allev.filter(pl.col("__n") > 0)
            for f, n in later.filter(pl.col("__h") == pl.col("__h0")).group_by("__f").len().iter_rows():
                dup_counts[f] += n
            for f, part in later.filter(pl.col("__h") != pl.col("__h0")).partition_by("__f", as_dict=True).items():
                first_files = allev.filter(pl.col("__n") == 0).select("event_id", pl.col("file_name").alias("__ff"))
                part = part.join(first_files, on="event_id", how="left")
                extra_rejects[f[0]].add_rows(part, pl.format(
                    "column 'id': event {} also in {} (same version {}) with different values (that one kept)",
                    "event_id", "__ff", "source_version"), row_col="row_number")
            allev = allev.filter(pl.col("__n") == 0)

        # 2. coverage: a newer yearly file revises the whole history of each country it holds
        info = []
        for i, r in enumerate(results):
            ev = r.tables.get("events")
            if ev is None or ev.height == 0:
                continue
            info.append((i, r, ev))
        # (columns are materialised step by step: the first matching rule gives the reason)
        allev = allev.with_columns(pl.lit(False).alias("__sup"), pl.lit(None, pl.String).alias("__why"))

        def supersede(hit: pl.Expr, why: pl.Expr) -> pl.DataFrame:
            hit = hit & ~pl.col("__sup")
            return allev.with_columns(pl.when(hit).then(why).otherwise(pl.col("__why")).alias("__why"),
                                      (pl.col("__sup") | hit).alias("__sup"))

        for _g, rg, ev in info:
            end = coverage_end(rg.version)
            if end is None:
                continue
            isos = ev["iso3"].unique().to_list()
            allev = supersede(
                (pl.col("__rank") < ranks[rg.version]) & pl.col("iso3").is_in(isos) & (pl.col("event_date") <= end),
                pl.format(f"superseded: GED {rg.version} ({rg.path.name}) revises {{}} up to {end}; this event of "
                          "version {} is not in it", "iso3", "source_version"))
        # 3. GED Syria special release: never mixed with another release's Syria events in its window
        for s, rs, ev in info:
            if version_kind(rs.version) != "syria":
                continue
            lo, hi = ev["event_date"].min(), ev["event_date"].max()
            others = allev.filter((pl.col("__f") != s) & (pl.col("iso3") == "SYR") & ~pl.col("__sup")
                                  & pl.col("event_date").is_between(lo, hi))
            if others.height:
                names = ", ".join(sorted(set(others["file_name"].to_list())))
                allev = supersede(pl.col("__f") == s, pl.lit(
                    f"superseded: GED Syria special release (includes sub-threshold dyads) is not mixed with "
                    f"Syria events of {names} in {lo}…{hi}"))
        for f, part in allev.filter(pl.col("__sup")).partition_by("__f", as_dict=True).items():
            extra_rejects[f[0]].add_rows(part, pl.col("__why"), row_col="row_number")
        allev = allev.filter(~pl.col("__sup"))

        out = []
        for i, r in enumerate(results):
            if "events" not in r.tables:
                out.append(r)
                continue
            events = allev.filter(pl.col("__f") == i).sort("row_number").select(r.tables["events"].columns)
            rej = pl.concat([r.rejects, extra_rejects[i].frame()], how="vertical")
            out.append(FileResult(r.path, r.version, r.rows_read, {**r.tables, "events": events}, rej,
                                  rows_duplicate=r.rows_duplicate + dup_counts[i],
                                  rows_loaded=None if r.rows_loaded is None else events.height,
                                  rows_excluded=r.rows_excluded, note=r.note))
        return out


SOURCE = UcdpGed()
