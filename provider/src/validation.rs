//! Validation rules shared by resources, derived from the SageMaker API model (botocore
//! `sagemaker/service-2.json`: EntityName, ArnOrName, ContainerImage, Url, TagKey...).

/// A Prometheus duration, e.g. `5m` or `1h30m`.
pub const PROM_DURATION: &str = r"^([0-9]+(ms|s|m|h|d|w|y))+$";
/// A short label value for alert routing, e.g. `critical`.
pub const SEVERITY: &str = r"^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$";
/// `EntityName`: 1-63 characters, alphanumerics and single/multiple hyphens inside.
pub const ENTITY_NAME: &str = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";
/// `ArnOrName` for model package groups.
pub const GROUP_ARN_OR_NAME: &str = r"^(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model-package-group/)?[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";
/// `EntityDescription`.
pub const ENTITY_DESCRIPTION: &str = r"^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*$";
/// `ContainerImage`: no whitespace (1-255 checked by length).
pub const CONTAINER_IMAGE: &str = r"^\S+$";
/// `Url` for model artifacts and metrics: s3:// or https://.
pub const S3_OR_HTTPS_URL: &str = r"^(https|s3)://([^/]+)/?(.*)$";
/// `ModelPackageArn`.
pub const MODEL_PACKAGE_ARN: &str =
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/\S+$";
/// `PipelineName`: 1-256 alphanumerics and hyphens inside (botocore pattern rewritten
/// without a counted repetition; the length is checked separately).
pub const PIPELINE_NAME: &str = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$";
/// `RoleArn`.
pub const ROLE_ARN: &str = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$";
/// AWS account ID.
pub const ACCOUNT_ID: &str = r"^[0-9]{12}$";

/// A Feast project name.
pub const FEAST_PROJECT: &str = r"^[A-Za-z0-9_]{1,64}$";
/// A Feast entity or data source name.
pub const FEAST_NAME: &str = r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$";
/// A Feast registry server address: `host:port`, optionally as an http(s) URL.
pub const FEAST_ADDRESS: &str = r"^((https?)://)?[A-Za-z0-9.\-\[\]:]+:\d{1,5}/?$";

/// Every schema pattern in plain words (what is allowed, with an example), shown instead
/// of the regular expression when a value does not match. A test checks each pattern of
/// every schema has an entry.
pub const PATTERN_HELP: &[(&str, &str)] = &[
    (FEAST_PROJECT, "use 1-64 letters, digits and underscores (e.g. \"churn\"; no hyphens)"),
    (FEAST_NAME, "use 1-128 letters, digits, '_' and '-', starting with a letter, digit or '_' (e.g. \"customer_stats_source\")"),
    (FEAST_ADDRESS, "give host:port (e.g. \"feast-registry.feast.svc:6570\"), optionally as an http:// or https:// URL"),
    (PROM_DURATION, "give a Prometheus duration: a number and a unit (ms, s, m, h, d, w, y), e.g. \"5m\" or \"1h30m\""),
    (SEVERITY, "use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. \"critical\")"),
    (ENTITY_NAME, "use 1-63 letters, digits and hyphens, starting and ending with a letter or digit (e.g. \"churn-model\"; no underscores or dots)"),
    (GROUP_ARN_OR_NAME, "give a group name (1-63 letters, digits and hyphens, e.g. \"churn-model\") or a model package group ARN (arn:aws:sagemaker:<region>:<account>:model-package-group/<name>)"),
    (ENTITY_DESCRIPTION, "use letters, digits, spaces, punctuation and symbols only (no control characters such as tabs or newlines)"),
    (CONTAINER_IMAGE, "give an image URI without spaces (e.g. \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1\")"),
    (S3_OR_HTTPS_URL, "give an s3:// or https:// URL (e.g. \"s3://my-bucket/churn/model.tar.gz\")"),
    (MODEL_PACKAGE_ARN, "give a model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)"),
    (PIPELINE_NAME, "use letters, digits and hyphens, starting and ending with a letter or digit (e.g. \"churn-training\")"),
    (ROLE_ARN, "give an IAM role ARN (e.g. \"arn:aws:iam::123456789012:role/SageMakerExecution\")"),
    (ACCOUNT_ID, "give a 12-digit AWS account ID (e.g. \"123456789012\")"),
    (r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$", "use 1-64 letters, digits, hyphens and underscores, starting and ending with a letter or digit (e.g. \"customer_id\")"),
    (r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$", "use 1-40 letters, digits and hyphens, starting and ending with a letter or digit (e.g. \"churn\")"),
    (r"^([0-9]+|[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)+)$", "give the numeric project ID (e.g. \"4242\") or the project path with its group (e.g. \"ml-platform/churn-deploy\")"),
    (r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?$", "give the https:// URL of the GitLab instance (e.g. \"https://gitlab.example.com\"), without a query string"),
    (r"^/\S*$", "give an HTTP path starting with / (e.g. \"/v2/health/ready\")"),
    (r"^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$", "give an ISO 8601 duration (e.g. \"PT1H\" for one hour, \"P1D\" for one day)"),
    (r"^[A-Za-z0-9\-_]+$", "use letters, digits, hyphens and underscores (e.g. \"nightly_retrain\")"),
    (r"^[A-Za-z0-9\-_]{1,256}$", "use 1-256 letters, digits, hyphens and underscores (e.g. \"MseThreshold\")"),
    (r"^[A-Za-z0-9\-_]{1,64}$", "use 1-64 letters, digits, hyphens and underscores (e.g. \"train_model\")"),
    (r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "use lower-case letters, digits, hyphens and dots, starting and ending with a letter or digit (a Kubernetes name, e.g. \"churn-v2\")"),
    (r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "use lower-case letters, digits and hyphens, starting and ending with a letter or digit (a Kubernetes DNS label, e.g. \"ml-serving\")"),
    (r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$", "give a Kubernetes label or annotation key: an optional DNS prefix and /, then lower-case letters, digits, -, _ and . (e.g. \"team\" or \"example.com/owner\")"),
    (r"^[a-zA-Z0-9][-a-zA-Z0-9_.]*$", "use letters, digits, -, _ and ., starting with a letter or digit (e.g. \"v2.1\")"),
    (r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$", "give an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens (e.g. \"my-ml-bucket\")"),
    (r"^[a-zA-Z0-9_+=,.@-]+$", "use letters, digits and +=,.@_- (e.g. \"terraform-ci\")"),
    (r"^[a-z]{2}(-[a-z]+)+-\d$", "give an AWS region (e.g. \"eu-west-1\")"),
    (r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$", "give an IAM role ARN (e.g. \"arn:aws:iam::123456789012:role/mlops-deployer\")"),
    (r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:[A-Za-z0-9_\-]{1,256}$", "give an SNS topic ARN (e.g. \"arn:aws:sns:eu-west-1:123456789012:ml-alerts\")"),
    (r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:\S+$", "give an SNS topic ARN (e.g. \"arn:aws:sns:eu-west-1:123456789012:ml-alerts\")"),
    (r"^https?://[^\s/]+(/.*)?$", "give an http:// or https:// URL (e.g. \"http://127.0.0.1:5000\")"),
    (r"^https?://[^\s/]+(/\S*)?$", "give the http:// or https:// URL of the server, without spaces (e.g. \"http://mlflow.ml-platform:5000\")"),
    (r"^[A-Za-z0-9]+$", "use letters and digits only (an MLflow run ID, e.g. \"0fc9634ccca44481bac4f88a3e01a0cd\")"),
    (r"^[\w-]+$", "use letters, digits, underscores and hyphens (an MLflow alias, e.g. \"champion\")"),
    (r"^https?://\S+$", "give an http:// or https:// URL without spaces (e.g. \"https://sts.eu-west-1.amazonaws.com\")"),
    (r"^s3://([^/]+)/?(.*)$", "give an s3:// URI (e.g. \"s3://my-ml-bucket/monitoring/churn\")"),
];

use std::sync::LazyLock;

use mlops_framework::{AttrPath, Diagnostics, PathStep, Value};
use regex::Regex;

/// Compiled once per process.
pub static ENTITY_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(ENTITY_NAME).expect("static regex"));
pub static GROUP_ARN_OR_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(GROUP_ARN_OR_NAME).expect("static regex"));
pub static MODEL_PACKAGE_ARN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(MODEL_PACKAGE_ARN).expect("static regex"));
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$")
        .expect("static regex")
});
static TAG_KEY_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$").expect("static regex"));

/// The error of a user tag that uses the provider's ownership marker key.
fn reserved_tag_key(path: AttrPath, key: &str, diags: &mut Diagnostics) {
    diags.error_at(
        path,
        "Reserved tag key",
        format!("Tag key {key:?} is the marker with which the provider recognises the objects it created; choose another key."),
    );
}

/// Only the marker key of `attr` (a tags map) is refused: for platforms whose tags have
/// none of SageMaker's limits (Feast).
pub fn refuse_marker_tag(config: &Value, attr: &str, diags: &mut Diagnostics) {
    if let Value::Map(m) = config.attr(attr) {
        let k = crate::ownership::MARKER_TAG;
        if m.contains_key(k) {
            reserved_tag_key(AttrPath::attr(attr).key(k), k, diags);
        }
    }
}

/// Settings of the default platform (SageMaker) that a resource on another one cannot
/// take: each set one is an error at its path, `title`, saying "`<attr> <lead>: <why>`".
pub fn refuse_settings(
    config: &Value,
    attrs: &[(&str, &str)],
    title: &str,
    lead: &str,
    diags: &mut Diagnostics,
) {
    for (attr, why) in attrs {
        let v = config.attr(attr);
        if !v.is_null() && !v.is_unknown() {
            diags.error_at(
                AttrPath::attr(*attr),
                title,
                format!("{attr} {lead}: {why}"),
            );
        }
    }
}

/// Tag keys and values (`TagKey`: 1-128 of letters, digits, spaces and `_.:/=+-@`, not
/// starting with `aws:`; `TagValue`: up to 256), at most 50 tags.
pub fn validate_tags(config: &Value, attr: &str, diags: &mut Diagnostics) {
    let Value::Map(m) = config.attr(attr) else {
        return;
    };
    if m.len() > 50 {
        diags.error_at(
            AttrPath::attr(attr),
            "Too many tags",
            format!("SageMaker allows at most 50 tags, got {}.", m.len()),
        );
    }
    for (k, v) in m {
        let path = AttrPath(vec![PathStep::Attr(attr.into()), PathStep::Key(k.clone())]);
        let len = k.chars().count();
        if !(1..=128).contains(&len)
            || !TAG_KEY_RE.is_match(k)
            || k.to_ascii_lowercase().starts_with("aws:")
        {
            diags.error_at(
                path.clone(),
                "Invalid tag key",
                format!("Tag key {k:?} must be 1-128 letters, digits, spaces or _.:/=+-@ and must not start with \"aws:\"."),
            );
        } else if k == crate::ownership::MARKER_TAG {
            reserved_tag_key(path.clone(), k, diags);
        }
        if let Some(s) = v.as_str() {
            if s.chars().count() > 256 {
                diags.error_at(
                    path,
                    "Invalid tag value",
                    format!("The value of tag {k:?} is longer than 256 characters."),
                );
            }
        }
    }
}

/// Every known element of a list/set of e-mail addresses (SNS e-mail subscriptions) must
/// look like an address; the diagnostic points at `path`.
pub fn validate_emails(v: &Value, path: AttrPath, diags: &mut Diagnostics) {
    let (Value::List(list) | Value::Set(list)) = v else {
        return;
    };
    for e in list.iter().filter_map(Value::as_str) {
        if e.len() > 254 || !EMAIL_RE.is_match(e) {
            diags.error_at(
                path.clone(),
                "Invalid e-mail address",
                format!("{e:?} is not an e-mail address."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewritten EntityName pattern plus the 1-63 length rule accepts exactly what
    /// botocore's pattern accepts.
    #[test]
    fn entity_name_matches_botocore() {
        let botocore = Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$").unwrap();
        let long = "a".repeat(63);
        let too_long = "a".repeat(64);
        for name in [
            "a",
            "churn",
            "churn-model",
            "a--b",
            "A1-b2-C3",
            "-a",
            "a-",
            "a_b",
            "",
            "a b",
            long.as_str(),
            too_long.as_str(),
            "x-y-",
            "9",
        ] {
            let ours = (1..=63).contains(&name.len()) && ENTITY_NAME_RE.is_match(name);
            assert_eq!(ours, botocore.is_match(name), "{name:?}");
        }
    }
}
