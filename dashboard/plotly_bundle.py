"""Serve plotly.js's own geo build (1.4 MB) in place of the full plotly.js (4.8 MB) that Dash sends by default.

Why: in headless Chromium most of a first page load (2.4–3.4 s) was the browser compiling the full plotly.js, every
trace type included; the dashboard draws only ``scatter``, ``scattergeo`` and ``choropleth``, which is exactly what
plotly.js's partial bundle ``dist/plotly-geo.min.js`` holds (bench/RESULTS.md, "Page load"). The Dash renderer
fetches plotly.js from one fixed URL; this answers that URL with the geo build when it is installed, unchanged, with
the pinned checksum and for the plotly.js version that plotly.py bundles. Otherwise, or with
``R2P_PLOTLY_BUNDLE=full``, Dash's full plotly.js is served as before (slower, never broken).

The file is not committed: ``python -m dashboard.plotly_bundle`` (run by ``scripts/setup``) takes it from the npm
package ``plotly.js@4.1.1`` (MIT licence) — the same package the map topojson comes from — or ``--from FILE``.
``tests/test_plotly_bundle.py`` keeps every figure the app draws within ``TRACE_TYPES``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dash import Dash

from dashboard import dash_internals
from dashboard.topojson import PLOTLYJS, npm_pack

log = logging.getLogger(__name__)
BUNDLE = Path(__file__).resolve().parent / "vendor" / "plotly-geo.min.js"
SHA256 = "3da0a26e92ce47dad2b18c6e7cf5018335a003f50f5fe41710f52508af579b7c"
TRACE_TYPES = frozenset({"scatter", "scattergeo", "choropleth"})  # what dist/plotly-geo.min.js registers
DASH_PLOTLY_PATH = "package_data/plotly.min.js"  # where Dash's renderer loads plotly.js from (namespace "plotly")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed(path: Path = BUNDLE) -> bool:
    return path.is_file() and _sha(path.read_bytes()) == SHA256


def install(source: Path, path: Path = BUNDLE) -> None:
    """Copy ``source`` into place if its bytes are the pinned ones (atomically: never a half-written bundle)."""
    if _sha(source.read_bytes()) != SHA256:
        raise RuntimeError(f"{source}: checksum differs from plotly.js {PLOTLYJS}'s dist/plotly-geo.min.js")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def from_npm(path: Path = BUNDLE) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        install(npm_pack(Path(tmp)) / "dist" / "plotly-geo.min.js", path)


def ensure(source: Path | None = None, path: Path = BUNDLE) -> str:
    """Make the bundle present and verified; say where it came from."""
    if installed(path):
        return "present"
    if source:
        install(source, path)
        return f"copied from {source}"
    from_npm(path)
    return f"extracted from npm plotly.js@{PLOTLYJS}"


def which(path: Path = BUNDLE) -> str:
    """``"geo"`` when the partial bundle will be served, else ``"full"`` (and why, in the log)."""
    from plotly.offline import get_plotlyjs_version

    if os.environ.get("R2P_PLOTLY_BUNDLE", "geo") == "full":
        return "full"
    if get_plotlyjs_version() != PLOTLYJS:
        log.warning("plotly.py bundles plotly.js %s, not %s: serving the full plotly.js", get_plotlyjs_version(),
                    PLOTLYJS)
        return "full"
    if not installed(path):
        log.warning("plotly.js geo bundle not installed (python -m dashboard.plotly_bundle): serving the full "
                    "plotly.js; pages load ~1 s slower")
        return "full"
    return "geo"


def serve(app: Dash, path: Path = BUNDLE) -> str:
    """Answer Dash's plotly.js URL with the geo bundle when it can be used; return which bundle is served."""
    if which(path) != "geo":
        return "full"
    dash_internals.replace_resource(app, "plotly", DASH_PLOTLY_PATH, path.read_bytes(), SHA256)
    return "geo"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", type=Path,
                        help="a copy of plotly.js 4.1.1's dist/plotly-geo.min.js (else: npm)")
    args = parser.parse_args()
    try:
        print(f"plotly.js geo bundle: {ensure(args.source)}")
    except (OSError, RuntimeError, subprocess.CalledProcessError) as err:
        print(f"plotly.js geo bundle not installed ({err}); the dashboard will serve the full plotly.js",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
