"""axe-core for the browser tests: fetched from npm at setup (pinned version and checksum, never committed), kept in
tests/vendor/ (git-ignored) and injected into the test page from that local file — the browser fetches nothing.

``python -m tests.browser.axe`` (run by scripts/setup) installs it; tests call :func:`path_or_skip` so a machine
without npm skips the accessibility checks with the reason instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"  # npm axe-core (MPL-2.0)
SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # package/axe.min.js of that version
PATH = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # the WCAG 2.1 AA rules
BLOCKING = ("serious", "critical")


def installed(path: Path = PATH) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def install(path: Path = PATH) -> str:
    """Download axe-core@AXE_VERSION with ``npm pack`` and copy its axe.min.js into place if the checksum matches."""
    if installed(path):
        return "present"
    if not shutil.which("npm"):
        raise RuntimeError(f"npm is needed to fetch axe-core {AXE_VERSION} from the npm registry")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["tar", "xzf", f"axe-core-{AXE_VERSION}.tgz"], cwd=tmp, check=True)
        source = Path(tmp) / "package" / "axe.min.js"
        if hashlib.sha256(source.read_bytes()).hexdigest() != SHA256:
            raise RuntimeError(f"axe-core {AXE_VERSION}: axe.min.js checksum differs from the pinned one")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = path.with_name(path.name + ".tmp")
        shutil.copyfile(source, tmp_path)
        os.replace(tmp_path, path)
    return f"installed from npm axe-core@{AXE_VERSION}"


def path_or_skip() -> Path:
    """The local axe.min.js, installing it when npm can; else skip the calling test with the reason."""
    import pytest

    try:
        install()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as err:
        pytest.skip(f"axe-core {AXE_VERSION} not available ({err}); run scripts/setup with npm installed")
    return PATH


def run(page: Any, path: Path = PATH) -> list[dict[str, Any]]:
    """Inject axe from the local file and run the WCAG 2.1 A/AA rules on the page; return the violations
    (rule id, impact, help, and each failing node's target and summary). The page's context needs bypass_csp
    (the app's CSP allows only its own scripts)."""
    page.add_script_tag(path=str(path))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""", TAGS)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}): " + "; ".join(n["target"] for n in v["nodes"][:6])
                     for v in violations)


if __name__ == "__main__":
    try:
        print(f"axe-core: {install()}")
    except (OSError, RuntimeError, subprocess.CalledProcessError) as err:
        print(f"axe-core not installed ({err}); the accessibility tests will be skipped", file=sys.stderr)
        sys.exit(1)
