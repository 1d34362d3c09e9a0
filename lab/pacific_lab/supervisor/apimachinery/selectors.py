"""Label selectors (`app=web,tier!=db,env in (a,b),!legacy`) and field selectors (`metadata.name=x`)."""

import re

from .errors import bad_request

_REQUIREMENT = re.compile(
    r"^\s*(?P<not>!)?\s*(?P<key>[A-Za-z0-9][-A-Za-z0-9_./]*)\s*"
    r"(?:(?P<op>==|=|!=)\s*(?P<value>[-A-Za-z0-9_.]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\))?\s*$"
)


def _split_requirements(text):
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_label_selector(text):
    """A predicate on a labels dict; a malformed selector is a 400, as on the API server."""
    requirements = []  # (key, operator, values)
    for part in _split_requirements(text or ""):
        match = _REQUIREMENT.match(part)
        if not match or (match.group("not") and (match.group("op") or match.group("setop"))):
            raise bad_request(f"unable to parse requirement: invalid label selector: {part.strip()!r}")
        key = match.group("key")
        if match.group("not"):
            requirements.append((key, "!", set()))
        elif match.group("op"):
            requirements.append((key, "!=" if match.group("op") == "!=" else "=", {match.group("value")}))
        elif match.group("setop"):
            values = {v.strip() for v in match.group("values").split(",") if v.strip()}
            requirements.append((key, match.group("setop"), values))
        else:
            requirements.append((key, "exists", set()))
    return lambda labels: all(_label_requirement_holds(labels or {}, *r) for r in requirements)


def _label_requirement_holds(labels, key, operator, values):
    if operator == "!":
        return key not in labels
    if operator == "exists":
        return key in labels
    if operator in ("=", "in"):
        return labels.get(key) in values
    return labels.get(key) not in values  # != and notin also match when the label is absent


def dotted(obj, path):
    """The value at `path` ("spec.replicas") in `obj`, None where a part is missing."""
    node = obj
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def parse_field_selector(text, resource):
    """A predicate on whole objects; fields other than the kind's selectable ones are a 400."""
    supported = {"metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace",
                 **dict(resource.selectable_fields)}
    requirements = []
    for part in _split_requirements(text or ""):
        match = re.match(r"^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise bad_request(f"invalid field selector: {part.strip()!r}")
        field, operator, value = match.groups()
        if field not in supported:
            raise bad_request(f'field label not supported: {field}')
        path = supported[field]
        if operator == "!=":
            requirements.append(lambda obj, p=path, v=value: str(dotted(obj, p) or "") != v)
        else:
            requirements.append(lambda obj, p=path, v=value: str(dotted(obj, p) or "") == v)
    return lambda obj: all(requirement(obj) for requirement in requirements)
