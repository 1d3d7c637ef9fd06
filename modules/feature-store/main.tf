# Feature views from a compact map: one SageMaker feature group per view. Adding a feature or
# changing a description or TTL updates the group in place; removing or retyping a feature is
# refused at plan time unless the view sets allow_replacement.

locals {
  views = {
    for name, v in var.views : name => merge(v, {
      # the key and the event time are features too; String unless typed in `features`
      features = merge({ (v.entity_key) = "String", (v.event_time) = "String" }, v.features)
      offline  = coalesce(v.offline, var.bucket != null)
    })
  }
}

resource "mlops_feature_view" "this" {
  for_each = local.views

  name              = each.key
  description       = each.value.description
  entity_key        = each.value.entity_key
  event_time        = each.value.event_time
  role_arn          = each.value.offline ? var.role_arn : null
  allow_replacement = each.value.allow_replacement
  tags              = var.tags

  dynamic "feature" {
    for_each = each.value.features
    content {
      name        = feature.key
      type        = feature.value
      description = lookup(each.value.descriptions, feature.key, null)
    }
  }

  online_store {
    enabled   = each.value.online
    ttl_value = each.value.ttl_days
  }

  dynamic "offline_store" {
    for_each = each.value.offline ? [1] : []
    content {
      s3_uri       = "s3://${var.bucket}/${var.prefix}/${each.key}"
      table_format = var.table_format
    }
  }

  lifecycle {
    precondition {
      condition     = !each.value.offline || (var.bucket != null && var.role_arn != null)
      error_message = "View ${each.key} has an offline store: set bucket and role_arn."
    }
    precondition {
      condition     = each.value.online || each.value.offline
      error_message = "View ${each.key} needs an online store, an offline store (bucket) or both."
    }
  }
}
