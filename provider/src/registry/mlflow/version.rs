//! The MLflow backend of `mlops_model_package`: a model version, its approval as an alias
//! and tags ([`super`]). Refresh is one call (`model-versions/get`, which lists the
//! version's aliases and tags); the download URI is read once, at create or import.

use std::collections::BTreeMap;

use mlops_framework::{
    async_trait, wait_until, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx,
    Value, Waited, Want,
};
use serde_json::json;

use super::{
    client, keep_empty, own_tag, refuse, rfc3339, set_alias, status_of, sync_tags, ui_url,
    validate_model_and_alias, visible, MlflowRegistry, Tagged, DEFAULT_ALIAS, DESCRIPTION_TAG,
    IMPORT_PREFIX, REQUEST_TAG, STATUS_TAG,
};
use crate::aws::naming::stable_hash;
use crate::aws::{merge_tags, plan_tags_all, user_tags};
use crate::clients::Clients;
use crate::mlflow::registry::{
    download_uri, find_alias_holder, find_version, quoted, search_versions, tags_json, version_of,
    version_phase, ModelVersion,
};
use crate::mlflow::{Mlflow, MlflowError};
use crate::ownership::marked_tags;
use crate::registry::version::{
    warn_description_without_status, ApprovalStatus, MlflowVersion, ModelPackageState,
};
use crate::validation::validate_tags;

const NOT_HERE: &[(&str, &str)] = &[
    ("image", "MLflow versions have no container image; the serving runtime comes from the model's flavour."),
    ("model_data_url", "on MLflow it is computed (the version's download URI); give the files' location as mlflow.source."),
    ("environment", "set the serving container's environment on the endpoint."),
    ("supported_content_types", "MLflow versions have no content types."),
    ("supported_response_mime_types", "MLflow versions have no content types."),
    ("customer_metadata", "use tags."),
    ("metrics", "log metrics to the version's MLflow run."),
];

/// The tag finding the version an interrupted create registered: a hash of the request.
fn request_hash(
    name: &str,
    planned: &ModelPackageState,
    tags: &BTreeMap<String, String>,
) -> String {
    let mlflow = planned.mlflow.as_ref();
    let request = json!({
        "name": name,
        "source": mlflow.map(|m| m.source.as_str()),
        "run_id": mlflow.and_then(|m| m.run_id.as_deref()),
        "description": planned.description,
        "tags": tags,
    });
    format!("{:016x}", stable_hash(&request.to_string()))
}

fn version_in(s: &ModelPackageState) -> Result<i64, Diagnostics> {
    s.version.ok_or_else(|| {
        Diagnostic::error(
            "Model version number missing",
            "The state has no MLflow version number; import the version again (mlflow:<name>/<version>).",
        )
        .into()
    })
}

fn state_of(
    m: &Mlflow,
    v: ModelVersion,
    defaults: &BTreeMap<String, String>,
    prior: &ModelPackageState,
    download: Option<String>,
) -> ModelPackageState {
    let p = prior.mlflow.as_ref();
    let alias = p
        .and_then(|p| p.alias.clone())
        .unwrap_or_else(|| DEFAULT_ALIAS.into());
    let tags = visible(&v.tags);
    ModelPackageState {
        model_package_group_name: v.name.clone(),
        image: None,
        model_data_url: download.or_else(|| prior.model_data_url.clone()),
        environment: None,
        supported_content_types: None,
        supported_response_mime_types: None,
        description: keep_empty(&prior.description, v.description.clone()),
        approval_status: Some(status_of(&v, &alias)),
        approval_description: keep_empty(
            &prior.approval_description,
            v.tags
                .get(DESCRIPTION_TAG)
                .filter(|d| !d.is_empty())
                .cloned(),
        ),
        customer_metadata: None,
        metrics: None,
        tags: user_tags(&tags, defaults, prior.tags.as_ref()),
        tags_all: Some(tags),
        arn: None,
        version: Some(v.version),
        created_time: rfc3339(v.created_ms),
        mlflow: Some(MlflowVersion {
            source: v.source.clone(),
            run_id: keep_empty(&p.and_then(|p| p.run_id.clone()), v.run_id.clone()),
            alias: Some(alias),
            ui_url: Some(ui_url(m, &v.name, Some(v.version))),
        }),
    }
}

async fn read(
    m: &Mlflow,
    c: &Clients,
    prior: &ModelPackageState,
    download: Option<String>,
) -> Result<Option<ModelPackageState>, Diagnostics> {
    let name = &prior.model_package_group_name;
    let v = version_in(prior)?;
    Ok(find_version(m, name, v)
        .await?
        .map(|found| state_of(m, found, &c.default_tags, prior, download)))
}

/// Serialises alias changes within this provider process: Terraform updates versions in
/// parallel, and approving v2 while rejecting v1 must not let v1's "remove the alias if I
/// hold it" run between v2's move and its own check.
static ALIAS_CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Make the version's approval what `planned` says (alias, rejection tag, description
/// tag), from what it is (`have`); `prior_alias` is the alias the state named before.
async fn converge_approval(
    m: &Mlflow,
    have: &ModelVersion,
    planned: &ModelPackageState,
    prior_alias: Option<&str>,
) -> Result<(), Diagnostics> {
    let (name, v) = (have.name.as_str(), have.version);
    let alias = planned
        .mlflow
        .as_ref()
        .and_then(|b| b.alias.clone())
        .unwrap_or_else(|| DEFAULT_ALIAS.into());
    {
        let _one_at_a_time = ALIAS_CHANGES.lock().await;
        let holds = |a: String| async move {
            Ok::<_, Diagnostics>(
                find_alias_holder(m, name, &a).await?.map(|h| h.version) == Some(v),
            )
        };
        if let Some(old) = prior_alias.filter(|a| *a != alias) {
            if holds(old.to_string()).await? {
                // approved under another alias: that alias is no longer ours
                set_alias(m, name, old, None).await?;
            }
        }
        // whether this version should hold the alias (None: reviewers decide)
        let should_hold = planned
            .approval_status
            .map(|s| s == ApprovalStatus::Approved);
        if let Some(want) = should_hold {
            if holds(alias.clone()).await? != want {
                set_alias(m, name, &alias, want.then_some(v)).await?;
                tracing::info!(name, version = v, alias = %alias, holds = want, "alias moved");
            }
        }
    }
    if let Some(want) = planned.approval_status {
        let rejected = have.tags.get(STATUS_TAG).map(String::as_str) == Some("Rejected");
        let want_rejected = want == ApprovalStatus::Rejected;
        if want_rejected != rejected {
            own_tag(m, name, v, STATUS_TAG, want_rejected.then_some("Rejected")).await?;
        }
    }
    if let Some(d) = &planned.approval_description {
        let now = have
            .tags
            .get(DESCRIPTION_TAG)
            .map(String::as_str)
            .unwrap_or_default();
        if now != d {
            own_tag(
                m,
                name,
                v,
                DESCRIPTION_TAG,
                Some(d).filter(|d| !d.is_empty()).map(String::as_str),
            )
            .await?;
        }
    }
    Ok(())
}

/// Register the version, or find the one an interrupted create registered (same request
/// hash); its number.
async fn register(
    m: &Mlflow,
    name: &str,
    planned: &ModelPackageState,
    tags_all: &BTreeMap<String, String>,
) -> Result<i64, Diagnostics> {
    let hash = request_hash(name, planned, tags_all);
    let filter = format!(
        "name={} and tag.`{REQUEST_TAG}`={}",
        quoted(name),
        quoted(&hash)
    );
    if let Some(v) = search_versions(m, &filter)
        .await?
        .iter()
        .map(|v| v.version)
        .min()
    {
        tracing::info!(
            name,
            version = v,
            "an interrupted apply registered this version: adopting it"
        );
        return Ok(v);
    }
    let mut tags = marked_tags(tags_all);
    tags.insert(REQUEST_TAG.into(), hash);
    let b = planned.mlflow.as_ref();
    let mut body = json!({
        "name": name,
        "source": b.map(|b| b.source.as_str()).unwrap_or_default(),
        "tags": tags_json(&tags),
    });
    if let Some(r) = b
        .and_then(|b| b.run_id.as_deref())
        .filter(|r| !r.is_empty())
    {
        body["run_id"] = json!(r);
    }
    if let Some(d) = planned.description.as_deref().filter(|d| !d.is_empty()) {
        body["description"] = json!(d);
    }
    let what = format!("a version of registered model {name}");
    match m.post("model-versions/create", body).await {
        Ok(j) => {
            let v = version_of(m, &what, j["model_version"].clone())?;
            tracing::info!(name, version = v.version, "model version registered");
            Ok(v.version)
        }
        Err(MlflowError::NotFound(msg)) => Err(Diagnostic::error(
            "Registered model not found",
            format!("Registering a version on {}: {msg}. Create the registered model first (mlops_model_package_group with mlflow {{}}).", m.base),
        )
        .at(AttrPath::attr("model_package_group_name"))
        .into()),
        Err(e) => Err(m.error("Registering", &what, &e).into()),
    }
}

#[async_trait]
impl Backend<Clients, ModelPackageState> for MlflowRegistry {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        refuse(config, NOT_HERE, diags);
        validate_model_and_alias(config, diags);
        warn_description_without_status(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        if let Some(o) = plan.planned.as_object_mut() {
            o.insert("arn".into(), Value::null());
        }
        // A version that keeps its number keeps its page.
        if !plan.prior.is_null() {
            let url = plan.prior.attr("mlflow").attr("ui_url").clone();
            if let Some(b) = plan
                .planned
                .as_object_mut()
                .and_then(|o| o.get_mut("mlflow"))
                .and_then(Value::as_object_mut)
            {
                if !url.is_null() {
                    b.insert("ui_url".into(), url);
                }
            }
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: ModelPackageState,
    ) -> Result<ModelPackageState, Failure<ModelPackageState>> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow").map_err(Failure::new)?;
        let name = planned.model_package_group_name.clone();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let v = register(&m, &name, &planned, &tags_all)
            .await
            .map_err(Failure::new)?;
        // From here on the version exists: failures keep it in state (tainted).
        let partial = ModelPackageState {
            version: Some(v),
            arn: None,
            tags_all: Some(tags_all),
            ..planned.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        let waited = wait_until(
            &format!("version {v} of registered model {name} to be ready"),
            ctx.timeout,
            &ctx.cancel,
            Want::Present,
            || find_version(&m, &name, v),
            version_phase,
        )
        .await
        .map_err(fail)?;
        let have = match waited {
            Waited::Reached(Some(h)) => h,
            Waited::Failed { reason, .. } => {
                return Err(fail(
                    Diagnostic::error(
                        "Model version registration failed",
                        format!(
                            "MLflow reports version {v} of {name} as FAILED_REGISTRATION: {reason}"
                        ),
                    )
                    .into(),
                ))
            }
            _ => {
                return Err(fail(
                    Diagnostic::error(
                        "Model version vanished",
                        format!("Version {v} of {name} was registered, then deleted."),
                    )
                    .into(),
                ))
            }
        };
        converge_approval(&m, &have, &planned, None)
            .await
            .map_err(fail)?;
        let download = download_uri(&m, &name, v).await.map_err(fail)?;
        Failure::read_back(
            read(&m, &c, &partial, Some(download)).await,
            || {
                Diagnostic::error(
                    "Model version vanished",
                    format!("Version {v} of {name} was registered but could not be read back."),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageState,
    ) -> Result<Option<ModelPackageState>, Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        let download = match &current.model_data_url {
            Some(_) => None,
            None => Some(
                download_uri(&m, &current.model_package_group_name, version_in(&current)?).await?,
            ),
        };
        read(&m, &c, &current, download).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: ModelPackageState,
        planned: ModelPackageState,
    ) -> Result<ModelPackageState, Failure<ModelPackageState>> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow").map_err(Failure::new)?;
        let name = prior.model_package_group_name.clone();
        let fail = |d| Failure::with_partial(prior.clone(), d);
        let v = version_in(&prior).map_err(fail)?;
        let Some(have) = find_version(&m, &name, v).await.map_err(fail)? else {
            return Err(fail(
                Diagnostic::error(
                    "Model version vanished",
                    format!("Version {v} of registered model {name} was deleted; the next plan registers it again."),
                )
                .into(),
            ));
        };
        if prior.description.as_deref().unwrap_or_default()
            != planned.description.as_deref().unwrap_or_default()
        {
            m.patch(
                "model-versions/update",
                json!({ "name": name, "version": v.to_string(),
                        "description": planned.description.as_deref().unwrap_or_default() }),
            )
            .await
            .map_err(|e| {
                fail(
                    m.error("Updating", &format!("version {v} of {name}"), &e)
                        .into(),
                )
            })?;
        }
        let want = merge_tags(&c.default_tags, planned.tags.as_ref());
        if want != visible(&have.tags) {
            sync_tags(&m, Tagged::Version(&name, v), &have.tags, &want)
                .await
                .map_err(fail)?;
        }
        let prior_alias = prior
            .mlflow
            .as_ref()
            .and_then(|b| b.alias.clone())
            .unwrap_or_else(|| DEFAULT_ALIAS.into());
        converge_approval(&m, &have, &planned, Some(&prior_alias))
            .await
            .map_err(fail)?;
        Failure::read_back(
            read(&m, &c, &planned, None).await,
            || {
                Diagnostic::error(
                    "Model version vanished",
                    format!("Version {v} of {name} was deleted during the update."),
                )
            },
            fail,
        )
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        let name = &current.model_package_group_name;
        let v = version_in(&current)?;
        match m
            .delete(
                "model-versions/delete",
                json!({ "name": name, "version": v.to_string() }),
            )
            .await
        {
            Ok(_) | Err(MlflowError::NotFound(_)) => {
                tracing::info!(name = %name, version = v, "model version deleted");
                Ok(())
            }
            Err(e) => Err(m
                .error(
                    "Deleting",
                    &format!("version {v} of registered model {name}"),
                    &e,
                )
                .into()),
        }
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageState, Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        let bad = || -> Diagnostics {
            Diagnostic::error(
                "Invalid import ID",
                format!("Import an MLflow model version as mlflow:<registered model>/<version>, e.g. mlflow:churn/3; got {id:?}."),
            )
            .into()
        };
        let rest = id.strip_prefix(IMPORT_PREFIX).ok_or_else(bad)?;
        let (name, v) = rest.rsplit_once('/').ok_or_else(bad)?;
        let v: i64 = v.parse().map_err(|_| bad())?;
        let prior = ModelPackageState {
            model_package_group_name: name.to_string(),
            image: None,
            model_data_url: None,
            environment: None,
            supported_content_types: None,
            supported_response_mime_types: None,
            description: None,
            approval_status: None,
            approval_description: None,
            customer_metadata: None,
            metrics: None,
            tags: None,
            tags_all: None,
            arn: None,
            version: Some(v),
            created_time: None,
            mlflow: Some(MlflowVersion {
                source: String::new(),
                run_id: None,
                alias: Some(DEFAULT_ALIAS.into()),
                ui_url: None,
            }),
        };
        let Some(found) = find_version(&m, name, v).await? else {
            return Err(Diagnostic::error(
                "Cannot import a model version that does not exist",
                format!(
                    "Registered model {name:?} on {} has no version {v}.",
                    m.base
                ),
            )
            .into());
        };
        let download = download_uri(&m, name, v).await?;
        Ok(state_of(&m, found, &c.default_tags, &prior, Some(download)))
    }
}
