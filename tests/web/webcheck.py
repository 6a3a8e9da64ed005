"""Small HTTP helpers shared by the Molecule verification and bench/web_bench.py.

Plain http.client on purpose: bodies come back exactly as transferred (a gzip body
stays compressed), so byte counts are real and Content-Encoding is what nginx sent.
"""
from __future__ import annotations

import gzip
import http.client
import json
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes  # the body as transferred (still gzip-compressed if it was sent so)
    redirects: list[str] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        """The body decoded from its Content-Encoding."""
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.raw)
        return self.raw

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(url: str, headers: dict[str, str] | None = None, follow: bool = True, timeout: float = 10.0) -> Response:
    """GET `url`; follow up to 5 same-host redirects when `follow`."""
    seen: list[str] = []
    for _ in range(6):
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            conn.request("GET", path, headers={"Accept-Encoding": "identity", **(headers or {})})
            r = conn.getresponse()
            raw = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()
        if follow and r.status in (301, 302, 303, 307, 308) and "location" in hdrs:
            seen.append(url)
            nxt = urljoin(url, hdrs["location"])
            if urlsplit(nxt).hostname != parts.hostname:
                raise AssertionError(f"{url} redirects off-host to {nxt}")
            url = nxt
            continue
        return Response(url, r.status, hdrs, raw, seen)
    raise AssertionError(f"too many redirects: {seen}")


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.refs.append(a["href"] or "")
        elif tag in ("script", "img") and a.get("src"):
            self.refs.append(a["src"] or "")


def page_assets(html: str, page_url: str) -> list[str]:
    """Absolute URLs of the stylesheets, scripts and images a page loads, resolved the
    way a browser does (relative to the page's final URL)."""
    p = _AssetParser()
    p.feed(html)
    return sorted({urljoin(page_url, ref) for ref in p.refs})


def container_ip(name: str) -> str:
    """The IP address of a running container on its (first) Docker network."""
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", name],
        check=True, capture_output=True, text=True,
    ).stdout
    for net in json.loads(out).values():
        if net.get("IPAddress"):
            return net["IPAddress"]
    raise RuntimeError(f"container {name} has no IP address")


def wait_http(url: str, timeout: float = 30.0) -> Response:
    """Wait until `url` answers at all (any status); return that answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fetch(url, follow=False, timeout=2)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
