"""Natural Earth Admin-0 countries (1:110m, 1:50m): country polygons for offline maps, as WKB.

Why not ``ISO_A3``: Natural Earth sets it to -99 for France, Norway, Kosovo, N. Cyprus, Somaliland and (50m)
Indian Ocean Territories, Ashmore and Cartier, Siachen Glacier. The ISO3 of a feature is the first of
``ISO_A3``, ``ISO_A3_EH``, ``ADM0_A3`` that is an ISO 3166-1 code of the project (``ADM0_A3`` KOS → XKX, see
:data:`ADM0_CODES`). Units without one (N. Cyprus CYN, Somaliland SOL, Siachen KAS) are rejected with a reason,
never merged into a neighbour. Several features on one ISO3 (50m: Indian Ocean Territories and Ashmore and
Cartier Islands are ``ISO_A3_EH`` AUS) are dissolved into one multipolygon named after the feature that carries
the code in ``ISO_A3``. Boundaries are Natural Earth's de facto ones (its default point of view).
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.download import check_archive
from etl.model import Context, Download, FileResult, Rejects, Source, SourceError
from etl.readers import check_not_html_or_empty

FIELDS = ("ADM0_A3", "ISO_A3", "ISO_A3_EH", "NAME")
# ADM0_A3 codes that are not ISO 3166-1: the decision for each (iso3, action, note)
ADM0_CODES: dict[str, tuple[str | None, str, str]] = {
    "KOS": ("XKX", "map", "Natural Earth ADM0_A3 KOS = Kosovo (project code XKX)"),
    "CYN": (None, "reject", "N. Cyprus (ADM0_A3 CYN): no ISO 3166-1 code; not merged into CYP"),
    "SOL": (None, "reject", "Somaliland (ADM0_A3 SOL): no ISO 3166-1 code; not merged into SOM"),
    "KAS": (None, "reject", "Siachen Glacier (ADM0_A3 KAS): disputed area without an ISO 3166-1 code"),
}
_SCALE = re.compile(r"(?<![0-9])(10|50|110)m(?![a-z])", re.IGNORECASE)


def _dbf_fields(data: bytes) -> list[str]:
    """Field names from a dBASE header (32-byte descriptors after a 32-byte header, ended by 0x0D)."""
    if len(data) < 32:
        return []
    header_len = struct.unpack("<H", data[8:10])[0]
    names = []
    for off in range(32, min(header_len, len(data)) - 1, 32):
        if data[off] == 0x0D:
            break
        names.append(data[off:off + 11].split(b"\x00", 1)[0].decode("ascii", "replace"))
    return names


def _members(zf: zipfile.ZipFile, suffix: str) -> list[str]:
    return [n for n in zf.namelist() if n.lower().endswith(suffix) and not n.startswith("__MACOSX")]


class NaturalEarth(Source):
    id = "naturalearth"
    title = "Natural Earth Admin 0 – Countries (1:110m and 1:50m)"
    publisher = "Natural Earth (NACIS)"
    licence = "Public domain (Natural Earth terms of use)"
    citation = "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."
    url = "https://www.naturalearthdata.com/downloads/"
    folder = "naturalearth"
    downloads: ClassVar = (
        Download("https://naciscdn.org/naturalearth/110m/cultural/ne_110m_admin_0_countries.zip",
                 "ne_110m_admin_0_countries.zip"),
        Download("https://naciscdn.org/naturalearth/50m/cultural/ne_50m_admin_0_countries.zip",
                 "ne_50m_admin_0_countries.zip"),
    )
    tables = ("boundaries",)
    order = 50

    def recognise(self, path: Path, head: str) -> bool:
        if head != "<zip>":
            return False
        try:
            with zipfile.ZipFile(path) as zf:
                shp, dbf = _members(zf, ".shp"), _members(zf, ".dbf")
                if len(shp) != 1 or len(dbf) != 1:
                    return False
                with zf.open(dbf[0]) as fh:
                    fields = _dbf_fields(fh.read(32 * 256))
        except (zipfile.BadZipFile, OSError):
            return False
        return all(f in fields for f in FIELDS)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        import geopandas as gpd
        import shapely

        check_not_html_or_empty(path)
        try:
            with zipfile.ZipFile(path) as zf:
                check_archive(zf, path)  # GDAL would inflate a zip bomb while reading it
                shp = _members(zf, ".shp")
                versions = _members(zf, "version.txt")
                version = zf.read(versions[0]).decode("utf-8", "replace").strip() if versions else ""
        except zipfile.BadZipFile as err:
            raise SourceError(path, f"not a readable zip archive: {err}") from None
        if len(shp) != 1:
            raise SourceError(path, f"expected one .shp in the archive, found {len(shp)}")
        try:
            gdf = gpd.read_file(f"zip://{path.resolve()}!{shp[0]}")
        except Exception as err:  # pyogrio/GDAL errors: a damaged or truncated shapefile
            raise SourceError(path, f"the shapefile cannot be read: {err}") from None
        missing = [f for f in FIELDS if f not in gdf.columns]
        if missing:
            raise SourceError(path, f"missing attribute field(s) {', '.join(missing)}", column=missing[0])
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        rows_read = len(gdf)
        resolution = self._resolution(shp[0], rows_read)
        rejects = Rejects(self.id, path.name)
        attrs = pl.DataFrame({f: gdf[f].astype("string").tolist() for f in FIELDS},
                             schema=dict.fromkeys(FIELDS, pl.String))
        attrs = attrs.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))  # DBF record no.
        valid = set(ctx.countries.base["iso3"].to_list())
        iso, reasons, primary = [], [], []
        for rec in attrs.iter_rows(named=True):
            code, reason, is_primary = self._iso3(rec, valid)
            iso.append(code)
            reasons.append(reason)
            primary.append(is_primary)
        attrs = attrs.with_columns(pl.Series("iso3", iso, pl.String), pl.Series("__reason", reasons, pl.String),
                                   pl.Series("__primary", primary, pl.Boolean))
        bad = attrs.filter(pl.col("iso3").is_null())
        rejects.add_rows(bad.drop("iso3", "__primary"), pl.col("__reason"))
        good = attrs.filter(pl.col("iso3").is_not_null())
        geoms = gdf.geometry.to_numpy()
        invalid = [r for r in good["_row"].to_list() if geoms[r - 1] is None or geoms[r - 1].is_empty]
        if invalid:
            rejects.add_rows(good.filter(pl.col("_row").is_in(invalid)).drop("iso3", "__primary", "__reason"),
                             "empty geometry")
            good = good.filter(~pl.col("_row").is_in(invalid))
        out_iso, out_name, out_wkb = [], [], []
        merged = []
        ordered = good.sort("__primary", "_row", descending=[True, False])  # the ISO_A3 feature first
        for (code,), grp in ordered.group_by("iso3", maintain_order=True):
            parts = [geoms[r - 1] for r in grp["_row"].to_list()]
            geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
            if len(parts) > 1:
                merged.append(f"{code}: {', '.join(grp['NAME'].to_list())}")
            out_iso.append(code)
            out_name.append(grp["NAME"][0])
            out_wkb.append(shapely.to_wkb(geom))
        table = pl.DataFrame({"iso3": out_iso, "name": out_name, "geometry_wkb": out_wkb},
                             schema={"iso3": pl.String, "name": pl.String, "geometry_wkb": pl.Binary})
        table = table.with_columns(pl.lit(resolution).alias("resolution")).sort("iso3")
        note = f"{table.height} countries at {resolution}"
        if merged:
            note += "; features dissolved into one ISO3: " + "; ".join(merged)
        label = f"Natural Earth {version or '(version unknown)'} admin-0 {resolution}"
        return FileResult(path, label, rows_read, {"boundaries": table}, rejects.frame(), note=note)

    @staticmethod
    def _resolution(member: str, n_features: int) -> str:
        """Scale from the shapefile's own member name; by feature count if the archive was re-packed."""
        if match := _SCALE.search(member):
            return f"{match.group(1)}m"
        return "110m" if n_features < 200 else "50m" if n_features < 250 else "10m"

    @staticmethod
    def _iso3(rec: dict, valid: set[str]) -> tuple[str | None, str, bool]:
        """(iso3, reject reason, whether ISO_A3 itself carries the code)."""
        for field in ("ISO_A3", "ISO_A3_EH"):
            value = (rec[field] or "").strip().upper()
            if value in valid:
                return value, "", field == "ISO_A3"
        adm0 = (rec["ADM0_A3"] or "").strip().upper()
        if adm0 in ADM0_CODES:
            code, action, note = ADM0_CODES[adm0]
            return (code, "", False) if action == "map" else (None, note, False)
        if adm0 in valid:
            return adm0, "", False
        return None, (f"no ISO 3166-1 code: ISO_A3 '{rec['ISO_A3']}', ISO_A3_EH '{rec['ISO_A3_EH']}', "
                      f"ADM0_A3 '{rec['ADM0_A3']}' (add it to ADM0_CODES if it is a country)"), False

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One file per resolution: with two (e.g. an old and a new release) the newer version is kept."""
        by_res: dict[str, list[FileResult]] = {}
        for r in results:
            res = r.tables["boundaries"]["resolution"][0] if r.tables["boundaries"].height else ""
            by_res.setdefault(res, []).append(r)
        for res, group in by_res.items():
            if len(group) < 2:
                continue
            group.sort(key=lambda r: (_version_key(r.version), r.path.name), reverse=True)
            for older in group[1:]:
                older.rows_duplicate += older.loaded()
                older.tables["boundaries"] = older.tables["boundaries"].clear()
                older.note += f"; superseded by {group[0].path.name} ({group[0].version}) for {res}"
        return results


def _version_key(version: str) -> tuple[int, ...]:
    match = re.search(r"(\d+(?:\.\d+)*)", version)
    return tuple(int(x) for x in match.group(1).split(".")) if match else ()


SOURCE = NaturalEarth()
