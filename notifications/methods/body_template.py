"""A webhook's optional body template (Quay's ``template``): JSON in which a string
``"${path.to.value}"`` becomes that value of the event data, and ``${...}`` inside a longer
string becomes its text."""

from __future__ import annotations

import json
import re

REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


class TemplateInvalid(ValueError):
    pass


def template_parse(template: str) -> object:
    try:
        return json.loads(template)
    except json.JSONDecodeError as error:
        raise TemplateInvalid(f"Invalid template: {error}") from None


def _lookup(data: object, path: str) -> object:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _apply(node: object, data: dict) -> object:
    if isinstance(node, dict):
        return {key: _apply(value, data) for key, value in node.items()}
    if isinstance(node, list):
        return [_apply(value, data) for value in node]
    if isinstance(node, str):
        whole = REFERENCE.fullmatch(node)
        if whole:
            return _lookup(data, whole.group(1))
        return REFERENCE.sub(lambda match: str(_lookup(data, match.group(1)) or ""), node)
    return node


def template_apply(template: str, data: dict) -> object:
    return _apply(template_parse(template), data)
