//! Registry-style documentation generated from the schemas (doc comments on model fields).
//! `cargo run -p terraform-provider-mlops --bin gen-docs` writes `docs/`; a test fails when
//! the committed docs differ from what the schema produces.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use mlops_framework::{schemas, Attribute, Block, Nesting, Schema};

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
            ),
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
    out
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
    let _ = writeln!(md, "---\npage_title: \"{title}\"\n---\n");
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
    if a.requires_replace {
        notes.push("forces replacement".into());
    }
    if let Some(d) = &a.default {
        notes.push(format!("default `{d}`"));
    }
    format!(
        "- `{}` ({}) {}",
        a.name,
        notes.join(", "),
        a.description.replace('\n', " ")
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
    if !required.is_empty() {
        let _ = writeln!(md, "### Required\n");
        for a in required {
            let _ = writeln!(md, "{}", attr_line(a));
        }
        md.push('\n');
    }
    if !optional.is_empty() || !b.blocks.is_empty() {
        let _ = writeln!(md, "### Optional\n");
        for a in optional {
            let _ = writeln!(md, "{}", attr_line(a));
        }
        for nb in &b.blocks {
            let nesting = match nb.nesting {
                Nesting::Single => "Block, at most one".to_string(),
                Nesting::List => "Block list".to_string(),
                Nesting::Set => "Block set".to_string(),
                Nesting::Map => "Block map".to_string(),
            };
            let _ = writeln!(
                md,
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
            );
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
