//! Local pipeline code: a processing step's `code` may name a script in the repository
//! instead of an S3 URI. The compiler reads it, and the definition points at its
//! content-addressed copy, as the SageMaker Python SDK lays it out:
//! `s3://<default_bucket>/<pipeline>/code/<sha256 of the content>/<file name>`.
//!
//! A new content is a new key, so the plan shows the change inside `definition_json`, and
//! executions already running keep reading the key they started with (old keys are never
//! deleted). The upload itself happens at apply (`pipelines/upload.rs`).

use std::io::Read;
use std::path::Path;

use mlops_framework::AttrPath;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use super::{is_unknown, Compiler};

/// Largest script accepted (SageMaker reads it from S3; a bigger file is a data set, not
/// code, and would be read at every plan).
pub const MAX_CODE_BYTES: u64 = 32 * 1024 * 1024;

/// One file to put at `s3://<bucket>/<key>` before the pipeline is created or updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpload {
    /// The path as written in the configuration.
    pub path: String,
    pub bucket: String,
    pub key: String,
    /// Hex SHA-256 of the content the plan saw.
    pub sha256: String,
    /// Where in the configuration (for diagnostics at apply).
    pub at: AttrPath,
}

impl CodeUpload {
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Whether `code` names a local file (not an S3 URI, not a reference, known).
pub fn is_local(code: &str) -> bool {
    !code.starts_with("s3://") && !code.contains("{{") && !is_unknown(code)
}

/// The file name a local or S3 `code` ends in.
pub fn file_name(code: &str) -> &str {
    code.rsplit(['/', '\\'])
        .next()
        .filter(|f| !f.is_empty())
        .unwrap_or("script")
}

/// Hex SHA-256 of a file's content, with its length; an error message naming the path.
pub fn sha256_file(path: &str) -> Result<(String, u64), String> {
    let resolved = resolved(path);
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "Cannot read {path:?} ({resolved}): {e}. A relative path is resolved from the directory Terraform runs in; inside a module write \"${{path.module}}/...\"."
        )
    })?;
    if !meta.is_file() {
        return Err(format!(
            "{path:?} ({resolved}) is not a file: `code` names one script (put helpers in an image, or upload a directory and reference its S3 URI)."
        ));
    }
    if meta.len() > MAX_CODE_BYTES {
        return Err(format!(
            "{path:?} is {} bytes; a script may have at most {MAX_CODE_BYTES} bytes.",
            meta.len()
        ));
    }
    let mut f = std::fs::File::open(path).map_err(|e| format!("Cannot open {path:?}: {e}."))?;
    let mut h = Sha256::new();
    let mut buf = [0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = f
            .read(&mut buf)
            .map_err(|e| format!("Cannot read {path:?}: {e}."))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((hex(&h.finalize()), n))
}

/// Hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The absolute form of `path` (for messages).
fn resolved(path: &str) -> String {
    std::path::absolute(Path::new(path))
        .map(|p| format!("resolved to {}", p.display()))
        .unwrap_or_else(|_| "unresolvable".into())
}

impl Compiler<'_> {
    /// The S3 URI of a local script (content-addressed under the default bucket), recorded
    /// for upload; `None` with an error at `path` when the file cannot be read or there is
    /// no bucket.
    pub(super) fn local_code(&mut self, code: &str, path: &AttrPath) -> Option<Json> {
        let (sha, _) = match sha256_file(code) {
            Ok(x) => x,
            Err(msg) => {
                self.err(path.clone(), "Cannot read pipeline code", msg);
                return None;
            }
        };
        let Some(bucket) = self.spec.default_bucket else {
            self.err(
                path.clone(),
                "No bucket for local code",
                format!("{code:?} is a local file; set the pipeline's `default_bucket` so the provider can upload it (to s3://<default_bucket>/{}/code/<sha256>/{}), or give an S3 URI.", self.spec.pipeline_name, file_name(code)),
            );
            return None;
        };
        let name = self.spec.pipeline_name;
        if is_unknown(bucket) || is_unknown(name) {
            return Some(json!(super::UNKNOWN));
        }
        let up = CodeUpload {
            path: code.to_string(),
            bucket: bucket.to_string(),
            key: format!("{name}/code/{sha}/{}", file_name(code)),
            sha256: sha,
            at: path.clone(),
        };
        let uri = up.uri();
        if !self.uploads.contains(&up) {
            self.uploads.push(up);
        }
        Some(json!(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_or_not() {
        assert!(is_local("scripts/preprocess.py"));
        assert!(is_local("./preprocess.py"));
        assert!(!is_local("s3://b/k/preprocess.py"));
        assert!(!is_local("{{ parameters.Code }}"));
        assert!(!is_local(super::super::UNKNOWN));
        assert_eq!(file_name("a/b/train.py"), "train.py");
        assert_eq!(file_name("train.py"), "train.py");
        assert_eq!(file_name("s3://b/k/eval.py"), "eval.py");
    }

    fn processing(code: &str) -> Vec<crate::pipelines::compiler::Step> {
        let j = json!([{
            "name": "Prep",
            "processing": {
                "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
                "instance_type": "ml.m5.xlarge",
                "code": code
            }
        }]);
        serde_json::from_value(j).expect("fixture")
    }

    fn spec<'a>(
        steps: &'a [crate::pipelines::compiler::Step],
        bucket: Option<&'a str>,
    ) -> super::super::Spec<'a> {
        super::super::Spec {
            pipeline_name: "P",
            role_arn: "arn:aws:iam::123456789012:role/R",
            default_bucket: bucket,
            region: Some("us-east-1"),
            parameters: &[],
            steps,
        }
    }

    #[test]
    fn local_code_compiles_to_its_content_addressed_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("prep.py");
        std::fs::write(&f, b"abc").expect("write");
        let path = f.to_str().expect("utf-8");
        let steps = processing(path);
        let (j, ups) = super::super::compile_with_code(&spec(&steps, Some("b"))).expect("ok");
        let key = "P/code/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/prep.py";
        let args = &j["Steps"][0]["Arguments"];
        assert_eq!(
            args["ProcessingInputs"][0]["S3Input"]["S3Uri"],
            json!(format!("s3://b/{key}"))
        );
        assert_eq!(
            args["AppSpecification"]["ContainerEntrypoint"],
            json!(["python3", "/opt/ml/processing/input/code/prep.py"])
        );
        assert_eq!(ups.len(), 1);
        assert_eq!((ups[0].bucket.as_str(), ups[0].key.as_str()), ("b", key));
        assert_eq!(ups[0].at.to_string(), "step[0].processing.code");
        // An S3 URI is used as it is and uploads nothing.
        let steps = processing("s3://b/k/prep.py");
        let (_, ups) = super::super::compile_with_code(&spec(&steps, None)).expect("ok");
        assert!(ups.is_empty());
        // No bucket: an error at the attribute.
        let steps = processing(path);
        let e = super::super::compile_with_code(&spec(&steps, None)).expect_err("no bucket");
        assert_eq!(e.0[0].summary, "No bucket for local code");
        assert!(e.0[0]
            .detail
            .contains("s3://<default_bucket>/P/code/<sha256>/prep.py"));
    }

    #[test]
    fn sha256_of_content_and_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("p.py");
        std::fs::write(&f, b"abc").expect("write");
        let (sha, n) = sha256_file(f.to_str().expect("utf-8")).expect("readable");
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(n, 3);
        let missing = dir.path().join("nope.py");
        let e = sha256_file(missing.to_str().expect("utf-8")).expect_err("missing");
        assert!(e.contains("nope.py") && e.contains("path.module"), "{e}");
        let e = sha256_file(dir.path().to_str().expect("utf-8")).expect_err("dir");
        assert!(e.contains("is not a file"), "{e}");
    }
}
