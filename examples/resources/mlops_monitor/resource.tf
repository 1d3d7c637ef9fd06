resource "mlops_monitor" "churn" {
  name          = "churn"
  role_arn      = "arn:aws:iam::123456789012:role/SageMakerExecution"
  endpoint_name = mlops_endpoint.churn.name
  output_s3_uri = "s3://monitoring/churn"
  schedule      = "daily"

  # The provider baselines the training data (a SageMaker processing job with the
  # Model Monitor analyzer) and monitors against its statistics and constraints.
  data_quality {
    baseline_dataset {
      s3_uri = "s3://datasets/churn/train.csv"
      format = "csv"
    }
  }

  model_quality {
    problem_type        = "BinaryClassification"
    ground_truth_s3_uri = "s3://labels/churn"
    inference_attribute = "0"
  }

  network {
    subnet_ids         = ["subnet-0a1b2c3d"]
    security_group_ids = ["sg-0e1f2a3b"]
  }

  # Alarms on feature drift and model quality, mailed through a topic the provider owns.
  alerts {
    emails            = ["ml-oncall@example.com"]
    metric_thresholds = { f1 = 0.8, accuracy = 0.9 }
    drift_thresholds  = { tenure = 0.1, monthly_charges = 0.2 }
  }
}

# Monitoring the data a batch transform job captured instead of an endpoint.
resource "mlops_monitor" "churn_batch" {
  name          = "churn-batch"
  role_arn      = "arn:aws:iam::123456789012:role/SageMakerExecution"
  output_s3_uri = "s3://monitoring/churn-batch"

  batch_transform {
    data_captured_destination_s3_uri = "s3://capture/churn-batch"
    format                           = "csv"
    csv_header                       = true
  }

  data_quality {
    baseline_statistics  = "s3://baselines/churn/statistics.json"
    baseline_constraints = "s3://baselines/churn/constraints.json"
  }

  alerts {
    topic_arn        = "arn:aws:sns:us-east-1:123456789012:ml-alerts"
    drift_thresholds = { tenure = 0.1 }
  }
}
