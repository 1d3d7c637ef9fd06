# Plan-level tests of the feature-store module. The mock provider answers every call, so no
# AWS API is contacted; the provider's own plan-time validation still runs.

mock_provider "mlops" {}

variables {
  views = {
    customers = {
      entity_key = "customer_id"
      features   = { tenure_months = "Integral", plan = "String" }
    }
  }
}

run "online_only" {
  command = plan

  variables {
    tags = { team = "ml" }
  }

  assert {
    condition     = keys(mlops_feature_view.this) == ["customers"]
    error_message = "One feature group per view."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].name == "customers" && mlops_feature_view.this["customers"].entity_key == "customer_id" && mlops_feature_view.this["customers"].event_time == "event_time"
    error_message = "The group must be named after the view, with its entity key and the default event time."
  }
  assert {
    condition = { for f in mlops_feature_view.this["customers"].feature : f.name => f.type } == {
      customer_id   = "String"
      event_time    = "String"
      plan          = "String"
      tenure_months = "Integral"
    }
    error_message = "The entity key and the event time must be added as String features next to the declared ones."
  }
  assert {
    condition     = alltrue([for f in mlops_feature_view.this["customers"].feature : f.description == null])
    error_message = "Without descriptions no feature has one."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].online_store.enabled == true && mlops_feature_view.this["customers"].online_store.ttl_value == null
    error_message = "The online store is on by default, without TTL."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].offline_store == null && mlops_feature_view.this["customers"].role_arn == null
    error_message = "Without bucket there is no offline store and no role."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].allow_replacement == false && mlops_feature_view.this["customers"].description == null
    error_message = "allow_replacement defaults to false, description to none."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].tags == tomap({ team = "ml" })
    error_message = "Every group must carry var.tags."
  }
}

run "offline_with_bucket" {
  command = plan

  variables {
    role_arn = "arn:aws:iam::123456789012:role/FeatureStore"
    bucket   = "my-ml-bucket"
    views = {
      customers = {
        entity_key   = "customer_id"
        features     = { tenure_months = "Integral", plan = "String" }
        descriptions = { tenure_months = "Months since sign-up", customer_id = "The customer" }
        description  = "Customer profile"
        ttl_days     = 30
      }
      orders = {
        entity_key = "order_id"
        event_time = "ts"
        features   = { ts = "Fractional", amount = "Fractional" }
        offline    = false
      }
    }
  }

  assert {
    condition     = keys(mlops_feature_view.this) == ["customers", "orders"]
    error_message = "One feature group per view."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].offline_store.s3_uri == "s3://my-ml-bucket/feature-store/customers" && mlops_feature_view.this["customers"].offline_store.table_format == "Glue"
    error_message = "With bucket a view gets a Glue offline store under s3://<bucket>/feature-store/<view>."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].role_arn == "arn:aws:iam::123456789012:role/FeatureStore"
    error_message = "A view with an offline store needs role_arn."
  }
  assert {
    condition     = { for f in mlops_feature_view.this["customers"].feature : f.name => f.description if f.description != null } == { customer_id = "The customer", tenure_months = "Months since sign-up" }
    error_message = "descriptions must reach their features (the key's too)."
  }
  assert {
    condition     = mlops_feature_view.this["customers"].description == "Customer profile" && mlops_feature_view.this["customers"].online_store.ttl_value == 30
    error_message = "description and ttl_days must reach the group."
  }
  assert {
    condition     = mlops_feature_view.this["orders"].offline_store == null && mlops_feature_view.this["orders"].role_arn == null
    error_message = "offline = false must drop the offline store (and the role) even with bucket."
  }
  assert {
    condition     = mlops_feature_view.this["orders"].event_time == "ts" && { for f in mlops_feature_view.this["orders"].feature : f.name => f.type } == { order_id = "String", ts = "Fractional", amount = "Fractional" }
    error_message = "A typed event time must keep its type; the key is added as String."
  }
}

run "offline_only_iceberg" {
  command = plan

  variables {
    role_arn     = "arn:aws:iam::123456789012:role/FeatureStore"
    bucket       = "my-ml-bucket"
    prefix       = "features/v2"
    table_format = "Iceberg"
    views = {
      history = {
        entity_key        = "customer_id"
        features          = { spend = "Fractional" }
        online            = false
        allow_replacement = true
      }
    }
  }

  assert {
    condition     = mlops_feature_view.this["history"].online_store.enabled == false
    error_message = "online = false must disable the online store."
  }
  assert {
    condition     = mlops_feature_view.this["history"].offline_store.s3_uri == "s3://my-ml-bucket/features/v2/history" && mlops_feature_view.this["history"].offline_store.table_format == "Iceberg"
    error_message = "prefix and table_format must shape the offline store."
  }
  assert {
    condition     = mlops_feature_view.this["history"].allow_replacement == true
    error_message = "allow_replacement must reach the group."
  }
}

run "offline_needs_role" {
  command = plan

  variables {
    bucket = "my-ml-bucket"
  }

  expect_failures = [mlops_feature_view.this]
}

run "needs_a_store" {
  command = plan

  variables {
    views = {
      nowhere = {
        entity_key = "id"
        features   = { x = "Integral" }
        online     = false
      }
    }
  }

  expect_failures = [mlops_feature_view.this]
}

run "rejects_view_name_role_and_table_format" {
  command = plan

  variables {
    role_arn     = "FeatureStore"
    table_format = "Parquet"
    views = {
      "customers_" = {
        entity_key = "customer_id"
        features   = { plan = "String" }
      }
    }
  }

  expect_failures = [var.views, var.role_arn, var.table_format]
}

run "rejects_feature_type" {
  command = plan

  variables {
    views = {
      customers = {
        entity_key = "customer_id"
        features   = { plan = "Text" }
      }
    }
  }

  expect_failures = [var.views]
}

run "rejects_integral_event_time" {
  command = plan

  variables {
    views = {
      customers = {
        entity_key = "customer_id"
        features   = { event_time = "Integral" }
      }
    }
  }

  expect_failures = [var.views]
}

run "rejects_description_of_unknown_feature" {
  command = plan

  variables {
    views = {
      customers = {
        entity_key   = "customer_id"
        features     = { plan = "String" }
        descriptions = { tenure = "Not a feature" }
      }
    }
  }

  expect_failures = [var.views]
}

run "rejects_key_as_event_time" {
  command = plan

  variables {
    views = {
      customers = {
        entity_key = "ts"
        event_time = "ts"
        features   = { plan = "String" }
      }
    }
  }

  expect_failures = [var.views]
}
