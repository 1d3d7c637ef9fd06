# A monitor is imported by its name.
terraform import mlops_monitor.churn churn
