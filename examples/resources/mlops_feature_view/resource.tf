# Customer features, online for serving and offline for training sets. Adding a feature
# later updates the group in place; removing or retyping one is refused at plan time.
resource "mlops_feature_view" "customers" {
  name        = "customers"
  description = "Customer activity features"
  entity_key  = "customer_id"
  event_time  = "event_time"
  role_arn    = "arn:aws:iam::123456789012:role/FeatureStore"

  feature {
    name = "customer_id"
    type = "String"
  }
  feature {
    name = "event_time"
    type = "Fractional"
  }
  feature {
    name        = "spend_30d"
    type        = "Fractional"
    description = "Spend over the last 30 days, EUR"
  }

  online_store {
    ttl_value = 30
    ttl_unit  = "Days"
  }
  offline_store {
    s3_uri       = "s3://churn-ml/features"
    table_format = "Iceberg"
  }
}
