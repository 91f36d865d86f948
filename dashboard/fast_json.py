"""Faster JSON for Dash callback responses — byte-identical to Dash's own serialiser (plotly's, with orjson).

Why: Dash encodes every callback answer with plotly's ``to_json_plotly``. For a page that holds Dash components or
figures, that first rebuilds the whole tree in Python (``clean_to_json_compatible``) before orjson sees it: about
half of a large page's server time. Here orjson walks the tree itself and calls back only for what it cannot
encode natively: components give their own ``to_plotly_json()``, figures the same dict as ``Figure.to_dict()``
minus its deep copy (arrays become plotly's typed-array specs, as there); anything else goes through plotly's
cleaner, value by value. Same bytes out (tests/test_bench_smoke.py compares both on every page and callback).
Installed by dashboard.dash_internals (with the Dash version it was checked with).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.optional_imports import get_module
from _plotly_utils.utils import is_skipped_key, plotlyjsShortTypes, to_typed_array_spec
from dash.development.base_component import Component
from plotly.basedatatypes import BaseFigure
from plotly.io._json import _swap_orjson, clean_to_json_compatible, to_json_plotly

_PLAIN = (str, int, float, bool, type(None))
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_MODULES = {"sage_all": None, "np": get_module("numpy", should_load=False),
            "pd": get_module("pandas", should_load=False), "image": get_module("PIL.Image", should_load=False)}


def _figure_dict(fig: BaseFigure) -> dict:
    """``fig.to_dict()`` without its deep copy: containers are copied, leaves shared (nothing is mutated)."""
    out = {"data": _typed_arrays(fig._data), "layout": _typed_arrays(fig._layout)}
    frames = [_typed_arrays(f._props) for f in fig._frame_objs]
    if frames:
        out["frames"] = frames
    return out


def _typed_arrays(obj: Any) -> Any:
    """plotly's ``convert_to_base64`` on a copy: arrays under dict keys become typed-array specs."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(value, _PLAIN) or is_skipped_key(key):  # the cheap test first: most values are plain
                out[key] = value
            elif isinstance(value, dict | list | tuple):
                out[key] = _typed_arrays(value)
            elif type(value) is np.ndarray:
                out[key] = _array_spec(value)
            elif is_homogeneous_array(value):
                out[key] = to_typed_array_spec(value)
            else:
                out[key] = value
        return out
    if isinstance(obj, list | tuple):
        return [_typed_arrays(v) for v in obj]
    return obj


_INT_DOWNCASTS = {"int64": ("int8", "int16", "int32"), "uint64": ("uint8", "uint16", "uint32")}


def _array_spec(v: np.ndarray) -> Any:
    """``to_typed_array_spec`` for a plain numeric numpy array, without its generic conversion (narwhals, copies:
    ~0.1 ms an array, ~60 arrays on a country page); anything else goes to plotly's own function."""
    if v.dtype.kind not in "iuf" or v.size == 0:
        return to_typed_array_spec(v)
    dtype = str(v.dtype)
    if dtype in _INT_DOWNCASTS:  # plotly.js has no 64-bit ints: the smallest type that holds the range
        lo, hi = v.min(), v.max()
        for small in _INT_DOWNCASTS[dtype]:
            info = np.iinfo(small)
            if info.min <= lo and hi <= info.max:
                v, dtype = v.astype(small), small
                break
        else:
            return to_typed_array_spec(v)
    if dtype not in plotlyjsShortTypes:
        return to_typed_array_spec(v)
    spec = {"dtype": plotlyjsShortTypes[dtype], "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
    if v.ndim > 1:
        spec["shape"] = str(v.shape)[1:-1]
    return spec


_PLAIN_COMPONENTS: dict[type, bool] = {}


def _component_json(obj: Component) -> dict:
    """``Component.to_plotly_json()`` read straight from the instance dict (same keys, same order): Dash's version
    probes every possible prop with ``hasattr``, ~20 µs a component, ~450 components on a country page."""
    props_of = obj.__dict__
    names = props_of["_prop_names"]
    props = {p: props_of[p] for p in names if p in props_of}
    wildcards = tuple(props_of["_valid_wildcard_attributes"])
    props.update({k: props_of[k] for k in props_of if k.startswith(wildcards)})
    return {"props": props, "type": obj._type, "namespace": obj._namespace}


def _plain_component(obj: Any) -> bool:
    """Can :func:`_component_json` stand in for this class's ``to_plotly_json``? (Dash's own method, props only
    in the instance dict, no class attribute of the same name that ``hasattr`` would see.) Decided once a class."""
    cls = type(obj)
    ok = _PLAIN_COMPONENTS.get(cls)
    if ok is None:
        d = getattr(obj, "__dict__", {})
        ok = (isinstance(obj, Component) and cls.to_plotly_json is Component.to_plotly_json
              and isinstance(d.get("_prop_names"), list | tuple)
              and isinstance(d.get("_valid_wildcard_attributes"), list | tuple)
              and not any(hasattr(cls, p) for p in d["_prop_names"]))
        _PLAIN_COMPONENTS[cls] = ok
    return ok


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseFigure):
        return _figure_dict(obj)
    if _plain_component(obj):
        return _component_json(obj)
    to_plotly = getattr(obj, "to_plotly_json", None)
    if to_plotly is not None:
        return to_plotly()
    return clean_to_json_compatible(obj, numpy_allowed=True, datetime_allowed=True, modules=_MODULES)


# plotly's escapes (``</script>``-safe JSON): the ASCII ones on the UTF-8 bytes before decoding, the two line
# separators on the text (a one-character search there, a slow three-byte one in bytes). Same text as plotly's
# ``str.replace`` calls, which cost ~1 ms on the explorer's 600 KB answer when it holds non-ASCII text; ~0.3 ms now.
_SWAP_ASCII = tuple((unsafe.encode(), safe.encode()) for unsafe, safe in _swap_orjson if unsafe.isascii())
_SWAP_TEXT = tuple((unsafe, safe) for unsafe, safe in _swap_orjson if not unsafe.isascii())


def to_json(value: Any) -> str:
    """What ``dash._utils.to_json`` returns, faster; falls back to it for anything orjson refuses."""
    try:
        raw = orjson.dumps(value, default=_default, option=_OPTIONS)
    except TypeError:
        return to_json_plotly(value)
    for unsafe, safe in _SWAP_ASCII:
        if unsafe in raw:
            raw = raw.replace(unsafe, safe)
    text = raw.decode("utf8")
    for unsafe_char, safe_char in _SWAP_TEXT:
        if unsafe_char in text:
            text = text.replace(unsafe_char, safe_char)
    return text
