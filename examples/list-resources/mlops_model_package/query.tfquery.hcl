# The approved versions of a group, newest first.
list "mlops_model_package" "released" {
  provider = mlops
  limit    = 10
  config {
    model_package_group_name = "churn"
    approval_status          = "Approved"
  }
}
