"""Realistic Dash requests, discovered from the running app itself — so no callback is missed and page edits don't
rot the benchmark.

How a browser drives a Dash app, and what this module replays:
1. GET the page HTML, its scripts and styles (first visit only: Dash fingerprints them for long caching),
   GET ``/_dash-layout`` and ``/_dash-dependencies``;
2. POST ``/_dash-update-component`` for the pages callback (pathname → page layout);
3. a user then changes one control at a time: each change is one POST to the callback(s) with that input.

``discover(send)`` does 1–2 through any transport (Flask test client in-process, or HTTP), walks each rendered
page layout to find every control's current value and its options, and ``cases()`` builds, for every server-side
callback in ``/_dash-dependencies``, payloads that change one of its inputs to another value a user could pick
(another dropdown option, a narrower year range, a map click on a listed country, a button click…). A callback whose
inputs are on no rendered page is reported as missing, never silently skipped.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# send(method, path, json_body) -> (status, body bytes)
Send = Callable[[str, str, Any], tuple[int, bytes]]
PAGES_CALLBACK_INPUT = "_pages_location"
STATIC = re.compile(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"')


@dataclass(frozen=True)
class Request:
    """One HTTP request of the replay: ``callback`` is the Dash output key for POSTs (None for GETs)."""

    label: str
    method: str
    path: str
    body: Any = None
    callback: str | None = None


@dataclass
class App:
    """What discovery learned: callbacks, page layouts (id → props), static files."""

    deps: list[dict]
    pages: dict[str, dict[str, dict]] = field(default_factory=dict)  # page path → component id → props
    page_requests: dict[str, Request] = field(default_factory=dict)
    static: list[str] = field(default_factory=list)

    def server_callbacks(self) -> list[dict]:
        return [d for d in self.deps if not d.get("clientside_function")]


def split_output(output: str) -> list[tuple[str, str]]:
    """Dash's output key ('a.b' or '..a.b...c.d..') → [(id, property), …]."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(p.rsplit(".", 1)) for p in parts]  # type: ignore[misc]


def _wire_id(component_id: str) -> Any:
    """An id as the renderer sends it: a dict id as the object, a plain id as the string."""
    return json.loads(component_id) if component_id.startswith("{") else component_id


def _wildcards(dep_id: str) -> dict | None:
    """A pattern-matching id (``{"column": ["ALL"], …}``) as a dict, or None for a plain or exact dict id."""
    if not dep_id.startswith("{"):
        return None
    pattern = json.loads(dep_id)
    return pattern if any(isinstance(v, list) for v in pattern.values()) else None


def matching(dep_id: str, comps: dict[str, dict]) -> list[str]:
    """The components a dependency's id names on a page: itself, or every dict id its wildcards match."""
    pattern = _wildcards(dep_id)
    if pattern is None:
        return [dep_id] if dep_id in comps else []
    fixed = {k: v for k, v in pattern.items() if not isinstance(v, list)}
    out = []
    for cid in comps:
        if cid.startswith("{"):
            ident = json.loads(cid)
            if ident.keys() == pattern.keys() and all(ident[k] == v for k, v in fixed.items()):
                out.append(cid)
    return out


def _entries(deps: list[dict], values: dict[tuple[str, str], Any], comps: dict[str, dict]) -> list[Any]:
    """Input or state entries: one per plain id; a list of every matched component for a wildcard id."""
    out: list[Any] = []
    for x in deps:
        if _wildcards(x["id"]) is None:
            out.append({"id": _wire_id(x["id"]), "property": x["property"],
                        "value": values.get((x["id"], x["property"]))})
        else:
            out.append([{"id": _wire_id(c), "property": x["property"], "value": values.get((c, x["property"]))}
                        for c in matching(x["id"], comps)])
    return out


def payload(dep: dict, values: dict[tuple[str, str], Any], changed: list[tuple[str, str]],
            comps: dict[str, dict] | None = None) -> dict:
    """The JSON body the Dash renderer POSTs for ``dep`` with these input/state values (``comps``: the page's
    components, to expand wildcard ids)."""
    outs = [{"id": _wire_id(i), "property": p} for i, p in split_output(dep["output"])]
    return {
        "output": dep["output"],
        "outputs": outs if dep["output"].startswith("..") else outs[0],
        "inputs": _entries(dep["inputs"], values, comps or {}),
        "state": _entries(dep["state"], values, comps or {}),
        "changedPropIds": [f"{i}.{p}" for i, p in changed],
    }


def pages_dep(deps: list[dict]) -> dict:
    for d in deps:
        if any(x["id"] == PAGES_CALLBACK_INPUT for x in d["inputs"]) and not d.get("clientside_function"):
            return d
    raise LookupError("no Dash pages callback in /_dash-dependencies")


def page_request(deps: list[dict], path: str) -> Request:
    """The POST that renders one page (what the browser sends after the HTML)."""
    pathname, _, search = path.partition("?")
    body = payload(pages_dep(deps), {(PAGES_CALLBACK_INPUT, "pathname"): pathname,
                                     (PAGES_CALLBACK_INPUT, "search"): f"?{search}" if search else ""},
                   [(PAGES_CALLBACK_INPUT, "pathname")])
    return Request(f"page {path}", "POST", "/_dash-update-component", body, pages_dep(deps)["output"])


def components(tree: Any) -> Iterator[dict]:
    """Every component (``{"type", "namespace", "props"}``) in a serialised Dash layout."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "props" in node and "type" in node:
                yield node
                stack.extend(v for v in node["props"].values() if isinstance(v, list | dict))
            else:
                stack.extend(v for v in node.values() if isinstance(v, list | dict))


def discover(send: Send, paths: list[str]) -> App:
    """Fetch the app's dependencies and render each page path once; remember every control on each page."""
    status, body = send("GET", "/_dash-dependencies", None)
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    app = App(json.loads(body))
    status, html = send("GET", "/", None)
    app.static = sorted(set(STATIC.findall(html.decode("utf-8", "replace"))))
    status, body = send("GET", "/_dash-layout", None)  # the shell every page shares (navigation, country search)
    shell = _controls(json.loads(body)) if status == 200 else {}
    for path in paths:
        req = page_request(app.deps, path)
        status, body = send(req.method, req.path, req.body)
        if status != 200:
            raise RuntimeError(f"page {path} answered {status}: {body[:300]!r}")
        app.pages[path] = {**shell, **_controls(json.loads(body))}
        app.page_requests[path] = req
    return app


# Controls a bench warehouse gives no second value to: the side-by-side headline pick offers only UCDP when no ACLED
# or HDX HAPI rows are loaded (bench/bench_acled.py measures that callback on SYNTHETIC ACLED rows). A callback is
# excused only when one of its inputs is listed here, so any OTHER uncovered callback still fails the tests.
SINGLE_CHOICE_INPUTS = frozenset({'{"sbs":"headline"}'})


def excused(dep: dict) -> bool:
    """True for a callback whose control has nothing else to pick on a bench warehouse (see above)."""
    return any(x["id"] in SINGLE_CHOICE_INPUTS for x in dep["inputs"])


def _controls(layout: Any) -> dict[str, dict]:
    """Every component with an id in a serialised layout, keyed as /_dash-dependencies names it (a dict id as its
    sorted, compact JSON)."""
    comps: dict[str, dict] = {}
    for c in components(layout):
        cid = c["props"].get("id")
        if isinstance(cid, dict):
            cid = json.dumps(cid, sort_keys=True, separators=(",", ":"))
        if isinstance(cid, str):
            comps[cid] = {"_type": c["type"], **c["props"]}
    return comps


def _option_values(props: dict) -> list[Any]:
    opts = props.get("options") or []
    return [o["value"] if isinstance(o, dict) else o for o in opts if not (isinstance(o, dict) and o.get("disabled"))]


def _locations(comps: dict[str, dict]) -> list[str]:
    """Country codes drawn on any map of the page (a user clicks one)."""
    out: list[str] = []
    for props in comps.values():
        fig = props.get("figure")
        if isinstance(fig, dict):
            for trace in fig.get("data", []):
                locs = trace.get("locations")
                if isinstance(locs, list):
                    out += [x for x in locs if isinstance(x, str)]
    return out


def variants(props: dict, prop: str, comps: dict[str, dict], rng: random.Random, k: int = 6) -> list[Any]:
    """Up to about ``k`` values a user could give this property of this control (besides the current one)."""
    kind = props.get("_type")
    current = props.get(prop)
    if prop in ("n_clicks", "n_submit"):
        return [(current or 0) + 1]
    if prop == "clickData":
        locations = _locations(comps)
        return [{"points": [{"location": loc}]} for loc in rng.sample(locations, min(k, len(locations)))]
    if prop != "value":
        return []
    if kind in ("RangeSlider",) and isinstance(current, list) and "min" in props:
        lo, hi = int(props["min"]), int(props["max"])
        spans = {(lo, hi), (max(lo, hi - 4), hi), (hi, hi), (lo, lo + (hi - lo) // 2), (max(lo, hi - 9), hi - 5)}
        return [list(s) for s in sorted(spans) if list(s) != current]
    if kind == "Input" and props.get("type") == "number":
        return [2, 3, 10**6]  # the last one: past the last page (the app clamps it)
    if kind == "Input" and props.get("list") in comps:  # typed text: the suggestions a datalist offers
        suggestions = [o["props"]["value"] for o in comps[props["list"]].get("children") or []
                       if isinstance(o, dict) and "value" in o.get("props", {})]
        return [*rng.sample(suggestions, min(k, len(suggestions))), "no such country"]
    options = _option_values(props)
    if not options:
        return []
    if props.get("multi") or kind == "Checklist":
        picks = [rng.sample(options, rng.randint(1, min(4, len(options)))) for _ in range(k)]
        return [p for p in picks if p != current] + ([[]] if current else [])
    picks = [o for o in options if o != current]
    return rng.sample(picks, min(k, len(picks))) + ([None] if props.get("clearable") and current is not None
                                                    else [])


def cases(app: App, per_callback: int = 12, seed: int = 7) -> tuple[dict[str, list[Request]], list[str]]:
    """Requests per server-side callback (by output key), and the callbacks no page offers a control for."""
    rng = random.Random(seed)
    out: dict[str, list[Request]] = {}
    missing: list[str] = []
    pdep = pages_dep(app.deps)
    out[pdep["output"]] = list(app.page_requests.values())
    for dep in app.server_callbacks():
        if dep is pdep:
            continue
        reqs = [req for path, comps in app.pages.items()
                if all(matching(x["id"], comps) for x in dep["inputs"])
                for req in _requests(dep, path, comps, rng, max(6, per_callback // 2))]
        if not reqs:
            if not excused(dep):
                missing.append(dep["output"])
            continue
        rng.shuffle(reqs)
        out[dep["output"]] = reqs[:per_callback]
    return out, missing


def _requests(dep: dict, path: str, comps: dict[str, dict], rng: random.Random, k: int) -> list[Request]:
    """One request per value a user could give one input of ``dep`` on this page (one matched component of a
    wildcard input at a time), the others left as the page rendered them."""
    base = {(cid, x["property"]): comps[cid].get(x["property"])
            for x in dep["inputs"] + dep["state"] for cid in matching(x["id"], comps)}
    reqs = []
    for x in dep["inputs"]:
        for cid in matching(x["id"], comps)[:k]:
            key = (cid, x["property"])
            for value in variants(comps[cid], key[1], comps, rng, k):
                vals = {**base, key: value}
                reqs.append(Request(f"{path} {cid}.{key[1]}={json.dumps(value)[:60]}", "POST",
                                    "/_dash-update-component", payload(dep, vals, [key], comps), dep["output"]))
    return reqs


def short(output: str) -> str:
    """A readable callback name: its first output (``ov-map.figure +3``)."""
    outs = split_output(output)
    return ".".join(outs[0]) + (f" +{len(outs) - 1}" if len(outs) > 1 else "")
