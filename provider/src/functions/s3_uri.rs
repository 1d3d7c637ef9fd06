//! `s3_uri_parse`: an `s3://bucket/key` URI into its bucket and key, what the modules do
//! with `regex("^s3://([^/]+)/?(.*)$", ...)` today.

use mlops_framework::function::{Function, FunctionError, Param, Signature};
use mlops_framework::{Type, Value};

use super::{object, object_type};

pub struct S3UriParse;

fn bucket_problem(b: &str) -> Option<&'static str> {
    if !(3..=63).contains(&b.len()) {
        return Some("a bucket name is 3 to 63 characters long");
    }
    if !b
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
    {
        return Some("a bucket name has lower-case letters, digits, dots and hyphens only");
    }
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !edge(b.as_bytes()[0]) || !edge(b.as_bytes()[b.len() - 1]) {
        return Some("a bucket name starts and ends with a letter or digit");
    }
    None
}

impl Function for S3UriParse {
    fn name(&self) -> &'static str {
        "s3_uri_parse"
    }

    fn signature(&self) -> Signature {
        Signature {
            params: vec![Param::new(
                "uri",
                Type::String,
                "An S3 URI, `s3://<bucket>` or `s3://<bucket>/<key>`.",
            )],
            ret: object_type(&["bucket", "key"], &[]),
            summary: "Split an S3 URI into bucket and key",
            description: "Returns `{ bucket, key }` of an `s3://` URI. The key is the rest of the \
URI after the bucket and its slash, unchanged (it may be empty, or end with `/` for a prefix). \
A URI that does not start with `s3://`, or whose bucket is not a valid S3 bucket name, is an \
error naming what is wrong.",
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let uri = args.first().and_then(Value::as_str).unwrap_or_default();
        let Some(rest) = uri.strip_prefix("s3://") else {
            return Err(FunctionError::arg(
                0,
                format!("{uri:?} is not an S3 URI: it must start with s3:// (e.g. \"s3://my-bucket/data/train.csv\")"),
            ));
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if let Some(why) = bucket_problem(bucket) {
            return Err(FunctionError::arg(
                0,
                format!("{uri:?} names bucket {bucket:?}: {why}"),
            ));
        }
        Ok(object([
            ("bucket", Value::string(bucket)),
            ("key", Value::string(key)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(s: &str) -> Result<Value, FunctionError> {
        S3UriParse.call(vec![Value::string(s)])
    }

    #[test]
    fn splits_bucket_and_key() {
        let v = call("s3://my-bucket/data/train.csv").unwrap();
        assert_eq!(v.attr("bucket").as_str(), Some("my-bucket"));
        assert_eq!(v.attr("key").as_str(), Some("data/train.csv"));
        let v = call("s3://my-bucket").unwrap();
        assert_eq!(v.attr("key").as_str(), Some(""));
        assert_eq!(
            call("s3://b-1/p/").unwrap().attr("key").as_str(),
            Some("p/")
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(call("https://x/y")
            .unwrap_err()
            .text
            .contains("must start with s3://"));
        assert!(call("s3://My_Bucket/k")
            .unwrap_err()
            .text
            .contains("lower-case"));
        assert!(call("s3://ab/k").unwrap_err().text.contains("3 to 63"));
        assert_eq!(call("s3://-ab/k").unwrap_err().argument, Some(0));
    }
}
