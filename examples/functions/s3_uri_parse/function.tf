# Bucket and key of an S3 URI, e.g. for a bucket policy next to a pipeline input.
output "training_data" {
  value = provider::mlops::s3_uri_parse("s3://my-ml-bucket/churn/train.csv")
  # { bucket = "my-ml-bucket", key = "churn/train.csv" }
}
