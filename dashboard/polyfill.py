"""Answer Dash's ``@babel/polyfill`` 7 URL with the one part of it current browsers still need: regenerator-runtime.

Why: Dash loads @babel/polyfill 7 (core-js 2, 100 kB) before anything else on every page. Browsers that run Dash 4's
React 18 have all of core-js 2 built in, yet its set-up still ran for ~70 ms of each first visit (re-defining typed
arrays, wrapping ``Function.prototype.toString``, swapping ``String#trim`` and ``parseFloat`` for slower copies:
see assets/native-builtins.js) before Dash could ask for the page: explorer first screen p50 1,786 → 1,659 ms in an
interleaved run (bench/RESULTS.md, session 10). What Dash's renderer and components do use from it is the global
``regeneratorRuntime`` (their async functions are compiled to it), so that is what is served instead: the npm
package ``regenerator-runtime@0.13.11`` (MIT; the version @babel/polyfill 7.12.1 bundles), committed in
``dashboard/static/`` with its licence. ``R2P_POLYFILL=babel`` serves Dash's own file again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dash import Dash

from dashboard import dash_internals

RUNTIME = Path(__file__).resolve().parent / "static" / "regenerator-runtime.js"
SHA256 = "e4fa2bcc7507e23fb226bad104bd3c526149ebc9891afbc4bb3a4a0c88afded3"
DASH_POLYFILL_PATH = "deps/polyfill@7.12.1.min.js"  # Dash's polyfill, under its "dash" component namespace


def which() -> str:
    """``"regenerator-runtime"`` when the small file is served in place of the polyfill, else ``"babel"``."""
    if os.environ.get("R2P_POLYFILL", "regenerator-runtime") == "babel":
        return "babel"
    if not RUNTIME.is_file() or hashlib.sha256(RUNTIME.read_bytes()).hexdigest() != SHA256:
        return "babel"
    return "regenerator-runtime"


def serve(app: Dash) -> str:
    """Install the substitution on ``app``; return which file the browser will get."""
    if which() == "babel":
        return "babel"
    dash_internals.replace_resource(app, "dash", DASH_POLYFILL_PATH, RUNTIME.read_bytes(), SHA256)
    return "regenerator-runtime"
