//! The real `promtool` (Debian package `prometheus`; scripts/test.sh installs it) on rule
//! groups read back from the cluster: `check rules`, and `test rules` with synthetic series.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;

/// promtool: `MLOPS_PROMTOOL`, else the one on `PATH`.
fn promtool() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("MLOPS_PROMTOOL") {
        return Ok(PathBuf::from(p));
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let p = dir.join("promtool");
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!("promtool is missing: install Debian's prometheus package (scripts/test.sh does)")
}

/// A directory with `rules.json` (a rule file of `groups`; JSON is YAML), for promtool.
pub struct RuleFile {
    dir: tempfile::TempDir,
}

impl RuleFile {
    pub fn new(groups: &Json) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("rules.json"),
            serde_json::to_string_pretty(&serde_json::json!({ "groups": groups }))?,
        )?;
        Ok(RuleFile { dir })
    }

    fn run(&self, args: &[&str]) -> Result<(bool, String)> {
        let out = Command::new(promtool()?)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .context("running promtool")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.success(), text))
    }

    /// `promtool check rules rules.json`: success and its output.
    pub fn check(&self) -> Result<(bool, String)> {
        self.run(&["check", "rules", "rules.json"])
    }

    /// `promtool test rules` of `tests` (a unit test file's `tests` list, as JSON):
    /// success and its output.
    pub fn test(&self, tests: &Json) -> Result<(bool, String)> {
        std::fs::write(
            self.dir.path().join("tests.json"),
            serde_json::to_string_pretty(&serde_json::json!({
                "rule_files": ["rules.json"],
                "evaluation_interval": "1m",
                "tests": tests,
            }))?,
        )?;
        self.run(&["test", "rules", "tests.json"])
    }
}
