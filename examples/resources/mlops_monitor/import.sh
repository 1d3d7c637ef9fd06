# A monitor is imported by its name.
terraform import mlops_monitor.churn churn
# Prometheus alerting rules (a monitor with a prometheus block) are imported by
# prometheus:namespace/name.
terraform import mlops_monitor.churn_alerts prometheus:ml/churn-alerts
