"""Server-side input validation driven by the AWS API model that botocore ships.

Real AWS services validate every request against the Smithy/Coral model and
answer with a ``ValidationException`` whose message lists each violated
constraint, for example::

    1 validation error detected: Value 'a--' at 'modelPackageGroupName' failed
    to satisfy constraint: Member must satisfy regular expression pattern:
    [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}

botocore only checks a subset client-side (required members, minimum lengths,
types) and the Rust SDK checks even less, so the emulator re-does the full check
(required, min/max length, enum, pattern, integer range) for the operations it
owns.  Member paths use AWS's rendering: lowerCamelCase member names, list
elements as ``name.<1-based index>.member``.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping
from typing import Any

try:  # The ``regex`` module understands Java's \p{L} classes and lookbehinds.
    import regex as _re
except ImportError:  # pragma: no cover - regex is a pinned requirement
    import re as _re  # type: ignore[no-redef]

from moto.core.utils import get_service_model


class ValidationFailure(Exception):
    """Raised with the complete AWS-style message."""

    def __init__(self, message: str, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    return str(value)


@functools.lru_cache(maxsize=None)
def _compile(pattern: str) -> Any:
    try:
        return _re.compile(pattern)
    except Exception:  # a pattern the regex engine cannot read: skip the check
        return None


def _check(shape: Any, value: Any, path: str, errors: list[str]) -> None:
    type_name = shape.type_name
    meta = shape.metadata
    constraints: list[str] = []

    if type_name == "structure":
        if not isinstance(value, dict):
            raise ValidationFailure(
                f"Start of structure or map found where not expected at '{path}'",
                code="SerializationException",
            )
        for req in shape.required_members:
            if value.get(req) is None:
                errors.append(
                    f"Value null at '{_join(path, req)}' failed to satisfy "
                    "constraint: Member must not be null"
                )
        for name, member_shape in shape.members.items():
            if value.get(name) is not None:
                _check(member_shape, value[name], _join(path, name), errors)
        return

    if type_name == "list":
        if not isinstance(value, list):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected a list",
                code="SerializationException",
            )
        _length(meta, len(value), constraints)
        for index, item in enumerate(value, start=1):
            if item is not None:
                _check(shape.member, item, f"{path}.{index}.member", errors)
    elif type_name == "map":
        if not isinstance(value, dict):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected a map",
                code="SerializationException",
            )
        _length(meta, len(value), constraints)
        for key, item in value.items():
            key_errors: list[str] = []
            _check(shape.key, key, path, key_errors)
            for err in key_errors:
                errors.append(
                    f"Value '{_render(key)}' at '{path}' failed to satisfy constraint: "
                    f"Map keys must satisfy constraint: [{err.split('constraint: ', 1)[-1]}]"
                )
            value_errors: list[str] = []
            if item is None:
                continue
            _check(shape.value, item, path, value_errors)
            for err in value_errors:
                errors.append(
                    f"Value '{_render(item)}' at '{path}' failed to satisfy constraint: "
                    f"Map value must satisfy constraint: [{err.split('constraint: ', 1)[-1]}]"
                )
    elif type_name == "string":
        if not isinstance(value, str):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected a string",
                code="SerializationException",
            )
        enum = meta.get("enum")
        if enum and value not in enum:
            constraints.append(
                "Member must satisfy enum value set: [" + ", ".join(enum) + "]"
            )
        _length(meta, len(value), constraints)
        pattern = meta.get("pattern")
        if pattern:
            compiled = _compile(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                constraints.append(
                    f"Member must satisfy regular expression pattern: {pattern}"
                )
    elif type_name in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected an integer",
                code="SerializationException",
            )
        if "min" in meta and value < meta["min"]:
            constraints.append(
                f"Member must have value greater than or equal to {meta['min']}"
            )
        if "max" in meta and value > meta["max"]:
            constraints.append(
                f"Member must have value less than or equal to {meta['max']}"
            )
    elif type_name == "boolean":
        if not isinstance(value, bool):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected a boolean",
                code="SerializationException",
            )
    elif type_name == "timestamp":
        if not isinstance(value, (int, float, str, datetime.datetime)) or isinstance(
            value, bool
        ):
            raise ValidationFailure(
                f"Unexpected value type at '{path}': expected a timestamp",
                code="SerializationException",
            )

    for constraint in constraints:
        errors.append(
            f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: "
            f"{constraint}"
        )


def _join(path: str, member: str) -> str:
    return f"{path}.{_lower_camel(member)}" if path else _lower_camel(member)


def _length(meta: dict[str, Any], length: int, constraints: list[str]) -> None:
    if "min" in meta and length < meta["min"]:
        constraints.append(
            f"Member must have length greater than or equal to {meta['min']}"
        )
    if "max" in meta and length > meta["max"]:
        constraints.append(
            f"Member must have length less than or equal to {meta['max']}"
        )


def validate_input(service_name: str, operation: str, body: str | bytes | None) -> dict:
    """Validate a JSON-protocol request body; returns the parsed params.

    Raises ValidationFailure with AWS's message format on any violation.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        params = json.loads(body) if body else {}
    except ValueError:
        raise ValidationFailure("Request body is not valid JSON", "SerializationException")
    if not isinstance(params, dict):
        raise ValidationFailure(
            "Start of list found where not expected", "SerializationException"
        )
    return validate_params(service_name, operation, params)


def _plain(value: Any) -> Any:
    """Mappings/sequences from moto's query parser as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def validate_params(service_name: str, operation: str, params: Any) -> dict:
    """Validate already-parsed request parameters (a JSON body, or what moto's
    query-protocol parser made of a form body); returns them as a plain dict.

    Raises ValidationFailure with AWS's message format on any violation.
    """
    params = _plain(params) if params is not None else {}
    op_model = get_service_model(service_name).operation_model(operation)
    if op_model.input_shape is None:
        return params
    errors: list[str] = []
    _check(op_model.input_shape, params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationFailure(
            f"{count} validation {noun} detected: " + "; ".join(errors)
        )
    return params
