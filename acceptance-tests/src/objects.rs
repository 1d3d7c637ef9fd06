//! One SageMaker object of each resource type that names one (a model package group with an
//! approved version, an endpoint serving it, a pipeline and a feature view), for the tests of
//! what applies to every resource: identities, `moved`, `terraform query`.

/// The image the version and its endpoint serve.
pub const IMAGE: &str = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

/// The configuration: `mlops_model_package_group.g` (`<p>-churn`), `mlops_model_package.v`
/// (its version 1, approved), `mlops_endpoint.e` (`<p>-churn`), `mlops_pipeline.p`
/// (`<p>-training`, a raw definition) and `mlops_feature_view.f` (`<p>-customers`).
pub fn one_of_each(p: &str) -> String {
    format!(
        r#"resource "mlops_model_package_group" "g" {{
  name = "{p}-churn"
}}

resource "mlops_model_package" "v" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://mlops-test/models/model.tar.gz"
  approval_status          = "Approved"
}}

resource "mlops_endpoint" "e" {{
  name     = "{p}-churn"
  role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"
  model {{
    model_package_arn = mlops_model_package.v.arn
    instance_type     = "ml.m5.large"
  }}
}}

resource "mlops_pipeline" "p" {{
  name     = "{p}-training"
  role_arn = "arn:aws:iam::123456789012:role/pipeline"
  definition = jsonencode({{
    Version = "2020-12-01"
    Steps   = [{{ Name = "Stop", Type = "Fail", Arguments = {{ ErrorMessage = "stop" }} }}]
  }})
}}

resource "mlops_feature_view" "f" {{
  name       = "{p}-customers"
  entity_key = "customer_id"
  event_time = "event_time"
  role_arn   = "arn:aws:iam::123456789012:role/FeatureStore"
  feature {{
    name = "customer_id"
    type = "String"
  }}
  feature {{
    name = "event_time"
    type = "Fractional"
  }}
  online_store {{
    ttl_unit = "Days"
  }}
}}
"#
    )
}
