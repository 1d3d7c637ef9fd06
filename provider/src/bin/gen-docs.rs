//! Writes docs/ from the provider schema: `cargo run -p terraform-provider-mlops --bin gen-docs`.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages = terraform_provider_mlops::docs::render_all(&root.join("examples"));
    let docs = root.join("docs");
    for (rel, md) in pages {
        let p = docs.join(&rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("create docs dir");
        }
        std::fs::write(&p, md).expect("write doc page");
        println!("wrote docs/{rel}");
    }
}
