"""Validate SageMaker pipeline definitions against the corrected JSON schema.

    python acceptance-tests/oracle/validate.py FILE [FILE ...] [--schema SCHEMA]

Exit 0 when every FILE validates, 1 otherwise (one line per error:
``FILE: $.Steps[2].Arguments.ResourceConfig: <message>``), 2 on usage or
unreadable input.  The default schema is pipeline-definition.schema.json
beside this file (the published schema with every correction commented);
``--schema`` picks another (e.g. the published original, to see why the
corrections were needed).

Errors under ``oneOf``/``anyOf`` (step types, argument values) are reported
from the branch that was meant: the step schema whose ``Type`` matches, the
value form (string / Get / Std:Join / ...) that comes closest.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jsonschema
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEMA = HERE / "pipeline-definition.schema.json"


def load_schema(path: Path | str = DEFAULT_SCHEMA) -> dict:
    with open(path) as f:
        return json.load(f)


def make_validator(schema: dict) -> Draft7Validator:
    """Draft 7: the published "$schema" ("http://json-schema.org/schema#") names no
    draft; the schema only uses keywords whose meaning is the same in drafts 4-2020-12,
    so the choice does not change any verdict.  It is pinned for reproducibility."""
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def json_path(error: ValidationError) -> str:
    out = "$"
    for part in error.absolute_path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "").isalnum():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _type_mismatch(errors) -> bool:
    """True if a branch was rejected on its `Type` discriminator (wrong step/condition kind)."""
    return any(e.validator in ("enum", "const") and list(e.relative_path) == ["Type"] for e in errors)


def explain(error: ValidationError) -> list[ValidationError]:
    """The specific errors behind `error`: under a oneOf/anyOf, those of the branch
    that was meant (the only one whose `Type` matches; else the closest by
    jsonschema's best_match), recursively."""
    if not error.context:
        return [error]
    branches: dict[int, list] = {}
    for e in error.context:
        branches.setdefault(e.schema_path[0], []).append(e)
    candidates = [errs for errs in branches.values() if not _type_mismatch(errs)]
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        pool = [e for errs in (candidates or list(branches.values())) for e in errs]
        best = best_match(pool)
        chosen = [best] if best is not None else []
    if not chosen:
        return [error]
    return [leaf for e in chosen for leaf in explain(e)]


def _short_repr(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...}" if isinstance(value, dict) else text[: limit - 4] + " ..."


def _line(inner: ValidationError, outer: ValidationError) -> str:
    message = inner.message
    full = repr(inner.instance)
    if len(full) > 80 and full in message:  # keep the message, shorten the value it quotes
        message = message.replace(full, _short_repr(inner.instance))
    if len(message) > 400:
        message = message[:400] + "..."
    line = f"{json_path(inner)}: {message}"
    if inner is not outer:
        line += f"  (under {json_path(outer)}: {outer.validator})"
    return line


def errors(definition: dict, schema: dict | None = None) -> list[str]:
    """Sorted "PATH: message" lines; [] when valid."""
    validator = make_validator(schema if schema is not None else load_schema())
    lines = {_line(inner, error) for error in validator.iter_errors(definition) for inner in explain(error)}
    return sorted(lines)


def failing_paths(definition: dict, schema: dict | None = None) -> set[str]:
    """The instance paths of the most specific errors (for tests)."""
    validator = make_validator(schema if schema is not None else load_schema())
    return {json_path(inner) for error in validator.iter_errors(definition) for inner in explain(error)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Validate pipeline definition JSON files.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA)
    args = parser.parse_args(argv)
    try:
        schema = load_schema(args.schema)
        make_validator(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"{args.schema}: cannot use schema: {e}", file=sys.stderr)
        return 2
    status = 0
    for path in args.files:
        try:
            definition = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read JSON: {e}", file=sys.stderr)
            return 2
        found = errors(definition, schema)
        for line in found:
            print(f"{path}: {line}")
        if found:
            status = 1
        else:
            print(f"{path}: valid")
    return status


if __name__ == "__main__":
    sys.exit(main())
