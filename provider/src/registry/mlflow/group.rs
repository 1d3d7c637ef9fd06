//! The MLflow backend of `mlops_model_package_group`: a registered model. Refresh is one
//! call (`registered-models/get`).

use std::collections::BTreeMap;

use mlops_framework::{
    async_trait, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value,
};
use serde_json::json;

use super::IMPORT_PREFIX;
use super::{
    client, keep_empty, refuse, rfc3339, sync_tags, ui_url, visible, MlflowRegistry, Tagged,
};
use crate::aws::{merge_tags, plan_tags_all, user_tags};
use crate::clients::Clients;
use crate::mlflow::registry::{find_model, quoted, search_versions, tags_json, RegisteredModel};
use crate::mlflow::{Mlflow, MlflowError};
use crate::ownership::{existing, log_adopting, marked_tags, Existing, Taken, MARKER_TAG};
use crate::registry::group::{MlflowModel, ModelPackageGroupState};
use crate::validation::validate_tags;

fn state_of(
    m: &Mlflow,
    r: RegisteredModel,
    defaults: &BTreeMap<String, String>,
    prior: &ModelPackageGroupState,
) -> ModelPackageGroupState {
    let tags = visible(&r.tags);
    ModelPackageGroupState {
        description: keep_empty(&prior.description, r.description),
        shared_with_accounts: None,
        force_destroy: Some(prior.force_destroy.unwrap_or(false)),
        tags: user_tags(&tags, defaults, prior.tags.as_ref()),
        tags_all: Some(tags),
        arn: None,
        created_time: rfc3339(r.created_ms),
        resource_policy: None,
        on_approval: None,
        mlflow: Some(MlflowModel {
            ui_url: Some(ui_url(m, &r.name, None)),
        }),
        name: r.name,
    }
}

async fn set_description(m: &Mlflow, name: &str, d: Option<&str>) -> Result<(), Diagnostics> {
    m.patch(
        "registered-models/update",
        json!({ "name": name, "description": d.unwrap_or_default() }),
    )
    .await
    .map(|_| ())
    .map_err(|e| {
        m.error("Updating", &format!("registered model {name}"), &e)
            .into()
    })
}

async fn read(
    m: &Mlflow,
    c: &Clients,
    prior: &ModelPackageGroupState,
) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
    Ok(find_model(m, &prior.name)
        .await?
        .map(|r| state_of(m, r, &c.default_tags, prior)))
}

#[async_trait]
impl Backend<Clients, ModelPackageGroupState> for MlflowRegistry {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        refuse(
            config,
            &[
                ("shared_with_accounts", "MLflow has no cross-account sharing; grant access with the tracking server's own permissions."),
                ("on_approval", "an MLflow registry has no approval events to start a pipeline from."),
            ],
            diags,
        );
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        let name = plan.planned.attr("name").as_str().map(String::from);
        let url = match (plan.client.map(|c| &c.mlflow), name) {
            (Some(crate::mlflow::MlflowAccess::Ready(m)), Some(n)) => {
                Value::string(ui_url(m, &n, None))
            }
            _ => return,
        };
        if let Some(o) = plan.planned.as_object_mut() {
            // nothing of SageMaker's is made
            for a in ["arn", "resource_policy"] {
                o.insert(a.into(), Value::null());
            }
            if let Some(b) = o.get_mut("mlflow").and_then(Value::as_object_mut) {
                b.insert("ui_url".into(), url);
            }
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow").map_err(Failure::new)?;
        let name = planned.name.clone();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let want = marked_tags(&tags_all);
        let mut body = json!({ "name": name, "tags": tags_json(&want) });
        if let Some(d) = planned.description.as_deref().filter(|d| !d.is_empty()) {
            body["description"] = json!(d);
        }
        match m.post("registered-models/create", body).await {
            Ok(_) => tracing::info!(name = %name, server = %m.base, "registered model created"),
            Err(MlflowError::AlreadyExists(_)) => {
                let Some(have) = find_model(&m, &name).await.map_err(Failure::new)? else {
                    return Err(Failure::new(Diagnostic::error(
                        "Registered model vanished",
                        format!("MLflow said registered model {name} exists, then could not find it; apply again."),
                    )));
                };
                if existing(&have.tags) == Existing::Foreign {
                    let id = format!("{IMPORT_PREFIX}{name}");
                    return Err(Failure::new(
                        Taken {
                            kind: "Registered model",
                            name: &name,
                            resource_type: "mlops_model_package_group",
                            import_id: &id,
                            marker: MARKER_TAG,
                            at: AttrPath::attr("name"),
                        }
                        .diagnostic(),
                    ));
                }
                log_adopting("Registered model", &name);
                let fail = |d| Failure::with_partial(planned.clone(), d);
                if have.description.as_deref().unwrap_or_default()
                    != planned.description.as_deref().unwrap_or_default()
                {
                    set_description(&m, &name, planned.description.as_deref())
                        .await
                        .map_err(fail)?;
                }
                sync_tags(&m, Tagged::Model(&name), &have.tags, &want)
                    .await
                    .map_err(fail)?;
            }
            Err(e) => {
                return Err(Failure::new(
                    m.error("Creating", &format!("registered model {name}"), &e)
                        .at(AttrPath::attr("name")),
                ))
            }
        }
        let fail = |d| Failure::with_partial(planned.clone(), d);
        Failure::read_back(
            read(&m, &c, &planned).await,
            || {
                Diagnostic::error(
                    "Registered model vanished",
                    format!("Registered model {name} was created but could not be read back."),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        read(&m, &c, &current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: ModelPackageGroupState,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow").map_err(Failure::new)?;
        let name = planned.name.clone();
        let fail = |d| Failure::with_partial(prior.clone(), d);
        if prior.description.as_deref().unwrap_or_default()
            != planned.description.as_deref().unwrap_or_default()
        {
            set_description(&m, &name, planned.description.as_deref())
                .await
                .map_err(fail)?;
        }
        let want = merge_tags(&c.default_tags, planned.tags.as_ref());
        let have = prior.tags_all.clone().unwrap_or_default();
        if want != have {
            sync_tags(&m, Tagged::Model(&name), &have, &want)
                .await
                .map_err(fail)?;
        }
        Failure::read_back(
            read(&m, &c, &planned).await,
            || {
                Diagnostic::error(
                    "Registered model vanished",
                    format!("Registered model {name} was deleted during the update."),
                )
            },
            fail,
        )
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        let name = &current.name;
        // MLflow deletes the versions with the model: without force_destroy, refuse.
        if !current.force_destroy.unwrap_or(false) {
            let versions = search_versions(&m, &format!("name={}", quoted(name))).await?;
            if !versions.is_empty() {
                let mut numbers: Vec<i64> = versions.iter().map(|v| v.version).collect();
                numbers.sort_unstable();
                let list: Vec<String> = numbers.iter().map(i64::to_string).collect();
                return Err(Diagnostic::error(
                    "Registered model still holds versions",
                    format!("Registered model {name} on {} holds versions {} and MLflow would delete them with it. Set force_destroy = true (and apply) to delete them, or delete them first.", m.base, list.join(", ")),
                )
                .at(AttrPath::attr("force_destroy"))
                .into());
            }
        }
        match m
            .delete("registered-models/delete", json!({ "name": name }))
            .await
        {
            Ok(_) | Err(MlflowError::NotFound(_)) => {
                tracing::info!(name = %name, "registered model deleted");
                Ok(())
            }
            Err(e) => Err(m
                .error("Deleting", &format!("registered model {name}"), &e)
                .into()),
        }
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageGroupState, Diagnostics> {
        let c = ctx.client.clone();
        let m = client(&c, "mlflow")?;
        let name = id.strip_prefix(IMPORT_PREFIX).unwrap_or(id);
        let prior = ModelPackageGroupState {
            name: name.to_string(),
            description: None,
            shared_with_accounts: None,
            force_destroy: Some(false),
            tags: None,
            tags_all: None,
            arn: None,
            created_time: None,
            resource_policy: None,
            on_approval: None,
            mlflow: Some(MlflowModel::default()),
        };
        read(&m, &c, &prior).await?.ok_or_else(|| {
            Diagnostic::error(
                "Cannot import a registered model that does not exist",
                format!("There is no registered model {name:?} on {}. The import ID is mlflow:<registered model name>.", m.base),
            )
            .into()
        })
    }
}
