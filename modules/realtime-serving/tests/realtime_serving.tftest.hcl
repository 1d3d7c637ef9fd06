# Plan-level tests of the realtime-serving module. The mock provider answers every call, so no
# AWS API is contacted; the registry lookup is overridden with a version that has a
# registered data-quality baseline.

mock_provider "mlops" {
  # computed attributes the module leaves unset get these values already at plan, so a test
  # can tell "the module passed null" (the mock's value) from a value the module passed
  mock_resource "mlops_endpoint" {
    override_during = plan
    defaults = {
      rollout = { step_percent = -1 }
    }
  }
  mock_resource "mlops_monitor" {
    override_during = plan
    defaults = {
      data_quality = { baseline_statistics = "(unset)", baseline_constraints = "(unset)" }
      alerts       = { topic_arn = "(unset)" }
    }
  }
}

override_data {
  target = data.mlops_model_package.serving
  values = {
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    metrics = {
      data_quality_statistics   = "s3://my-ml-bucket/churn/dq/statistics.json"
      data_quality_constraints  = "s3://my-ml-bucket/churn/dq/constraints.json"
      model_quality_statistics  = null
      model_quality_constraints = null
    }
  }
}

variables {
  name                = "churn"
  role_arn            = "arn:aws:iam::123456789012:role/SageMakerExecution"
  bucket              = "my-ml-bucket"
  model_package_group = "churn"
  tags                = { team = "ml" }
}

run "defaults" {
  command = plan

  assert {
    condition     = mlops_endpoint.this.name == "churn" && mlops_endpoint.this.role_arn == var.role_arn && mlops_endpoint.this.tags == tomap({ team = "ml" })
    error_message = "The endpoint must be named var.name, run as var.role_arn and carry var.tags."
  }
  assert {
    condition     = mlops_endpoint.this.model.model_package_group == "churn" && mlops_endpoint.this.model.instance_type == "ml.m5.large" && mlops_endpoint.this.model.instance_count == 1
    error_message = "The endpoint must serve the group on one ml.m5.large by default."
  }
  assert {
    condition     = mlops_endpoint.this.model.autoscaling.min_capacity == 1 && mlops_endpoint.this.model.autoscaling.max_capacity == 4 && mlops_endpoint.this.model.autoscaling.target_invocations_per_instance == 100
    error_message = "Autoscaling defaults to 1-4 instances at 100 invocations per instance."
  }
  assert {
    condition     = mlops_endpoint.this.data_capture.destination == "s3://my-ml-bucket/churn/data-capture" && mlops_endpoint.this.data_capture.sampling_percentage == 100
    error_message = "All requests must be captured under s3://<bucket>/<name>/data-capture."
  }
  assert {
    condition     = mlops_endpoint.this.rollout.strategy == "canary" && mlops_endpoint.this.rollout.step_percent == 10 && mlops_endpoint.this.rollout.wait_seconds == 300 && length(mlops_endpoint.this.rollout.alarm_names) == 0
    error_message = "The default rollout is a 10 % canary for 300 s with the default alarms only."
  }
  assert {
    condition     = mlops_endpoint.this.smoke_test == null
    error_message = "Without smoke_test there is no smoke test."
  }
  assert {
    condition     = mlops_monitor.this.name == "churn" && mlops_monitor.this.endpoint_name == "churn" && mlops_monitor.this.tags == tomap({ team = "ml" })
    error_message = "The monitor must be named var.name and watch the endpoint."
  }
  assert {
    condition     = mlops_monitor.this.output_s3_uri == "s3://my-ml-bucket/churn/monitoring" && mlops_monitor.this.schedule == "daily"
    error_message = "The monitor must report under s3://<bucket>/<name>/monitoring, daily."
  }
  assert {
    condition     = mlops_monitor.this.data_quality.baseline_statistics == "s3://my-ml-bucket/churn/dq/statistics.json" && mlops_monitor.this.data_quality.baseline_constraints == "s3://my-ml-bucket/churn/dq/constraints.json" && mlops_monitor.this.data_quality.baseline_dataset == null
    error_message = "By default data quality is checked against the served version's registered baseline."
  }
  assert {
    condition     = mlops_monitor.this.model_quality == null && mlops_monitor.this.alerts == null
    error_message = "Without model_quality and alert destinations there is no model-quality monitor and no alarm."
  }
}

run "fixed_size_all_at_once_with_smoke_test" {
  command = plan

  variables {
    autoscaling         = null
    instance_type       = "ml.c5.xlarge"
    capture_percentage  = 20
    monitoring_schedule = "hourly"
    rollout             = { strategy = "all_at_once", alarm_names = ["churn-custom"] }
    smoke_test          = [{ body = "1,2,3", expect = "^[0-9.]+$" }, { body = "{\"x\":1}", content_type = "application/json" }]
  }

  assert {
    condition     = mlops_endpoint.this.model.autoscaling == null && mlops_endpoint.this.model.instance_count == 1 && mlops_endpoint.this.model.instance_type == "ml.c5.xlarge"
    error_message = "autoscaling = null must give one fixed instance of instance_type."
  }
  assert {
    condition     = mlops_endpoint.this.rollout.strategy == "all_at_once" && mlops_endpoint.this.rollout.step_percent == -1 && mlops_endpoint.this.rollout.alarm_names == toset(["churn-custom"])
    error_message = "all_at_once must not pass a step percentage; alarm_names must reach the rollout."
  }
  assert {
    condition     = mlops_endpoint.this.data_capture.sampling_percentage == 20 && mlops_monitor.this.schedule == "hourly"
    error_message = "capture_percentage and monitoring_schedule must be used."
  }
  assert {
    condition     = [for r in mlops_endpoint.this.smoke_test.request : "${r.content_type} ${r.body} ${coalesce(r.expect, "-")}"] == ["text/csv 1,2,3 ^[0-9.]+$", "application/json {\"x\":1} -"]
    error_message = "Each smoke_test entry must become a request (text/csv by default)."
  }
}

run "autoscaling_minimum_is_initial_count" {
  command = plan

  variables {
    autoscaling = { min_instances = 2, max_instances = 8, target_invocations_per_instance = 500 }
    rollout     = { strategy = "linear", step_percent = 25 }
  }

  assert {
    condition     = mlops_endpoint.this.model.instance_count == 2 && mlops_endpoint.this.model.autoscaling.max_capacity == 8 && mlops_endpoint.this.model.autoscaling.target_invocations_per_instance == 500
    error_message = "The endpoint must start at min_instances and scale to max_instances."
  }
  assert {
    condition     = mlops_endpoint.this.rollout.strategy == "linear" && mlops_endpoint.this.rollout.step_percent == 25
    error_message = "A linear rollout must keep its step percentage."
  }
}

run "explicit_baseline_wins" {
  command = plan

  variables {
    data_quality_baseline = { statistics = "s3://b/own/statistics.json", constraints = "s3://b/own/constraints.json" }
    baseline_dataset      = { s3_uri = "s3://b/train.csv" }
  }

  assert {
    condition     = mlops_monitor.this.data_quality.baseline_statistics == "s3://b/own/statistics.json" && mlops_monitor.this.data_quality.baseline_constraints == "s3://b/own/constraints.json"
    error_message = "data_quality_baseline must win over the registered baseline."
  }
  assert {
    condition     = mlops_monitor.this.data_quality.baseline_dataset == null
    error_message = "data_quality_baseline must win over baseline_dataset."
  }
}

run "baseline_from_dataset" {
  command = plan

  override_data {
    target = data.mlops_model_package.serving
    values = {
      # a version registered without a data-quality baseline
      metrics = {
        data_quality_statistics   = null
        data_quality_constraints  = null
        model_quality_statistics  = null
        model_quality_constraints = null
      }
    }
  }

  variables {
    baseline_dataset = { s3_uri = "s3://my-ml-bucket/churn/train.jsonl", format = "json" }
  }

  assert {
    condition     = mlops_monitor.this.data_quality.baseline_dataset.s3_uri == "s3://my-ml-bucket/churn/train.jsonl" && mlops_monitor.this.data_quality.baseline_dataset.format == "json"
    error_message = "baseline_dataset must become the monitor's baseline dataset, even without a registered baseline."
  }
  assert {
    condition     = mlops_monitor.this.data_quality.baseline_statistics == "(unset)" && mlops_monitor.this.data_quality.baseline_constraints == "(unset)"
    error_message = "With a baseline dataset no baseline files are passed."
  }
}

run "model_quality_with_email_alerts" {
  command = plan

  variables {
    data_quality  = false
    model_quality = { problem_type = "Regression", ground_truth_s3_uri = "s3://my-ml-bucket/churn/ground-truth", inference_attribute = "prediction", metric_thresholds = { rmse = 5 } }
    alert_emails  = ["ml-team@example.com"]
  }

  assert {
    condition     = mlops_monitor.this.data_quality == null
    error_message = "data_quality = false must drop the data-quality monitor."
  }
  assert {
    condition     = mlops_monitor.this.model_quality.problem_type == "Regression" && mlops_monitor.this.model_quality.ground_truth_s3_uri == "s3://my-ml-bucket/churn/ground-truth" && mlops_monitor.this.model_quality.inference_attribute == "prediction"
    error_message = "model_quality must become the monitor's model-quality block."
  }
  assert {
    condition     = mlops_monitor.this.alerts.emails == toset(["ml-team@example.com"]) && mlops_monitor.this.alerts.topic_arn == "(unset)"
    error_message = "alert_emails must be the alerts' destination."
  }
  assert {
    condition     = mlops_monitor.this.alerts.metric_thresholds == tomap({ rmse = 5 }) && mlops_monitor.this.alerts.drift_thresholds == null
    error_message = "model_quality.metric_thresholds must reach the alerts (and no drift thresholds without any)."
  }
}

run "topic_alerts_on_drift_only" {
  command = plan

  variables {
    drift_thresholds = { tenure_months = 0.3 }
    alert_topic_arn  = "arn:aws:sns:us-east-1:123456789012:ml-alerts"
  }

  assert {
    condition     = mlops_monitor.this.alerts.topic_arn == "arn:aws:sns:us-east-1:123456789012:ml-alerts" && mlops_monitor.this.alerts.emails == null
    error_message = "alert_topic_arn must be the only destination."
  }
  assert {
    condition     = mlops_monitor.this.alerts.metric_thresholds == null && mlops_monitor.this.alerts.drift_thresholds == tomap({ tenure_months = 0.3 })
    error_message = "Without model_quality only drift thresholds are passed."
  }
}

run "thresholds_without_destination_make_no_alarms" {
  command = plan

  variables {
    drift_thresholds = { tenure_months = 0.3 }
  }

  assert {
    condition     = mlops_monitor.this.alerts == null
    error_message = "Without alert_emails or alert_topic_arn there must be no alerts block."
  }
}

run "rejects_missing_baseline" {
  command = plan

  override_data {
    target = data.mlops_model_package.serving
    values = {
      # a version registered without a data-quality baseline
      metrics = {
        data_quality_statistics   = null
        data_quality_constraints  = null
        model_quality_statistics  = null
        model_quality_constraints = null
      }
    }
  }

  expect_failures = [mlops_monitor.this]
}

run "rejects_nothing_to_monitor" {
  command = plan

  variables {
    data_quality = false
  }

  expect_failures = [mlops_monitor.this]
}

run "rejects_emails_and_topic" {
  command = plan

  variables {
    drift_thresholds = { tenure_months = 0.3 }
    alert_emails     = ["ml-team@example.com"]
    alert_topic_arn  = "arn:aws:sns:us-east-1:123456789012:ml-alerts"
  }

  expect_failures = [mlops_monitor.this]
}

run "rejects_alerts_without_thresholds" {
  command = plan

  variables {
    alert_emails = ["ml-team@example.com"]
  }

  expect_failures = [mlops_monitor.this]
}

run "rejects_invalid_identity_and_sizes" {
  command = plan

  variables {
    name               = "churn-"
    role_arn           = "arn:aws:iam::123456789012:role/"
    bucket             = "my_ml_bucket"
    instance_type      = "m5.large"
    autoscaling        = { min_instances = 5, max_instances = 2 }
    capture_percentage = 0
  }

  expect_failures = [var.name, var.role_arn, var.bucket, var.instance_type, var.autoscaling, var.capture_percentage]
}

run "rejects_invalid_rollout_and_monitoring" {
  command = plan

  variables {
    rollout          = { strategy = "blue_green" }
    baseline_dataset = { s3_uri = "s3://b/train.parquet", format = "parquet" }
    model_quality    = { problem_type = "Ranking", ground_truth_s3_uri = "s3://b/gt", inference_attribute = "p" }
    drift_thresholds = { tenure_months = 1.5 }
    alert_emails     = ["ml team@example.com"]
  }

  expect_failures = [var.rollout, var.baseline_dataset, var.model_quality, var.drift_thresholds, var.alert_emails]
}
