"""Fetch publishers' files into data/raw/<folder>/ with a checksummed cache, retries and safe unzipping.

The cache manifest (``.manifest.json`` per folder) records URL, sha256, size and retrieval time, which flow into
the ``sources`` table. A re-run sends conditional requests; an unchanged file is not downloaded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from etl.model import Download, SourceError

USER_AGENT = "r2p-atrocity-risk-dashboard-etl/1.0 (+https://github.com/; offline-first monitoring tool)"
MAX_UNZIPPED_BYTES = 4 * 1024**3  # a real GED CSV is ~300 MB; anything near this is a zip bomb
MAX_RATIO = 200  # uncompressed / compressed, per member
MANIFEST = ".manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def apply_mirrors(url: str, mirrors: dict[str, str]) -> str:
    """Rewrite a publisher URL to a mirror (``--mirror https://ucdp.uu.se=http://intranet/ucdp``)."""
    for prefix, target in mirrors.items():
        if url.startswith(prefix):
            return target.rstrip("/") + url[len(prefix.rstrip("/")):]
    return url


def mirrors_from_env() -> dict[str, str]:
    """``R2P_MIRRORS="https://a=http://b,https://c=http://d"``."""
    pairs = [p for p in os.environ.get("R2P_MIRRORS", "").split(",") if "=" in p]
    return dict(p.split("=", 1) for p in pairs)


def _load_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save_manifest(folder: Path, manifest: dict) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(tmp, folder / MANIFEST)


def public_url(url: str) -> str:
    """A URL without its ``user:password@`` part: what may be stored in manifests and shown in messages."""
    parts = urllib.parse.urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def redact(text: str, secrets: list[str]) -> str:
    """Remove every secret (and URL credentials) from a message before anyone sees or stores it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def access_token(download: Download) -> str | None:
    """The token of a publisher that needs a login, read from the environment only (never from a file)."""
    if not download.token_env:
        return None
    token = os.environ.get(download.token_env, "").strip()
    if not token:
        raise SourceError(download.name, f"this publisher needs an access token: set the environment variable "
                                         f"{download.token_env} (it is read from the environment only, never saved)")
    return token


def fetch(
    download: Download,
    folder: Path,
    *,
    mirrors: dict[str, str] | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.5,
) -> list[Path]:
    """Download one file (conditional GET when cached), verify it, unzip if asked. Returns the data files."""
    folder.mkdir(parents=True, exist_ok=True)
    token = access_token(download)
    url = apply_mirrors(download.url, mirrors or {})
    userinfo = urllib.parse.urlsplit(url)  # a mirror may carry user:password@ (from R2P_MIRRORS)
    secrets = [s for s in (token, userinfo.password) if s]
    name = PurePosixPath(download.name).name  # never a path from elsewhere
    target = folder / name
    manifest = _load_manifest(folder)
    entry = manifest.get(name, {})
    headers = {"User-Agent": USER_AGENT}
    if target.exists() and entry.get("sha256") == sha256_of(target):
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
    part = folder / (name + ".part")
    last_error: Exception | None = None
    fetched: dict | None = None
    for attempt in range(retries + 1):
        try:
            got = _get(url, headers, part, timeout, token)
            if got is None:  # 304 Not Modified: the cached copy is current
                fetched = {**entry, "checked_at": _now()}
            else:
                _check_content(part, download, url)
                os.replace(part, target)
                fetched = {"url": public_url(download.url), "fetched_from": public_url(url),
                           "sha256": sha256_of(target), "retrieved_at": _now(), **got}
            break
        except BadContent as err:
            last_error = SourceError(name, redact(err.detail, secrets))
            break  # the server answered, with the wrong thing: retrying will not help; keep the cached copy
        except urllib.error.HTTPError as err:
            last_error = err
            if 400 <= err.code < 500 and err.code not in (408, 429):
                break  # a client error will not fix itself
        except (urllib.error.URLError, TimeoutError, ConnectionError, SourceError, OSError) as err:
            last_error = err
        finally:
            part.unlink(missing_ok=True)
        if attempt < retries:
            time.sleep(backoff * (2**attempt))
    if fetched is None:
        raise SourceError(name, redact(f"download failed from {public_url(url)} after {attempt + 1} attempt(s): "
                                       f"{last_error}", secrets))
    entry = fetched
    manifest[name] = entry
    _save_manifest(folder, manifest)
    if download.unzip:
        return safe_unzip(target, folder)
    return [target]


class BadContent(SourceError):
    """The publisher answered 200 with something that is not the data (an HTML error or login page)."""


def _check_content(part: Path, download: Download, url: str) -> None:
    from etl.readers import looks_like_html, sniff

    url = public_url(url)
    if download.unzip and not zipfile.is_zipfile(part):
        kind = "an HTML page" if looks_like_html(sniff(part)) else "not a zip archive"
        raise BadContent(download.name, f"{url} served {kind} instead of the expected zip; previous copy kept")
    if not download.unzip and looks_like_html(sniff(part)):
        raise BadContent(download.name, f"{url} served an HTML page instead of data; previous copy kept")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _get(url: str, headers: dict, part: Path, timeout: float, token: str | None = None) -> dict | None:
    """One GET into ``part``; None on 304. Raises on a short body (interrupted transfer).

    The token goes in an *unredirected* header: a redirect to another host never receives it.
    """
    request = urllib.request.Request(url, headers=headers)
    if token:
        request.add_unredirected_header("Authorization", f"Bearer {token}")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 304:
            return None
        raise
    with response, open(part, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)
        expected = response.headers.get("Content-Length")
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    size = part.stat().st_size
    if expected is not None and size != int(expected):
        raise SourceError(part.name, f"interrupted download: got {size} of {expected} bytes from {url}")
    return {"size": size, "etag": etag, "last_modified": modified}


def check_archive(zf: zipfile.ZipFile, archive: Path) -> None:
    """Refuse a zip bomb before anything (us or GDAL reading a zip) inflates it."""
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNZIPPED_BYTES or (ratio > MAX_RATIO and info.file_size > 50 * 1024**2):
            raise SourceError(archive, f"refusing to extract {info.filename}: {info.file_size} bytes "
                                       f"(ratio {ratio:.0f}:1) looks like a zip bomb")


def safe_unzip(archive: Path, folder: Path) -> list[Path]:
    """Extract members flat into ``folder``: no path traversal, no zip bombs, no surprises."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise SourceError(archive, "not a valid zip archive (truncated download or an error page?)") from None
    out: list[Path] = []
    with zf:
        check_archive(zf, archive)
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = PurePosixPath(info.filename.replace("\\", "/")).name
            if not name or name.startswith("."):
                continue
            dest = folder / name
            with zf.open(info) as src, open(dest.with_name(name + ".part"), "wb") as dst:
                written = 0
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    written += len(chunk)
                    if written > info.file_size:
                        raise SourceError(archive, f"{info.filename} is larger than its header says")
                    dst.write(chunk)
            os.replace(dest.with_name(name + ".part"), dest)
            out.append(dest)
    return out


def file_meta(path: Path) -> dict:
    """Provenance of a file: from the download manifest when we fetched it, else its own checksum and mtime."""
    entry = _load_manifest(path.parent).get(path.name, {})
    retrieved = entry.get("retrieved_at") or datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return {"sha256": sha256_of(path), "retrieved_at": retrieved, "url": entry.get("url")}
