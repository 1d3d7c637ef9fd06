//! The smoke test: requests sent to the endpoint after every rollout; an error or an
//! unexpected response fails the apply (and, on an update, rolls back).

use mlops_framework::{AttrPath, Diagnostic, Diagnostics};

use crate::clients::Clients;
use crate::serving::model::EndpointState;

/// Send the smoke test's requests in order (nothing without a `smoke_test` block).
pub async fn smoke_test(c: &Clients, s: &EndpointState) -> Result<(), Diagnostics> {
    let Some(t) = &s.smoke_test else {
        return Ok(());
    };
    for (i, r) in t.request.iter().enumerate() {
        let resp = c
            .runtime
            .invoke_endpoint()
            .endpoint_name(&s.name)
            .content_type(r.content_type.as_deref().unwrap_or("application/json"))
            .body(aws_smithy_types::Blob::new(r.body.as_bytes().to_vec()))
            .send()
            .await
            .map_err(|e| {
                Diagnostic::error(
                    "Smoke test failed",
                    format!(
                        "Request {} to endpoint {} failed: {}",
                        i + 1,
                        s.name,
                        aws_sdk_sagemaker::error::DisplayErrorContext(&e)
                    ),
                )
                .at(AttrPath::attrs(["smoke_test", "request"]).index(i))
            })?;
        let body = resp
            .body()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default();
        if let Some(p) = &r.expect {
            let re = regex::Regex::new(p)
                .map_err(|e| Diagnostic::error("Invalid expect pattern", e.to_string()))?;
            if !re.is_match(&body) {
                return Err(Diagnostic::error(
                    "Smoke test failed",
                    format!(
                        "Response {} of endpoint {} does not match {p:?}: {}",
                        i + 1,
                        s.name,
                        body.chars().take(500).collect::<String>()
                    ),
                )
                .into());
            }
        }
        tracing::info!(endpoint = %s.name, request = i + 1, "smoke test request passed");
    }
    Ok(())
}
