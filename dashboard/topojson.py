"""Put plotly.js's UN world topojson into assets/topojson/ so maps never fetch it from cdn.plot.ly.

The files are not committed: they are extracted from the npm package ``plotly.js@4.1.1`` (the version bundled by
plotly 7.1.0, MIT licence) or copied from a local dataset folder laid out like ../shared/data/raw
(``plotly-geo-topojson/plotlyjs-4.1.1/``). Either way the bytes must match the pinned checksums.

    python -m dashboard.topojson [--from DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "assets" / "topojson"
PLOTLYJS = "4.1.1"
FILES = {
    "world_110m.json": "e1bf51740ad28396265e52123ea7315d692f112664ab2cb0f1ea76a96fe1bb0a",
    "world_50m.json": "20a160dbd13dd2bfa22f1858c0ae657860ea066d889563c51da383fd9696d759",
}
EXTRACT_JS = (
    "global.window={};const m=require('./package/dist/plotly-geo-assets.js');"
    "for(const k of ['world_110m','world_50m'])require('fs').writeFileSync(k+'.json',JSON.stringify(m.topojson[k]))"
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def missing(target: Path = TARGET) -> list[str]:
    return [name for name, sha in FILES.items() if not (target / name).is_file() or _sha(target / name) != sha]


def _install(found: Path, target: Path) -> None:
    for name, sha in FILES.items():
        if _sha(found / name) != sha:
            raise RuntimeError(f"{found / name}: checksum differs from plotly.js {PLOTLYJS}'s topojson")
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        tmp = target / (name + ".tmp")
        shutil.copyfile(found / name, tmp)
        os.replace(tmp, target / name)


def from_folder(raw_dir: Path, target: Path = TARGET) -> bool:
    folder = raw_dir / "plotly-geo-topojson" / f"plotlyjs-{PLOTLYJS}"
    if not all((folder / name).is_file() for name in FILES):
        return False
    _install(folder, target)
    return True


def npm_pack(folder: Path) -> Path:
    """Download and unpack the npm package ``plotly.js@4.1.1`` into ``folder``; return its ``package/`` folder.

    The npm registry is reachable where PyPI is; npm keeps the tarball in its cache, so a second call is offline.
    """
    if not shutil.which("npm"):
        raise RuntimeError(f"npm is needed to fetch plotly.js {PLOTLYJS} from the npm registry")
    subprocess.run(["npm", "pack", f"plotly.js@{PLOTLYJS}", "--silent"], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", f"plotly.js-{PLOTLYJS}.tgz"], cwd=folder, check=True)
    return folder / "package"


def from_npm(target: Path = TARGET) -> None:
    """Serialise the two maps exactly as plotly.js holds them (its geo-assets file has to run in node)."""
    if not shutil.which("node"):
        raise RuntimeError("node is needed to extract the map topojson (or pass --from DIR)")
    with tempfile.TemporaryDirectory() as tmp:
        npm_pack(Path(tmp))
        subprocess.run(["node", "-e", EXTRACT_JS], cwd=tmp, check=True)
        _install(Path(tmp), target)


def ensure(raw_dir: Path | None = None, target: Path = TARGET) -> str:
    """Make the files present and verified; say where they came from."""
    if not missing(target):
        return "present"
    candidates = [raw_dir] if raw_dir else []
    candidates.append(Path(os.environ.get("R2P_SHARED", ROOT.parent / "shared")) / "data" / "raw")
    for folder in candidates:
        if folder and from_folder(folder, target):
            return f"copied from {folder}"
    from_npm(target)
    return f"extracted from npm plotly.js@{PLOTLYJS}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="from_dir", type=Path, help="a folder laid out like ../shared/data/raw")
    args = parser.parse_args()
    try:
        print(f"map topojson: {ensure(args.from_dir)}")
    except (RuntimeError, subprocess.CalledProcessError) as err:
        print(f"map topojson not installed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
