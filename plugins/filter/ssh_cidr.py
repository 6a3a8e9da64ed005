# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter webfleet.aws.ssh_cidr_problem: the playbooks' guard for the CIDRs SSH is opened to
(webfleet_admin_cidr, webfleet_bake_ssh_cidr); the same check security_group applies to port 22.
Documented in ssh_cidr_problem.yml."""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.webfleet.aws.plugins.module_utils.ssh_guard import ssh_cidr_problem


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"ssh_cidr_problem": ssh_cidr_problem}
