# HPO training pipeline of the reference architecture: preprocess -> data-quality baseline ->
# hyperparameter tuning -> evaluate the best model -> condition (MSE threshold) -> register
# the best model for review by a human board, or fail. The same pipeline as
# acceptance-tests/oracle/sdk/hpo_training.json (SageMaker Python SDK 2.257.7 output).
# Its scripts are S3 URIs (uploaded by other means); training/ and batch-inference/ keep theirs
# in scripts/ and let the provider upload them.

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

resource "mlops_pipeline" "hpo" {
  name           = "HpoTrainingPipeline"
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
    name    = "MonitoringInstanceType"
    default = "ml.m5.xlarge"
  }
  parameter {
    name    = "InputDataUrl"
    default = "s3://${var.bucket}/abalone/training/training-data.csv"
  }
  parameter {
    name    = "MseThreshold"
    type    = "Float"
    default = "6.5"
  }

  step {
    name = "PreprocessAbaloneData"
    processing {
      image_uri      = local.sklearn
      instance_type  = "{{ parameters.ProcessingInstanceType }}"
      instance_count = "{{ parameters.ProcessingInstanceCount }}"
      code           = "s3://${var.bucket}/HpoTrainingPipeline/code/preprocess.py"
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
      output_s3_uri         = "s3://${var.bucket}/abalone-hpo/monitoring/{{ execution.PipelineExecutionId }}/dataqualitycheckstep"
      instance_type         = "{{ parameters.MonitoringInstanceType }}"
      model_package_group   = mlops_model_package_group.abalone.name
      skip_check            = true
      register_new_baseline = true
    }
  }

  step {
    name               = "TuneAbaloneModel"
    depends_on         = ["DataQualityCheck"]
    cache_expire_after = "P30D"
    retry {
      exception_types  = ["Step.SERVICE_FAULT", "Step.THROTTLING"]
      interval_seconds = 10
      max_attempts     = 3
    }
    retry {
      exception_types      = ["SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"]
      interval_seconds     = 60
      backoff_rate         = 1.5
      expire_after_minutes = 120
    }
    tuning {
      objective_metric  = "validation:rmse"
      objective_type    = "Minimize"
      max_jobs          = 6
      max_parallel_jobs = 2
      continuous_range {
        name = "eta"
        min  = "0"
        max  = "1"
      }
      continuous_range {
        name = "min_child_weight"
        min  = "1"
        max  = "10"
      }
      continuous_range {
        name = "alpha"
        min  = "0"
        max  = "2"
      }
      integer_range {
        name = "max_depth"
        min  = "1"
        max  = "10"
      }
      training {
        image_uri     = local.xgboost
        instance_type = "{{ parameters.TrainingInstanceType }}"
        output_path   = "s3://${var.bucket}/abalone/hpo/models"
        hyperparameters = {
          objective   = "reg:squarederror"
          num_round   = "50"
          eval_metric = "rmse"
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
  }

  step {
    name = "EvaluateTopModel"
    processing {
      image_uri     = local.xgboost
      instance_type = "{{ parameters.ProcessingInstanceType }}"
      code          = "s3://${var.bucket}/HpoTrainingPipeline/code/evaluate.py"
      input {
        source      = "{{ steps.TuneAbaloneModel.best_model_artifacts }}"
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
    name = "CheckMseTopModel"
    condition {
      comparison {
        type  = "LessThanOrEqualTo"
        left  = "{{ steps.EvaluateTopModel.files.EvaluationReport.regression_metrics.mse.value }}"
        right = "{{ parameters.MseThreshold }}"
      }
      if_steps   = ["RegisterTopModel-RegisterModel"]
      else_steps = ["HpoMseThresholdExceeded"]
    }
  }

  step {
    name = "RegisterTopModel-RegisterModel"
    register_model {
      model_package_group      = mlops_model_package_group.abalone.name
      description              = "XGBoost abalone model, best of the HyperparameterTuner run"
      image_uri                = local.xgboost
      model_data_url           = "{{ steps.TuneAbaloneModel.best_model_artifacts }}"
      content_types            = ["text/csv"]
      response_types           = ["text/csv"]
      realtime_instance_types  = ["ml.t2.medium", "ml.m5.large"]
      transform_instance_types = ["ml.m5.large"]
      model_metrics {
        model_quality_statistics = "{{ steps.EvaluateTopModel.outputs.evaluation }}/evaluation.json"
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
    name = "HpoMseThresholdExceeded"
    fail {
      error_message = "Best tuned model MSE is above {{ parameters.MseThreshold }}"
    }
  }
}

output "definition_json" {
  value = mlops_pipeline.hpo.definition_json
}
