# Real-time serving: the latest approved version on a SageMaker endpoint with autoscaling,
# data capture and a canary rollout that rolls back on alarms, watched by a monitor.

# Only for the baselines registered with the served version; the endpoint resolves the
# version itself (and again at apply when it changed).
data "mlops_model_package" "serving" {
  model_package_group_name = var.model_package_group
}

locals {
  baseline = coalesce(var.data_quality_baseline, {
    statistics  = try(data.mlops_model_package.serving.metrics.data_quality_statistics, null)
    constraints = try(data.mlops_model_package.serving.metrics.data_quality_constraints, null)
  })
  # an explicit baseline wins over a dataset, a dataset over the registered baseline
  dataset    = var.data_quality_baseline == null ? var.baseline_dataset : null
  thresholds = try(var.model_quality.metric_thresholds, {})
  # alarms need somewhere to go and something to watch
  alerting = (var.alert_topic_arn != null || length(var.alert_emails) > 0) && (length(local.thresholds) + length(var.drift_thresholds)) > 0
}

resource "mlops_endpoint" "this" {
  name     = var.name
  role_arn = var.role_arn
  tags     = var.tags

  model {
    model_package_group = var.model_package_group
    instance_type       = var.instance_type
    instance_count      = try(var.autoscaling.min_instances, 1)

    dynamic "autoscaling" {
      for_each = var.autoscaling == null ? [] : [var.autoscaling]
      content {
        min_capacity                    = autoscaling.value.min_instances
        max_capacity                    = autoscaling.value.max_instances
        target_invocations_per_instance = autoscaling.value.target_invocations_per_instance
      }
    }
  }

  data_capture {
    destination         = "s3://${var.bucket}/${var.name}/data-capture"
    sampling_percentage = var.capture_percentage
  }

  rollout {
    strategy     = var.rollout.strategy
    step_percent = var.rollout.strategy == "all_at_once" ? null : var.rollout.step_percent
    wait_seconds = var.rollout.wait_seconds
    alarm_names  = var.rollout.alarm_names
  }

  dynamic "smoke_test" {
    for_each = length(var.smoke_test) > 0 ? [1] : []
    content {
      dynamic "request" {
        for_each = var.smoke_test
        content {
          body         = request.value.body
          content_type = request.value.content_type
          expect       = request.value.expect
        }
      }
    }
  }
}

resource "mlops_monitor" "this" {
  name          = var.name
  role_arn      = var.role_arn
  endpoint_name = mlops_endpoint.this.name
  output_s3_uri = "s3://${var.bucket}/${var.name}/monitoring"
  schedule      = var.monitoring_schedule
  tags          = var.tags

  dynamic "data_quality" {
    # present or not by the module's inputs only (never by the deferred registry lookup):
    # Terraform cannot plan a single block whose presence is unknown
    for_each = var.data_quality ? [local.baseline] : []
    content {
      baseline_statistics  = local.dataset == null ? data_quality.value.statistics : null
      baseline_constraints = local.dataset == null ? data_quality.value.constraints : null
      # decided on the module's inputs only, so the block is known at plan even while the
      # registry lookup is deferred to apply
      dynamic "baseline_dataset" {
        for_each = local.dataset == null ? [] : [local.dataset]
        content {
          s3_uri = baseline_dataset.value.s3_uri
          format = baseline_dataset.value.format
        }
      }
    }
  }

  dynamic "model_quality" {
    for_each = var.model_quality == null ? [] : [var.model_quality]
    content {
      problem_type        = model_quality.value.problem_type
      ground_truth_s3_uri = model_quality.value.ground_truth_s3_uri
      inference_attribute = model_quality.value.inference_attribute
    }
  }

  dynamic "alerts" {
    for_each = local.alerting ? [1] : []
    content {
      emails            = var.alert_topic_arn == null ? var.alert_emails : null
      topic_arn         = var.alert_topic_arn
      metric_thresholds = length(local.thresholds) > 0 ? local.thresholds : null
      drift_thresholds  = length(var.drift_thresholds) > 0 ? var.drift_thresholds : null
    }
  }

  lifecycle {
    precondition {
      condition     = !var.data_quality || local.baseline.statistics != null || local.dataset != null
      error_message = "No data-quality baseline: the served version of ${var.model_package_group} has none registered. Set data_quality_baseline or baseline_dataset, or data_quality = false (then model_quality)."
    }
    precondition {
      condition     = var.data_quality || var.model_quality != null
      error_message = "Nothing to monitor: data_quality = false needs model_quality."
    }
    precondition {
      condition     = var.alert_topic_arn == null || length(var.alert_emails) == 0
      error_message = "Give alert_emails or alert_topic_arn, not both."
    }
    precondition {
      condition     = (var.alert_topic_arn == null && length(var.alert_emails) == 0) || (length(local.thresholds) + length(var.drift_thresholds)) > 0
      error_message = "Alerts need something to watch: set drift_thresholds or model_quality.metric_thresholds."
    }
  }
}
