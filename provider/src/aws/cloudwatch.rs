//! CloudWatch alarms the provider owns.

use std::collections::BTreeMap;

use mlops_framework::Diagnostics;

use super::error::api_error;
use crate::clients::Clients;

/// Tags in CloudWatch's shape (None when there are none).
pub fn cloudwatch_tags(
    tags: &BTreeMap<String, String>,
) -> Option<Vec<aws_sdk_cloudwatch::types::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| {
                aws_sdk_cloudwatch::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    })
}

/// Delete CloudWatch alarms by name (nothing to do for none).
pub async fn delete_alarms(c: &Clients, names: &[String]) -> Result<(), Diagnostics> {
    if names.is_empty() {
        return Ok(());
    }
    c.cloudwatch
        .delete_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| api_error("DeleteAlarms", &names.join(", "), &e))?;
    Ok(())
}
