# Served on Seldon Core and watched by Prometheus: the monitor writes a PrometheusRule
# "churn-alerts" in namespace "ml" with alerts on the endpoint's error rate, p99 latency and
# traffic, over the metrics Seldon's executor exports. Needs prometheus-operator in the
# cluster (and a Prometheus whose ruleSelector picks the rule_labels).
resource "mlops_endpoint" "churn" {
  name = "churn"

  model {
    model_data_url = "s3://my-ml-bucket/churn/model-v1/"
  }

  seldon {
    namespace    = "ml"
    model_format = "sklearn"
  }
}

resource "mlops_monitor" "churn_alerts" {
  name          = "churn-alerts"
  endpoint_name = mlops_endpoint.churn.name

  prometheus {
    namespace = "ml"
    runtime   = "seldon"

    labels = {
      team = "churn" # routes the alerts in Alertmanager
    }
    rule_labels = {
      release = "kube-prometheus-stack"
    }

    error_rate {
      max_ratio = 0.05 # more than 5 % of requests fail for 5 minutes: critical
    }
    latency {
      max_seconds = 0.5 # p99 above 500 ms for 10 minutes: warning
    }
    no_traffic {
      for = "30m"
    }
  }
}
