locals {
  kserve = var.platform == "kserve"
  # a canary of 100 % is no canary: the provider takes null or 100 as "all at once"
  canary = var.canary_traffic_percent == 100 ? null : var.canary_traffic_percent
}

# The registered model in MLflow (the provider's mlflow block), and optionally its first
# version, holding the alias so that the first apply has something to serve. Training code
# registers later versions and moves the alias: the module never moves it back.
resource "mlops_model_package_group" "model" {
  count         = var.create_registered_model ? 1 : 0
  name          = var.name
  force_destroy = true
  mlflow {}

  lifecycle {
    precondition {
      condition     = var.first_version_uri != null
      error_message = "first_version_uri is needed when the module creates the registered model: otherwise no version holds the alias on the first apply. Set it, or set create_registered_model = false for a model training code registered."
    }
  }
}

resource "mlops_model_package" "first" {
  count                    = var.create_registered_model && var.first_version_uri != null ? 1 : 0
  model_package_group_name = mlops_model_package_group.model[0].name
  approval_status          = "Approved"

  mlflow {
    source = var.first_version_uri
    alias  = var.alias
  }

  lifecycle {
    # whoever moves the alias later (training code) decides what is approved
    ignore_changes = [approval_status]
  }
}

# The version holding the alias, read at every plan.
data "mlops_model_package" "serving" {
  model_package_group_name = var.create_registered_model ? mlops_model_package_group.model[0].name : var.name

  mlflow {
    alias = var.alias
  }

  depends_on = [mlops_model_package.first]
}

resource "mlops_endpoint" "this" {
  name = var.name

  model {
    model_data_url = data.mlops_model_package.serving.model_data_url
  }

  dynamic "kubernetes" {
    for_each = local.kserve ? [1] : []
    content {
      namespace              = var.namespace
      model_format           = var.model_format
      min_replicas           = var.replicas.min
      max_replicas           = var.replicas.max
      canary_traffic_percent = local.canary
      labels                 = var.labels

      resources {
        cpu    = var.resources.cpu
        memory = var.resources.memory
      }
    }
  }

  dynamic "seldon" {
    for_each = local.kserve ? [] : [1]
    content {
      namespace              = var.namespace
      model_format           = var.model_format
      replicas               = max(var.replicas.min, 1)
      canary_traffic_percent = local.canary
      storage_secret_name    = var.storage_secret_name
      labels                 = var.labels

      resources {
        cpu    = var.resources.cpu
        memory = var.resources.memory
      }
    }
  }
}

resource "mlops_monitor" "alerts" {
  count         = var.alerts == null ? 0 : 1
  name          = "${var.name}-alerts"
  endpoint_name = mlops_endpoint.this.name

  prometheus {
    namespace   = var.namespace
    runtime     = var.platform
    labels      = var.labels
    rule_labels = var.alerts.rule_labels

    error_rate {
      max_ratio = var.alerts.max_error_ratio
    }
    latency {
      max_seconds = var.alerts.max_latency
      percentile  = var.alerts.latency_percentile
    }
    no_traffic {
      for = var.alerts.no_traffic_for
    }
  }
}

# The features the model reads, in Feast (the provider's feast block).
resource "mlops_feature_view" "features" {
  count      = var.feature_view == null ? 0 : 1
  name       = replace(var.name, "-", "_")
  entity_key = var.feature_view.entity_key
  event_time = var.feature_view.event_time

  feature {
    name = var.feature_view.entity_key
    type = var.feature_view.entity_key_type
  }

  dynamic "feature" {
    for_each = var.feature_view.features
    content {
      name = feature.key
      type = feature.value
    }
  }

  online_store {
    ttl_value = var.feature_view.ttl_days
    ttl_unit  = "Days"
  }

  feast {
    source {
      path = var.feature_view.source_path
    }
  }

  tags = var.labels
}
