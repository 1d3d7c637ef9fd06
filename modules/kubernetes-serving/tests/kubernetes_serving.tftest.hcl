# Plan-level tests of the kubernetes-serving module. The mock provider answers every call, so
# neither MLflow, the cluster nor Feast is contacted (no provider configuration is needed);
# the provider's own plan-time validation still runs.

mock_provider "mlops" {}

override_data {
  target = data.mlops_model_package.serving
  values = {
    model_data_url = "s3://models/churn/7"
    version_number = 7
  }
}

variables {
  name              = "churn"
  namespace         = "ml"
  first_version_uri = "s3://models/churn/1"
}

run "kserve_defaults" {
  command = plan

  assert {
    condition     = length(mlops_model_package_group.model) == 1 && mlops_model_package_group.model[0].name == "churn" && mlops_model_package_group.model[0].force_destroy == true
    error_message = "The module must create the MLflow registered model named var.name."
  }
  assert {
    condition     = mlops_model_package_group.model[0].mlflow != null
    error_message = "The registered model must live in MLflow (mlflow block)."
  }
  assert {
    condition     = length(mlops_model_package.first) == 1 && mlops_model_package.first[0].approval_status == "Approved"
    error_message = "The first version must be registered, approved."
  }
  assert {
    condition     = mlops_model_package.first[0].mlflow.source == "s3://models/churn/1" && mlops_model_package.first[0].mlflow.alias == "champion"
    error_message = "The first version must load first_version_uri and hold the default alias champion."
  }
  assert {
    condition     = data.mlops_model_package.serving.model_package_group_name == "churn" && data.mlops_model_package.serving.mlflow.alias == "champion"
    error_message = "The served version must be the one holding the alias."
  }
  assert {
    condition     = mlops_endpoint.this.name == "churn" && mlops_endpoint.this.seldon == null
    error_message = "kserve must create the endpoint without a seldon block."
  }
  assert {
    condition     = mlops_endpoint.this.kubernetes.namespace == "ml" && mlops_endpoint.this.kubernetes.model_format == "mlflow"
    error_message = "The InferenceService must be in var.namespace with the mlflow format."
  }
  assert {
    condition     = mlops_endpoint.this.kubernetes.min_replicas == 1 && mlops_endpoint.this.kubernetes.max_replicas == 3 && mlops_endpoint.this.kubernetes.canary_traffic_percent == 10
    error_message = "Defaults: 1-3 replicas and a 10 % canary."
  }
  assert {
    condition     = mlops_endpoint.this.kubernetes.resources.cpu == "500m" && mlops_endpoint.this.kubernetes.resources.memory == "1Gi"
    error_message = "Default requests: 500m CPU and 1Gi memory."
  }
  assert {
    condition     = length(mlops_monitor.alerts) == 1 && mlops_monitor.alerts[0].name == "churn-alerts" && mlops_monitor.alerts[0].endpoint_name == "churn"
    error_message = "Alerts are on by default: a monitor <name>-alerts on the endpoint."
  }
  assert {
    condition     = mlops_monitor.alerts[0].prometheus.namespace == "ml" && mlops_monitor.alerts[0].prometheus.runtime == "kserve"
    error_message = "The PrometheusRule must be in var.namespace for the kserve runtime."
  }
  assert {
    condition     = mlops_monitor.alerts[0].prometheus.error_rate.max_ratio == 0.05 && mlops_monitor.alerts[0].prometheus.latency.max_seconds == 0.5 && mlops_monitor.alerts[0].prometheus.latency.percentile == 0.99 && mlops_monitor.alerts[0].prometheus.no_traffic.for == "30m"
    error_message = "Default alerts: 5 % errors, p99 latency 0.5 s, no traffic for 30m."
  }
  assert {
    condition     = length(mlops_feature_view.features) == 0 && output.feature_view_name == null
    error_message = "Without feature_view there is no feature view."
  }
}

run "existing_registered_model" {
  command = plan

  variables {
    create_registered_model = false
    first_version_uri       = null
    alias                   = "prod"
  }

  assert {
    condition     = length(mlops_model_package_group.model) == 0 && length(mlops_model_package.first) == 0
    error_message = "create_registered_model = false must create neither the registered model nor a version."
  }
  assert {
    condition     = data.mlops_model_package.serving.model_package_group_name == "churn" && data.mlops_model_package.serving.mlflow.alias == "prod"
    error_message = "The served version must be the one holding var.alias of the existing model var.name."
  }
  assert {
    condition     = mlops_endpoint.this.model.model_data_url == "s3://models/churn/7"
    error_message = "The endpoint must serve the files of the version holding the alias."
  }
  assert {
    condition     = output.serving_version == 7 && output.model_uri == "s3://models/churn/7"
    error_message = "Outputs must report the served version and its files."
  }
}

run "seldon" {
  command = plan

  variables {
    platform               = "seldon"
    replicas               = { min = 0, max = 2 }
    canary_traffic_percent = 25
    storage_secret_name    = "s3-credentials"
    model_format           = "sklearn"
    resources              = { cpu = "2", memory = "512Mi" }
  }

  assert {
    condition     = mlops_endpoint.this.kubernetes == null && mlops_endpoint.this.seldon != null
    error_message = "platform = seldon must create a SeldonDeployment (seldon block) only."
  }
  assert {
    condition     = mlops_endpoint.this.seldon.namespace == "ml" && mlops_endpoint.this.seldon.model_format == "sklearn" && mlops_endpoint.this.seldon.storage_secret_name == "s3-credentials"
    error_message = "namespace, model_format and storage_secret_name must reach the seldon block."
  }
  assert {
    condition     = mlops_endpoint.this.seldon.replicas == 1
    error_message = "Seldon must run at least one replica even with replicas.min = 0."
  }
  assert {
    condition     = mlops_endpoint.this.seldon.canary_traffic_percent == 25 && mlops_endpoint.this.seldon.resources.cpu == "2" && mlops_endpoint.this.seldon.resources.memory == "512Mi"
    error_message = "The canary share and the resources must reach the seldon block."
  }
  assert {
    condition     = mlops_monitor.alerts[0].prometheus.runtime == "seldon"
    error_message = "The alerts must select Seldon's metrics."
  }
}

run "promoted_without_alerts" {
  command = plan

  variables {
    canary_traffic_percent = 100
    alerts                 = null
  }

  assert {
    condition     = mlops_endpoint.this.kubernetes.canary_traffic_percent == null
    error_message = "A canary of 100 % must be passed as null (all at once)."
  }
  assert {
    condition     = length(mlops_monitor.alerts) == 0 && output.alert_names == []
    error_message = "alerts = null must create no PrometheusRule."
  }
}

run "custom_alerts_labels_and_feature_view" {
  command = plan

  variables {
    name   = "churn-model"
    labels = { team = "ml" }
    alerts = { max_error_ratio = 0.01, max_latency = 2, latency_percentile = 0.9, no_traffic_for = "1h", rule_labels = { release = "kube-prometheus-stack" } }
    feature_view = {
      entity_key  = "customer_id"
      event_time  = "event_timestamp"
      features    = { total_spend = "Float64", plan = "String" }
      source_path = "s3://features/customers.parquet"
      ttl_days    = 7
    }
  }

  assert {
    condition     = mlops_endpoint.this.kubernetes.labels == tomap({ team = "ml" }) && mlops_monitor.alerts[0].prometheus.labels == tomap({ team = "ml" })
    error_message = "labels must go on the endpoint and on every alert."
  }
  assert {
    condition     = mlops_monitor.alerts[0].name == "churn-model-alerts" && mlops_monitor.alerts[0].prometheus.rule_labels == tomap({ release = "kube-prometheus-stack" })
    error_message = "rule_labels must go on the PrometheusRule."
  }
  assert {
    condition     = mlops_monitor.alerts[0].prometheus.error_rate.max_ratio == 0.01 && mlops_monitor.alerts[0].prometheus.latency.max_seconds == 2 && mlops_monitor.alerts[0].prometheus.latency.percentile == 0.9 && mlops_monitor.alerts[0].prometheus.no_traffic.for == "1h"
    error_message = "The alert settings must reach the monitor."
  }
  assert {
    condition     = length(mlops_feature_view.features) == 1 && mlops_feature_view.features[0].name == "churn_model"
    error_message = "The feature view must be named after var.name with underscores."
  }
  assert {
    condition     = mlops_feature_view.features[0].entity_key == "customer_id" && mlops_feature_view.features[0].event_time == "event_timestamp"
    error_message = "entity_key and event_time must reach the feature view."
  }
  assert {
    condition     = [for f in mlops_feature_view.features[0].feature : "${f.name}:${f.type}"] == ["customer_id:Int64", "plan:String", "total_spend:Float64"]
    error_message = "The entity key (Int64 by default) must come first, then the features."
  }
  assert {
    condition     = mlops_feature_view.features[0].online_store.ttl_value == 7 && mlops_feature_view.features[0].online_store.ttl_unit == "Days" && mlops_feature_view.features[0].feast.source.path == "s3://features/customers.parquet"
    error_message = "The TTL in days and the Parquet source must reach the feature view."
  }
  assert {
    condition     = mlops_feature_view.features[0].tags == tomap({ team = "ml" })
    error_message = "The feature view must carry var.labels as tags."
  }
}

run "rejects_registered_model_without_first_version" {
  command = plan

  variables {
    first_version_uri = null
  }

  expect_failures = [mlops_model_package_group.model]
}

run "rejects_invalid_names" {
  command = plan

  variables {
    name              = "Churn"
    namespace         = "ml_team"
    platform          = "triton"
    alias             = "champion!"
    first_version_uri = "/models/churn/1"
    model_format      = "MLflow"
  }

  expect_failures = [var.name, var.namespace, var.platform, var.alias, var.first_version_uri, var.model_format]
}

run "rejects_invalid_sizes_and_thresholds" {
  command = plan

  variables {
    canary_traffic_percent = 0
    replicas               = { min = 3, max = 1 }
    resources              = { cpu = "half", memory = "1GB" }
    alerts                 = { max_error_ratio = 1.5 }
    feature_view           = { entity_key = "id", event_time = "ts", features = { x = "Float" }, source_path = "s3://f/x.parquet" }
  }

  expect_failures = [var.canary_traffic_percent, var.replicas, var.resources, var.alerts, var.feature_view]
}

run "rejects_fractional_canary_and_bad_duration" {
  command = plan

  variables {
    canary_traffic_percent = 12.5
    alerts                 = { no_traffic_for = "30 minutes" }
    feature_view           = { entity_key = "id", event_time = "ts", features = {}, source_path = "s3://f/x.parquet" }
  }

  expect_failures = [var.canary_traffic_percent, var.alerts, var.feature_view]
}
