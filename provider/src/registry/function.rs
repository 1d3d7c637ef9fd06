//! `model_package_arn_parse`: a model version's ARN into its group and version number, the
//! `split("/", ...)` glue a release job writes around `mlops_model_package.arn` or an
//! EventBridge approval event's `ModelPackageArn`.

use mlops_framework::function::{Function, FunctionError, Param, Signature};
use mlops_framework::{Number, Type, Value};

use crate::aws::arn::Arn;
use crate::functions::{object, object_type};

pub struct ModelPackageArnParse;

/// `(group, version)` of a versioned model package resource (`model-package/<group>/<n>`).
fn group_and_version(resource: &str) -> Result<(&str, i64), String> {
    let Some(rest) = resource.strip_prefix("model-package/") else {
        return Err(format!(
            "the resource part is {resource:?}: a model version's is model-package/<group>/<version>"
        ));
    };
    let Some((group, version)) = rest.rsplit_once('/') else {
        return Err(format!(
            "model-package/{rest} is an unversioned model package: a model version's ARN ends in /<group>/<version>"
        ));
    };
    if group.is_empty() || group.contains('/') {
        return Err(format!("{group:?} is not a model package group name"));
    }
    match version.parse::<i64>() {
        Ok(n) if n >= 1 => Ok((group, n)),
        _ => Err(format!(
            "version {version:?} is not a version number (1, 2, ...)"
        )),
    }
}

impl Function for ModelPackageArnParse {
    fn name(&self) -> &'static str {
        "model_package_arn_parse"
    }

    fn signature(&self) -> Signature {
        Signature {
            params: vec![Param::new(
                "arn",
                Type::String,
                "A model version's ARN, e.g. `arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3` (the `arn` of `mlops_model_package`, or `ModelPackageArn` in an approval event).",
            )],
            ret: object_type(
                &["partition", "region", "account_id", "group"],
                &[("version", Type::Number)],
            ),
            summary: "Split a model version's ARN into group and version",
            description: "Returns `{ partition, region, account_id, group, version }` of a \
SageMaker model version's ARN; `version` is a number. The group name keeps its case as the ARN \
has it (SageMaker lower-cases group names in ARNs). An ARN of another service, of an unversioned \
model package or of a group (`model-package-group/...`) is an error naming what is wrong.",
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let s = args.first().and_then(Value::as_str).unwrap_or_default();
        let fail = |why: String| FunctionError::arg(0, format!("{s:?}: {why}"));
        let arn = Arn::parse(s).map_err(|e| FunctionError::arg(0, e))?;
        if arn.service != "sagemaker" {
            return Err(fail(format!(
                "an ARN of service {:?}, not sagemaker",
                arn.service
            )));
        }
        let (group, version) = group_and_version(arn.resource).map_err(fail)?;
        Ok(object([
            ("partition", Value::string(arn.partition)),
            ("region", Value::string(arn.region)),
            ("account_id", Value::string(arn.account_id)),
            ("group", Value::string(group)),
            ("version", Value::Number(Number::from_i64(version))),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(s: &str) -> Result<Value, FunctionError> {
        ModelPackageArnParse.call(vec![Value::string(s)])
    }

    #[test]
    fn parses_a_model_version_arn() {
        let v = call("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3").unwrap();
        assert_eq!(v.attr("group").as_str(), Some("churn"));
        assert_eq!(v.attr("version"), &Value::Number(Number::from_i64(3)));
        assert_eq!(v.attr("region").as_str(), Some("eu-west-1"));
        assert_eq!(v.attr("account_id").as_str(), Some("123456789012"));
        assert_eq!(v.attr("partition").as_str(), Some("aws"));
    }

    #[test]
    fn says_why_an_arn_is_not_a_model_version() {
        let e = |s: &str| call(s).unwrap_err().text;
        assert!(e("churn/3").contains("six parts"));
        assert!(e("arn:aws:s3:::bucket").contains("service \"s3\""));
        assert!(
            e("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn")
                .contains("unversioned")
        );
        assert!(
            e("arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn")
                .contains("model-package/<group>/<version>")
        );
        assert!(
            e("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/x")
                .contains("version number")
        );
    }
}
