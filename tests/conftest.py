"""Shared test fixtures: the country resolver, fixture paths, and the real datasets in ../shared when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = Path(os.environ.get("R2P_SHARED", ROOT.parent / "shared")).resolve()
SHARED_RAW = SHARED / "data" / "raw"


@pytest.fixture(scope="session")
def ctx():
    from etl.countries import Countries
    from etl.model import Context

    return Context(Countries())


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def shared_raw() -> Path:
    if not SHARED_RAW.is_dir():
        pytest.skip(f"real datasets not available: {SHARED_RAW} is absent (place ../shared beside the repo)")
    return SHARED_RAW


@pytest.fixture(scope="session")
def shared_warehouse(shared_raw, tmp_path_factory) -> Path:
    """One full warehouse built from ../shared/data/raw for the whole test session."""
    from etl.runner import update

    db = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    report = update(db=db, from_dir=shared_raw, quiet=True)
    assert db.exists(), report
    return db


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one SQL query on a warehouse file, read-only (tests check figures against the warehouse)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
