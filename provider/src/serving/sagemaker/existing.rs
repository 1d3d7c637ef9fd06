//! What a create finds under the endpoint's name, and how it gets to a serving endpoint from
//! there (see [`crate::ownership`]): nothing (create it, with the marker), one
//! being deleted (wait until it is gone, then create), one left half-made by an interrupted
//! apply (adopt it: let it settle and switch it to the planned config), or anyone else's
//! (fail before creating anything, naming it and its import block).

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::EndpointStatus;
use mlops_framework::{AttrPath, Ctx, Diagnostics};

use super::models_configs::{delete_config_and_models, model_names};
use crate::aws::{api_error, sagemaker_existing, sdk_tags};
use crate::clients::Clients;
use crate::ownership::{log_adopting, marked_tags, Existing, Taken, MARKER_TAG};
use crate::sagemaker::endpoint::{find_endpoint, wait_deleted, wait_settled};
use crate::serving::model::EndpointState;

/// An endpoint of the planned name, as the create found it.
pub enum Found {
    /// No endpoint of that name.
    Nothing,
    /// One being deleted (by an earlier destroy, or out of band).
    Deleting,
    /// One an interrupted apply of this provider started and never recorded (its ARN).
    Ours(String),
}

/// Look at what exists under `name`: an error naming it when it is someone else's.
pub async fn look(c: &Clients, name: &str) -> Result<Found, Diagnostics> {
    let Some(d) = find_endpoint(c, name).await? else {
        return Ok(Found::Nothing);
    };
    if d.endpoint_status() == Some(&EndpointStatus::Deleting) {
        return Ok(Found::Deleting);
    }
    let arn = d.endpoint_arn().unwrap_or_default();
    match sagemaker_existing(&c.sagemaker, arn).await? {
        Existing::Ours => Ok(Found::Ours(arn.to_string())),
        Existing::Foreign => Err(Taken {
            kind: "Endpoint",
            name,
            resource_type: "mlops_endpoint",
            import_id: name,
            marker: MARKER_TAG,
            at: AttrPath::attr("name"),
        }
        .diagnostic()
        .into()),
    }
}

/// Start getting from what was found to an endpoint on `s`'s config: create it (with the
/// creating marker), or adopt the half-made one (let it settle, switch it to `s`'s config
/// when it was made from another). Returns its ARN; the caller waits for it to settle.
pub async fn create_or_adopt(
    ctx: &Ctx<Clients>,
    found: Found,
    s: &EndpointState,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostics> {
    let c = &ctx.client;
    let cfg = s.endpoint_config_name.clone().unwrap_or_default();
    match found {
        Found::Ours(arn) => {
            log_adopting("Endpoint", &s.name);
            let what = format!("half-made endpoint {} to settle", s.name);
            let d = wait_settled(ctx, &s.name, &what).await?;
            let serving = d.endpoint_config_name().unwrap_or_default().to_string();
            if serving != cfg && d.endpoint_status() != Some(&EndpointStatus::Failed) {
                // Made from another config (the configuration changed since): switch it.
                c.sagemaker
                    .update_endpoint()
                    .endpoint_name(&s.name)
                    .endpoint_config_name(&cfg)
                    .send()
                    .await
                    .map_err(|e| api_error("UpdateEndpoint", &s.name, &e))?;
                tracing::info!(endpoint = %s.name, from = %serving, to = %cfg, "adopted endpoint switching to the planned config");
                let what = format!("endpoint {} to serve {cfg}", s.name);
                wait_settled(ctx, &s.name, &what).await?;
                delete_config_and_models(c, &serving, &model_names(s)).await;
            }
            Ok(arn)
        }
        Found::Nothing | Found::Deleting => {
            if let Found::Deleting = found {
                wait_deleted(ctx, &s.name).await?;
            }
            let r = c
                .sagemaker
                .create_endpoint()
                .endpoint_name(&s.name)
                .endpoint_config_name(&cfg)
                .set_tags(sdk_tags(&marked_tags(tags)))
                .send()
                .await
                .map_err(|e| api_error("CreateEndpoint", &s.name, &e))?;
            tracing::info!(endpoint = %s.name, config = %cfg, "endpoint creating");
            Ok(r.endpoint_arn().unwrap_or_default().to_string())
        }
    }
}
