# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tag conversion and diffing shared by every module that tags resources."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

# Tags AWS manages itself; never purged, never reported as a difference.
RESERVED_PREFIX = "aws:"


def tag_list_to_dict(
    tags: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {t[key]: t.get(value, "") for t in tags or ()}


def dict_to_tag_list(tags: Mapping[str, Any] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: str(v)} for k, v in sorted((tags or {}).items())]


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if not k.startswith(RESERVED_PREFIX)}


def compare_tags(
    current: Mapping[str, str],
    desired: Mapping[str, Any] | None,
    purge: bool = True,
) -> tuple[dict[str, str], list[str]]:
    """What to set and what to remove so ``current`` matches ``desired``.

    ``desired`` None means "leave tags alone". With ``purge`` false, tags not
    named in ``desired`` stay. ``aws:`` tags are never touched.
    """
    if desired is None:
        return {}, []
    want = {str(k): str(v) for k, v in desired.items()}
    to_set = {k: v for k, v in want.items() if current.get(k) != v}
    to_remove = sorted(k for k in user_tags(dict(current)) if k not in want) if purge else []
    return to_set, to_remove


def desired_tags(current: Mapping[str, str], desired: Mapping[str, Any] | None, purge: bool = True) -> dict[str, str]:
    """The tag set after applying ``compare_tags`` (for diffs and check mode)."""
    to_set, to_remove = compare_tags(current, desired, purge)
    result = {k: v for k, v in current.items() if k not in to_remove}
    result.update(to_set)
    return result


def apply_tags(client: Any, resource_ids: list[str], current: Mapping[str, str],
               desired: Mapping[str, Any] | None, purge: bool) -> bool:
    to_set, to_remove = compare_tags(current, desired, purge)
    if to_set:
        client.create_tags(Resources=resource_ids, Tags=dict_to_tag_list(to_set))
    if to_remove:
        client.delete_tags(Resources=resource_ids, Tags=[{"Key": k} for k in to_remove])
    return bool(to_set or to_remove)


def tag_specifications(resource_types: Iterable[str], tags: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not tags:
        return []
    tag_list = [{"Key": str(k), "Value": str(v)} for k, v in sorted(tags.items())]
    return [{"ResourceType": rt, "Tags": tag_list} for rt in resource_types]
