//! Validation rules shared by resources, derived from the SageMaker API model (botocore
//! `sagemaker/service-2.json`: EntityName, ArnOrName, ContainerImage, Url, TagKey...).

/// `EntityName`: 1-63 characters, alphanumerics and single/multiple hyphens inside.
pub const ENTITY_NAME: &str = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";
/// `ArnOrName` for model package groups.
pub const GROUP_ARN_OR_NAME: &str = r"^(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model-package-group/)?[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";
/// `EntityDescription`.
pub const ENTITY_DESCRIPTION: &str = r"^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*$";
/// `ContainerImage`: no whitespace, 1-255.
pub const CONTAINER_IMAGE: &str = r"^\S{1,255}$";
/// `Url` for model artifacts and metrics: s3:// or https://.
pub const S3_OR_HTTPS_URL: &str = r"^(https|s3)://([^/]+)/?(.*)$";
/// `ModelPackageArn`.
pub const MODEL_PACKAGE_ARN: &str =
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/\S{1,2048}$";
/// AWS account ID.
pub const ACCOUNT_ID: &str = r"^[0-9]{12}$";

use mlops_framework::{AttrPath, Diagnostics, PathStep, Value};

/// Tag keys and values (`TagKey`: 1-128 of letters, digits, spaces and `_.:/=+-@`, not
/// starting with `aws:`; `TagValue`: up to 256), at most 50 tags.
pub fn validate_tags(config: &Value, attr: &str, diags: &mut Diagnostics) {
    let Value::Map(m) = config.attr(attr) else {
        return;
    };
    let key_re = regex::Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$").expect("static regex");
    if m.len() > 50 {
        diags.error_at(
            AttrPath::attr(attr),
            "Too many tags",
            format!("SageMaker allows at most 50 tags, got {}.", m.len()),
        );
    }
    for (k, v) in m {
        let path = AttrPath(vec![PathStep::Attr(attr.into()), PathStep::Key(k.clone())]);
        if !key_re.is_match(k) || k.to_ascii_lowercase().starts_with("aws:") {
            diags.error_at(
                path.clone(),
                "Invalid tag key",
                format!("Tag key {k:?} must be 1-128 letters, digits, spaces or _.:/=+-@ and must not start with \"aws:\"."),
            );
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
