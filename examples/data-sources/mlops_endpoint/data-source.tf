data "mlops_endpoint" "churn" {
  name = "churn"
}

output "churn_serves" {
  value = [for v in data.mlops_endpoint.churn.variants : v.model_package_arn]
}
