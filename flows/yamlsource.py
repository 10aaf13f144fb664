"""Load YAML text into pydantic models, with errors that name the file, the line and the reason."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class SourceError(ValueError):
    """A configuration or content file that cannot be used; the message says where and why."""


def _node_at(node: yaml.Node, path: tuple[Any, ...]) -> yaml.Node:
    """The deepest YAML node that the pydantic error location still points into."""
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node = value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise SourceError(f"{source}, regel {line}: ongeldige YAML ({exc.problem})") from None
    return data, node


def load_model(model: type[M], text: str, source: str) -> M:
    """Parse `text` as YAML and validate it as `model`; a SourceError names file, line and field."""
    data, node = parse_yaml(text, source)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise SourceError(describe_errors(exc, node, source)) from None


def describe_errors(exc: ValidationError, node: yaml.Node | None, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(part for part in err["loc"] if not isinstance(part, str) or not part.startswith("function-"))
        line = _node_at(node, loc).start_mark.line + 1 if node is not None else "?"
        field = ".".join(str(part) for part in loc) or "(top)"
        lines.append(f"{source}, regel {line}, veld {field}: {err['msg']}")
    return "\n".join(lines)
