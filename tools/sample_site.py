#!/usr/bin/env python3
"""Build a local git repository shaped like the lab's web project (SPEC section 1).

Tests must not reach GitHub, so they deploy from this repository instead. It has the
same layout and the same relative links as the real project:

    index.html
    page/album/index.html    -> ../../resources/css/bootstrap.min.css, ../../resources/css/album.css, js
    page/signin/index.html   -> ../../resources/css/bootstrap.min.css, ../../resources/css/signin.css
    resources/css/*.css, resources/js/*.js, .gitignore

History (content, dates and authors are fixed, so commit ids are the same on every run):

    master             v1   tag v1   index.html carries MARKERS["v1"]
    stage, production  v2   tag v2   index.html carries MARKERS["v2"]
    links-out          v1 + LINKS_OUT: symbolic links that leave a release (the site role refuses it)
    links-in           v1 + LINKS_IN: a symbolic link that stays inside the release (deployed)

The result is a bare repository DEST/site.git (what the roles clone from) and
DEST/fixture.json (commit ids, markers, file list) for the tests.

Usage: python tools/sample_site.py DEST   (prints the manifest as JSON)
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MARKERS = {"v1": "webfleet-fixture-version-1", "v2": "webfleet-fixture-version-2"}
ALBUM_MARKER = "webfleet-fixture-album-page"
SIGNIN_MARKER = "webfleet-fixture-signin-page"

# Fixed identity and clock: the same input always gives the same commit ids.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Webfleet Fixture",
    "GIT_AUTHOR_EMAIL": "fixture@webfleet.invalid",
    "GIT_COMMITTER_NAME": "Webfleet Fixture",
    "GIT_COMMITTER_EMAIL": "fixture@webfleet.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "HOME": "/nonexistent",
    "LC_ALL": "C",
}
_DATES = {"v1": "2024-01-01T10:00:00+00:00", "v2": "2024-02-01T10:00:00+00:00",
          "links-out": "2024-03-01T10:00:00+00:00", "links-in": "2024-03-02T10:00:00+00:00"}

# Issue 10 item 3: links a repository may carry, path -> target. Deployed, the first two
# would serve the host's /etc/passwd and the git config of the site role's bare mirror
# (/opt/webfleet/cache/<site_name>.git), the third the directory holding every release.
LINKS_OUT = {
    "passwd": "/etc/passwd",
    "mirror-config": "/opt/webfleet/cache/Fastcampus-web-deploy.git/config",
    "resources/releases": "../..",
}
LINKS_IN = {"resources/css/site.css": "bootstrap.min.css"}

_CSS_COLORS = ["#007bff", "#6c757d", "#28a745", "#17a2b8", "#ffc107", "#dc3545", "#f8f9fa", "#343a40"]
_CSS_PROPS = ["display", "margin", "padding", "color", "background-color", "border", "flex", "width",
              "max-width", "font-size", "line-height", "text-align", "position", "z-index", "opacity"]


def _bootstrap_like_css(size: int, seed: int) -> str:
    """Minified CSS of about `size` bytes, built the way bootstrap's is: utility classes,
    breakpoints and component rules with repeated property names (so gzip works as on
    the real file: several times smaller, not trivially so)."""
    rng = random.Random(seed)
    out = ["/*! Bootstrap-like fixture stylesheet | generated, deterministic */",
           ":root{" + "".join(f"--c{i}:{c};" for i, c in enumerate(_CSS_COLORS)) + "}"]
    total = sum(len(x) for x in out)
    n = 0
    while total < size:
        n += 1
        kind = rng.randrange(4)
        if kind == 0:
            side = rng.choice(["m", "p", "mt", "mb", "ml", "mr", "px", "py"])
            sel = f".{side}-{rng.choice(['sm', 'md', 'lg', 'xl'])}-{n}"
            body = f"{rng.choice(['margin', 'padding'])}:{rng.randrange(0, 48) / 4}rem!important"
        elif kind == 1:
            sel = f".btn-{rng.choice(['primary', 'secondary', 'success', 'info', 'warning', 'danger'])}-{n}:hover"
            body = f"color:#fff;background-color:{rng.choice(_CSS_COLORS)};border-color:{rng.choice(_CSS_COLORS)}"
        elif kind == 2:
            sel = f".col-{rng.choice(['sm', 'md', 'lg', 'xl'])}-{rng.randrange(1, 13)}.c{n:x}"
            body = f"-ms-flex:0 0 {rng.randrange(1, 10000) / 100}%;flex:0 0 {rng.randrange(1, 10000) / 100}%"
        else:
            props = rng.sample(_CSS_PROPS, 3)
            sel = f".component-{n:x}>.item"
            body = ";".join(f"{p}:{rng.randrange(0, 200)}px" if p not in ("display", "color", "background-color")
                            else f"{p}:{rng.choice(_CSS_COLORS) if 'color' in p else 'block'}" for p in props)
        rule = f"{sel}{{{body}}}"
        if n % 50 == 0:
            rule = f"@media (min-width:{rng.choice([576, 768, 992, 1200])}px){{{rule}}}"
        out.append(rule)
        total += len(rule)
    return "".join(out) + "\n"


def _js_like(name: str, size: int, seed: int) -> str:
    """Minified-looking JavaScript of about `size` bytes."""
    rng = random.Random(seed)
    out = [f"/*! {name} fixture | generated, deterministic */!function(e,t){{\"use strict\";"]
    total = len(out[0])
    n = 0
    while total < size:
        n += 1
        a, b = rng.choice("abcdefghijklmnop"), rng.choice("qrstuvwxyz")
        stmt = (f"function f{n:x}({a},{b}){{var n=e.fn{n % 97};if(!{a})return {b};"
                f"for(var i=0;i<{rng.randrange(2, 64)};i++)n=n.call(t,{a}[i]||{rng.randrange(1000)});return n}}")
        out.append(stmt)
        total += len(stmt)
    out.append("}(window,document);\n")
    return "".join(out)


def _index(version: str) -> str:
    words = {"v1": "first", "v2": "second"}[version]
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fastcampus web deploy fixture</title>
<link href="resources/css/bootstrap.min.css" rel="stylesheet">
</head>
<body>
<!-- {MARKERS[version]} -->
<h1>Fastcampus web deploy</h1>
<p id="version">This is the {words} release of the fixture site ({MARKERS[version]}).</p>
<ul>
<li><a href="page/album/">Album</a></li>
<li><a href="page/signin/">Sign in</a></li>
</ul>
<script src="resources/js/jquery-slim.min.js"></script>
</body>
</html>
"""


def _page(title: str, marker: str, own_css: str, body: str, scripts: list[str]) -> str:
    tags = "\n".join(f'<script src="../../resources/js/{s}"></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
<title>{title}</title>
<!-- Bootstrap core CSS -->
<link href="../../resources/css/bootstrap.min.css" rel="stylesheet">
<!-- Custom styles for this template -->
<link href="../../resources/css/{own_css}" rel="stylesheet">
</head>
<body>
<!-- {marker} -->
{body}
{tags}
</body>
</html>
"""


def site_files(version: str) -> dict[str, str]:
    """Every file of the site at `version` ("v1" or "v2"), path -> content."""
    cards = "\n".join(
        f'<div class="col-md-4"><div class="card mb-4 box-shadow"><p class="card-text">Photo {i}</p></div></div>'
        for i in range(1, 10)
    )
    album_body = f'<main role="main"><section class="jumbotron text-center"><h1>Album example</h1></section>\n' \
                 f'<div class="album py-5 bg-light"><div class="container"><div class="row">\n{cards}\n' \
                 f"</div></div></div></main>"
    signin_body = ('<form class="form-signin"><h1 class="h3 mb-3 font-weight-normal">Please sign in</h1>\n'
                   '<input type="email" id="inputEmail" class="form-control" placeholder="Email address">\n'
                   '<input type="password" id="inputPassword" class="form-control" placeholder="Password">\n'
                   '<button class="btn btn-lg btn-primary btn-block" type="submit">Sign in</button></form>')
    return {
        ".gitignore": ".DS_Store\n*.swp\nnode_modules/\n",
        "index.html": _index(version),
        "page/album/index.html": _page("Album example", ALBUM_MARKER, "album.css", album_body,
                                       ["jquery-slim.min.js", "popper.min.js", "bootstrap.min.js", "holder.min.js"]),
        "page/signin/index.html": _page("Signin example", SIGNIN_MARKER, "signin.css", signin_body,
                                        ["jquery-slim.min.js", "bootstrap.min.js"]),
        "resources/css/bootstrap.min.css": _bootstrap_like_css(140_000, seed=1),
        "resources/css/album.css": _bootstrap_like_css(3_000, seed=2),
        "resources/css/signin.css": _bootstrap_like_css(2_000, seed=3),
        "resources/js/jquery-slim.min.js": _js_like("jquery-slim", 60_000, seed=4),
        "resources/js/popper.min.js": _js_like("popper", 20_000, seed=5),
        "resources/js/bootstrap.min.js": _js_like("bootstrap", 50_000, seed=6),
        "resources/js/holder.min.js": _js_like("holder", 25_000, seed=7),
    }


def _git(cwd: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **_GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def _commit_links(work: Path, branch: str, links: dict[str, str]) -> str:
    """A branch off master: v1 plus `links` (symbolic links, as git stores them)."""
    _git(work, "checkout", "-q", "-b", branch, "master")
    for rel, target in links.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, work / rel)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", f"Site v1 with symbolic links ({branch})", date=_DATES[branch])
    return _git(work, "rev-parse", "HEAD")


def build(dest: Path) -> dict[str, Any]:
    """(Re)build DEST/site.git and DEST/fixture.json; return the manifest.

    DEST itself is kept (only its entries are replaced) so a directory already
    bind-mounted into containers stays valid."""
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    bare = dest / "site.git"
    with tempfile.TemporaryDirectory(prefix="webfleet-site-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        _git(work, "init", "-q", "-b", "master")
        commits: dict[str, str] = {}
        for version, message in (("v1", "Site v1"), ("v2", "Site v2: new index text")):
            if version == "v2":
                _git(work, "checkout", "-q", "-b", "stage")
            _write_tree(work, site_files(version))
            _git(work, "add", "-A")
            _git(work, "commit", "-q", "-m", message, date=_DATES[version])
            _git(work, "tag", "-a", version, "-m", f"release {version}", date=_DATES[version])
            commits[version] = _git(work, "rev-parse", "HEAD")
        _git(work, "branch", "production", "stage")
        links = {"links-out": _commit_links(work, "links-out", LINKS_OUT),
                 "links-in": _commit_links(work, "links-in", LINKS_IN)}
        _git(work, "checkout", "-q", "master")
        staging = dest / ".site.git.new"
        shutil.rmtree(staging, ignore_errors=True)
        _git(dest, "clone", "-q", "--bare", str(work), str(staging))
        # The bare clone keeps `origin` pointing at the temporary work tree; drop it.
        _git(staging, "remote", "remove", "origin")
        shutil.rmtree(bare, ignore_errors=True)
        staging.rename(bare)
    manifest: dict[str, Any] = {
        "repo_path": str(bare),
        "url": f"file://{bare}",
        "commits": commits,
        "branches": {"master": commits["v1"], "stage": commits["v2"], "production": commits["v2"]},
        "tags": {"v1": commits["v1"], "v2": commits["v2"]},
        "link_commits": links,
        "links_out": LINKS_OUT,
        "links_in": LINKS_IN,
        "markers": MARKERS,
        "album_marker": ALBUM_MARKER,
        "signin_marker": SIGNIN_MARKER,
        "files": sorted(site_files("v1")),
    }
    (dest / "fixture.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print(json.dumps(build(Path(argv[1])), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
