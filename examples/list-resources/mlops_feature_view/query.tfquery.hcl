list "mlops_feature_view" "customers" {
  provider = mlops
  config {
    name_contains = "customers"
  }
}
