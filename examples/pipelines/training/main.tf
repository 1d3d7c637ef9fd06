# Training pipeline of the reference architecture: preprocess -> data-quality baseline ->
# train -> evaluate -> condition (MSE threshold) -> register (PendingManualApproval) or fail.
# The same pipeline as acceptance-tests/oracle (SageMaker Python SDK 2.257.7 output).
# The processing scripts live in scripts/ beside this file: `code` names them, and the provider
# uploads each to s3://<bucket>/TrainingPipeline/code/<sha256>/<file> at apply (a changed
# script is a new key in the plan; old keys stay for running executions).

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

locals {
  sklearn = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
  xgboost = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
}

resource "mlops_model_package_group" "abalone" {
  name = "abalone-mpg"
}

resource "mlops_pipeline" "training" {
  name           = "TrainingPipeline"
  role_arn       = var.role_arn
  default_bucket = var.bucket

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
    name    = "TrainingInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "TrainingInstanceCount"
    type    = "Integer"
    default = "1"
  }
  parameter {
    name    = "MonitoringInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "InputDataUrl"
    default = "s3://${var.bucket}/abalone/training/training-data.csv"
  }
  parameter {
    name    = "ModelApprovalStatus"
    default = "PendingManualApproval"
  }
  parameter {
    name    = "MseThreshold"
    type    = "Float"
    default = "10.0"
  }

  step {
    name = "PreprocessAbaloneData"
    processing {
      image_uri      = local.sklearn
      instance_type  = "{{ parameters.ProcessingInstanceType }}"
      instance_count = "{{ parameters.ProcessingInstanceCount }}"
      code           = "${path.module}/scripts/preprocess.py"
      input {
        source      = "{{ parameters.InputDataUrl }}"
        destination = "/opt/ml/processing/input"
      }
      output {
        name   = "train"
        source = "/opt/ml/processing/train"
      }
      output {
        name   = "validation"
        source = "/opt/ml/processing/validation"
      }
      output {
        name   = "test"
        source = "/opt/ml/processing/test"
      }
    }
  }

  step {
    name = "DataQualityCheck"
    quality_check {
      check_type            = "DATA_QUALITY"
      dataset               = "{{ steps.PreprocessAbaloneData.outputs.train }}"
      output_s3_uri         = "s3://${var.bucket}/abalone/monitoring/{{ execution.PipelineExecutionId }}/dataqualitycheckstep"
      instance_type         = "{{ parameters.MonitoringInstanceType }}"
      model_package_group   = mlops_model_package_group.abalone.name
      skip_check            = true
      register_new_baseline = true
    }
  }

  step {
    name = "TrainAbaloneModel"
    training {
      image_uri      = local.xgboost
      instance_type  = "{{ parameters.TrainingInstanceType }}"
      instance_count = "{{ parameters.TrainingInstanceCount }}"
      output_path    = "s3://${var.bucket}/abalone/training/models"
      hyperparameters = {
        objective        = "reg:squarederror"
        num_round        = "50"
        max_depth        = "5"
        eta              = "0.2"
        gamma            = "4"
        min_child_weight = "6"
        subsample        = "0.7"
      }
      input {
        channel      = "train"
        s3_uri       = "{{ steps.PreprocessAbaloneData.outputs.train }}"
        content_type = "text/csv"
      }
      input {
        channel      = "validation"
        s3_uri       = "{{ steps.PreprocessAbaloneData.outputs.validation }}"
        content_type = "text/csv"
      }
    }
  }

  step {
    name = "EvaluateAbaloneModel"
    processing {
      image_uri     = local.xgboost
      instance_type = "{{ parameters.ProcessingInstanceType }}"
      code          = "${path.module}/scripts/evaluate.py"
      input {
        source      = "{{ steps.TrainAbaloneModel.model_artifacts }}"
        destination = "/opt/ml/processing/model"
      }
      input {
        source      = "{{ steps.PreprocessAbaloneData.outputs.test }}"
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
    name = "CheckMseAbaloneEvaluation"
    condition {
      comparison {
        type  = "LessThanOrEqualTo"
        left  = "{{ steps.EvaluateAbaloneModel.files.EvaluationReport.regression_metrics.mse.value }}"
        right = "{{ parameters.MseThreshold }}"
      }
      if_steps   = ["RegisterAbaloneModel-RegisterModel"]
      else_steps = ["MseThresholdExceeded"]
    }
  }

  step {
    name = "RegisterAbaloneModel-RegisterModel"
    register_model {
      model_package_group      = mlops_model_package_group.abalone.name
      approval_status          = "{{ parameters.ModelApprovalStatus }}"
      image_uri                = local.xgboost
      model_data_url           = "{{ steps.TrainAbaloneModel.model_artifacts }}"
      content_types            = ["text/csv"]
      response_types           = ["text/csv"]
      realtime_instance_types  = ["ml.t2.medium", "ml.m5.large"]
      transform_instance_types = ["ml.m5.large"]
      model_metrics {
        model_quality_statistics = "{{ steps.EvaluateAbaloneModel.outputs.evaluation }}/evaluation.json"
        data_quality_statistics  = "{{ steps.DataQualityCheck.CalculatedBaselineStatistics }}"
        data_quality_constraints = "{{ steps.DataQualityCheck.CalculatedBaselineConstraints }}"
      }
      drift_check_baselines {
        data_quality_statistics  = "{{ steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics }}"
        data_quality_constraints = "{{ steps.DataQualityCheck.BaselineUsedForDriftCheckConstraints }}"
      }
    }
  }

  step {
    name = "MseThresholdExceeded"
    fail {
      error_message = "Execution failed due to MSE > {{ parameters.MseThreshold }}"
    }
  }
}

output "definition_json" {
  value = mlops_pipeline.training.definition_json
}
