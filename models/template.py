"""Templates as data: the resolved, typed form of a template file.

A :class:`Template` is what the loader (``updeck.storage.templates``) produces after
inheritance (``extends``/``drop``) is resolved; ``{{variables}}`` are still in its
text. :func:`updeck.models.project.instantiate` substitutes them and makes a project.

Durations and T-times are held as whole seconds (T-times as signed offsets from
the window start).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from updeck.models.notify_rules import NotifyRule, rule_from_dict, rule_to_dict

ITEM_KINDS: tuple[str, ...] = (
    "task", "check", "approval", "comms", "training", "metric", "milestone",
)
PRIORITIES: tuple[str, ...] = ("must", "should", "could", "wont")
TEMPLATE_FORMAT = 1

# Fields in which {{variables}} are substituted (template-format.md).
SUBSTITUTED_ITEM_FIELDS: tuple[str, ...] = ("title", "details", "verify", "rollback", "audience")
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    prompt: str = ""
    default: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class Stakeholder:
    name: str
    role: str = ""
    contact: str = ""


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role the template declares: its title, default members and whether it leads."""

    id: str
    title: str = ""
    members: tuple[str, ...] = ()  # user names, or ``group:NAME`` for a Unix group
    lead: bool = False


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One checklist item as the template defines it."""

    id: str
    title: str
    phase: str
    details: str = ""
    kind: str = "task"
    owner: str = ""
    required: bool = True
    estimate: int | None = None
    depends_on: tuple[str, ...] = ()
    at: int | None = None
    due: int | None = None
    verify: str = ""
    expect_exit: int = 0  # the exit code a passing verify run ends with
    expect_output: str = ""  # a regular expression its output must match, when set
    rollback: str = ""
    rollback_estimate: int | None = None
    point_of_no_return: bool = False
    approvers: tuple[str, ...] = ()
    separation_of_duties: bool = False
    priority: str = ""
    goal: str = ""
    covers: tuple[str, ...] = ()
    cost: float | None = None
    audience: str = ""
    baseline: str = ""
    target: str = ""
    when: str = ""
    tags: tuple[str, ...] = ()
    stream: str = ""  # the workstream (a short id such as dba); "" for none
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_approval(self) -> bool:
        return self.kind == "approval"

    @property
    def is_test(self) -> bool:
        """Covers at least one requirement: counts for traceability."""
        return bool(self.covers)


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    id: str
    description: str = ""
    items: tuple[ItemSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """A resolved template: inheritance applied, variables not yet substituted."""

    id: str
    name: str
    phases: tuple[PhaseSpec, ...]
    format: int = TEMPLATE_FORMAT
    version: str = ""
    description: str = ""
    variables: tuple[Variable, ...] = ()
    roles: tuple[str, ...] = ()  # every role id, in order
    stakeholders: tuple[Stakeholder, ...] = ()
    window_duration: int | None = None
    timezone: str = ""  # the site's IANA zone name; "" for UTC
    extensions: Mapping[str, Any] = field(default_factory=dict)
    role_specs: tuple[RoleSpec, ...] = ()  # roles given as a map (title, members, lead)
    enforce_owners: bool = False
    notify: tuple[NotifyRule, ...] = ()  # notification rules (updeck.models.notify_rules)

    def role(self, role_id: str) -> RoleSpec:
        """The role's details; a role given only by its id has none."""
        for spec in self.role_specs:
            if spec.id == role_id:
                return spec
        return RoleSpec(role_id)

    def lead_roles(self) -> tuple[str, ...]:
        return tuple(spec.id for spec in self.role_specs if spec.lead)

    def items(self) -> Iterator[ItemSpec]:
        """Every item, phase by phase in phase order, in template order."""
        for phase_spec in self.phases:
            yield from phase_spec.items

    def item(self, item_id: str) -> ItemSpec:
        for spec in self.items():
            if spec.id == item_id:
                return spec
        raise KeyError(item_id)

    def phase(self, phase_id: str) -> PhaseSpec:
        for phase_spec in self.phases:
            if phase_spec.id == phase_id:
                return phase_spec
        return PhaseSpec(phase_id)

    def variable_names(self) -> set[str]:
        """Every ``{{name}}`` used in the template's substituted text."""
        names: set[str] = set(_VARIABLE.findall(self.description))
        for phase_spec in self.phases:
            names.update(_VARIABLE.findall(phase_spec.description))
            for spec in phase_spec.items:
                for name in SUBSTITUTED_ITEM_FIELDS:
                    names.update(_VARIABLE.findall(getattr(spec, name)))
        return names


class MissingVariableError(ValueError):
    """A variable without a value or default, named in the message."""


class VariableValueError(ValueError):
    """A variable value that may not go into a plan (control characters), named."""


_SAFE_WORD = re.compile(r"[\w@%+=:,./-]*", re.ASCII)  # what shlex.quote leaves as it is
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def resolve_variables(template: Template, values: Mapping[str, str]) -> dict[str, str]:
    """Values for every declared variable: given, else default; missing ones raise.

    A variable declared ``required`` needs a value or a default; a variable that the
    text uses needs one too, declared or not.
    """
    resolved: dict[str, str] = {}
    missing: list[str] = []
    declared = {v.name for v in template.variables}
    for var in template.variables:
        if var.name in values and str(values[var.name]) != "":
            resolved[var.name] = str(values[var.name])
        elif var.default is not None:
            resolved[var.name] = str(var.default)
        elif var.required or var.name in template.variable_names():
            missing.append(var.name)
    for name in sorted(template.variable_names() - declared):
        if name in values:
            resolved[name] = str(values[name])
        else:
            missing.append(name)
    for name, value in values.items():
        resolved.setdefault(name, str(value))
    if missing:
        names = ", ".join(sorted(set(missing)))
        raise MissingVariableError(f"missing value for variable {names}; pass --var {missing[0]}=...")
    for name, value in sorted(resolved.items()):
        if (bad := _CONTROL.search(value)) is not None:
            raise VariableValueError(
                f"the value of variable {name} contains a control character "
                f"(U+{ord(bad.group(0)):04X}); it would go into commands and the status "
                "log: give a value without tabs, newlines or escapes")
    inside_quotes: set[str] = set()
    for spec in template.items():
        inside_quotes |= variables_inside_quotes(spec.verify)
    for name in sorted(inside_quotes & resolved.keys()):
        if not _SAFE_WORD.fullmatch(resolved[name]):
            raise VariableValueError(
                f"variable {name} is used inside quotes in a verify command, where quoting "
                f"cannot protect it: its value may hold only letters, digits and @%+=:,./- "
                f"(got {resolved[name]!r})")
    return resolved


def variables_inside_quotes(command: str) -> set[str]:
    """Names of the ``{{variables}}`` written inside '...' or "..." in a shell command."""
    names: set[str] = set()
    quote = ""
    i = 0
    while i < len(command):
        char = command[i]
        if quote and (match := _VARIABLE.match(command, i)) is not None:
            names.add(match.group(1))
            i = match.end()
            continue
        if char == "\\" and quote != "'":
            i += 2
            continue
        if quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        i += 1
    return names


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Plain ``{{name}}`` substitution; unknown names are left as written."""
    if "{{" not in text:
        return text
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def substitute_template(template: Template, values: Mapping[str, str]) -> Template:
    """The template with every variable in its substituted fields replaced.

    In ``verify`` (a shell command) each value is shell-quoted: one word, never code.
    """
    quoted = {name: shlex.quote(value) for name, value in values.items()}
    phases = []
    for phase_spec in template.phases:
        items = tuple(
            replace(spec, title=substitute(spec.title, values),
                    details=substitute(spec.details, values),
                    verify=substitute(spec.verify, quoted),
                    rollback=substitute(spec.rollback, values),
                    audience=substitute(spec.audience, values))
            for spec in phase_spec.items
        )
        phases.append(replace(phase_spec, description=substitute(phase_spec.description, values),
                              items=items))
    return replace(template, description=substitute(template.description, values),
                   phases=tuple(phases))


# --- plain-data form, for the status log and storage -------------------------------

_ITEM_TUPLES = ("depends_on", "approvers", "covers", "tags")
_DEFAULT_ITEM = ItemSpec(id="", title="", phase="")


def item_to_dict(spec: ItemSpec) -> dict[str, Any]:
    """Only the fields that differ from the defaults, to keep logs small."""
    out: dict[str, Any] = {"id": spec.id, "title": spec.title, "phase": spec.phase}
    for f in fields(ItemSpec):
        if f.name in out:
            continue
        value = getattr(spec, f.name)
        default = getattr(_DEFAULT_ITEM, f.name)
        if f.name == "extensions":
            if value:
                out[f.name] = dict(value)
            continue
        if value == default:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def item_from_dict(data: Mapping[str, Any]) -> ItemSpec:
    kwargs: dict[str, Any] = dict(data)
    for name in _ITEM_TUPLES:
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    if "extensions" in kwargs:
        kwargs["extensions"] = dict(kwargs["extensions"])
    return ItemSpec(**kwargs)


def _role_to_dict(role: RoleSpec) -> dict[str, Any]:
    return {"id": role.id, "title": role.title, "members": list(role.members), "lead": role.lead}


def template_to_dict(template: Template) -> dict[str, Any]:
    data = _template_dict(template)
    # Only when used, so a template without them keeps the plain form it always had.
    if template.role_specs:
        data["role_specs"] = [_role_to_dict(r) for r in template.role_specs]
    if template.enforce_owners:
        data["enforce_owners"] = True
    if template.notify:
        data["notify"] = [rule_to_dict(r) for r in template.notify]
    return data


def _template_dict(template: Template) -> dict[str, Any]:
    return {
        "format": template.format,
        "id": template.id,
        "name": template.name,
        "version": template.version,
        "description": template.description,
        "variables": [
            {"name": v.name, "prompt": v.prompt, "default": v.default, "required": v.required}
            for v in template.variables
        ],
        "roles": list(template.roles),
        "stakeholders": [
            {"name": s.name, "role": s.role, "contact": s.contact} for s in template.stakeholders
        ],
        "window_duration": template.window_duration,
        "timezone": template.timezone,
        "extensions": dict(template.extensions),
        "phases": [
            {"id": p.id, "description": p.description,
             "items": [item_to_dict(i) for i in p.items]}
            for p in template.phases
        ],
    }


def template_from_dict(data: Mapping[str, Any]) -> Template:
    return Template(
        id=data["id"],
        name=data["name"],
        format=data.get("format", TEMPLATE_FORMAT),
        version=data.get("version", ""),
        description=data.get("description", ""),
        variables=tuple(Variable(**v) for v in data.get("variables", ())),
        roles=tuple(data.get("roles", ())),
        stakeholders=tuple(Stakeholder(**s) for s in data.get("stakeholders", ())),
        window_duration=data.get("window_duration"),
        timezone=data.get("timezone", "") or "",
        extensions=dict(data.get("extensions", {})),
        role_specs=tuple(
            RoleSpec(str(r["id"]), str(r.get("title", "")), tuple(r.get("members", ())),
                     bool(r.get("lead", False)))
            for r in data.get("role_specs", ())
        ),
        enforce_owners=bool(data.get("enforce_owners", False)),
        notify=tuple(rule_from_dict(r) for r in data.get("notify", ())),
        phases=tuple(
            PhaseSpec(id=p["id"], description=p.get("description", ""),
                      items=tuple(item_from_dict(i) for i in p.get("items", ())))
            for p in data.get("phases", ())
        ),
    )
