//! Registry-style documentation generated from the schemas (doc comments on model fields).
//! `cargo run -p terraform-provider-mlops --bin gen-docs` writes `docs/`; a test fails when
//! the committed docs differ from what the schema produces.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use mlops_framework::function::Function;
use mlops_framework::{schemas, Attribute, Block, NestedBlock, Nesting, Provider, Schema, Type};

use crate::MlopsProvider;

/// Every generated page: relative path -> markdown.
pub fn render_all(examples_dir: &Path) -> BTreeMap<String, String> {
    let s = schemas(&MlopsProvider);
    let mut out = BTreeMap::new();
    out.insert(
        "index.md".to_string(),
        page(
            "mlops Provider",
            "provider",
            &s.provider,
            read_example(&examples_dir.join("provider/provider.tf")),
        ),
    );
    for (name, schema) in &s.resources {
        let short = name.trim_start_matches("mlops_");
        out.insert(
            format!("resources/{short}.md"),
            page(
                &format!("{name} (Resource)"),
                "resource",
                schema,
                read_example(&examples_dir.join(format!("resources/{name}/resource.tf"))),
            ) + &more_examples(
                examples_dir,
                &examples_dir.join(format!("resources/{name}/more-examples.txt")),
            ) + &import_section(&examples_dir.join(format!("resources/{name}/import.sh")))
                + &identity_section(name),
        );
    }
    for (name, schema) in &s.data_sources {
        let short = name.trim_start_matches("mlops_");
        out.insert(
            format!("data-sources/{short}.md"),
            page(
                &format!("{name} (Data Source)"),
                "data source",
                schema,
                read_example(&examples_dir.join(format!("data-sources/{name}/data-source.tf"))),
            ),
        );
    }
    for l in MlopsProvider.list_resources() {
        let name = l.type_name();
        let short = name.trim_start_matches("mlops_");
        let example =
            read_example(&examples_dir.join(format!("list-resources/{name}/query.tfquery.hcl")));
        let mut schema = l.schema().clone();
        schema.block.description = format!(
            "Finds existing objects that `{name}` can manage, for `terraform query` (Terraform 1.14+): \
             each with its identity, and with `-generate-config-out=FILE` a resource and an `import` \
             block that adopt it. The filters go in the `list` block's `config` block; `limit` \
             (default 100) caps the objects returned, following the API's pages."
        );
        out.insert(
            format!("list-resources/{short}.md"),
            page(
                &format!("{name} (List Resource)"),
                "list resource",
                &schema,
                example,
            ),
        );
    }
    for f in MlopsProvider.functions() {
        let name = f.name();
        out.insert(
            format!("functions/{name}.md"),
            function_page(
                f.as_ref(),
                read_example(&examples_dir.join(format!("functions/{name}/function.tf"))),
            ),
        );
    }
    out
}

/// The registry's grouping of a resource or data source in the navigation.
pub fn subcategory(type_name: &str) -> &'static str {
    match type_name {
        "mlops_model_package_group" | "mlops_model_package" => "Model Registry",
        "mlops_pipeline" => "Pipelines",
        "mlops_endpoint" => "Serving",
        "mlops_monitor" => "Monitoring",
        "mlops_feature_view" => "Feature Store",
        _ => "",
    }
}

/// The first sentence of a description, for the page's front matter.
fn summary(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = flat.find(". ").map(|i| i + 1).unwrap_or(flat.len());
    flat[..end].replace('"', "'")
}

/// `## Import` from `import.sh`: each `terraform import ADDRESS ID` line, shown as an
/// `import` block (Terraform 1.5+) and in the CLI form; `#` lines are the prose.
fn import_section(script: &Path) -> String {
    let Some(text) = read_example(script) else {
        return String::new();
    };
    let mut md = String::from("\n## Import\n");
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(prose) = line.strip_prefix('#') {
            let _ = writeln!(md, "\n{}", prose.trim());
        } else if let Some(rest) = line.strip_prefix("terraform import ") {
            let (address, id) = rest.split_once(' ').unwrap_or((rest, ""));
            let _ = writeln!(
                md,
                "\n```hcl\nimport {{\n  to = {address}\n  id = \"{id}\"\n}}\n```\n\nor, with the CLI:\n\n```shell\n{line}\n```"
            );
        }
    }
    md
}

/// Import by identity (Terraform 1.12+), from the resource's identity schema.
fn identity_section(type_name: &str) -> String {
    let resources = MlopsProvider.resources();
    let Some(schema) = resources
        .iter()
        .find(|r| r.type_name() == type_name)
        .and_then(|r| r.identity_schema())
    else {
        return String::new();
    };
    let mut md = String::from(
        "\n### Import by identity\n\nTerraform 1.12 and later record the resource's identity in state and can import by it instead of an ID:\n",
    );
    let required: Vec<String> = schema
        .attributes
        .iter()
        .filter(|a| a.required_for_import)
        .map(|a| {
            let v = if a.ty == Type::Number {
                "1".to_string()
            } else {
                "\"...\"".to_string()
            };
            format!("{} = {v}", a.name)
        })
        .collect();
    let _ = writeln!(
        md,
        "\n```hcl\nimport {{\n  to       = {type_name}.example\n  identity = {{ {} }}\n}}\n```\n",
        required.join(", ")
    );
    for a in &schema.attributes {
        let need = if a.required_for_import {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            md,
            "- `{}` ({}, {need}) {}",
            a.name,
            a.ty.friendly(),
            a.description
        );
    }
    md
}

fn read_example(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

/// Further complete examples for a page: `more-examples.txt` lists runnable configurations
/// (paths under examples/, one per line) that are shown in full after the schema, each under
/// the heading given by its first comment line. They are the files the acceptance tests
/// apply, so the docs never hold a copy that can drift.
fn more_examples(examples_dir: &Path, list: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(list) else {
        return String::new();
    };
    let mut md = String::new();
    for rel in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some(hcl) = read_example(&examples_dir.join(rel)) else {
            continue;
        };
        let title = hcl
            .lines()
            .next()
            .and_then(|l| l.strip_prefix('#'))
            .map(|t| t.trim().trim_end_matches(':').to_string())
            .unwrap_or_else(|| rel.to_string());
        let _ = writeln!(
            md,
            "\n## Example: {title}\n\nFrom [`examples/{rel}`](../../examples/{rel}), applied by the acceptance tests.\n\n```hcl\n{}\n```",
            hcl.trim_end()
        );
    }
    md
}

fn page(title: &str, kind: &str, schema: &Schema, example: Option<String>) -> String {
    let mut md = String::new();
    let type_name = title.split(' ').next().unwrap_or_default();
    let _ = writeln!(
        md,
        "---\npage_title: \"{title}\"\nsubcategory: \"{}\"\ndescription: |-\n  {}\n---\n",
        subcategory(type_name),
        summary(&schema.block.description)
    );
    let _ = writeln!(md, "# {title}\n");
    let _ = writeln!(md, "{}\n", schema.block.description.trim());
    if let Some(ex) = example {
        let _ = writeln!(md, "## Example Usage\n\n```hcl\n{}\n```\n", ex.trim_end());
    }
    let _ = writeln!(md, "## Schema\n");
    block_doc(&mut md, &schema.block, kind == "provider", "");
    let mut nested = Vec::new();
    collect_nested(&schema.block, "", &mut nested);
    for (anchor, b) in nested {
        let _ = writeln!(
            md,
            "<a id=\"nestedblock--{anchor}\"></a>\n### Nested Schema for `{}`\n",
            anchor.replace("--", ".")
        );
        if !b.description.trim().is_empty() {
            let _ = writeln!(md, "{}\n", b.description.trim());
        }
        block_doc(&mut md, b, false, &anchor);
    }
    md.trim_end().to_string() + "\n"
}

/// `docs/functions/<name>.md` of a provider function, with `examples/functions/<name>/function.tf`.
fn function_page(f: &dyn Function, example: Option<String>) -> String {
    let sig = f.signature();
    let name = f.name();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "---\npage_title: \"{name} function\"\nsubcategory: \"{}\"\ndescription: |-\n  {}\n---\n",
        if name.starts_with("model_package") {
            subcategory("mlops_model_package")
        } else if name.starts_with("pipeline") {
            subcategory("mlops_pipeline")
        } else {
            "Utilities"
        },
        sig.summary.replace('"', "'")
    );
    let _ = writeln!(md, "# {name} (Function)\n");
    let _ = writeln!(md, "{}.\n", sig.summary);
    let _ = writeln!(md, "{}\n", sig.description.trim());
    let _ = writeln!(
        md,
        "Provider functions need Terraform 1.8 or later; Terraform 1.0-1.7 stop at the `provider::` syntax with \"Missing newline after argument\".\n"
    );
    if let Some(ex) = example {
        let _ = writeln!(md, "## Example Usage\n\n```hcl\n{}\n```\n", ex.trim_end());
    }
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|p| format!("{} {}", p.name, constraint(&p.ty)))
        .collect();
    let _ = writeln!(
        md,
        "## Signature\n\n```text\nprovider::mlops::{name}({}) {}\n```\n",
        params.join(", "),
        constraint(&sig.ret)
    );
    let _ = writeln!(md, "## Arguments\n");
    for (i, p) in sig.params.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. `{}` ({}) {}",
            i + 1,
            p.name,
            constraint(&p.ty),
            p.description
        );
    }
    md.trim_end().to_string() + "\n"
}

/// A type as a Terraform type constraint.
fn constraint(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::Dynamic => "any".into(),
        Type::List(t) => format!("list({})", constraint(t)),
        Type::Set(t) => format!("set({})", constraint(t)),
        Type::Map(t) => format!("map({})", constraint(t)),
        Type::Tuple(ts) => format!(
            "tuple([{}])",
            ts.iter().map(constraint).collect::<Vec<_>>().join(", ")
        ),
        Type::Object { attrs, .. } => format!(
            "object({{ {} }})",
            attrs
                .iter()
                .map(|(k, t)| format!("{k} = {}", constraint(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn collect_nested<'a>(b: &'a Block, prefix: &str, out: &mut Vec<(String, &'a Block)>) {
    for nb in &b.blocks {
        let anchor = if prefix.is_empty() {
            nb.name.clone()
        } else {
            format!("{prefix}--{}", nb.name)
        };
        out.push((anchor.clone(), &nb.block));
        collect_nested(&nb.block, &anchor, out);
    }
}

fn attr_line(a: &Attribute) -> String {
    let mut notes = vec![a.ty.friendly()];
    if a.sensitive {
        notes.push("sensitive".into());
    }
    if a.write_only {
        notes.push("write-only: Terraform 1.11+, never stored in plan or state".into());
    }
    if a.requires_replace {
        notes.push("forces replacement".into());
    }
    if let Some(d) = &a.default {
        notes.push(format!("default `{d}`"));
    }
    let mut line = format!(
        "- `{}` ({}) {}",
        a.name,
        notes.join(", "),
        a.description.replace('\n', " ")
    );
    if let Some(fields) = object_fields(&a.ty) {
        let _ = write!(line, " Fields: {fields}.");
    }
    line
}

/// The fields of an object-typed attribute (or of the objects in a collection), e.g.
/// "`a` (string), `b` (number)".
fn object_fields(ty: &Type) -> Option<String> {
    match ty {
        Type::Object { attrs, .. } => Some(
            attrs
                .iter()
                .map(|(name, t)| format!("`{name}` ({})", t.friendly()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Type::List(t) | Type::Set(t) | Type::Map(t) => object_fields(t),
        _ => None,
    }
}

fn block_line(nb: &NestedBlock, anchor: &str) -> String {
    let nesting = match nb.nesting {
        Nesting::Single => format!(
            "Single block; its attributes are read as `{0}.<attribute>`, not `{0}[0]`",
            nb.name
        ),
        Nesting::List if nb.max_items > 0 => format!("Block list, at most {}", nb.max_items),
        Nesting::List => "Block list".to_string(),
        Nesting::Set => "Block set".to_string(),
        Nesting::Map => "Block map".to_string(),
    };
    format!(
        "- `{}` ({nesting}{}) {} (see [below for nested schema](#nestedblock--{}))",
        nb.name,
        if nb.requires_replace {
            ", forces replacement"
        } else {
            ""
        },
        nb.description.replace('\n', " "),
        if anchor.is_empty() {
            nb.name.clone()
        } else {
            format!("{anchor}--{}", nb.name)
        }
    )
}

/// `anchor`: the block's own anchor (empty at the top), so links to nested blocks point at
/// their full path (`step--processing--input`).
fn block_doc(md: &mut String, b: &Block, provider: bool, anchor: &str) {
    let required: Vec<&Attribute> = b.attributes.iter().filter(|a| a.required).collect();
    let optional: Vec<&Attribute> = b.attributes.iter().filter(|a| a.optional).collect();
    let read_only: Vec<&Attribute> = b
        .attributes
        .iter()
        .filter(|a| a.computed && !a.optional)
        .collect();
    let (required_blocks, optional_blocks): (Vec<&NestedBlock>, Vec<&NestedBlock>) =
        b.blocks.iter().partition(|nb| nb.min_items > 0);
    if !required.is_empty() || !required_blocks.is_empty() {
        let _ = writeln!(md, "### Required\n");
        for a in required {
            let _ = writeln!(md, "{}", attr_line(a));
        }
        for nb in required_blocks {
            let _ = writeln!(md, "{}", block_line(nb, anchor));
        }
        md.push('\n');
    }
    if !optional.is_empty() || !optional_blocks.is_empty() {
        let _ = writeln!(md, "### Optional\n");
        for a in optional {
            let _ = writeln!(md, "{}", attr_line(a));
        }
        for nb in optional_blocks {
            let _ = writeln!(md, "{}", block_line(nb, anchor));
        }
        md.push('\n');
    }
    if !read_only.is_empty() && !provider {
        let _ = writeln!(md, "### Read-Only\n");
        for a in read_only {
            let _ = writeln!(md, "{}", attr_line(a));
        }
        md.push('\n');
    }
}
