# The newest Approved version of a group (the default filter).
data "mlops_model_package" "serving" {
  model_package_group_name = "churn-prediction"
}

# A specific version, whatever its approval status.
data "mlops_model_package" "v3" {
  model_package_group_name = "churn-prediction"
  version                  = 3
}
