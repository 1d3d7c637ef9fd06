//! The modules' native Terraform tests (`modules/<module>/tests/*.tftest.hcl`), run as a user
//! runs them: the module copied into a temporary workspace, the real provider binary from a
//! filesystem mirror, `terraform init`, then `terraform test`. The tests plan against
//! `mock_provider "mlops"`, so no API is called: the emulator must see no request at all.

use std::path::{Path, PathBuf};

use acceptance_tests::{load_dir, normalize, repo_root, Emulator, Install, Workspace};
use anyhow::{bail, ensure, Context, Result};
use regex::Regex;

/// The `.tftest.hcl` files of a module, sorted.
fn test_files(module: &Path) -> Result<Vec<PathBuf>> {
    let dir = module.join("tests");
    let mut files = vec![];
    for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".tftest.hcl"))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `run "..." {` blocks in a test file (at the start of a line, so comments do not count).
fn count_runs(text: &str) -> usize {
    text.lines()
        .filter(|l| l.trim_start().starts_with("run \""))
        .count()
}

/// Copy `modules/<name>` (its `.tf` files and its tests; the modules reference nothing by a
/// relative path) into a workspace, init, run `terraform test` and require every run block
/// to pass without a single call to the emulator.
fn module_test(name: &str) -> Result<()> {
    let module = repo_root().join("modules").join(name);
    let files = test_files(&module)?;
    ensure!(!files.is_empty(), "{name} has no tests/*.tftest.hcl");

    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    load_dir(&ws, &module)?;
    let tests = ws.work().join("tests");
    std::fs::create_dir_all(&tests)?;
    let mut runs = 0;
    for f in &files {
        let text = std::fs::read_to_string(f)?;
        runs += count_runs(&text);
        std::fs::write(tests.join(f.file_name().context("file name")?), text)?;
    }
    ensure!(runs > 0, "{name}: no run blocks in {files:?}");

    ws.init()
        .with_context(|| format!("{name}: terraform init"))?;
    let r = ws
        .tf_ok(&["test", "-no-color"])
        .with_context(|| format!("{name}: terraform test"))?;
    let out = normalize(&r.stdout);
    // "Success! N passed, 0 failed." (a skipped run adds ", M skipped" and does not match)
    let summary = Regex::new(r"Success! (\d+) passed, 0 failed\.")?;
    let Some(passed) = summary.captures(&out) else {
        bail!(
            "{name}: no success summary in the output of terraform test:\n{}",
            r.stdout
        );
    };
    let passed: usize = passed[1].parse()?;
    ensure!(
        passed == runs,
        "{name}: {passed} runs passed, but the test files have {runs} run blocks:\n{}",
        r.stdout
    );
    eprintln!(
        "{name}: {passed} of {runs} runs passed in {:.1}s ({} test files)",
        r.secs,
        files.len()
    );

    let calls = emulator.calls()?;
    ensure!(
        calls.is_empty(),
        "{name}: the mocked tests reached the emulator: {calls:?}"
    );
    Ok(())
}

#[test]
fn model_build_module_tests() -> Result<()> {
    module_test("model-build")
}

#[test]
fn batch_inference_module_tests() -> Result<()> {
    module_test("batch-inference")
}

#[test]
fn feature_store_module_tests() -> Result<()> {
    module_test("feature-store")
}

#[test]
fn realtime_serving_module_tests() -> Result<()> {
    module_test("realtime-serving")
}

#[test]
fn kubernetes_serving_module_tests() -> Result<()> {
    module_test("kubernetes-serving")
}

/// Every module has tests, so a new module without them fails here.
#[test]
fn every_module_has_tests() -> Result<()> {
    let mut missing = vec![];
    for entry in std::fs::read_dir(repo_root().join("modules"))? {
        let path = entry?.path();
        let tested = matches!(test_files(&path), Ok(f) if !f.is_empty());
        if path.join("main.tf").exists() && !tested {
            missing.push(path.display().to_string());
        }
    }
    ensure!(missing.is_empty(), "modules without tests: {missing:?}");
    Ok(())
}
