//! Data source `mlops_endpoint`: an existing SageMaker endpoint (made by this provider or
//! not), e.g. to point a monitor or an application at it.

use mlops_framework::{async_trait, Ctx, DataSource, Diagnostic, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::timestamp;
use crate::clients::Clients;
use crate::sagemaker::endpoint::{find_endpoint, find_endpoint_config};
use crate::sagemaker::model::find_model;
use crate::validation::ENTITY_NAME;

/// A variant of the endpoint as it runs now.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EndpointVariantInfo {
    /// Variant name.
    pub name: String,
    /// SageMaker model of the variant.
    pub model_name: Option<String>,
    /// Model package (version) served, when the model comes from the registry.
    pub model_package_arn: Option<String>,
    /// Image served, when not from the registry.
    pub image: Option<String>,
    /// Instance type (null for serverless).
    pub instance_type: Option<String>,
    /// Instances running now.
    pub current_instance_count: Option<i64>,
    /// Instances wanted (e.g. by the autoscaler).
    pub desired_instance_count: Option<i64>,
    /// Current traffic weight.
    pub weight: Option<f64>,
    /// A shadow variant (gets a copy of the traffic).
    pub shadow: bool,
}

/// Reads an existing endpoint by name.
///
/// ```hcl
/// data "mlops_endpoint" "churn" {
///   name = "churn"
/// }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EndpointLookupModel {
    /// Endpoint name.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    pub name: String,
    /// ARN of the endpoint.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub arn: Option<String>,
    /// `Creating`, `InService`, `Updating`, `Failed`, ...
    #[schemars(extend("x-tf" = ["computed"]))]
    pub status: Option<String>,
    /// Why the last creation or update failed or rolled back.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub failure_reason: Option<String>,
    /// Endpoint config serving now.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub endpoint_config_name: Option<String>,
    /// Requests and responses are captured (a monitor needs this).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub data_capture_enabled: Option<bool>,
    /// Where captured data goes.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub data_capture_destination: Option<String>,
    /// Variants, the shadow variant last.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub variants: Option<Vec<EndpointVariantInfo>>,
    /// Creation time (RFC 3339).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub created_time: Option<String>,
}

/// The data source.
pub struct EndpointLookup;

#[async_trait]
impl DataSource for EndpointLookup {
    type Client = Clients;
    type Model = EndpointLookupModel;
    const TYPE_NAME: &'static str = "mlops_endpoint";

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: EndpointLookupModel,
    ) -> Result<EndpointLookupModel, Diagnostics> {
        let c = &ctx.client;
        let Some(d) = find_endpoint(c, &cfg.name).await? else {
            return Err(Diagnostic::error(
                "Endpoint not found",
                format!(
                    "There is no SageMaker endpoint named {:?} in this account and region.",
                    cfg.name
                ),
            )
            .into());
        };
        let config = d.endpoint_config_name().unwrap_or_default().to_string();
        // A config deleted since is no error (its models are then unknown); any other
        // failure is.
        let described = find_endpoint_config(c, &config).await?;
        // A variant as its endpoint config declares it.
        let declared = |variant: &str| {
            described.as_ref().and_then(|c| {
                c.production_variants()
                    .iter()
                    .chain(c.shadow_production_variants())
                    .find(|v| v.variant_name() == Some(variant))
            })
        };
        let mut variants = vec![];
        let summaries = d
            .production_variants()
            .iter()
            .map(|v| (v, false))
            .chain(d.shadow_production_variants().iter().map(|v| (v, true)));
        for (v, shadow) in summaries {
            let name = v.variant_name().unwrap_or_default().to_string();
            let declared = declared(&name);
            let model_name = declared.and_then(|x| x.model_name().map(String::from));
            let container = match &model_name {
                Some(m) => find_model(c, m)
                    .await?
                    .and_then(|m| m.primary_container().cloned()),
                None => None,
            };
            let instance_type =
                declared.and_then(|x| x.instance_type().map(|t| t.as_str().to_string()));
            variants.push(EndpointVariantInfo {
                model_package_arn: container
                    .as_ref()
                    .and_then(|c| c.model_package_name().map(String::from)),
                image: container
                    .as_ref()
                    .filter(|c| c.model_package_name().is_none())
                    .and_then(|c| c.image().map(String::from)),
                name,
                model_name,
                instance_type,
                current_instance_count: v.current_instance_count().map(i64::from),
                desired_instance_count: v.desired_instance_count().map(i64::from),
                weight: v.current_weight().map(f64::from),
                shadow,
            });
        }
        let dc = d.data_capture_config();
        Ok(EndpointLookupModel {
            arn: d.endpoint_arn().map(String::from),
            status: d.endpoint_status().map(|s| s.as_str().to_string()),
            failure_reason: d.failure_reason().map(String::from),
            endpoint_config_name: Some(config),
            data_capture_enabled: Some(dc.and_then(|c| c.enable_capture()).unwrap_or(false)),
            data_capture_destination: dc.and_then(|c| c.destination_s3_uri().map(String::from)),
            variants: Some(variants),
            created_time: timestamp(d.creation_time()),
            name: cfg.name,
        })
    }
}
