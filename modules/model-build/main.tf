# The model-build half of the reference architecture: a registry group with manual approval,
# the training pipeline (preprocess -> data-quality baseline -> train -> evaluate -> quality
# gate -> register or fail) and optionally the same pipeline with hyperparameter tuning,
# started on a schedule, on new training data or when another pipeline's step fails, with
# e-mail notifications and a GitLab deployment started on approval.

locals {
  processing_image = coalesce(var.processing_image, var.image)
  training_data    = coalesce(var.training_data, "s3://${var.bucket}/${var.name}/training-data/")
  data_location    = regex("^s3://([^/]+)/?(.*)$", local.training_data)
  preprocess_code  = coalesce(var.preprocess_code, "s3://${var.bucket}/${var.name}/code/preprocess.py")
  evaluate_code    = coalesce(var.evaluate_code, "s3://${var.bucket}/${var.name}/code/evaluate.py")
  run              = "{{ execution.PipelineExecutionId }}"

  # training always; hpo when asked for. The two pipelines differ only in the model step.
  pipelines = merge(
    { training = { name = "${var.name}-training", model_step = "Train", artifacts = "model_artifacts" } },
    var.hpo == null ? {} : { hpo = { name = "${var.name}-hpo", model_step = "Tune", artifacts = "best_model_artifacts" } },
  )
  # failures elsewhere (e.g. a batch model-quality check) retrain with HPO when there is one
  retrain_target = var.hpo == null ? "training" : "hpo"
}

resource "mlops_model_package_group" "this" {
  name          = var.name
  description   = "Versions of ${var.name}, registered by ${var.name}-training${var.hpo == null ? "" : " and ${var.name}-hpo"}; approve to deploy."
  force_destroy = var.force_destroy
  tags          = var.tags

  dynamic "on_approval" {
    for_each = var.gitlab_deploy == null ? [] : [var.gitlab_deploy]
    content {
      project    = on_approval.value.project
      ref        = on_approval.value.ref
      gitlab_url = on_approval.value.gitlab_url
      variables  = on_approval.value.variables
      # with a version, the token is write-only (Terraform 1.11+): never stored in the state
      trigger_token            = var.gitlab_trigger_token_version == null ? var.gitlab_trigger_token : null
      trigger_token_wo         = var.gitlab_trigger_token_version == null ? null : var.gitlab_trigger_token
      trigger_token_wo_version = var.gitlab_trigger_token_version
    }
  }

  lifecycle {
    precondition {
      condition     = var.gitlab_deploy == null || var.gitlab_trigger_token != null
      error_message = "gitlab_deploy needs gitlab_trigger_token."
    }
  }
}

resource "mlops_pipeline" "this" {
  for_each = local.pipelines

  name           = each.value.name
  description    = each.key == "hpo" ? "Tunes, evaluates and registers ${var.name} (best of a tuning job)" : "Trains, evaluates and registers ${var.name}"
  role_arn       = var.role_arn
  default_bucket = var.bucket
  tags           = var.tags

  parameter {
    name    = "InputDataUrl"
    default = local.training_data
  }
  parameter {
    name    = "InstanceType"
    default = var.instance_type
  }
  parameter {
    name    = "MetricThreshold"
    type    = "Float"
    default = tostring(var.evaluation.threshold)
  }

  step {
    name = "Preprocess"
    processing {
      image_uri     = local.processing_image
      instance_type = "{{ parameters.InstanceType }}"
      code          = local.preprocess_code
      input {
        source      = "{{ parameters.InputDataUrl }}"
        destination = "/opt/ml/processing/input"
      }
      dynamic "output" {
        for_each = ["train", "validation", "test"]
        content {
          name   = output.value
          source = "/opt/ml/processing/${output.value}"
        }
      }
    }
  }

  step {
    name = "DataQualityBaseline"
    quality_check {
      check_type            = "DATA_QUALITY"
      dataset               = "{{ steps.Preprocess.outputs.train }}"
      output_s3_uri         = "s3://${var.bucket}/${var.name}/${each.key}/${local.run}/data-quality-baseline"
      instance_type         = "{{ parameters.InstanceType }}"
      model_package_group   = mlops_model_package_group.this.name
      skip_check            = true
      register_new_baseline = true
    }
  }

  step {
    name       = each.value.model_step
    depends_on = ["DataQualityBaseline"]

    dynamic "training" {
      for_each = each.key == "training" ? [1] : []
      content {
        image_uri       = var.image
        instance_type   = "{{ parameters.InstanceType }}"
        output_path     = "s3://${var.bucket}/${var.name}/models"
        hyperparameters = var.hyperparameters
        dynamic "input" {
          for_each = ["train", "validation"]
          content {
            channel      = input.value
            s3_uri       = "{{ steps.Preprocess.outputs.${input.value} }}"
            content_type = var.content_type
          }
        }
      }
    }

    dynamic "tuning" {
      for_each = each.key == "hpo" ? [var.hpo] : []
      content {
        objective_metric  = tuning.value.objective_metric
        objective_type    = tuning.value.objective_type
        max_jobs          = tuning.value.max_jobs
        max_parallel_jobs = tuning.value.max_parallel_jobs
        dynamic "continuous_range" {
          for_each = tuning.value.continuous_ranges
          content {
            name = continuous_range.key
            min  = tostring(continuous_range.value.min)
            max  = tostring(continuous_range.value.max)
          }
        }
        dynamic "integer_range" {
          for_each = tuning.value.integer_ranges
          content {
            name = integer_range.key
            min  = tostring(integer_range.value.min)
            max  = tostring(integer_range.value.max)
          }
        }
        training {
          image_uri       = var.image
          instance_type   = "{{ parameters.InstanceType }}"
          output_path     = "s3://${var.bucket}/${var.name}/hpo-models"
          hyperparameters = var.hyperparameters
          dynamic "input" {
            for_each = ["train", "validation"]
            content {
              channel      = input.value
              s3_uri       = "{{ steps.Preprocess.outputs.${input.value} }}"
              content_type = var.content_type
            }
          }
        }
      }
    }
  }

  step {
    name = "Evaluate"
    processing {
      image_uri     = local.processing_image
      instance_type = "{{ parameters.InstanceType }}"
      code          = local.evaluate_code
      input {
        source      = "{{ steps.${each.value.model_step}.${each.value.artifacts} }}"
        destination = "/opt/ml/processing/model"
      }
      input {
        source      = "{{ steps.Preprocess.outputs.test }}"
        destination = "/opt/ml/processing/test"
      }
      output {
        name   = "evaluation"
        source = "/opt/ml/processing/evaluation"
      }
      property_file {
        name   = "EvaluationReport"
        output = "evaluation"
        path   = "evaluation.json"
      }
    }
  }

  step {
    name = "QualityGate"
    condition {
      comparison {
        type  = var.evaluation.goal == "minimize" ? "LessThanOrEqualTo" : "GreaterThanOrEqualTo"
        left  = "{{ steps.Evaluate.files.EvaluationReport.${var.evaluation.metric} }}"
        right = "{{ parameters.MetricThreshold }}"
      }
      if_steps   = ["Register"]
      else_steps = ["BelowQualityGate"]
    }
  }

  step {
    name = "Register"
    register_model {
      model_package_group = mlops_model_package_group.this.name
      description         = "${var.name} from ${each.value.name} execution ${local.run}"
      image_uri           = var.image
      model_data_url      = "{{ steps.${each.value.model_step}.${each.value.artifacts} }}"
      content_types       = [var.content_type]
      response_types      = [var.content_type]
      model_metrics {
        model_quality_statistics = "{{ steps.Evaluate.outputs.evaluation }}/evaluation.json"
        data_quality_statistics  = "{{ steps.DataQualityBaseline.CalculatedBaselineStatistics }}"
        data_quality_constraints = "{{ steps.DataQualityBaseline.CalculatedBaselineConstraints }}"
      }
      drift_check_baselines {
        data_quality_statistics  = "{{ steps.DataQualityBaseline.BaselineUsedForDriftCheckStatistics }}"
        data_quality_constraints = "{{ steps.DataQualityBaseline.BaselineUsedForDriftCheckConstraints }}"
      }
    }
  }

  step {
    name = "BelowQualityGate"
    fail {
      error_message = "${var.evaluation.metric} misses the threshold {{ parameters.MetricThreshold }} (${var.evaluation.goal})"
    }
  }

  dynamic "trigger" {
    for_each = each.key == "training" && var.schedule != null ? [var.schedule] : []
    content {
      name     = "schedule"
      schedule = trigger.value
    }
  }

  dynamic "trigger" {
    for_each = each.key == "training" && var.retrain_on_new_data ? [local.data_location] : []
    content {
      name = "new-data"
      s3 {
        bucket = trigger.value[0]
        prefix = trigger.value[1] == "" ? null : trigger.value[1]
      }
    }
  }

  dynamic "trigger" {
    for_each = each.key == local.retrain_target ? var.retrain_on_failure_of : []
    content {
      name = "retrain-${trigger.key + 1}"
      pipeline_step {
        pipeline = trigger.value.pipeline
        step     = trigger.value.step
        statuses = ["Failed"]
      }
    }
  }

  dynamic "notification" {
    for_each = length(var.notification_emails) > 0 ? [1] : []
    content {
      name               = "status"
      emails             = var.notification_emails
      execution_statuses = var.notify_on
    }
  }
}
