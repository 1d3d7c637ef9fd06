resource "mlops_pipeline" "retrain" {
  name           = "churn-training"
  role_arn       = "arn:aws:iam::123456789012:role/SageMakerExecution"
  default_bucket = "churn-ml"

  parameter {
    name    = "InputDataUrl"
    default = "s3://churn-ml/training/latest.csv"
  }

  step {
    name = "Preprocess"
    processing {
      image_uri     = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
      instance_type = "ml.m5.xlarge"
      code          = "s3://churn-ml/code/preprocess.py"
      input {
        source      = "{{ parameters.InputDataUrl }}"
        destination = "/opt/ml/processing/input"
      }
      output {
        name   = "train"
        source = "/opt/ml/processing/train"
      }
    }
  }

  step {
    name = "Train"
    retry {
      exception_types = ["SageMaker.CAPACITY_ERROR"]
      max_attempts    = 3
    }
    training {
      image_uri     = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
      instance_type = "ml.m5.xlarge"
      output_path   = "s3://churn-ml/models"
      input {
        channel      = "train"
        s3_uri       = "{{ steps.Preprocess.outputs.train }}"
        content_type = "text/csv"
      }
    }
  }

  step {
    name = "Register"
    register_model {
      model_package_group = "churn"
      image_uri           = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
      model_data_url      = "{{ steps.Train.model_artifacts }}"
      content_types       = ["text/csv"]
      response_types      = ["text/csv"]
    }
  }

  # Nightly, and whenever new training data lands.
  trigger {
    name     = "nightly"
    schedule = "cron(0 3 * * ? *)"
  }
  trigger {
    name = "new-data"
    s3 {
      bucket = "churn-ml"
      prefix = "training/"
      suffix = ".csv"
    }
    parameters = { InputDataUrl = "s3://churn-ml/training/" }
  }

  notification {
    name               = "failures"
    emails             = ["ml-team@example.com"]
    execution_statuses = ["Failed"]
    step_statuses      = ["Failed"]
  }
}
