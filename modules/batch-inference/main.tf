# Batch inference of the reference architecture: the latest approved model version scores
# new data -> data-quality check against the version's registered baseline -> (optionally)
# model-quality check on data with ground truth, whose failure can start a retraining.

# The version to serve, resolved at plan time. A newly approved version shows as a change of
# the pipeline's parameter defaults at the next plan (e.g. in the deployment pipeline the
# approval hook starts).
data "mlops_model_package" "serving" {
  model_package_group_name = var.model_package_group
  allow_missing            = true
}

locals {
  input_data = coalesce(var.input_data, "s3://${var.bucket}/${var.name}/input/")
  location   = regex("^s3://([^/]+)/?(.*)$", local.input_data)
  run        = "{{ execution.PipelineExecutionId }}"
  approved   = data.mlops_model_package.serving.found
  scored     = var.preprocess == null ? "{{ parameters.InputDataUrl }}" : "{{ steps.Preprocess.outputs.output }}"
  model      = data.mlops_model_package.serving
  mq_baseline = try(coalesce(
    try(var.model_quality.baseline_constraints, null),
    try(local.model.metrics.model_quality_constraints, null),
  ), null)
}

resource "mlops_pipeline" "this" {
  name        = var.name
  description = "Scores ${local.input_data} with the latest approved version of ${var.model_package_group}"
  role_arn    = var.role_arn
  tags        = var.tags

  parameter {
    name    = "InputDataUrl"
    default = local.input_data
  }
  parameter {
    name    = "InstanceType"
    default = var.instance_type
  }
  # the approved version; without one yet, executions must pass these three
  parameter {
    name    = "ModelPackageArn"
    default = local.model.arn
  }
  parameter {
    name    = "ModelImage"
    default = local.model.image
  }
  parameter {
    name    = "ModelDataUrl"
    default = local.model.model_data_url
  }

  dynamic "step" {
    for_each = var.preprocess == null ? [] : [var.preprocess]
    content {
      name = "Preprocess"
      processing {
        image_uri     = step.value.image
        instance_type = "{{ parameters.InstanceType }}"
        code          = step.value.code
        input {
          source      = "{{ parameters.InputDataUrl }}"
          destination = "/opt/ml/processing/input"
        }
        output {
          name        = "output"
          source      = "/opt/ml/processing/output"
          destination = "s3://${var.bucket}/${var.name}/${local.run}/preprocessed"
        }
      }
    }
  }

  step {
    name = "DataQualityCheck"
    quality_check {
      check_type          = "DATA_QUALITY"
      dataset             = local.scored
      output_s3_uri       = "s3://${var.bucket}/${var.name}/${local.run}/data-quality"
      instance_type       = "{{ parameters.InstanceType }}"
      model_package_group = var.model_package_group
    }
  }

  step {
    name = "CreateModel"
    create_model {
      image_uri      = "{{ parameters.ModelImage }}"
      model_data_url = "{{ parameters.ModelDataUrl }}"
      environment = {
        MODEL_PACKAGE_ARN = "{{ parameters.ModelPackageArn }}"
      }
    }
  }

  step {
    name       = "Transform"
    depends_on = ["DataQualityCheck"]
    transform {
      model_name     = "{{ steps.CreateModel.model_name }}"
      instance_type  = "{{ parameters.InstanceType }}"
      instance_count = tostring(var.instance_count)
      input          = local.scored
      content_type   = var.content_type
      split_type     = "Line"
      accept         = var.content_type
      assemble_with  = "Line"
      output_path    = "s3://${var.bucket}/${var.name}/${local.run}/predictions"
      input_filter   = var.transform.input_filter
      output_filter  = var.transform.output_filter
      join_source    = var.transform.join_source
    }
  }

  dynamic "step" {
    for_each = var.model_quality == null ? [] : [var.model_quality]
    content {
      name = "ModelQualityCheck"
      quality_check {
        check_type             = "MODEL_QUALITY"
        dataset                = "{{ steps.Transform.transform_output }}"
        output_s3_uri          = "s3://${var.bucket}/${var.name}/${local.run}/model-quality"
        instance_type          = "{{ parameters.InstanceType }}"
        model_package_group    = var.model_package_group
        problem_type           = step.value.problem_type
        inference_attribute    = step.value.inference_attribute
        ground_truth_attribute = step.value.ground_truth_attribute
        probability_attribute  = step.value.probability_attribute
        baseline_constraints   = local.mq_baseline
      }
    }
  }

  dynamic "trigger" {
    for_each = var.schedule == null ? [] : [var.schedule]
    content {
      name     = "schedule"
      enabled  = local.approved
      schedule = trigger.value
    }
  }

  dynamic "trigger" {
    for_each = var.run_on_new_data ? [local.location] : []
    content {
      name    = "new-data"
      enabled = local.approved
      s3 {
        bucket = trigger.value[0]
        prefix = trigger.value[1] == "" ? null : trigger.value[1]
      }
    }
  }

  dynamic "notification" {
    for_each = length(var.notification_emails) > 0 ? [1] : []
    content {
      name               = "status"
      emails             = var.notification_emails
      execution_statuses = ["Failed", "Succeeded"]
      step_statuses      = ["Failed"]
    }
  }
}
