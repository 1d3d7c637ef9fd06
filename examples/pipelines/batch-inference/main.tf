# Batch inference pipeline of the reference architecture: the latest approved model version
# -> preprocess -> data-quality check against the registered baseline -> batch transform ->
# (when enabled) model-quality check. The same pipeline as
# acceptance-tests/oracle/sdk/batch_inference.json (SageMaker Python SDK 2.257.7 output).

variable "role_arn" {
  type        = string
  description = "IAM role of the pipeline and its jobs."
  default     = "arn:aws:iam::123456789012:role/SageMakerExecution"
}

variable "bucket" {
  type        = string
  description = "Bucket for code, data and outputs."
  default     = "mlops-ref"
}

variable "model_package_arn" {
  type        = string
  description = "Approved model version to serve, e.g. data.mlops_model_package.latest.arn."
  default     = "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-mpg/1"
}

variable "model_data_url" {
  type        = string
  description = "Artifact of that version."
  default     = "s3://mlops-ref/abalone/training/models/approved/output/model.tar.gz"
}

locals {
  sklearn   = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
  xgboost   = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  baselines = "s3://${var.bucket}/abalone/baselines"
  run       = "{{ execution.PipelineExecutionId }}"
}

resource "mlops_model_package_group" "abalone" {
  name = "abalone-mpg"
}

resource "mlops_pipeline" "batch" {
  name           = "BatchInferencePipeline"
  role_arn       = var.role_arn
  default_bucket = var.bucket # where scripts/ is uploaded (content-addressed) at apply

  parameter {
    name    = "ProcessingInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "ProcessingInstanceCount"
    type    = "Integer"
    default = "1"
  }
  parameter {
    name    = "TransformInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "TransformInstanceCount"
    type    = "Integer"
    default = "1"
  }
  parameter {
    name    = "MonitoringInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "InputDataUrl"
    default = "s3://${var.bucket}/abalone/inference/inference-data.csv"
  }
  parameter {
    name    = "ModelPackageArn"
    default = var.model_package_arn
  }
  parameter {
    name    = "ModelDataUrl"
    default = var.model_data_url
  }
  parameter {
    name    = "DataQualityBaselineStatistics"
    default = "${local.baselines}/data-quality/statistics.json"
  }
  parameter {
    name    = "DataQualityBaselineConstraints"
    default = "${local.baselines}/data-quality/constraints.json"
  }
  parameter {
    name    = "ModelQualityBaselineStatistics"
    default = "${local.baselines}/model-quality/statistics.json"
  }
  parameter {
    name    = "ModelQualityBaselineConstraints"
    default = "${local.baselines}/model-quality/constraints.json"
  }
  parameter {
    name    = "CheckModelQuality"
    type    = "Boolean"
    default = "true"
  }

  step {
    name               = "PreprocessInferenceData"
    description        = "Encode the new abalone data like training did (label first)"
    cache_expire_after = "PT12H"
    processing {
      image_uri      = local.sklearn
      instance_type  = "{{ parameters.ProcessingInstanceType }}"
      instance_count = "{{ parameters.ProcessingInstanceCount }}"
      code           = "${path.module}/scripts/preprocess_inference.py"
      input {
        name        = "raw"
        source      = "{{ parameters.InputDataUrl }}"
        destination = "/opt/ml/processing/input"
      }
      output {
        name        = "inference"
        source      = "/opt/ml/processing/inference"
        destination = "s3://${var.bucket}/abalone/inference/${local.run}/preprocessed"
      }
    }
  }

  step {
    name = "DataQualityCheck"
    quality_check {
      check_type           = "DATA_QUALITY"
      dataset              = "{{ steps.PreprocessInferenceData.outputs.inference }}"
      output_s3_uri        = "s3://${var.bucket}/abalone/monitoring/${local.run}/data-quality"
      instance_type        = "{{ parameters.MonitoringInstanceType }}"
      volume_size_gb       = 20
      max_runtime_seconds  = 3600
      model_package_group  = mlops_model_package_group.abalone.name
      baseline_statistics  = "{{ parameters.DataQualityBaselineStatistics }}"
      baseline_constraints = "{{ parameters.DataQualityBaselineConstraints }}"
    }
  }

  step {
    name = "CreateAbaloneModel-CreateModel"
    create_model {
      image_uri      = local.xgboost
      model_data_url = "{{ parameters.ModelDataUrl }}"
      environment = {
        MODEL_PACKAGE_ARN = "{{ parameters.ModelPackageArn }}"
      }
    }
  }

  step {
    name       = "TransformAbaloneData"
    depends_on = ["DataQualityCheck"]
    retry {
      exception_types  = ["Step.THROTTLING"]
      interval_seconds = 5
      max_attempts     = 5
    }
    retry {
      exception_types  = ["SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR"]
      interval_seconds = 30
      max_attempts     = 3
    }
    transform {
      model_name     = "{{ steps.CreateAbaloneModel-CreateModel.model_name }}"
      instance_type  = "{{ parameters.TransformInstanceType }}"
      instance_count = "{{ parameters.TransformInstanceCount }}"
      input          = "{{ steps.PreprocessInferenceData.outputs.inference }}"
      content_type   = "text/csv"
      split_type     = "Line"
      output_path    = "s3://${var.bucket}/abalone/inference/${local.run}/transform"
      accept         = "text/csv"
      assemble_with  = "Line"
      input_filter   = "$[1:]"
      output_filter  = "$[0,-1]"
      join_source    = "Input"
    }
  }

  step {
    name = "CheckModelQualityEnabled"
    condition {
      comparison {
        type  = "Equals"
        left  = "{{ parameters.CheckModelQuality }}"
        right = "true"
      }
      if_steps = ["ModelQualityCheck"]
    }
  }

  step {
    name = "ModelQualityCheck"
    quality_check {
      check_type             = "MODEL_QUALITY"
      dataset                = "{{ steps.TransformAbaloneData.transform_output }}"
      output_s3_uri          = "s3://${var.bucket}/abalone/monitoring/${local.run}/model-quality"
      instance_type          = "{{ parameters.MonitoringInstanceType }}"
      model_package_group    = mlops_model_package_group.abalone.name
      baseline_statistics    = "{{ parameters.ModelQualityBaselineStatistics }}"
      baseline_constraints   = "{{ parameters.ModelQualityBaselineConstraints }}"
      problem_type           = "Regression"
      inference_attribute    = "_c1"
      ground_truth_attribute = "_c0"
    }
  }
}

output "definition_json" {
  value = mlops_pipeline.batch.definition_json
}
