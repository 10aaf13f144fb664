"""Load YAML text into pydantic models, with errors that name the file, the line and the reason."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class SourceError(ValueError):
    """A configuration or content file that cannot be used; the message says where and why."""


class At(ValueError):
    """A validator's error that points into the data: `raise At(("people", 3, "id"), "…")`."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def line_of(node: yaml.Node | None, path: tuple[Any, ...]) -> int | str:
    """The line (from 1) that `path` points to, as deep as the YAML goes: a mapping entry's key, a list item."""
    if node is None:
        return "?"
    mark = node.start_mark
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node, mark = value, key.start_mark
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return mark.line + 1


# libyaml when PyYAML has it: the content files parse ~20 times faster (half of `pestbot chat`'s start,
# issue 7). Any error is parsed again by the pure-Python loader, so messages stay exactly as they were.
FAST = getattr(yaml, "CSafeLoader", None)


def duplicate_key(node: yaml.Node | None) -> tuple[str, int, int] | None:
    """The first key given twice in one mapping (YAML keeps the last silently): key, its lines."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        return key.value, seen[key.value], key.start_mark.line + 1
                    seen[key.value] = key.start_mark.line + 1
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    data, node = _parse(text, source)
    twice = duplicate_key(node)
    if twice is not None:
        key, first, second = twice
        raise SourceError(f"{source}, regel {second}: dubbele sleutel '{key}' (ook op regel {first}); "
                          "YAML zou de laatste stil laten gelden")
    return data, node


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    if FAST is not None:
        try:
            return yaml.load(text, Loader=FAST), yaml.compose(text, Loader=FAST)
        except yaml.YAMLError:
            pass
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise SourceError(f"{source}, regel {line}: ongeldige YAML ({exc.problem})") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control character
        line = text.count("\n", 0, exc.position) + 1
        problem = f"teken #x{exc.character:04x} is niet toegestaan"
        raise SourceError(f"{source}, regel {line}: ongeldige YAML ({problem})") from None
    return data, node


def load_model(model: type[M], text: str, source: str, context: dict[str, Any] | None = None) -> M:
    """Parse `text` as YAML and validate it as `model` (validators see `context`); a SourceError names file,
    line and field."""
    data, node = parse_yaml(text, source)
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as exc:
        raise SourceError(describe_errors(exc, node, source)) from None


def describe_errors(exc: ValidationError, node: yaml.Node | None, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(part for part in err["loc"] if not isinstance(part, str) or not part.startswith("function-"))
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, At):
            loc += error.loc
        line = line_of(node, loc)
        field = ".".join(str(part) for part in loc) or "(top)"
        lines.append(f"{source}, regel {line}, veld {field}: {err['msg']}")
    return "\n".join(lines)
