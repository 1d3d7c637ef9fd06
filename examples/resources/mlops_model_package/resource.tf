resource "mlops_model_package" "candidate" {
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  model_data_url           = "s3://my-ml-bucket/churn/model-v2/model.tar.gz"

  # Flip to "Approved" in a reviewed merge request to release the version.
  approval_status      = "PendingManualApproval"
  approval_description = "Waiting for the review board"

  customer_metadata = { git_commit = "4f2c1ab", dataset = "2026-11-01" }

  metrics {
    model_quality_statistics = "s3://my-ml-bucket/churn/model-v2/evaluation.json"
    data_quality_statistics  = "s3://my-ml-bucket/churn/baseline/statistics.json"
    data_quality_constraints = "s3://my-ml-bucket/churn/baseline/constraints.json"
  }
}
