#!/usr/bin/env python3
"""Writes the inputs and outputs tables of every module README from its variables.tf and
outputs.tf (between the `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` markers), so the
READMEs never drift from the code.

    .venv/bin/python scripts/gen-module-docs.py           # rewrite the READMEs
    .venv/bin/python scripts/gen-module-docs.py --check   # fail if one is stale (CI)
"""
import json
import sys
import textwrap
from pathlib import Path

import hcl2

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def text(v):
    """python-hcl2 keeps HCL's quoting and `${}` wrapping; undo both (heredocs dedented)."""
    if not isinstance(v, str):
        return v
    if v.startswith("${") and v.endswith("}"):
        return v[2:-1]
    if v.startswith('"<<'):
        lines = v[1:-1].split("\n")[1:-1]
        return " ".join(textwrap.dedent("\n".join(lines)).split())
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        return json.loads(v)
    return v


def hcl_value(v):
    """A default value written as HCL."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        t = text(v)
        if v.startswith('"'):
            return json.dumps(t)
        return t
    if isinstance(v, list):
        return "[" + ", ".join(hcl_value(x) for x in v) + "]"
    if isinstance(v, dict):
        items = [f"{text(k)} = {hcl_value(x)}" for k, x in v.items() if k != "__is_block__"]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    return str(v)


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(module: Path) -> str:
    variables = hcl2.load(open(module / "variables.tf")).get("variable", [])
    outputs = hcl2.load(open(module / "outputs.tf")).get("output", [])
    out = ["## Inputs", "", "| Name | Description | Type | Default | Required |",
           "|------|-------------|------|---------|:--------:|"]
    required = [v for v in variables if "default" not in next(iter(v.values()))]
    optional = [v for v in variables if "default" in next(iter(v.values()))]
    for var in required + optional:
        (name, body), = var.items()
        typ = " ".join(str(text(body.get("type", "any"))).split())
        default = f"`{hcl_value(body['default'])}`" if "default" in body else "n/a"
        sens = " (sensitive)" if body.get("sensitive") else ""
        out.append(f"| `{text(name)}` | {cell(text(body.get('description', '')))}{sens} | "
                   f"`{cell(typ)}` | {cell(default)} | {'no' if 'default' in body else 'yes'} |")
    out += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for o in outputs:
        (name, body), = o.items()
        out.append(f"| `{text(name)}` | {cell(text(body.get('description', '')))} |")
    return "\n".join(out)


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for module in sorted((REPO / "modules").iterdir()):
        readme = module / "README.md"
        if not (module / "variables.tf").exists():
            continue
        doc = readme.read_text() if readme.exists() else f"# {module.name}\n\n{BEGIN}\n{END}\n"
        if BEGIN not in doc or END not in doc:
            print(f"{readme}: missing {BEGIN} / {END} markers", file=sys.stderr)
            return 1
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = f"{head}{BEGIN}\n{table(module)}\n{END}{tail}"
        if new != doc:
            stale.append(str(readme.relative_to(REPO)))
            if not check:
                readme.write_text(new)
    if check and stale:
        print("stale module READMEs (run .venv/bin/python scripts/gen-module-docs.py): "
              + ", ".join(stale), file=sys.stderr)
        return 1
    for s in stale:
        print(f"wrote {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
