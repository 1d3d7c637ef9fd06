data "mlops_feature_view" "customers" {
  name = "customers"
}

output "customer_features" {
  value = [for f in data.mlops_feature_view.customers.features : "${f.name}: ${f.type}"]
}
