# Serve the latest approved version of the churn model. Approving a newer version in the
# registry shows up in the next plan; the apply rolls it out canary-style with rollback
# alarms, keeps the capacity the autoscaler chose, and checks the endpoint answers.
resource "mlops_endpoint" "churn" {
  name     = "churn"
  role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"

  model {
    model_package_group = "churn"
    instance_type       = "ml.m5.large"
    instance_count      = 2
    autoscaling {
      min_capacity                    = 2
      max_capacity                    = 8
      target_invocations_per_instance = 200
    }
  }

  data_capture {
    destination         = "s3://churn-ml/capture"
    sampling_percentage = 20
  }

  rollout {
    strategy     = "canary"
    step_percent = 10
    wait_seconds = 600
  }

  smoke_test {
    request {
      body         = "42,0,1,19.5"
      content_type = "text/csv"
      expect       = "^[0-9.]+"
    }
  }
}
