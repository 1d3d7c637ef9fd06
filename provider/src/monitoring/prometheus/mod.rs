//! The Prometheus backend of `mlops_monitor`: alerting rules for an endpoint on Kubernetes
//! as one `PrometheusRule` (monitoring.coreos.com/v1, built in [`rules`]) named after the
//! monitor, applied with server-side apply under our own field manager through the shared
//! [`Family`]; its groups are kept in state as `prometheus.rules` (canonical JSON), so an
//! edit out of band shows as a change of that attribute and the next apply restores the
//! rules. A create adopts a rule object an interrupted apply made (the marker) and refuses
//! anyone else's. Imported by `prometheus:namespace/name`. Plan-time checks in [`validate`].

pub mod rules;
pub mod validate;

use mlops_framework::{
    async_trait, resource::to_model, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure,
    PlanCtx, Value,
};
use serde_json::{json, Map, Value as Json};

use super::model::{MonitorState, PrometheusAlerts};
use crate::clients::Clients;
use crate::kubernetes::objects::{is_deleting, parse_id, string_map, At, Family};
use crate::kubernetes::Kube;
use crate::ownership::{MARKER_ANNOTATION, MARKER_VALUE};

/// The backend.
pub struct Prometheus;

/// The objects it manages.
pub const PROMETHEUS_RULE: Family = Family {
    kind: "PrometheusRule",
    group: "monitoring.coreos.com",
    version: "v1",
    plural: "prometheusrules",
};

/// Import IDs of Prometheus monitors: `prometheus:namespace/name`.
pub const IMPORT_PREFIX: &str = "prometheus:";

/// Attributes only SageMaker Model Monitor sets (computed, or filled by defaults).
const SAGEMAKER_COMPUTED: [&str; 12] = [
    "tags_all",
    "baselining_job_name",
    "data_quality_job_definition",
    "model_quality_job_definition",
    "data_quality_schedule_arn",
    "model_quality_schedule_arn",
    "alarm_names",
    "schedule",
    "instance_type",
    "instance_count",
    "volume_size_gb",
    "max_runtime_seconds",
];

fn block(s: &MonitorState) -> &PrometheusAlerts {
    static NONE: std::sync::LazyLock<PrometheusAlerts> =
        std::sync::LazyLock::new(PrometheusAlerts::default);
    s.prometheus.as_ref().unwrap_or(&NONE)
}

fn at(s: &MonitorState) -> At<'_> {
    At {
        namespace: &block(s).namespace,
        name: &s.name,
    }
}

async fn kube(c: &Clients) -> Result<&Kube, Diagnostics> {
    c.kube.get().await
}

/// JSON with every object's keys sorted, as one line: the form `prometheus.rules` keeps.
fn canonical(j: &Json) -> Json {
    match j {
        Json::Object(o) => {
            let mut keys: Vec<_> = o.keys().collect();
            keys.sort();
            Json::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&o[k])))
                    .collect(),
            )
        }
        Json::Array(a) => Json::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The rule groups `s` describes, canonical.
fn groups(s: &MonitorState) -> Json {
    canonical(&json!([{ "name": rules::group_name(s), "rules": rules::rules(s) }]))
}

/// The annotation that keeps what the rules were made from (the endpoint and the
/// `prometheus` block), so that an import restores the configuration's blocks.
const SOURCE_ANNOTATION: &str = "mlops.terraform.io/monitor";

/// What the rules of `s` are made from, as the source annotation holds it.
fn source(s: &MonitorState) -> Json {
    let mut p = block(s).clone();
    p.rules = None;
    p.alert_names = None;
    canonical(&json!({ "endpoint_name": s.endpoint_name, "prometheus": p }))
}

/// The PrometheusRule `s` describes, with the provider's marker in every apply.
fn desired(s: &MonitorState) -> Json {
    let p = block(s);
    let mut meta = Map::new();
    meta.insert("name".into(), s.name.clone().into());
    meta.insert("namespace".into(), p.namespace.clone().into());
    if let Some(l) = p.rule_labels.as_ref().filter(|l| !l.is_empty()) {
        meta.insert("labels".into(), json!(l));
    }
    meta.insert(
        "annotations".into(),
        json!({ MARKER_ANNOTATION: MARKER_VALUE, SOURCE_ANNOTATION: source(s).to_string() }),
    );
    json!({
        "apiVersion": PROMETHEUS_RULE.api_version(),
        "kind": PROMETHEUS_RULE.kind,
        "metadata": Json::Object(meta),
        "spec": { "groups": groups(s) },
    })
}

/// The state as the live object says: its groups (for drift) and labels; the rest as
/// `prior`, or on import as the source annotation says.
fn observe(prior: &MonitorState, obj: &Json) -> MonitorState {
    let mut s = prior.clone();
    if prior.endpoint_name.is_none() {
        // an import: the blocks the rules were made from
        let annotations = string_map(obj.pointer("/metadata/annotations"));
        if let Some(src) = annotations
            .get(SOURCE_ANNOTATION)
            .and_then(|a| serde_json::from_str::<Json>(a).ok())
        {
            s.endpoint_name = src["endpoint_name"].as_str().map(String::from);
            if let Ok(p) = serde_json::from_value::<PrometheusAlerts>(src["prometheus"].clone()) {
                s.prometheus = Some(PrometheusAlerts {
                    namespace: block(prior).namespace.clone(),
                    ..p
                });
            }
        }
    }
    let live = obj
        .pointer("/spec/groups")
        .map(canonical)
        .unwrap_or(Json::Array(vec![]));
    let names: Vec<String> = live
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["alert"].as_str().map(String::from))
        .collect();
    let labels = string_map(obj.pointer("/metadata/labels"));
    let p = s.prometheus.get_or_insert_with(PrometheusAlerts::default);
    p.rule_labels = p.rule_labels.as_ref().map(|had| {
        labels
            .into_iter()
            .filter(|(k, _)| had.contains_key(k))
            .collect()
    });
    p.alert_names = Some(names);
    p.rules = Some(live.to_string());
    p.force_conflicts = p.force_conflicts.or(Some(false));
    s
}

/// Apply the rules and read them back.
async fn apply(
    ctx: &Ctx<Clients>,
    planned: &MonitorState,
) -> Result<MonitorState, Failure<MonitorState>> {
    let c = ctx.client.clone();
    let k = kube(&c).await?;
    let force = block(planned).force_conflicts == Some(true);
    tracing::info!(object = %PROMETHEUS_RULE.subject(at(planned)), server = %k.server, "applying PrometheusRule");
    PROMETHEUS_RULE
        .apply(k, at(planned), &desired(planned), force)
        .await
        .map_err(Failure::new)?;
    match PROMETHEUS_RULE.get(k, at(planned)).await {
        Ok(Some(o)) => Ok(observe(planned, &o)),
        Ok(None) => Err(Failure::new(Diagnostic::error(
            "PrometheusRule vanished",
            format!(
                "{} was deleted right after it was applied.",
                PROMETHEUS_RULE.subject(at(planned))
            ),
        ))),
        // applied, but not read back: state records what was applied
        Err(d) => Err(Failure::with_partial(
            {
                let mut s = planned.clone();
                if let Some(p) = s.prometheus.as_mut() {
                    p.rules = Some(groups(planned).to_string());
                }
                s
            },
            d,
        )),
    }
}

#[async_trait]
impl Backend<Clients, MonitorState> for Prometheus {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate(config, diags);
    }

    /// No SageMaker attributes; the rules and alert names when the configuration is known.
    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        // from the configuration: the planned state has the computed attributes unknown
        let decoded = if plan.config.is_wholly_known() {
            to_model::<MonitorState>(plan.config).ok()
        } else {
            None
        };
        let Some(o) = plan.planned.as_object_mut() else {
            return;
        };
        for a in SAGEMAKER_COMPUTED {
            o.insert(a.into(), Value::Null);
        }
        let (rules, names) = match &decoded {
            Some(s) => (
                Value::string(groups(s).to_string()),
                Value::List(
                    rules::alert_names(&rules::rules(s))
                        .into_iter()
                        .map(Value::string)
                        .collect(),
                ),
            ),
            None => (Value::UNKNOWN, Value::UNKNOWN),
        };
        if let Some(p) = plan
            .planned
            .get_path_mut(&AttrPath::attr("prometheus"))
            .and_then(Value::as_object_mut)
        {
            p.insert("rules".into(), rules);
            p.insert("alert_names".into(), names);
        }
    }

    /// Looks first ([`Family::look_before_create`]): someone else's rule object fails
    /// before any write; then applies (with the marker).
    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        let id = format!("{IMPORT_PREFIX}{}", at(&planned).id());
        PROMETHEUS_RULE
            .look_before_create(ctx, k, at(&planned), "mlops_monitor", &id)
            .await?;
        apply(ctx, &planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        match PROMETHEUS_RULE.get(k, at(&current)).await? {
            Some(o) if !is_deleting(&o) => Ok(Some(observe(&current, &o))),
            _ => Ok(None),
        }
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: MonitorState,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        apply(ctx, &planned).await.map_err(|mut f| {
            if f.partial.is_none() {
                f.partial = Some(prior);
            }
            f
        })
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        PROMETHEUS_RULE.delete(ctx, k, at(&current)).await
    }

    /// `prometheus:namespace/name` to a stub that `read` fills from the live object; the
    /// alert blocks come from the configuration (the next plan shows any difference as a
    /// change of `prometheus.rules`).
    async fn import(&self, _ctx: &mut Ctx<Clients>, id: &str) -> Result<MonitorState, Diagnostics> {
        import_stub(id)
    }
}

/// The state an import ID `prometheus:namespace/name` stands for, before `read` fills it.
fn import_stub(id: &str) -> Result<MonitorState, Diagnostics> {
    let bad = || {
        Diagnostics::from(Diagnostic::error(
            "Invalid import ID",
            format!("Import a Prometheus monitor as prometheus:namespace/name (e.g. prometheus:ml/churn); got {id:?}."),
        ))
    };
    let rest = id.strip_prefix(IMPORT_PREFIX).ok_or_else(bad)?;
    let (ns, name) = parse_id(rest).ok_or_else(bad)?;
    let mut s = MonitorState::named(name);
    s.prometheus = Some(PrometheusAlerts {
        namespace: ns.to_string(),
        ..Default::default()
    });
    Ok(s)
}
