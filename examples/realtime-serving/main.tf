# Real-time serving: the latest approved version of a registry group on an endpoint with
# autoscaling, data capture, a canary rollout that rolls back on alarms, and a monitor.
# Approve a newer version (in the registry, or here) and apply: it rolls out as a canary.

resource "mlops_model_package_group" "churn" {
  name          = "churn"
  force_destroy = true
}

# Usually registered by the training pipeline (modules/model-build); here for a runnable example.
resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  model_data_url           = "s3://${var.bucket}/churn/models/v1/model.tar.gz"
  approval_status          = "Approved"
  metrics {
    data_quality_statistics  = "s3://${var.bucket}/churn/baselines/v1/statistics.json"
    data_quality_constraints = "s3://${var.bucket}/churn/baselines/v1/constraints.json"
  }
}

module "serving" {
  source              = "../../modules/realtime-serving"
  name                = "churn"
  role_arn            = var.role_arn
  bucket              = var.bucket
  model_package_group = mlops_model_package_group.churn.name
  monitoring_schedule = "hourly"
  drift_thresholds    = { tenure_months = 0.2 }
  alert_emails        = ["ml-oncall@example.com"]
  # a holdout row must still score as a probability after every rollout
  smoke_test = [{ body = "41,1,0,29.9", expect = "^0?\\.[0-9]+\\s*$" }]
  depends_on = [mlops_model_package.v1]
}

output "endpoint_name" {
  value = module.serving.endpoint_name
}

output "serving_version" {
  value = module.serving.model_package_arn
}
