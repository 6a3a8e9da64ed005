"""The sample site (tools/sample_site.py) that Molecule and the local mode deploy: layout, links,
history, determinism.

Fast (no containers): `pytest tests/web/test_site_fixture.py`.
"""
from __future__ import annotations

import gzip
import posixpath
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import sample_site as site_fixture
from webcheck import page_assets


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return site_fixture.build(tmp_path_factory.mktemp("fixture"))


def checkout(tmp_path: Path, url: str, ref: str) -> Path:
    dest = tmp_path / ref
    subprocess.run(["git", "clone", "-q", url, str(dest)], check=True)
    git(dest, "checkout", "-q", ref)
    return dest


def test_same_commits_on_every_build(built: dict[str, Any], tmp_path: Path) -> None:
    again = site_fixture.build(tmp_path / "again")
    assert again["commits"] == built["commits"]
    assert built["commits"]["v1"] != built["commits"]["v2"]


def test_branches_and_tags(built: dict[str, Any]) -> None:
    repo = Path(built["repo_path"])
    assert git(repo, "rev-parse", "--is-bare-repository") == "true"
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/master"
    for ref, version in [("master", "v1"), ("stage", "v2"), ("production", "v2"), ("v1", "v1"), ("v2", "v2")]:
        assert git(repo, "rev-parse", f"{ref}^{{commit}}") == built["commits"][version], ref
    assert git(repo, "remote") == "", "the bare repository must not point back at a temporary directory"


@pytest.mark.parametrize("ref,version", [("master", "v1"), ("stage", "v2"), ("v1", "v1"), ("production", "v2")])
def test_each_version_has_its_marker(built: dict[str, Any], tmp_path: Path, ref: str, version: str) -> None:
    tree = checkout(tmp_path, built["url"], ref)
    index = (tree / "index.html").read_text()
    assert built["markers"][version] in index
    other = "v2" if version == "v1" else "v1"
    assert built["markers"][other] not in index


def test_layout_and_relative_links_as_in_the_spec(built: dict[str, Any], tmp_path: Path) -> None:
    tree = checkout(tmp_path, built["url"], "master")
    files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                   if p.is_file() and p.relative_to(tree).parts[0] != ".git")
    assert files == built["files"]
    for page, own_css in (("album", "album.css"), ("signin", "signin.css")):
        html = (tree / "page" / page / "index.html").read_text()
        assert 'href="../../resources/css/bootstrap.min.css"' in html
        assert f'href="../../resources/css/{own_css}"' in html
        assets = page_assets(html, f"http://h/page/{page}/")
        assert any(a.endswith(".js") for a in assets)
        for url in assets:  # every link resolves to a file of the site
            rel = posixpath.normpath(url.removeprefix("http://h/"))
            assert (tree / rel).is_file(), f"{page}: {url}"


def test_css_is_big_enough_for_gzip_to_matter(built: dict[str, Any], tmp_path: Path) -> None:
    tree = checkout(tmp_path, built["url"], "master")
    css = (tree / "resources/css/bootstrap.min.css").read_bytes()
    assert 100_000 <= len(css) <= 150_000
    assert 0.05 < len(gzip.compress(css)) / len(css) < 0.3


@pytest.mark.parametrize("branch,key", [("links-out", "links_out"), ("links-in", "links_in")])
def test_link_branches_carry_symbolic_links(built: dict[str, Any], tmp_path: Path, branch: str, key: str) -> None:
    """Issue 10 item 3: the branches the Molecule scenario deploys to prove links are judged."""
    repo = Path(built["repo_path"])
    assert git(repo, "rev-parse", f"{branch}^{{commit}}") == built["link_commits"][branch]
    assert git(repo, "rev-parse", f"{branch}~1") == built["commits"]["v1"]
    for rel, target in built[key].items():
        mode_type_blob = git(repo, "ls-tree", branch, "--", rel).split("\t")[0].split()
        assert mode_type_blob[0] == "120000", f"{rel} is not a symbolic link in {branch}"
        assert git(repo, "cat-file", "blob", mode_type_blob[2]) == target
    tree = checkout(tmp_path, built["url"], branch)
    assert all((tree / rel).is_symlink() for rel in built[key])
