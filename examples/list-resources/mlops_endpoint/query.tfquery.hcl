# terraform query -generate-config-out=endpoints.tf
list "mlops_endpoint" "churn" {
  provider = mlops
  config {
    name_contains = "churn"
  }
}
