//! S3 objects: the one finder (HeadObject) and the put of content-addressed objects (local
//! pipeline code).

use aws_sdk_s3::primitives::ByteStream;

use super::{is_missing, service_error};
use mlops_framework::{Diagnostic, Diagnostics};

/// Size of `s3://<bucket>/<key>`, or `None` when there is no such object.
pub async fn find_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<i64>, Diagnostics> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(o) => Ok(Some(o.content_length().unwrap_or_default())),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => {
            Err(service_error("S3", "HeadObject", &format!("s3://{bucket}/{key}"), &e).into())
        }
    }
}

/// Put `body` at `s3://<bucket>/<key>` unless an object of that size is there already (the
/// key names the content's SHA-256, so an object there is this content). Returns whether it
/// was written.
pub async fn put_content_addressed(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    sha256: &str,
    body: Vec<u8>,
) -> Result<bool, Diagnostics> {
    let uri = format!("s3://{bucket}/{key}");
    if find_object(s3, bucket, key).await? == Some(body.len() as i64) {
        tracing::debug!(object = %uri, "already uploaded");
        return Ok(false);
    }
    let len = body.len();
    match s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/octet-stream")
        .metadata("sha256", sha256)
        .body(ByteStream::from(body))
        .send()
        .await
    {
        Ok(_) => {
            tracing::info!(object = %uri, bytes = len, "uploaded");
            Ok(true)
        }
        Err(e) if super::error_code(&e) == Some("NoSuchBucket") => Err(Diagnostic::error(
            "Bucket does not exist",
            format!("Cannot upload {uri}: bucket {bucket} does not exist (the pipeline's `default_bucket`). Create it first, or choose a bucket the provider's credentials can write to."),
        )
        .into()),
        Err(e) => Err(service_error("S3", "PutObject", &uri, &e).into()),
    }
}
