//! docs/ must be exactly what the schema generates (run `gen-docs` after schema changes).

use std::path::PathBuf;

#[test]
fn docs_are_generated_from_the_schema() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages = terraform_provider_mlops::docs::render_all(&root.join("examples"));
    assert!(
        pages.len() >= 4,
        "expected provider, 2 resources and a data source"
    );
    let mut stale = Vec::new();
    for (rel, md) in &pages {
        let on_disk = std::fs::read_to_string(root.join("docs").join(rel)).unwrap_or_default();
        if &on_disk != md {
            stale.push(rel.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "docs are stale: {stale:?}. Run `cargo run -p terraform-provider-mlops --bin gen-docs` and commit docs/."
    );
}

#[test]
fn every_schema_pattern_compiles() {
    let s = mlops_framework::schemas(&terraform_provider_mlops::MlopsProvider);
    s.provider.block.check_patterns().expect("provider");
    for (name, schema) in s.resources.iter().chain(s.data_sources.iter()) {
        schema
            .block
            .check_patterns()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Registry conventions: front matter with subcategory and description, an Import section
/// with an `import` block and the CLI form on every resource page, required blocks listed
/// as required, single blocks named as such, fields of object attributes listed.
#[test]
fn pages_follow_registry_conventions() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages = terraform_provider_mlops::docs::render_all(&root.join("examples"));
    for (rel, md) in &pages {
        if rel == "index.md" {
            continue;
        }
        let front = md.split("\n---\n").next().unwrap_or_default();
        assert!(
            front.contains("\nsubcategory: \"") && !front.contains("subcategory: \"\""),
            "{rel}: no subcategory"
        );
        assert!(
            front.contains("\ndescription: |-\n  "),
            "{rel}: no description"
        );
        assert!(
            !md.contains("at most one)"),
            "{rel}: single block not named"
        );
        if rel.starts_with("resources/") {
            let import = md.split("\n## Import\n").nth(1);
            assert!(
                import.is_some_and(|i| i.contains("import {\n  to = mlops_")
                    && i.contains("terraform import mlops_")),
                "{rel}: no Import section with an import block and the CLI form"
            );
        }
    }
    let endpoint = &pages["resources/endpoint.md"];
    let required = endpoint
        .split("### Required\n")
        .nth(1)
        .and_then(|s| s.split("###").next())
        .unwrap_or_default();
    assert!(
        required.contains("- `model` (Single block"),
        "model is required:\n{required}"
    );
    assert!(
        endpoint.contains("- `shadow` (Single block")
            && endpoint
                .lines()
                .filter(|l| l.starts_with("- `shadow`") || l.starts_with("- `variant`"))
                .all(|l| l.contains("own `name`")),
        "variant and shadow docs must say they need their own name (the default is the model's)"
    );
    let lookup = &pages["data-sources/model_package.md"];
    assert!(
        lookup.contains("Fields: `data_quality_constraints` (string)"),
        "the metrics object's fields are listed"
    );
}

fn patterns(rules: &[mlops_framework::schema::Rule], out: &mut Vec<String>) {
    for r in rules {
        match r {
            mlops_framework::schema::Rule::Pattern(p) => out.push(p.as_str().to_string()),
            mlops_framework::schema::Rule::Elements(rs) => patterns(rs, out),
            _ => {}
        }
    }
}

fn block_patterns(b: &mlops_framework::Block, out: &mut Vec<String>) {
    for a in &b.attributes {
        patterns(&a.rules, out);
    }
    for nb in &b.blocks {
        block_patterns(&nb.block, out);
    }
}

/// Validation messages say in plain words what a pattern allows: every pattern of every
/// schema has an explanation in `validation::PATTERN_HELP`.
#[test]
fn every_pattern_is_explained_in_plain_words() {
    let s = mlops_framework::schemas(&terraform_provider_mlops::MlopsProvider);
    let mut all = Vec::new();
    block_patterns(&s.provider.block, &mut all);
    for (_, schema) in s.resources.iter().chain(s.data_sources.iter()) {
        block_patterns(&schema.block, &mut all);
    }
    let help = terraform_provider_mlops::validation::PATTERN_HELP;
    let missing: Vec<&String> = all
        .iter()
        .filter(|p| !help.iter().any(|(h, _)| h == p))
        .collect();
    assert!(
        missing.is_empty(),
        "patterns without plain words: {missing:?}"
    );
}
