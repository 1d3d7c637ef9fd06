resource "mlops_monitor" "churn" {
  name          = "churn"
  role_arn      = "arn:aws:iam::123456789012:role/SageMakerExecution"
  endpoint_name = mlops_endpoint.churn.name
  output_s3_uri = "s3://monitoring/churn"
  schedule      = "daily"

  data_quality {
    baseline_statistics  = "s3://baselines/churn/statistics.json"
    baseline_constraints = "s3://baselines/churn/constraints.json"
  }

  model_quality {
    problem_type        = "BinaryClassification"
    ground_truth_s3_uri = "s3://labels/churn"
    inference_attribute = "0"
  }

  alerts {
    topic_arn         = "arn:aws:sns:us-east-1:123456789012:ml-alerts"
    metric_thresholds = { f1 = 0.8, accuracy = 0.9 }
  }
}
