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
