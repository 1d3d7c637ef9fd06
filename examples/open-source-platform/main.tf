# The open-source MLOps platform for one model: the MLflow registered model, the version
# holding the "champion" alias served on KServe (a 10 % canary for each new version),
# Prometheus alerts on its requests and a Feast feature view of its inputs.
# Training code registers versions and moves the alias; the next plan rolls it out.

module "churn" {
  source            = "../../modules/kubernetes-serving"
  name              = "churn"
  namespace         = var.namespace
  platform          = "kserve"
  first_version_uri = "s3://models/churn/1"
  labels            = { team = "churn" }

  alerts = {
    max_error_ratio = 0.02
    rule_labels     = { release = "kube-prometheus-stack" }
  }

  feature_view = {
    entity_key  = "customer_id"
    event_time  = "event_timestamp"
    features    = { total_spend = "Float64", orders = "Int64", segment = "String" }
    source_path = var.features_path
  }
}

output "serving_version" {
  value = module.churn.serving_version
}

output "alerts" {
  value = module.churn.alert_names
}
