"""Load a YAML file into a pydantic model, turning every failure into a UserError naming file and field; and
the one comment edit the tuner makes when it writes a YAML back (ruamel round trip)."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pydantic
import yaml

from pipeline.errors import UserError

M = TypeVar("M", bound=pydantic.BaseModel)


def describe_validation_error(path: Path, err: pydantic.ValidationError) -> str:
    lines = [f"{path}: invalid ({err.error_count()} problem(s))"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "<top level>"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"  field '{loc}': {msg}")
    return "\n".join(lines)


def load_yaml(path: Path) -> object:
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid YAML: {e}") from None


def load_model(path: Path, model: type[M], **context: object) -> M:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data, context=context or None)
    except pydantic.ValidationError as e:
        raise UserError(describe_validation_error(path, e)) from None


def add_eol_comment(parent, at, text: str) -> None:
    """ruamel's yaml_add_eol_comment, keeping the comment lines it would drop: the full-line comments stored
    with the entry (before it, or after its old end-of-line comment)."""
    old = parent.ca.items.pop(at, None) or []  # ruamel fails to add beside a stored full-line comment
    parent.yaml_add_eol_comment(text, at)
    new = parent.ca.items[at]
    for i, token in enumerate(old):
        if token is None:
            continue
        if new[i] is None:
            new[i] = token
        elif not isinstance(token, list) and "\n" in token.value.rstrip("\n"):
            new[i].value = new[i].value.rstrip("\n") + "\n" + token.value.rstrip("\n").split("\n", 1)[1] + "\n"
