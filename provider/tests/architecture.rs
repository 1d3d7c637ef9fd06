//! The layout rules of `provider/src` (README "Inside provider/src"), checked on the source:
//! no file over 800 lines (the generated instance-type table aside), shared mechanics never
//! depend on a concept's room, no backend imports a sibling backend, and the top-level
//! modules import each other without cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// (path relative to src, text) of every file.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(src())
                .expect("under src")
                .display()
                .to_string();
            (rel, std::fs::read_to_string(&p).expect("read"))
        })
        .collect()
}

fn top(rel: &str) -> String {
    rel.split('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".rs")
        .to_string()
}

const ROOMS: &[&str] = &["registry", "serving", "monitoring", "pipelines", "features"];
const SHARED: &[&str] = &[
    "aws",
    "sagemaker",
    "clients",
    "kubernetes",
    "validation",
    "config",
];

#[test]
fn no_file_over_800_lines() {
    let big: Vec<String> = sources()
        .into_iter()
        .filter(|(rel, _)| !rel.ends_with("instance_types.rs"))
        .filter(|(_, text)| text.lines().count() > 800)
        .map(|(rel, text)| format!("{rel} ({} lines)", text.lines().count()))
        .collect();
    assert!(big.is_empty(), "split these by concern: {big:?}");
}

#[test]
fn shared_mechanics_never_depend_on_a_room() {
    let uses = Regex::new(r"crate::(\w+)").expect("regex");
    for (rel, text) in sources() {
        if !SHARED.contains(&top(&rel).as_str()) {
            continue;
        }
        for m in uses.captures_iter(&text) {
            assert!(!ROOMS.contains(&&m[1]), "{rel} uses crate::{}", &m[1]);
        }
    }
}

#[test]
fn no_backend_imports_a_sibling_backend() {
    for room in ROOMS {
        let dir = src().join(room);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let backends: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        for (rel, text) in sources() {
            let Some(rest) = rel.strip_prefix(&format!("{room}/")) else {
                continue;
            };
            let Some(own) = rest
                .split('/')
                .next()
                .filter(|b| backends.iter().any(|x| x == b))
            else {
                continue;
            };
            if !rest.contains('/') {
                continue;
            }
            for other in backends.iter().filter(|b| *b != own) {
                let sibling = Regex::new(&format!(r"(crate::{room}::|super::(super::)?){other}\b"))
                    .expect("regex");
                assert!(
                    !sibling.is_match(&text),
                    "{rel} (backend {own}) imports sibling backend {other}"
                );
            }
        }
    }
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let uses = Regex::new(r"crate::(\w+)").expect("regex");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in sources() {
        let from = top(&rel);
        for m in uses.captures_iter(&text) {
            let to = m[1].to_string();
            let is_module = src().join(&to).is_dir() || src().join(format!("{to}.rs")).exists();
            if to != from && is_module {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // depth-first search for a back edge
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let mut cycle = path.clone();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, edges, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if !state.contains_key(n.as_str()) {
            if let Some(c) = visit(n, &edges, &mut state, &mut Vec::new()) {
                panic!("import cycle: {}", c.join(" -> "));
            }
        }
    }
}
