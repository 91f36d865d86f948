"""One update: find or fetch files, run each source, build and publish the warehouse, report.

A failing source never poisons the others: its error is reported with file/row/column, its previous rows are
kept (stale), everything else is refreshed, and the exit code says something went wrong.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from etl.countries import Countries
from etl.download import fetch, file_meta, mirrors_from_env
from etl.model import Context, FileResult, Source, SourceError
from etl.readers import check_not_html_or_empty, sniff
from etl.sources import all_sources
from etl.warehouse import (
    SourceRun,
    UpdateLocked,
    all_schemas,
    build_and_publish,
    check_keys,
    update_lock,
    validate_warehouse,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "data" / "warehouse.duckdb"
RAW_DIR = ROOT / "data" / "raw"
CURATED_DIR = ROOT / "data" / "curated"
SKIP_SUFFIXES = {".md", ".rda", ".rds", ".part", ".tmp", ".json.tmp"}
# folders several sources read from: a file there that nobody recognises belongs to no one source
SHARED_FOLDERS = {"curated", "reference"}
FAILING = ("failed", "shrunk")  # statuses that make the update exit 1 (the source's previous rows are kept)
SHRINK_MIN_ROWS = 5  # a drop of this many rows or fewer is never a shrink (a tiny source loses one bad row)


@dataclass
class UpdateReport:
    db: Path
    runs: list[SourceRun]
    unrecognised: list[Path] = field(default_factory=list)
    published: bool = False
    error: str = ""
    ignored: list[Path] = field(default_factory=list)  # on a source's documented ignore list
    previous_problem: str = ""  # the warehouse being replaced was damaged: rebuilt from scratch

    @property
    def exit_code(self) -> int:
        if not self.published:
            return 1
        if self.previous_problem and any(r.status == "not selected" for r in self.runs):
            return 1  # the damaged file held the unselected sources' rows: they could not be kept
        return 1 if any(r.status in FAILING for r in self.runs) else 0


def candidate_files(folders: list[Path]) -> list[Path]:
    """Every data file under the folders; a file found twice (same name and bytes, e.g. a cited table both in
    ../shared/data/curated and data/curated) is read once, from the first folder."""
    files: list[Path] = []
    seen: dict[tuple[str, int], list[Path]] = {}
    for folder in dict.fromkeys(f.resolve() for f in folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith(".") or path.suffix.lower() in SKIP_SUFFIXES:
                continue
            twins = seen.setdefault((path.name, path.stat().st_size), [])
            if any(_same_bytes(path, t) for t in twins):
                continue
            twins.append(path)
            files.append(path)
    return files


def _same_bytes(a: Path, b: Path) -> bool:
    return hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def data_folders(from_dir: Path, curated_dir: Path) -> list[Path]:
    """``--from DIR`` plus, when DIR is a ``raw/`` folder, its sibling ``curated/`` (the layout of ../shared/data:
    cited fact tables such as the Pillar I treaty tables live there and are read in place, not copied)."""
    sibling = [from_dir.parent / "curated"] if from_dir.name == "raw" else []
    return [from_dir, *sibling, curated_dir]


def owner_of(path: Path, sources: list[Source]) -> Source | None:
    """The source whose folder holds ``path`` (``ucdp-ged`` also owns ``ucdp-ged-extract``…), if any; the nearest
    folder decides (``ewp-sra/2019/`` is EWP's; a folder named like a dataset higher up the path does not)."""
    for part in reversed(path.parent.parts):
        for source in sources:
            if source.folder not in SHARED_FOLDERS and (part == source.folder or part.startswith(source.folder + "-")):
                return source
    return None


def assign_files(files: list[Path], sources: list[Source]) -> tuple[dict[str, list[Path]], list[Path]]:
    """Give each file to the first source that recognises its content."""
    assigned: dict[str, list[Path]] = {s.id: [] for s in sources}
    unrecognised = []
    for path in files:
        try:
            head = sniff(path)
        except OSError:
            unrecognised.append(path)
            continue
        for source in sources:
            try:
                claimed = source.recognise(path, head)
            except Exception:
                claimed = False
            if claimed:
                assigned[source.id].append(path)
                break
        else:
            unrecognised.append(path)
    # A source gets every unrecognised file of its own folder (unless its documented ignore list names it): reading
    # it then says what is wrong (a renamed column, a header moved down, junk above it, an HTML page, a truncated
    # download) and fails the source, instead of its rows silently vanishing. Files in a folder no source owns
    # (a dataset another module will read) stay "not recognised".
    rest = []
    for path in unrecognised:
        owner = owner_of(path, sources)
        if owner is not None and not ignored_by(owner, path):
            assigned[owner.id].append(path)
        else:
            rest.append(path)
    return assigned, rest


def ignored_by(source: Source, path: Path) -> bool:
    """On the source's documented ignore list, or an archive it downloads and extracts (its members are read)."""
    if any(dl.unzip and dl.name == path.name for dl in source.downloads):
        return True
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in source.ignore)


def previous_loaded(db: Path) -> dict[str, int]:
    """Rows each source has loaded in the warehouse about to be replaced (nothing if there is none)."""
    if not Path(db).exists() or validate_warehouse(db):
        return {}
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT source_id, sum(rows_loaded) FROM sources WHERE file_name IS NOT NULL "
                           "GROUP BY source_id").fetchall()
    finally:
        con.close()
    return {sid: int(n or 0) for sid, n in rows}


def shrink_guard(runs: list[SourceRun], db: Path, accept: set[str]) -> None:
    """A source whose loaded rows fall by more than its ``max_shrink`` against the warehouse being replaced keeps
    its previous rows (stale) and fails the update, unless the drop is accepted (``--accept-shrink SOURCE``) or is
    no more than ``SHRINK_MIN_ROWS`` rows:
    a file cut at a line boundary or a partial download must not replace a complete one on exit 0."""
    previous = previous_loaded(db)
    for run in runs:
        before = previous.get(run.source.id, 0)
        if not run.fresh or run.source.id in accept or before == 0:
            continue
        now = sum(r.loaded() for r in run.results)
        limit = run.source.max_shrink
        if now < before * (1 - limit) and before - now > SHRINK_MIN_ROWS:
            run.status = "shrunk"
            run.message = (f"loaded {now:,} rows, {1 - now / before:.0%} fewer than the {before:,} rows in the "
                           f"warehouse being replaced (limit {limit:.0%} for this source); if the drop is real, "
                           f"accept it with: python -m etl update --accept-shrink {run.source.id}")


def run_source(source: Source, files: list[Path], ctx: Context, progress: Progress | None) -> SourceRun:
    run = SourceRun(source, "ok")
    start = time.perf_counter()
    task = progress.add_task(source.id, total=max(len(files), 1)) if progress else None
    results: list[FileResult] = []
    try:
        if not files and getattr(source, "optional_input", False):
            run.message = "no file (optional: nothing to load)"  # e.g. no analyst evidence yet: not a failure
        elif not files:
            run.status, run.message = "no input", "no file of this dataset was found"
        for path in files:
            if progress is not None and task is not None:
                progress.update(task, description=f"{source.id}: {path.name}")
            if not (getattr(source, "optional_input", False) or getattr(source, "html_input", False)):
                check_not_html_or_empty(path)  # the two classic broken downloads, the same clear way for every source
            results.append(source.read_file(path, ctx))
            run.file_meta[path.name] = file_meta(path)
            if progress is not None and task is not None:
                progress.advance(task)
        if files:
            run.results = source.combine(results, ctx)
            for r in run.results:
                if r.loaded() < 0 or r.rows_read != r.loaded() + r.rows_rejected + r.rows_duplicate + r.rows_excluded:
                    raise SourceError(r.path, f"row accounting does not add up (read {r.rows_read}, loaded "
                                              f"{r.loaded()}, rejected {r.rows_rejected}, duplicate "
                                              f"{r.rows_duplicate}, excluded {r.rows_excluded})")
            if problem := check_keys(run, all_schemas([source])):
                raise SourceError(files[0], problem)
    except SourceError as err:
        run.status, run.message, run.results = "failed", str(err), []
    except Exception as err:
        run.status, run.message, run.results = "failed", f"internal error: {type(err).__name__}: {err}", []
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # a panic inside a native library (Polars' PanicException is not an Exception)
        run.status, run.results = "failed", []
        run.message = f"internal error in a library: {type(err).__name__}: {str(err).splitlines()[0][:200]}"
    if progress is not None and task is not None:
        progress.update(task, completed=max(len(files), 1), description=f"{source.id} [{run.status}]")
    run.seconds = time.perf_counter() - start
    return run


def update(
    db: Path = DEFAULT_DB,
    from_dir: Path | None = None,
    only: list[str] | None = None,
    *,
    quiet: bool = False,
    console: Console | None = None,
    raw_dir: Path = RAW_DIR,
    curated_dir: Path = CURATED_DIR,
    mirrors: dict[str, str] | None = None,
    accept_shrink: list[str] | None = None,
    lock_wait: float = 600.0,
) -> UpdateReport:
    """One whole update under the warehouse's lock (a second update of the same ``db`` waits up to ``lock_wait``
    seconds, then reports that another update is running)."""
    console = console or Console(stderr=True, quiet=quiet)
    sources = all_sources()
    known = {s.id for s in sources}
    for option, ids in (("--only", only), ("--accept-shrink", accept_shrink)):
        unknown = sorted(set(ids or ()) - known)
        if unknown:
            raise ValueError(f"{option}: unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    try:
        with update_lock(Path(db), lock_wait):
            return _update(Path(db), from_dir, only, sources, console, raw_dir, curated_dir, mirrors,
                           set(accept_shrink or ()), quiet)
    except UpdateLocked as err:
        report = UpdateReport(Path(db), [], error=str(err))
        console.print(f"[red bold]{err}[/red bold]")
        return report


def _update(db: Path, from_dir: Path | None, only: list[str] | None, sources: list[Source], console: Console,
            raw_dir: Path, curated_dir: Path, mirrors: dict[str, str] | None, accept: set[str],
            quiet: bool) -> UpdateReport:
    # sources bundled with the code (the UN Framework factors) are reference data: reloaded on every update
    selected = [s for s in sources if not only or s.id in only or getattr(s, "bundled", ())]
    ctx = Context(Countries())
    download_errors: dict[str, str] = {}
    api_skips: dict[str, str] = {}  # API sources without an account: one line, never a failure
    if from_dir is None:
        mirrors = {**mirrors_from_env(), **(mirrors or {})}
        for source in selected:
            try:  # an API source with the user's own account (ACLED, HDX HAPI) refreshes its raw copy first
                refresh = getattr(source, "refresh_from_api", None)
                if refresh and (skipped := refresh(raw_dir / source.folder, console)):
                        api_skips[source.id] = skipped
                        console.print(f"[yellow]{source.id}[/yellow]: {skipped}")
            except SourceError as err:
                download_errors[source.id] = str(err)
                console.print(f"[red]{source.id}[/red]: {err}")
            for dl in source.downloads:
                try:
                    fetch(dl, raw_dir / source.folder, mirrors=mirrors)
                except SourceError as err:
                    download_errors[source.id] = str(err)
                    console.print(f"[red]{source.id}[/red]: {err}")
        folders = [raw_dir, curated_dir]
    else:
        folders = data_folders(Path(from_dir), curated_dir)
    files = candidate_files(folders)
    if evidence_dir := os.environ.get("R2P_EVIDENCE"):  # an analysts' evidence folder replaces data/curated/evidence
        default = (Path(curated_dir) / "evidence").resolve()
        files = [p for p in files if default not in p.resolve().parents] + candidate_files([Path(evidence_dir)])
    files = list(dict.fromkeys([*files, *(p for s in sources for p in getattr(s, "bundled", ()))]))
    assigned, unrecognised = assign_files(files, sources)
    ignored = [p for p in unrecognised if (o := owner_of(p, sources)) is not None and ignored_by(o, p)]
    unrecognised = [p for p in unrecognised if p not in ignored]
    runs: list[SourceRun] = []
    with Progress(TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, disable=quiet) as progress:
        for source in sources:
            if source not in selected:
                runs.append(SourceRun(source, "not selected"))
                continue
            if source.id in download_errors:
                runs.append(SourceRun(source, "failed", message=download_errors[source.id]))
                continue
            runs.append(run_source(source, assigned[source.id], ctx, progress))
            if hasattr(source, "refresh_from_api") and runs[-1].status == "no input":  # needs the user's account
                runs[-1].status, runs[-1].message = "skipped", api_skips.get(source.id, source.skip_reason)
    report = UpdateReport(db, runs, unrecognised, ignored=ignored)
    if db.exists() and (damaged := validate_warehouse(db)):
        report.previous_problem = damaged
        console.print(f"[red]the warehouse being replaced is unusable, building a fresh one (a source not updated "
                      f"in this run cannot keep its previous rows): {damaged}[/red]")
    shrink_guard(runs, db, accept)
    try:
        build_and_publish(db, runs, ctx.countries)
        report.published = True
    except Exception as err:
        report.error = f"warehouse not published, previous file kept: {type(err).__name__}: {err}"
    print_summary(report, console)
    return report


def print_summary(report: UpdateReport, console: Console) -> None:
    table = Table(title=f"Update of {report.db}", show_lines=False)
    for col, just in (("source", "left"), ("version", "left"), ("files", "right"), ("read", "right"),
                      ("loaded", "right"), ("rejected", "right"), ("duplicates", "right"), ("excluded", "right"),
                      ("seconds", "right"), ("status", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for run in report.runs:
        if run.status == "not selected":
            continue
        res = run.results
        versions = sorted({r.version for r in res})
        style = {"ok": "green", "failed": "red", "shrunk": "red"}.get(run.status, "yellow")
        table.add_row(
            run.source.id, ", ".join(versions)[:40], str(len(res)), f"{sum(r.rows_read for r in res):,}",
            f"{sum(r.loaded() for r in res):,}", f"{sum(r.rows_rejected for r in res):,}",
            f"{sum(r.rows_duplicate for r in res):,}", f"{sum(r.rows_excluded for r in res):,}",
            f"{run.seconds:.2f}", f"[{style}]{run.status}[/{style}]",
        )
    console.print(table)
    for run in report.runs:
        if run.status in (*FAILING, "no input"):
            colour = "red" if run.status in FAILING else "yellow"
            console.print(f"[{colour}]{run.source.id} {run.status}:[/{colour}] {run.message}")
    if report.unrecognised:
        names = ", ".join(p.name for p in report.unrecognised[:12])
        more = f" (+{len(report.unrecognised) - 12} more)" if len(report.unrecognised) > 12 else ""
        console.print(f"[dim]not recognised as any dataset (ignored): {names}{more}[/dim]")
    if report.ignored:
        console.print(f"[dim]documented as not loaded: {', '.join(p.name for p in report.ignored)}[/dim]")
    if report.published:
        console.print(f"[bold]published[/bold] {report.db}")
    else:
        console.print(f"[red bold]{report.error}[/red bold]")
