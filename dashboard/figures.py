"""Pure figure builders: a frame in, a plotly Figure out, all in one visual template.

No database access and no Dash here, so the same functions serve the pages and server-side exports (PNG/SVG via
kaleido). Every figure carries a title, a subtitle, a source line and a date (the template), uses colour-blind-safe
palettes (viridis sequential, Okabe-Ito categorical) and receives numpy arrays, never Python lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboard import fast_paths

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Okabe & Ito (2008) colour-blind-safe categorical palette
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
# non-state (orange) and one-sided (reddish purple) stay apart under red-green colour blindness; map markers also
# differ in shape
VIOLENCE_COLOURS = {"state-based": "#0072B2", "non-state": "#E69F00", "one-sided": "#CC79A7"}
VIOLENCE_SYMBOLS = {"state-based": "circle", "non-state": "diamond", "one-sided": "square"}
# the one risk-level palette (page badge, maps, PDF, PPTX); RISK_TEXT on each colour is >= 4.5:1 (WCAG AA)
RISK_COLOURS = {"Current Crisis": "#D55E00", "Imminent Risk": "#E69F00", "Serious Concern": "#56B4E9"}
RISK_TEXT = "#000000"
SEQUENTIAL = "Viridis"
UN_DISCLAIMER = ("The boundaries and names shown and the designations used on this map do not imply official "
                 "endorsement or acceptance by the United Nations.")
TOPOJSON_CONFIG = {"topojsonURL": "/assets/topojson/", "displaylogo": False, "responsive": True}
GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


TEMPLATE = {"layout": {"font": {"family": FONT, "size": 12, "color": "#222"}, "paper_bgcolor": "white",
                       "plot_bgcolor": "white", "colorway": list(OKABE_ITO), "hoverlabel": {"font": {"family": FONT}}}}


def apply_template(fig: dict | go.Figure, title: str, subtitle: str = "", source: str = "", date: str = "",
                   height: int | None = None, foot_width: int = 150) -> go.Figure:
    """The one visual template: title + subtitle on top, 'Source: … · Data: …' line at the bottom.

    Builders assemble plain dicts (plotly's validation costs ~10 ms per update) and wrap them once, unvalidated.
    """
    d = fig if isinstance(fig, dict) else fig.to_plotly_json()
    layout = d.setdefault("layout", {})
    foot = " · ".join(p for p in (f"Source: {source}" if source else "", f"Data: {date}" if date else "") if p)
    foot_lines = _wrap(foot, foot_width)  # characters a line: narrower charts pass fewer
    bottom = (110 if layout.get("legend", {}).get("y", 1) < 0 else 70) + 12 * foot_lines.count("<br>")
    layout.update(
        template=TEMPLATE,
        title={"text": title, "subtitle": {"text": subtitle}, "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        margin={"l": 60, "r": 20, "t": 70, "b": bottom, **layout.get("margin", {})},
        meta={**layout.get("meta", {}), "source": source, "date": date},
    )
    if foot:
        # pinned to the figure's bottom edge: paper y=0 is the plot's bottom, the margin below it is known in px
        layout.setdefault("annotations", []).append(
            {"text": foot_lines, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
             "yanchor": "bottom", "yshift": -layout["margin"]["b"] + 2, "showarrow": False, "align": "left",
             "font": {"size": 10, "color": "#555"}})
    if height:
        layout["height"] = height
    return go.Figure(d, _validate=False)


def _wrap(text: str, width: int) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "<br>".join(lines)


def empty_figure(title: str, message: str) -> go.Figure:
    d = {"data": [], "layout": {
        "annotations": [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False,
                         "font": {"size": 14}}],
        "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
    return apply_template(d, title, height=260)


def _geo(**kw: object) -> dict:
    geo = {"fitbounds": False, "showframe": False, "showcoastlines": False, "showcountries": True,
           "countrycolor": "#999", "showland": True, "landcolor": "#eeeeee", "projection": {"type": "natural earth"},
           "resolution": 110, "lataxis": {"range": [-58, 85]}}
    geo.update(kw)
    return geo


def fmt(value: float | None, unit: str = "") -> str:
    """Human number: thousands separators, at most 3 significant decimals for small values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.3g}"
    return f"{text} {unit}".strip() if unit and unit not in ("count", "people", "deaths", "persons") else text


def is_log_scale(values: np.ndarray) -> bool:
    """Counts spanning orders of magnitude (deaths, refugees) are coloured on log10(1 + value)."""
    return bool(values.size and np.nanmin(values) >= 0 and np.nanmax(values) > 1000)


def choropleth(df: pl.DataFrame, title: str, subtitle: str, source: str, date: str, unit: str,
               higher_is_worse: bool = True) -> go.Figure:
    """World map of one indicator; ``df`` has iso3, name, value. Skewed counts are coloured on a log scale."""
    traces = []
    if df.height:
        values = df["value"].cast(pl.Float64).to_numpy()
        log = is_log_scale(values)
        z = np.log10(values + 1) if log else values
        colorbar: dict = {"title": {"text": unit or ""}, "thickness": 12, "len": 0.7}
        if log:
            ticks = np.arange(0, math.ceil(float(np.nanmax(z))) + 1)
            colorbar.update(tickvals=ticks.tolist(), ticktext=[fmt(10.0 ** t - (1 if t == 0 else 0)) for t in ticks])
        traces.append({
            "type": "choropleth", "locations": df["iso3"].to_list(), "z": z, "locationmode": "ISO-3",
            "text": df["name"].to_list(), "customdata": values,
            "hovertemplate": "<b>%{text}</b><br>%{customdata:,.4~g} " + (unit or "") + "<extra></extra>",
            "colorscale": SEQUENTIAL, "reversescale": not higher_is_worse,
            "marker": {"line": {"color": "#666", "width": 0.4}}, "colorbar": colorbar,
            **({"zmin": 0} if log else {}),
        })
    d = {"data": traces, "layout": {"geo": _geo()}}
    return apply_template(d, title, subtitle, source, date, height=480)


def categorical_choropleth(df: pl.DataFrame, column: str, colours: dict[str, str], detail: pl.Expr, hover: str,
                           title: str, subtitle: str, source: str, date: str) -> go.Figure:
    """World map with one discrete colour per category of ``column`` (a legend entry each); ``detail`` fills
    ``%{customdata}`` in ``hover`` ("{category}" is replaced by the category)."""
    traces = []
    for category, colour in colours.items():
        sub = df.filter(pl.col(column) == category) if df.height else df
        if sub.height == 0:
            continue
        traces.append({
            "type": "choropleth", "locations": sub["iso3"].to_list(), "z": np.ones(sub.height, dtype="int8"),
            "locationmode": "ISO-3", "name": category, "text": sub["name"].to_list(),
            "customdata": sub.select(detail.alias("d"))["d"].to_list(),
            "hovertemplate": "<b>%{text}</b><br>" + hover.replace("{category}", category) + "<extra></extra>",
            "colorscale": [[0, colour], [1, colour]], "showscale": False, "showlegend": True,
            "marker": {"line": {"color": "#666", "width": 0.4}},
        })
    legend = {"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0.5, "xanchor": "center"}
    d = {"data": traces, "layout": {"geo": _geo(), "legend": legend}}
    return apply_template(d, title, subtitle, source, date, height=480)


def risk_choropleth(df: pl.DataFrame, title: str, subtitle: str, source: str, date: str) -> go.Figure:
    """World map of R2P Monitor risk levels, one discrete Okabe-Ito colour per level; ``df`` has iso3, name,
    risk_level, as_of."""
    return categorical_choropleth(df, "risk_level", RISK_COLOURS, pl.col("as_of").cast(pl.String),
                                  "{category} (as of %{customdata})", title, subtitle, source, date)


def time_series(df: pl.DataFrame, title: str, subtitle: str, source: str, date: str, unit: str = "",
                colours: dict[str, str] | None = None, yrange: Sequence[float] | None = None,
                mode: str = "lines+markers", fit_to_value: bool = False, recent_years: int | None = None,
                visible: int | None = None) -> go.Figure:
    """Lines per ``series`` over ``year``; optional ``low``/``high`` columns are drawn as a shaded range.

    ``fit_to_value``: the y axis fits the best estimates (an old high-estimate spike does not flatten the rest);
    ``recent_years``: the x axis opens on the last N years; ``visible``: only the first N series are drawn at first
    (the others one legend click away). A "Full range" button shows everything.
    """
    if df.height == 0:
        return empty_figure(title, "No values in the warehouse for this selection.")
    traces: list[dict] = []
    # each column converted to numpy once, then picked per series by row numbers (dashboard/fast_paths.py: ~3 ms
    # less per country page than a partition and sort per series); series keep their first-appearance order
    band = "low" in df.columns and "high" in df.columns
    whole = _series_columns(df, band)
    in_order = df["year"].null_count() == 0
    for i, (name, rows) in enumerate(fast_paths.row_numbers(df, "series").items()):
        cols = {k: v[rows] for k, v in whole.items()}
        if not (in_order and (len(rows) < 2 or bool((np.diff(cols["year"]) > 0).all()))):
            cols = _series_columns(df[rows].sort("year"), band)  # years not strictly increasing: sorted
        colour = (colours or {}).get(name, OKABE_ITO[i % len(OKABE_ITO)])
        if band and cols["has_low"].any():
            keep = cols["keep"]
            years = cols["year"][keep]
            traces.append({"type": "scatter", "x": years, "y": cols["high"][keep],
                           "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
                           "legendgroup": name})
            traces.append({"type": "scatter", "x": years, "y": cols["low"][keep],
                           "mode": "lines", "line": {"width": 0}, "fill": "tonexty", "fillcolor": _alpha(colour, 0.2),
                           "name": f"{name} (low–high)", "hoverinfo": "skip", "showlegend": False,
                           "legendgroup": name})
        traces.append({"type": "scatter", "x": cols["year"], "y": cols["value"],
                       "mode": mode, "name": name, "legendgroup": name, "line": {"color": colour, "width": 2},
                       "marker": {"size": 5},
                       **({"visible": "legendonly"} if visible is not None and i >= visible else {}),
                       "hovertemplate": f"{name}<br>%{{x}}: %{{y:,.4~g}} {unit}<extra></extra>"})
    layout = {
        "xaxis": {"showgrid": False, "tickformat": "d", "linecolor": "#999", "zeroline": False},
        "yaxis": {"title": {"text": unit}, "gridcolor": "#e5e5e5", "zeroline": False, "rangemode": "tozero",
                  **({"range": list(yrange)} if yrange else {})},
        "legend": {"orientation": "h", "y": -0.14, "yanchor": "top", "x": 0, "xanchor": "left"},
        "hovermode": "x unified",
    }
    _default_view(layout, df, yrange, fit_to_value, recent_years)
    height = 400 if "updatemenus" in layout else 350  # the view buttons take a row above the plot
    return apply_template({"data": traces, "layout": layout}, title, subtitle, source, date, height=height)


def _default_view(layout: dict, df: pl.DataFrame, yrange: Sequence[float] | None, fit_to_value: bool,
                  recent_years: int | None) -> None:
    """Open on a readable window (recent years; y fitted to the best estimates) with a 'Full range' button."""
    view: dict[str, Any] = {}
    years = df["year"].drop_nulls()
    if recent_years and years.len() and int(years.max()) - int(years.min()) >= recent_years:
        view["xaxis.range"] = [int(years.max()) - recent_years + 0.5, int(years.max()) + 0.5]
    if fit_to_value and not yrange:
        values = df["value"].drop_nulls().cast(pl.Float64)
        top = float(values.max()) if values.len() else 0.0
        if "high" in df.columns and (df["high"].drop_nulls().cast(pl.Float64).max() or 0) > top * 1.3 > 0:
            view["yaxis.range"] = [0, top * 1.15]
    if not view:
        return
    layout["xaxis"].update({"range": view["xaxis.range"]} if "xaxis.range" in view else {})
    layout["yaxis"].update({"range": view["yaxis.range"]} if "yaxis.range" in view else {})
    full = {"xaxis.autorange": True, "yaxis.autorange": not yrange}
    # under the subtitle, above the plot (left): never over the title, the subtitle or the data at any width
    layout["margin"] = {"t": 122}
    layout["updatemenus"] = [{"type": "buttons", "direction": "left", "showactive": True, "x": 0, "xanchor": "left",
                              "y": 1.01, "yanchor": "bottom", "pad": {"r": 0, "t": 0}, "font": {"size": 11},
                              "buttons": [{"label": "Default view", "method": "relayout", "args": [view]},
                                          {"label": "Full range", "method": "relayout", "args": [full]}]}]


def _series_columns(df: pl.DataFrame, band: bool) -> dict[str, np.ndarray]:
    """A time series' columns as numpy arrays: year, value (Float64, null → NaN) and, for a band, low and high
    (Float64), has_low (low not null) and keep (low and high not null)."""
    out = {"year": df["year"].to_numpy(), "value": df["value"].cast(pl.Float64).to_numpy()}
    if band:  # validity in Python (``is_not_null`` is a Polars collect)
        low_ok, high_ok = (np.array([v is not None for v in df[c].to_list()], dtype=bool) for c in ("low", "high"))
        out.update(low=df["low"].cast(pl.Float64).to_numpy(), high=df["high"].cast(pl.Float64).to_numpy(),
                   has_low=low_ok, keep=low_ok & high_ok)
    return out


def year_table(long: pl.DataFrame) -> pl.DataFrame:
    """A chart's table from its year, value, series rows: one row per year (newest first), one column per series
    (in order of appearance), first value per cell.

    Same frame as ``long.pivot(on="series", index="year", values="value", aggregate_function="first")
    .sort("year", descending=True)``, built in Python: a pivot costs ~1 ms and a country page has six. Years and series
    labels are never null here (warehouse key; catalog labels).
    """
    years, series, values = long["year"].to_list(), long["series"].to_list(), long["value"].to_list()
    cells: dict[Any, dict[str, Any]] = {}
    for y, s, v in zip(years, series, values, strict=True):
        cells.setdefault(y, {}).setdefault(s, v)
    rows = sorted(cells, reverse=True)
    schema = long.schema  # built anew on every access
    columns = {"year": pl.Series("year", rows, dtype=schema["year"])}
    for s in dict.fromkeys(series):
        columns[s] = pl.Series(s, [cells[y].get(s) for y in rows], dtype=schema["value"])
    return pl.DataFrame(list(columns.values()))


def by_value(df: pl.DataFrame, column: str) -> dict[Any, pl.DataFrame]:
    """The frame split by the values of ``column`` (first-appearance order), keyed by the value."""
    return {key[0]: part for key, part in df.partition_by(column, as_dict=True, maintain_order=True).items()}


def _alpha(hex_colour: str, a: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{a})"


def event_map(df: pl.DataFrame, aggregated: bool, title: str, subtitle: str, source: str, date: str,
              bbox: tuple[float, float, float, float] | None = None) -> go.Figure:
    """GED events as points coloured by violence type (or 0.5° grid cells sized by deaths when aggregated).

    Arrays are float32 so a 20k-point map stays well under 1 MB; per-event labels only for small selections.
    """
    traces = []
    with_labels = not aggregated and df.height <= 3000 and "label" in df.columns
    # each column converted once and masked per violence type: the same arrays as filtering the frame per type
    types = df["violence_type"] if df.height else None  # compared in Polars: a string column to numpy is ~0.1 ms
    cols = {c: df[c].cast(pl.Float32).to_numpy() for c in ("deaths", "latitude", "longitude")} if df.height else {}
    events = df["events"].cast(pl.Float32).to_numpy() if aggregated and df.height else None
    labels = df["label"].to_list() if with_labels and df.height else []
    for vt, colour in VIOLENCE_COLOURS.items():
        rows = np.flatnonzero((types == vt).to_numpy()) if types is not None else []  # a null type matches none
        if len(rows) == 0:
            continue
        deaths = cols["deaths"][rows]
        size = (np.clip(3 + 2.5 * np.sqrt(deaths), 3, 30) if aggregated
                else np.clip(3 + np.sqrt(deaths), 3, 18)).astype("float32")
        trace = {"type": "scattergeo", "lat": cols["latitude"][rows],
                 "lon": cols["longitude"][rows], "mode": "markers", "name": vt,
                 "marker": {"size": size, "color": colour, "opacity": 0.7, "symbol": VIOLENCE_SYMBOLS[vt],
                            "line": {"width": 0.3, "color": "#333"}}}
        if aggregated:
            trace["customdata"] = np.column_stack([deaths, events[rows]])
            trace["hovertemplate"] = (f"<b>{vt}</b><br>%{{customdata[1]:,}} events, %{{customdata[0]:,}} deaths "
                                      "(0.5° cell)<extra></extra>")
        else:
            trace["customdata"] = deaths
            if with_labels:
                trace["text"] = [labels[i] for i in rows]
                trace["hovertemplate"] = f"<b>{vt}</b><br>%{{text}}<br>%{{customdata:,}} deaths (best)<extra></extra>"
            else:
                trace["hovertemplate"] = f"<b>{vt}</b><br>%{{customdata:,}} deaths (best)<extra></extra>"
        traces.append(trace)
    geo = {"showframe": False, "showcoastlines": True, "coastlinecolor": "#999", "showcountries": True,
           "countrycolor": "#888", "showland": True, "landcolor": "#f2f2f2", "resolution": 110,
           "projection": {"type": "mercator"}, "fitbounds": False}
    layout: dict[str, Any] = {"geo": geo, "legend": {"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0.5,
                                                     "xanchor": "center"}}
    if bbox:
        geo["lonaxis"], geo["lataxis"] = _wide_window(bbox)
        layout["meta"] = {"window": _padded(bbox)}  # assets/phone-charts.js fits it to a phone's taller plot
    return apply_template({"data": traces, "layout": layout}, title, subtitle, source, date, height=560)


MAP_ASPECT = 3.0  # width / height of the event map's plot area on a desktop page


def _padded(bbox: tuple[float, float, float, float]) -> list[float]:
    """The events' box with a margin: [lon0, lat0, lon1, lat1]."""
    lon0, lat0, lon1, lat1 = bbox
    pad_x, pad_y = max(1.0, (lon1 - lon0) * 0.08), max(1.0, (lat1 - lat0) * 0.08)
    return [lon0 - pad_x, max(-80.0, lat0 - pad_y), lon1 + pad_x, min(80.0, lat1 + pad_y)]


def _wide_window(bbox: tuple[float, float, float, float]) -> tuple[dict, dict]:
    """Longitude and latitude ranges around ``bbox``, widened to the map's aspect: a geo plot keeps the projection's
    proportions, so a tall country's window would draw a narrow map in a wide column."""
    lon0, lat0, lon1, lat1 = _padded(bbox)

    def merc(lat: float) -> float:
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    want = (merc(lat1) - merc(lat0)) * MAP_ASPECT
    if lon1 - lon0 < want:
        mid, half = (lon0 + lon1) / 2, min(want, 359.0) / 2
        lon0, lon1 = max(-180.0, mid - half), min(180.0, mid + half)
    return {"range": [lon0, lon1]}, {"range": [lat0, lat1]}


LABELLED = 6  # scatter dots labelled: the highest this many on each axis


def scatter(df: pl.DataFrame, x_label: str, y_label: str, title: str, subtitle: str, source: str,
            date: str) -> go.Figure:
    """Countries on two indicators; ``df`` has name, iso3, x, y and m49_region (colour). The dots furthest out on
    either axis carry their ISO3 code (every dot names its country on hover). Sized for a half-width column: long
    titles, axis titles and the source line wrap."""
    if df.height == 0:
        return empty_figure(title, "No country has both indicators for this selection.")
    traces = []
    outliers = pl.col("x").rank("ordinal", descending=True).le(LABELLED) | \
        pl.col("y").rank("ordinal", descending=True).le(LABELLED)
    regions = df.with_columns(pl.col("m49_region").fill_null("—"), pl.col("x", "y").cast(pl.Float64),
                              pl.when(outliers).then(pl.col("iso3")).otherwise(pl.lit("")).alias("label"))
    for i, (region,), part in _regions_in_order(regions):
        traces.append({
            "type": "scatter", "x": part["x"].to_numpy(), "y": part["y"].to_numpy(),
            "mode": "markers+text", "name": region, "text": part["label"].to_list(),
            "customdata": part["name"].to_list(), "textposition": "top center",
            "textfont": {"size": 9, "color": "#444"}, "cliponaxis": False,
            "marker": {"color": OKABE_ITO[i % len(OKABE_ITO)], "size": 8, "opacity": 0.8, "line": {"width": 0.5}},
            "hovertemplate": "<b>%{customdata}</b><br>x: %{x:,.4~g}<br>y: %{y:,.4~g}<extra></extra>",
        })
    title_lines = _wrap(title, 60)
    top = 70 + 20 * title_lines.count("<br>")
    layout = {"xaxis": {"title": {"text": _wrap(x_label, 60)}, "gridcolor": "#e5e5e5", "automargin": True},
              "yaxis": {"title": {"text": _wrap(y_label, 40)}, "gridcolor": "#e5e5e5", "automargin": True},
              "legend": {"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0, "xanchor": "left"},
              "margin": {"l": 80, "t": top}}
    fig = apply_template({"data": traces, "layout": layout}, title_lines, subtitle, source, date, height=480,
                         foot_width=90)
    return fig


def _regions_in_order(df: pl.DataFrame) -> list[tuple[int, tuple[str], pl.DataFrame]]:
    """(colour index, (region,), its rows in their order) for each region, regions sorted by name."""
    parts = df.partition_by("m49_region", as_dict=True, maintain_order=True)
    return [(i, key, parts[key]) for i, key in enumerate(sorted(parts))]


LEVEL_ORDER = ("Serious Concern", "Imminent Risk", "Current Crisis")
STATUS_MAP_COLOURS = {"elevated": "#D55E00", "watch": "#E69F00", "low": "#56B4E9", "no data": "#BBBBBB",
                      "evidence only": "#DDDDDD"}


def risk_timeline(df: pl.DataFrame, title: str, subtitle: str, source: str, date: str) -> go.Figure:
    """Risk level over time as steps, one line per list; ``df`` has list, as_of, risk_level (all listings)."""
    if df.height == 0:
        return empty_figure(title, "No risk-level listings in the warehouse for this country.")
    rank = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    traces = []
    for i, sub in enumerate(df.partition_by("list", maintain_order=True)):
        name, sub = sub["list"][0], sub.sort("as_of")
        levels = sub["risk_level"].to_list()
        traces.append({
            "type": "scatter", "x": sub["as_of"].cast(pl.String).to_list(),
            "y": np.array([rank.get(lvl, np.nan) for lvl in levels], dtype="float64"), "mode": "lines+markers",
            "line": {"shape": "hv", "width": 2, "color": OKABE_ITO[i % len(OKABE_ITO)]}, "name": name,
            "marker": {"size": 9, "color": [RISK_COLOURS.get(lvl, "#999") for lvl in levels],
                       "line": {"width": 1, "color": "#666"}},
            "text": levels, "hovertemplate": f"{name}<br>%{{x|%Y-%m-%d}}: %{{text}}<extra></extra>",
        })
    layout = {
        "xaxis": {"type": "date", "showgrid": False, "linecolor": "#ccc", "tickformat": "%Y",
                  "hoverformat": "%Y-%m-%d", "zeroline": False},
        "yaxis": {"tickvals": list(range(len(LEVEL_ORDER))), "ticktext": list(LEVEL_ORDER),
                  "range": [-0.5, len(LEVEL_ORDER) - 0.5], "gridcolor": "#e5e5e5", "zeroline": False},
        "legend": {"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0, "xanchor": "left"},
        "margin": {"l": 120},
    }
    return apply_template({"data": traces, "layout": layout}, title, subtitle, source, date, height=300)


def status_choropleth(df: pl.DataFrame, title: str, subtitle: str, source: str, date: str) -> go.Figure:
    """World map of one risk factor's status (elevated / watch / low / no data); ``df`` has iso3, name, status,
    reason."""
    return categorical_choropleth(df, "status", STATUS_MAP_COLOURS, pl.col("reason").fill_null("").str.slice(0, 160),
                                  "{category}<br>%{customdata}", title, subtitle, source, date)
