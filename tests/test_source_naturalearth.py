"""Natural Earth admin-0: ISO_A3 → ISO_A3_EH → ADM0_A3 fallback, rejects, dissolve, WKB output."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import shapely

from etl.readers import sniff
from etl.sources.naturalearth import SOURCE

FIXTURE = "test_50m_admin_0_countries.zip"


def test_recognise(fixtures: Path):
    path = fixtures / "naturalearth" / FIXTURE
    assert SOURCE.recognise(path, sniff(path))
    rivers = fixtures / "naturalearth" / "rivers_not_admin0.zip"
    assert not SOURCE.recognise(rivers, sniff(rivers))
    xlsx = fixtures / "freedomhouse" / "FIW_sample.xlsx"
    assert not SOURCE.recognise(xlsx, sniff(xlsx))


def test_read(fixtures: Path, ctx):
    r = SOURCE.read_file(fixtures / "naturalearth" / FIXTURE, ctx)
    assert r.version == "Natural Earth 5.1.1 admin-0 50m"
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (6, 4, 2)
    b = r.tables["boundaries"]
    assert b["iso3"].to_list() == ["AUS", "FRA", "XKX"]  # ISO_A3_EH for France, ADM0_A3 KOS → XKX
    assert set(b["resolution"]) == {"50m"}
    assert b.schema["geometry_wkb"] == pl.Binary
    geoms = {row["iso3"]: shapely.from_wkb(row["geometry_wkb"]) for row in b.iter_rows(named=True)}
    assert geoms["FRA"].bounds == (0.0, 40.0, 5.0, 45.0)
    # Ashmore and Cartier (ISO_A3_EH AUS) dissolved into Australia, named after the ISO_A3 feature
    assert b.filter(pl.col("iso3") == "AUS")["name"].item() == "Australia"
    assert geoms["AUS"].area == 100.0 + 1.0
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert "N. Cyprus" in reasons[3] and "not merged into CYP" in reasons[3]
    assert "ADM0_A3 'ATL'" in reasons[6]


def test_newer_version_wins(fixtures: Path, ctx, tmp_path: Path):
    src = fixtures / "naturalearth" / FIXTURE
    old = tmp_path / "old_50m.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(old, "w") as zout:
        for item in zin.namelist():
            data = b"4.1.0\n" if item.endswith("VERSION.txt") else zin.read(item)
            zout.writestr(item, data)
    results = SOURCE.combine([SOURCE.read_file(old, ctx), SOURCE.read_file(src, ctx)], ctx)
    assert results[0].tables["boundaries"].height == 0 and results[0].rows_duplicate == 4
    assert results[1].tables["boundaries"].height == 3 and results[1].rows_duplicate == 0


def test_shared_naturalearth(shared_raw: Path, ctx):
    import geopandas as gpd

    folder = shared_raw / "naturalearth"
    counts = {}
    for res, n_features in (("110m", 177), ("50m", 242)):  # SOURCE.md feature counts
        path = folder / f"ne_{res}_admin_0_countries.zip"
        assert SOURCE.recognise(path, sniff(path))
        r = SOURCE.read_file(path, ctx)
        assert r.rows_read == n_features and r.version == f"Natural Earth 5.1.1 admin-0 {res}"
        b = r.tables["boundaries"]
        assert b["iso3"].is_unique().all() and set(b["resolution"]) == {res}
        assert {"FRA", "NOR", "XKX"} <= set(b["iso3"])
        raw = gpd.read_file(f"zip://{path}")
        fra = raw[raw["ISO_A3_EH"] == "FRA"].geometry.iloc[0]
        assert shapely.from_wkb(b.filter(pl.col("iso3") == "FRA")["geometry_wkb"].item()).equals(fra)
        rejected = {"CYN", "SOL"} | ({"KAS"} if res == "50m" else set())
        assert r.rows_rejected == len(rejected)
        counts[res] = b.height
    assert counts == {"110m": 175, "50m": 237}  # 50m: Indian Ocean Ter. and Ashmore dissolved into AUS
