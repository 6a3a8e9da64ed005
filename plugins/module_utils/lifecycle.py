# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one lifecycle every module follows: validate -> read -> desired -> apply -> exit.

A module is a subclass of :class:`AWSResource` with its argument spec and argument rules as class
attributes, and ``main()`` is ``Thing.run()``. The order, check mode, the diff and ``changed`` are
handled here once (community.general's ModuleHelper ``state_<value>`` idea, amazon.aws's declared
``required_if``/``mutually_exclusive``):

    class SecurityGroup(AWSResource):
        ARGUMENT_SPEC = ARGUMENT_SPEC
        REQUIRED_ONE_OF = [("name", "group_id")]
        WHAT = "security group"

        def validate(self): ...                 # ParamError / fail_param, no API call
        def read(self): ...                     # the resource, or None when absent
        def desired(self, current): ...         # the comparable view wanted
        def view(self, current): ...            # the comparable view of current ({} when absent)
        def apply(self, current, desired): ...  # make it so; register undo steps with on_failure
        def delete(self, current): ...          # state=absent, only called when current exists
        def result(self, current, desired, final): ...  # extra return values

Every step runs inside ``module.aws_errors``: a ``ParamError`` fails naming the parameter, a
botocore error fails naming the action, and both run the undo steps registered so far.
"""
from __future__ import annotations

from typing import Any, ClassVar, Sequence

from ansible.module_utils.common.validation import (
    check_required_if,
    check_required_one_of,
    check_required_together,
)

from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule


class AWSResource:
    """One module's resource. Subclasses override the steps they need; ``run()`` is the module."""

    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}
    REQUIRED_IF: ClassVar[Sequence[Sequence[Any]]] = ()
    REQUIRED_ONE_OF: ClassVar[Sequence[Sequence[str]]] = ()
    MUTUALLY_EXCLUSIVE: ClassVar[Sequence[Sequence[str]]] = ()
    REQUIRED_TOGETHER: ClassVar[Sequence[Sequence[str]]] = ()
    SUPPORTS_CHECK_MODE: ClassVar[bool] = True
    WHAT: ClassVar[str] = "resource"  # "security group": used in the failure messages

    def __init__(self, module: AWSModule) -> None:
        self.module = module
        self.params = module.params

    # -- the fixed order ----------------------------------------------------------------------
    @classmethod
    def build_module(cls) -> AWSModule:
        rules = {
            "required_if": cls.REQUIRED_IF, "required_one_of": cls.REQUIRED_ONE_OF,
            "mutually_exclusive": cls.MUTUALLY_EXCLUSIVE, "required_together": cls.REQUIRED_TOGETHER,
        }
        return AWSModule(argument_spec=cls.ARGUMENT_SPEC, supports_check_mode=cls.SUPPORTS_CHECK_MODE,
                         **{k: [list(r) for r in v] for k, v in rules.items() if v})

    @classmethod
    def run(cls) -> None:
        """The whole module: build it, then validate, read and dispatch on ``state``."""
        resource = cls(cls.build_module())
        resource.check_declared_rules()
        resource.main()

    def check_declared_rules(self) -> None:
        """The required_* rules again, with options given as null counted as absent.

        Ansible counts an option written as ``null`` (e.g. from an unset variable) as given, so
        ``image_id: null`` would pass ``required_if``; this check fails it with Ansible's own message.
        (MUTUALLY_EXCLUSIVE is not declared for pairs a playbook may give as null: Ansible would refuse them.)
        """
        given = {k: v for k, v in self.params.items() if v is not None}
        try:
            check_required_one_of([list(r) for r in self.REQUIRED_ONE_OF], given)
            check_required_together([list(r) for r in self.REQUIRED_TOGETHER], given)
            check_required_if([list(r) for r in self.REQUIRED_IF], given)
        except TypeError as exc:
            self.module.fail(str(exc))

    def main(self) -> None:
        with self.module.aws_errors(f"check the options of {self.label()}"):
            self.validate()
        with self.module.aws_errors(f"describe {self.label()}"):
            current = self.read()
        state = self.params.get("state") or "present"
        getattr(self, f"state_{state.replace('-', '_')}")(current)

    # -- the steps a module overrides -----------------------------------------------------------
    def label(self) -> str:
        """How messages name the resource: "security group 'web'"."""
        name = self.params.get("name")
        return f"{self.WHAT} '{name}'" if name else self.WHAT

    def exists(self, current: Any) -> bool:
        """Whether ``current`` (what ``read`` returned) is a resource that exists."""
        return current is not None

    def validate(self) -> None:
        """Check what the argument rules cannot express; raise ParamError (no API call)."""

    def read(self) -> Any:
        """The resource as AWS describes it, or None when it does not exist."""
        return None

    def view(self, current: Any) -> Any:
        """The comparable view of ``current`` ({} when absent): what ``before`` shows."""
        return current or {}

    def desired(self, current: Any) -> Any:
        """The comparable view wanted: what ``after`` shows."""
        raise NotImplementedError

    def apply(self, current: Any, desired: Any) -> Any:
        """Make ``desired`` true (not called in check mode or without a difference); returns the new state."""
        raise NotImplementedError

    def delete(self, current: Any) -> None:
        """Delete ``current`` (it exists; not called in check mode)."""
        raise NotImplementedError

    def result(self, current: Any, desired: Any, final: Any) -> dict[str, Any]:
        """Extra return values; ``final`` is what ``apply`` returned (None when it did not run)."""
        return {}

    def reported_after(self, desired: Any, final: Any) -> Any:
        """What the diff shows as ``after``: the desired view, unless AWS made up part of it (e.g. a key)."""
        return desired

    # -- state handlers -------------------------------------------------------------------------
    def state_present(self, current: Any) -> None:
        with self.module.aws_errors(f"work out the desired {self.label()}"):
            desired = self.desired(current)
        self.converge(current, self.view(current), desired)

    def state_absent(self, current: Any) -> None:
        before = self.view(current)
        if self.exists(current) and not self.module.check_mode:
            with self.module.aws_errors(f"delete {self.label()}"):
                self.delete(current)
        self.module.exit(before=before, after={}, **self.result(current, {}, None))

    # -- helpers ----------------------------------------------------------------------------------
    def converge(self, current: Any, before: Any, after: Any, unseen: bool = False) -> None:
        """Apply when ``before != after`` (unless check mode), then exit with changed and the diff.

        ``unseen``: a change the views do not show (e.g. old versions to delete) is due as well.
        """
        final = None
        changed = before != after or unseen
        if changed and not self.module.check_mode:
            verb = "update" if self.exists(current) else "create"
            with self.module.aws_errors(f"{verb} {self.label()}"):
                final = self.apply(current, after)
        with self.module.aws_errors(f"read {self.label()}"):
            extra = self.result(current, after, final)
        self.module.exit(before=before, after=self.reported_after(after, final), changed=changed, **extra)


class AWSInfo(AWSResource):
    """A read-only module: ``read()`` returns the result values; never changed."""

    def main(self) -> None:
        with self.module.aws_errors(f"check the options of {self.label()}"):
            self.validate()
        with self.module.aws_errors(f"describe {self.label()}"):
            found = self.read()
        self.module.exit(changed=False, **found)
