# A feature view in Feast
# The provider's feast block names the registry server (`feast serve_registry`) and the
# default project. Terraform registers the entity
# "customer", the Parquet file source and the view; a push source lets streaming jobs write
# fresh rows with `store.push("customer_stats_push", df)`. Materialise and serve with
# Feast as usual (`feast materialize`, `get_online_features`).
resource "mlops_feature_view" "customer_stats" {
  name        = "customer_stats"
  description = "Spend and segment per customer"
  entity_key  = "customer_id"
  event_time  = "event_timestamp" # a column of the source, not a feature

  feature {
    name = "customer_id"
    type = "Int64"
  }
  feature {
    name        = "total_spend"
    type        = "Float64"
    description = "Spend in the last 30 days"
  }
  feature {
    name = "segment"
    type = "String"
  }

  online_store {
    ttl_value = 2
    ttl_unit  = "Days"
  }

  feast {
    entity = "customer"
    owner  = "ml-platform@example.com"
    source {
      path             = "s3://features/customer_stats.parquet"
      push_source_name = "customer_stats_push"
    }
  }

  tags = {
    team = "churn"
  }
}
