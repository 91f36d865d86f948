"""``python -m etl digest``: an email-ready digest of what changed (and what alerted) since a date.

Reads the published warehouse read-only (``changes`` and ``alerts``, parameterised SQL) and writes Markdown or
HTML grouped by severity (high first), then country, each item with its sentence, period, old → new value,
direction, sources and links to the dashboard. A change is dated as on the /changes page: the source's date for
history rows (``as_of``), the update's day otherwise; an alert by the start of its period.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

import duckdb

SEVERITIES = ("high", "medium", "low", "info")  # most severe first
REGIONS = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe", "009": "Oceania"}
FORMATS = ("md", "html")
DEFAULT_BASE_URL = "http://127.0.0.1:8050"
ARROWS = {"worse": "▲ worse", "better": "▼ better", "neutral": "● no direction"}
KIND_LABELS = {"new_figure": "New figure", "revised_figure": "Revised figure", "risk_level": "Risk level",
               "factor_status": "Risk-factor status", "ewp_rank": "EWP rank", "source_added": "Source added",
               "source_updated": "Source updated", "source_failed": "Source failed", "source_stale": "Source stale"}
DATED = "coalesce(CASE WHEN ch.basis = 'history' THEN ch.as_of END, CAST(ch.detected_at AS DATE))"
NO_COUNTRY = "Sources and data (no single country)"


class DigestError(ValueError):
    """A bad parameter; the message names it (the command prints it and exits 2)."""


@dataclass(frozen=True)
class Request:
    since: date
    db: Path
    region: str | None = None
    iso3: tuple[str, ...] = ()
    fmt: str = "md"
    base_url: str = DEFAULT_BASE_URL


@dataclass
class Item:
    """One line of the digest: a change or an alert, already in words."""

    kind: str  # a change kind, or 'alert'
    item_id: str
    severity: str
    iso3: str | None
    country: str | None
    text: str
    period: str | None
    old: str | None
    new: str | None
    direction: str | None
    sources: str
    versions: str
    dated: date | None
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


@dataclass
class Digest:
    request: Request
    items: list[Item]
    last_update: datetime | None

    def count(self, severity: str | None = None, alerts: bool = False) -> int:
        return sum(1 for i in self.items if (i.kind == "alert") == alerts
                   and (severity is None or i.severity == severity))


# ------------------------------------------------------------------------------------------------ parameters


def parse_since(text: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise DigestError(f"--since '{str(text)[:40]}' is not a date (YYYY-MM-DD)") from None


def parse_region(text: str) -> str:
    value = str(text).strip()
    names = {n.lower(): n for n in REGIONS.values()}
    if value in REGIONS:
        return REGIONS[value]
    if value.lower() in names:
        return names[value.lower()]
    raise DigestError(f"--region '{value[:40]}' is not an M49 region (code or name: "
                      + ", ".join(f"{c} {n}" for c, n in REGIONS.items()) + ")")


def parse_iso3(codes: list[str] | None) -> tuple[str, ...]:
    out = []
    for code in codes or []:
        for part in str(code).split(","):
            part = part.strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", part):
                raise DigestError(f"--iso3 '{part[:40]}' is not an ISO3 code (three letters, e.g. SDN)")
            out.append(part)
    return tuple(dict.fromkeys(out))


def parse_format(text: str) -> str:
    value = str(text).strip().lower()
    if value not in FORMATS:
        raise DigestError(f"--format '{str(text)[:40]}' is not one of: {', '.join(FORMATS)}")
    return value


def parse_base_url(text: str) -> str:
    value = str(text).strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#<>\"']+(/[^\s?#<>\"']*)?", value):
        raise DigestError(f"--base-url '{str(text)[:60]}' is not an http(s) URL (e.g. {DEFAULT_BASE_URL})")
    return value


def request(since: str, db: Path, region: str | None = None, iso3: list[str] | None = None, fmt: str = "md",
            base_url: str = DEFAULT_BASE_URL) -> Request:
    """Check every parameter (DigestError names the first bad one)."""
    return Request(since=parse_since(since), db=Path(db), region=parse_region(region) if region else None,
                   iso3=parse_iso3(iso3), fmt=parse_format(fmt), base_url=parse_base_url(base_url))


# ------------------------------------------------------------------------------------------------ reading


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.is_file():
        raise DigestError(f"--db {db}: no such warehouse file (build one with: python -m etl update)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except Exception as err:  # a foreign, damaged or locked file
        raise DigestError(f"--db {db}: DuckDB cannot open it ({str(err).splitlines()[0][:120]})") from None
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in ("changes", "alerts", "countries") if t not in have]
    if missing:
        con.close()
        raise DigestError(f"--db {db}: no {', '.join(missing)} table (run python -m etl update once more)")
    return con


def _filters(r: Request, alias: str) -> tuple[str, list]:
    clauses, params = [], []
    if r.region:
        clauses.append("c.m49_region = ?")
        params.append(r.region)
    if r.iso3:
        clauses.append(f"{alias}.iso3 IN (SELECT unnest(?))")
        params.append(list(r.iso3))
    return "".join(f" AND {c}" for c in clauses), params


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def load(r: Request) -> Digest:
    """The changes and alerts of the request, read-only."""
    con = _connect(r.db)
    try:
        unknown = [c for c in r.iso3 if not con.execute("SELECT 1 FROM countries WHERE iso3 = ?", [c]).fetchone()]
        if unknown:
            raise DigestError(f"--iso3 '{unknown[0]}' is not a country in the warehouse")
        where, params = _filters(r, "ch")
        changes = _query(con, f"""
            SELECT ch.*, {DATED} AS dated, c.name AS country FROM changes ch LEFT JOIN countries c USING (iso3)
            WHERE {DATED} >= ?{where} ORDER BY dated DESC, ch.subject, ch.change_id""", [r.since, *params])
        where, params = _filters(r, "a")
        alerts = _query(con, f"""
            SELECT a.*, c.name AS country FROM alerts a LEFT JOIN countries c USING (iso3)
            WHERE a.period_start >= ?{where} ORDER BY a.period_start DESC, a.rule_id, a.alert_id""",
                        [r.since, *params])
        last = con.execute("SELECT max(detected_at) FROM changes").fetchone()[0]
    finally:
        con.close()
    items = [alert_item(a, r) for a in alerts] + [change_item(c, r) for c in changes]
    return Digest(request=r, items=items, last_update=last)


# ------------------------------------------------------------------------------------------------ items


def changes_url(r: Request, **extra: str | None) -> str:
    """The /changes page with the digest's filters (plus ``extra``), lists joined by commas like the page does."""
    pairs = [("since", r.since.isoformat()), ("region", r.region), *extra.items()]
    if r.iso3 and "iso3" not in extra:
        pairs.append(("iso3", ",".join(r.iso3)))
    return f"{r.base_url}/changes?" + urlencode([(k, v) for k, v in pairs if v], safe=",")


def _links(r: Request, iso3: str | None, source: str | None, kind: str | None) -> list[tuple[str, str]]:
    links = []
    if iso3:
        links.append(("country page", f"{r.base_url}/country/{iso3}"))
    links.append(("on /changes", changes_url(r, iso3=iso3, kind=kind)))
    if source:
        links.append(("source", f"{r.base_url}/sources#src-{source.split(',')[0].strip()}"))
    return links


def change_item(row: dict, r: Request) -> Item:
    who = f"{row['country'] or row['iso3']}: " if row["iso3"] else ""
    label = row["subject_label"] or row["subject"] or ""
    period = f" ({row['period']})" if row["period"] else ""
    move = f"{row['old_label'] or '—'} → {row['new_label'] or '—'}"
    text = (f"{KIND_LABELS.get(row['kind'], row['kind'])} — {who}{label}{period} {move}, "
            f"{ARROWS.get(row['direction'], row['direction'] or 'no direction')}.")
    if row["detail"]:
        text += f" {row['detail'][:1].upper()}{row['detail'][1:]}."
    return Item(kind=row["kind"], item_id=row["change_id"], severity=row["severity"] or "info", iso3=row["iso3"],
                country=row["country"], text=text, period=row["period"], old=row["old_label"], new=row["new_label"],
                direction=row["direction"], sources=row["source_ids"] or "", versions=row["source_versions"] or "",
                dated=row["dated"], links=_links(r, row["iso3"], row["source_ids"], row["kind"]))


def _num(v: float | None) -> str | None:
    if v is None:
        return None
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"


def alert_item(row: dict, r: Request) -> Item:
    old, new = _num(row["baseline"]), _num(row["value"])
    text = f"Alert ({row['rule_id']}): {row['sentence']}"
    if row.get("method_url"):
        text += f" Method: {row['method_url']}."
    return Item(kind="alert", item_id=row["alert_id"], severity=row["severity"] or "info", iso3=row["iso3"],
                country=row["country"], text=text, period=row["period"], old=old, new=new, direction="worse",
                sources=row["source_ids"] or "", versions=row["source_versions"] or "", dated=row["period_start"],
                links=_links(r, row["iso3"], row["source_ids"], None))


def grouped(d: Digest) -> list[tuple[str, list[tuple[str | None, str, list[Item]]]]]:
    """[(severity, [(iso3, heading, items)])]: high first; countries by name, then items not about one country;
    within a country alerts first, then changes newest first."""
    out = []
    order = {s: i for i, s in enumerate(SEVERITIES)}
    for sev in sorted({i.severity for i in d.items}, key=lambda s: (order.get(s, len(order)), s)):
        by_country: dict[str | None, list[Item]] = {}
        for item in d.items:
            if item.severity == sev:
                by_country.setdefault(item.iso3, []).append(item)
        groups = []
        for iso3, items in sorted(by_country.items(), key=lambda kv: (kv[0] is None, _name(kv[1]), kv[0] or "")):
            heading = f"{_name(items)} ({iso3})" if iso3 else NO_COUNTRY
            groups.append((iso3, heading, items))
        out.append((sev, groups))
    return out


def _name(items: list[Item]) -> str:
    return items[0].country or items[0].iso3 or ""


def filters_text(r: Request) -> str:
    """' in Africa for SDN, TCD' — the region and country filters in words ('' when none)."""
    parts = ([f" in {r.region}"] if r.region else []) + ([" for " + ", ".join(r.iso3)] if r.iso3 else [])
    return "".join(parts)


def scope(d: Digest) -> str:
    return f"since {d.request.since.isoformat()}{filters_text(d.request)}"


def last_update_text(d: Digest) -> str:
    return d.last_update.strftime("%Y-%m-%d %H:%M UTC") if d.last_update else "never"


# ------------------------------------------------------------------------------------------------ rendering

MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>])")
SEVERITY_TITLES = {"high": "High severity", "medium": "Medium severity", "low": "Low severity",
                   "info": "For information"}


def md(text: object) -> str:
    """Markdown-safe text: one line, table and link characters escaped."""
    return MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _facts(item: Item) -> list[str]:
    facts = []
    if item.period:
        facts.append(f"period {item.period}")
    if item.kind == "alert" and (item.old is not None or item.new is not None):
        facts.append(f"value {item.new or '—'} against baseline {item.old or '—'}")
    if item.direction:
        facts.append(f"direction {item.direction}")
    facts.append(f"source {item.sources or 'not given'} ({item.versions or 'version not given'})")
    return facts


def render_markdown(d: Digest) -> str:
    r = d.request
    lines = [f"# What changed {md(scope(d))}", "",
             f"R2P atrocity-risk dashboard. Warehouse last updated {last_update_text(d)}.", ""]
    if not d.items:
        tail = " " + md(filters_text(r)) if r.region or r.iso3 else ""
        lines += [f"No changes since {r.since.isoformat()}{tail}. "
                  f"The last update was {last_update_text(d)}.", "", f"[Open /changes]({md_url(changes_url(r))})", ""]
        return "\n".join(lines)
    lines += ["| severity | changes | alerts |", "| --- | ---: | ---: |"]
    lines += [f"| {s} | {d.count(s):,} | {d.count(s, alerts=True):,} |" for s, _ in grouped(d)]
    lines += ["", f"{d.count():,} changes and {d.count(alerts=True):,} alerts. "
              f"[All of them on /changes]({md_url(changes_url(r))})", ""]
    for sev, groups in grouped(d):
        lines += [f"## {SEVERITY_TITLES.get(sev, md(sev))}", ""]
        for iso3, heading, items in groups:
            title = f"[{md(heading)}]({md_url(f'{r.base_url}/country/{iso3}')})" if iso3 else md(heading)
            lines += [f"### {title}", ""]
            for item in items:
                links = " · ".join(f"[{md(label)}]({md_url(url)})" for label, url in item.links)
                lines.append(f"- {md(item.text)} ({md('; '.join(_facts(item)))}) {links}")
            lines.append("")
    return "\n".join(lines)


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _a(label: str, url: str) -> str:
    return f'<a href="{_h(url)}">{_h(label)}</a>'


def render_html(d: Digest) -> str:
    r = d.request
    title = f"What changed {scope(d)}"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{_h(title)}</title></head>",
           '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#111;max-width:60em">',
           f"<h1>{_h(title)}</h1>",
           f"<p>R2P atrocity-risk dashboard. Warehouse last updated {_h(last_update_text(d))}.</p>"]
    if not d.items:
        out.append(f'<p class="empty">No changes since {_h(r.since.isoformat())}{_h(filters_text(r))}.'
                   f" The last update was {_h(last_update_text(d))}. {_a('Open /changes', changes_url(r))}</p>")
        return "\n".join([*out, "</body></html>", ""])
    out.append('<table style="border-collapse:collapse"><tr><th scope="col">severity</th><th scope="col">changes'
               '</th><th scope="col">alerts</th></tr>')
    out += [f"<tr><td>{_h(s)}</td><td>{d.count(s):,}</td><td>{d.count(s, alerts=True):,}</td></tr>"
            for s, _ in grouped(d)]
    out.append(f"</table><p>{d.count():,} changes and {d.count(alerts=True):,} alerts. "
               f"{_a('All of them on /changes', changes_url(r))}</p>")
    for sev, groups in grouped(d):
        out.append(f'<section data-severity="{_h(sev)}"><h2>{_h(SEVERITY_TITLES.get(sev, sev))}</h2>')
        for iso3, heading, items in groups:
            out.append(f"<h3>{_a(heading, f'{r.base_url}/country/{iso3}') if iso3 else _h(heading)}</h3><ul>")
            for item in items:
                cls = "alert" if item.kind == "alert" else "change"
                links = " · ".join(_a(label, url) for label, url in item.links)
                out.append(f'<li class="{cls}" data-id="{_h(item.item_id)}">{_h(item.text)} '
                           f'<small>({_h("; ".join(_facts(item)))}) {links}</small></li>')
            out.append("</ul>")
        out.append("</section>")
    return "\n".join([*out, "</body></html>", ""])


def render(d: Digest) -> str:
    return render_html(d) if d.request.fmt == "html" else render_markdown(d)


# ------------------------------------------------------------------------------------------------ command


def write(d: Digest, output: Path | None) -> None:
    text = render(d)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)


def run(since: str, db: Path, region: str | None, iso3: list[str] | None, fmt: str, base_url: str,
        output: Path | None) -> int:
    """The command: 0 when written, 2 (one line on stderr naming the parameter) on bad input."""
    try:
        r = request(since, db, region, iso3, fmt, base_url)
        d = load(r)
        write(d, output)
    except DigestError as err:
        print(f"digest: {err}", file=sys.stderr)
        return 2
    except duckdb.Error as err:  # a damaged warehouse: say so in one line
        print(f"digest: --db {db}: cannot read it ({str(err).splitlines()[0][:160]})", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"digest: --output {output}: cannot write ({err.strerror or err})", file=sys.stderr)
        return 2
    return 0
