list "mlops_pipeline" "training" {
  provider = mlops
  config {
    name_prefix = "churn"
  }
}
