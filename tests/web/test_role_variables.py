"""A bad value for each variable of the web roles fails naming it (issue 13, item 11).

Two kinds of check: the roles' meta/argument_specs.yml (types, choices: every int, bool, list and
choices variable gets a value of the wrong kind, generated from the spec, so a variable added later
is covered too) and each role's first task, "Check the variables argument_specs cannot express"
(one bad value per entry of its loop, listed below). Every case runs in one ansible-playbook run on
localhost in check mode, each in a block whose rescue records the message: the roles fail before
their first change, and check mode keeps this machine as it is if a check ever stops firing.

No containers, no AWS: `pytest tests/web/test_role_variables.py` (about a minute).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLES = ("nginx", "site", "vhost")
# A value of the wrong kind per argument_specs type, and the words Ansible's check then uses.
WRONG_KIND = {"int": ("many", "unable to convert to int"), "bool": ("perhaps", "unable to convert to bool"),
              "list": ({"not": "a list"}, "unable to convert to list")}

# The roles' own checks: (variable, bad value, a distinctive phrase of the message it must give).
EXTRA = {
    "nginx": [
        ("nginx_worker_processes", "lots", "must be 'auto' or a number >= 1"),
        ("nginx_worker_connections", 0, "must be >= 1; got 0"),
        ("nginx_gzip_comp_level", 10, "must be 1..9; got 10"),
        ("nginx_gzip_min_length", -1, "must be >= 0; got -1"),
        ("nginx_keepalive_timeout", -5, "must be >= 0; got -5"),
        ("nginx_gzip_types", ["text css"], "must be MIME types such as text/css"),
        ("nginx_conf_path", "etc/nginx/nginx.conf", "must be an absolute path"),
    ],
    "site": [
        ("site_repo", "-oProxyCommand=x", "must be a git URL"),
        ("site_version", "../master", "must be a branch, tag or commit id"),
        ("site_name", "a/b", "must be a plain name without '/'"),
        ("site_keep_releases", 0, "must be >= 1 (the live release is always kept)"),
        ("site_precompress_types", [".css"], "must be plain file extensions without the dot"),
        ("site_rollback_to", "HEAD~1", "must be empty or a full commit id"),
        ("site_git_timeout", 0, "must be >= 1 second; got 0"),
        ("site_cache_dir", "cache/site.git", "site_root_parent / site_releases_dir / site_cache_dir: must be absolute"),
        ("site_releases_dir", "/usr/share/nginx/html/releases", "must be outside site_root_parent"),
    ],
    "vhost": [
        ("vhost_short_urls", ["al/bum"], "each entry must be a plain name"),
        ("vhost_pages_dir", "../page", "must be a plain directory name"),
        ("vhost_api_backend", "ftp://10.0.0.1", "must be empty (no /api location) or an http(s) URL"),
        ("vhost_api_location", "api", "must be a path such as /api"),
        ("vhost_listen_port", 70000, "must be a port number 1..65535"),
        ("vhost_server_name", "a;b", "must be server names separated by single spaces"),
        ("vhost_root", "/srv/my site", "must be an absolute path without spaces"),
        ("vhost_conf_name", "site.cfg", "must be a file name ending in .conf"),
        ("vhost_api_read_timeout", 0, "vhost_api_read_timeout / vhost_api_send_timeout: must be >= 1 second"),
        ("vhost_real_ip_from", ["10.0.0.0/8", "lb.example.com"], "must be a list of addresses or CIDRs"),
        ("vhost_x_frame_options", 'DENY"; add_header X 1', "header values must be printable ASCII"),
        ("vhost_client_max_body_size", "1 mb", "must be an nginx size such as 1m"),
        ("vhost_client_body_timeout", 0, "vhost_client_body_timeout / vhost_send_timeout: must be >= 1 second"),
        ("vhost_limit_req_rate", "20/s", "must be a rate such as 20r/s"),
        ("vhost_limit_req_burst", -1, "must be >= 0; got -1"),
        ("vhost_acme_challenge_root", "acme", "must be an absolute path without spaces"),
    ],
}
# The vhost role's cases run with the site role's variables in the play (vhost_root's default comes
# from them), except this one: vhost alone, no vhost_root either.
NO_SITE = object()
SITE_CONTEXT = {"site_root_parent": "/usr/share/nginx/html", "site_name": "site"}
ALONE = [("vhost", "check:vhost_root", NO_SITE,
          "is empty: its default, the site role's site_root_parent/site_name, is not in the play")]


def spec_cases() -> list[tuple[str, str, Any, str]]:
    """(role, variable, bad value, phrase) for every typed or choices variable of the argument_specs."""
    cases = []
    for role in ROLES:
        spec = yaml.safe_load((PROJECT / "roles" / role / "meta" / "argument_specs.yml").read_text())
        for name, option in spec["argument_specs"]["main"]["options"].items():
            if option.get("choices"):
                cases.append((role, name, "nonsense", "must be one of"))
            elif option.get("type") in WRONG_KIND:
                value, phrase = WRONG_KIND[option["type"]]
                cases.append((role, name, value, phrase))
    return cases


CASES = [(r, f"spec:{n}", v, p) for r, n, v, p in spec_cases()] + [
    (role, f"check:{name}", value, phrase) for role, entries in EXTRA.items() for name, value, phrase in entries
] + ALONE


# a looped check reports "One or more items failed": the failed items' own messages say which
FAILED_MESSAGE = ("(ansible_failed_result.msg | default('')) ~ ' | ' ~ (ansible_failed_result.results | default([])"
                  " | selectattr('failed', 'defined') | selectattr('failed') | map(attribute='msg') | join(' | '))")


def case_vars(role: str, variable: str, value: Any) -> dict[str, Any]:
    if value is NO_SITE:
        return {}
    return {**(SITE_CONTEXT if role == "vhost" else {}), variable: value}


def case_block(index: int, role: str, variable: str, value: Any) -> dict[str, Any]:
    return {"name": f"case {index}", "block": [
        {"name": f"role {role} with a bad {variable}", "ansible.builtin.include_role": {"name": f"webfleet.aws.{role}"},
         "vars": case_vars(role, variable, value)},
        {"name": "it did not fail", "ansible.builtin.set_fact": {
            "th_messages": f"{{{{ th_messages | combine({{'{index}': 'NOT REFUSED'}}) }}}}"}},
    ], "rescue": [{"name": "record the message", "ansible.builtin.set_fact": {
        "th_messages": f"{{{{ th_messages | combine({{'{index}': {FAILED_MESSAGE}}}) }}}}"}}]}


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every case's message, by index, from one check-mode run."""
    tmp = tmp_path_factory.mktemp("role_variables")
    out = tmp / "messages.json"
    tasks = [case_block(i, role, name.split(":", 1)[1], value) for i, (role, name, value, _) in enumerate(CASES)]
    tasks.append({"name": "write the messages", "ansible.builtin.copy": {
        "content": "{{ th_messages | to_json }}", "dest": str(out), "mode": "0600"}, "check_mode": False})
    play = [{"name": "bad values", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"th_messages": {}}, "tasks": tasks}]
    playbook = tmp / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    env = {**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_PYTHON_INTERPRETER": sys.executable}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "--check",
                           str(playbook)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900)
    assert out.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(out.read_text())


def test_every_variable_is_covered() -> None:
    """Each check entry of the roles' first task has a case here (a new entry needs one)."""
    for role in ROLES:
        tasks = yaml.safe_load((PROJECT / "roles" / role / "tasks" / "main.yml").read_text())
        covered = {name for name, _, _ in EXTRA[role]}
        missing = [item["var"] for item in tasks[0]["loop"] if not set(item["var"].split(" / ")) & covered]
        assert missing == [], f"{role}: no bad-value case for {missing}"


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{r}-{n}" for r, n, _, _ in CASES])
def test_bad_value_fails_naming_the_variable(messages: dict[str, str], index: int) -> None:
    role, name, _, phrase = CASES[index]
    variable = name.split(":", 1)[1]
    message = re.sub(r"\s+", " ", messages[str(index)])
    assert message != "NOT REFUSED", f"role {role} accepted a bad {variable}"
    assert re.search(rf"(?<![\w]){re.escape(variable)}(?![\w])", message), message
    assert phrase in message, message
