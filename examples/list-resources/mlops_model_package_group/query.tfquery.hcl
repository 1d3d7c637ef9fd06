list "mlops_model_package_group" "all" {
  provider = mlops
}
