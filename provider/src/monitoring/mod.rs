//! `mlops_monitor`: SageMaker Model Monitor for an endpoint or a batch transform's captured
//! data (or, with a `prometheus` block, Prometheus alerting rules for an endpoint on
//! Kubernetes, [`prometheus`]): data quality and/or model quality job definitions with their monitoring schedules,
//! an optional baselining job, and CloudWatch alarms on drift and model-quality metrics that
//! notify an SNS topic (given, or created with e-mail subscriptions).
//!
//! | file | what |
//! |---|---|
//! | [`model`] | the state: schema and docs |
//! | `validate` | configuration checks |
//! | `plan` | plan modification (no remote reads) |
//! | `apply` | create and update, check by check, after the endpoint's data capture is checked |
//! | `read` | refresh |
//! | `definitions` | data and model quality job definitions |
//! | `schedules` | monitoring schedules and the `schedule` expression |
//! | `baseline` | the baselining job of `data_quality.baseline_dataset` |
//! | `alerts` | SNS topic, e-mail subscriptions, CloudWatch alarms |
//! | `analyzer`, `network` | the image, instances and network of the analyzer's jobs |
//! | `sagemaker` | the SageMaker Model Monitor backend (the modules above) |
//! | [`prometheus`] | the Prometheus backend: alerting rules for endpoints on Kubernetes |

mod alerts;
mod analyzer;
mod apply;
mod baseline;
mod definitions;
mod leftovers;
pub mod list;
pub mod model;
mod network;
mod plan;
pub mod prometheus;
mod read;
mod sagemaker;
mod schedules;
mod validate;

use std::time::Duration;

use mlops_framework::identity::{self, IdentityAttr, IdentitySchema};
use mlops_framework::{BackedResource, Backend, Diagnostic, Diagnostics, Pick, TimeoutDefaults};
use serde_json::{json, Value as Json};

use crate::clients::Clients;
pub use model::{
    Alerts, BaselineDataset, BatchTransform, DataQuality, ModelQuality, MonitorState, Network,
};

/// The resource.
pub struct Monitor;

/// The state `import` hands to `read` (SageMaker): only the name.
fn import_stub(id: &str) -> Result<MonitorState, Diagnostics> {
    let ok = regex::Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$").expect("static regex");
    if id.len() > 40 || !ok.is_match(id) {
        return Err(Diagnostic::error(
            "Invalid import ID",
            format!("Import a monitor by its name; got {id:?}."),
        )
        .into());
    }
    Ok(MonitorState::named(id))
}

impl BackedResource for Monitor {
    type Client = Clients;
    type State = MonitorState;
    const TYPE_NAME: &'static str = "mlops_monitor";

    fn timeouts(&self) -> TimeoutDefaults {
        // a baselining job runs for minutes to an hour
        TimeoutDefaults {
            create: Some(Duration::from_secs(60 * 60)),
            update: Some(Duration::from_secs(60 * 60)),
            delete: Some(Duration::from_secs(20 * 60)),
            ..Default::default()
        }
    }

    /// A `prometheus` block (or a `prometheus:` import ID) picks Prometheus alerting rules;
    /// anything else SageMaker Model Monitor.
    fn backend(&self, pick: Pick<'_, MonitorState>) -> &dyn Backend<Clients, MonitorState> {
        let on_prometheus = match pick {
            Pick::Value(v) => !v.attr("prometheus").is_null(),
            Pick::State(s) => s.prometheus.is_some(),
            Pick::ImportId(id) => id.starts_with(prometheus::IMPORT_PREFIX),
        };
        if on_prometheus {
            &prometheus::Prometheus
        } else {
            &sagemaker::SageMakerMonitor
        }
    }

    fn backend_selector(&self) -> Option<&'static str> {
        Some("prometheus")
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(
            0,
            vec![
                IdentityAttr::required("name", "The monitor's name (its schedules' and job definitions' prefix, or the PrometheusRule's name)."),
                IdentityAttr::optional("namespace", "The PrometheusRule's Kubernetes namespace (null on SageMaker)."),
                IdentityAttr::optional("platform", "`sagemaker` (the default) or `prometheus`."),
            ],
        ))
    }

    fn identity(&self, s: &MonitorState) -> Option<Json> {
        let namespace = s.prometheus.as_ref().map(|p| p.namespace.clone());
        let platform = if namespace.is_some() {
            "prometheus"
        } else {
            "sagemaker"
        };
        Some(json!({"name": s.name, "namespace": namespace, "platform": platform}))
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        let name = identity::attr(id, "name").unwrap_or_default();
        if identity::platform(id, &["sagemaker", "prometheus"])? == "sagemaker" {
            return Ok(name.to_string());
        }
        match identity::attr(id, "namespace") {
            Some(ns) => Ok(format!("{}{ns}/{name}", prometheus::IMPORT_PREFIX)),
            None => Err(Diagnostic::error(
                "Incomplete import identity",
                "A Prometheus monitor's identity needs its `namespace`.",
            )
            .into()),
        }
    }
}
