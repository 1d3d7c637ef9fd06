# The monitors of one endpoint (from its monitoring schedules).
list "mlops_monitor" "churn" {
  provider = mlops
  config {
    endpoint_name = "churn"
  }
}
