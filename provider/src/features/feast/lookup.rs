//! The Feast backend of data source `mlops_feature_view`: one `GetFeatureView`.

use std::collections::BTreeMap;

use mlops_framework::{async_trait, AttrPath, Ctx, Diagnostic, Diagnostics, LookupBackend};
use tfplugin_proto::feast::core::FeatureViewState as Stage;

use super::{client, project_of, state_of, FeastFeatureStore};
use crate::clients::Clients;
use crate::feast::registry::find_feature_view;
use crate::features::lookup::{FeastLookup, FeatureInfo, FeatureViewLookupModel};
use crate::features::view::FeatureViewState;

fn stage(v: i32) -> &'static str {
    match Stage::try_from(v).unwrap_or(Stage::StateUnspecified) {
        Stage::Generated => "Generated",
        Stage::Materializing => "Materializing",
        Stage::AvailableOnline => "AvailableOnline",
        Stage::StateUnspecified | Stage::Created => "Created",
    }
}

#[async_trait]
impl LookupBackend<Clients, FeatureViewLookupModel> for FeastFeatureStore {
    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: FeatureViewLookupModel,
    ) -> Result<FeatureViewLookupModel, Diagnostics> {
        let c = ctx.client.clone();
        let f = client(&c, "feast")?;
        let own = cfg.feast.as_ref().and_then(|l| l.project.clone());
        let project = project_of(&f, own.as_deref())?;
        let Some(v) = find_feature_view(&f, &project, &cfg.name).await? else {
            return Err(Diagnostic::error(
                "No such feature view",
                format!(
                    "There is no feature view {:?} in project {project} on {}.",
                    cfg.name, f.address
                ),
            )
            .at(AttrPath::attr("name"))
            .into());
        };
        let s = state_of(
            &v,
            &project,
            &BTreeMap::new(),
            &FeatureViewState::named(&cfg.name),
        );
        let fv = s
            .feast
            .clone()
            .unwrap_or_else(|| crate::features::view::FeastView::in_project(&project));
        let spec = v.spec.clone().unwrap_or_default();
        Ok(FeatureViewLookupModel {
            arn: None,
            entity_key: Some(s.entity_key.clone()),
            event_time: Some(s.event_time.clone()),
            features: Some(
                s.feature
                    .iter()
                    .map(|f| FeatureInfo {
                        name: f.name.clone(),
                        r#type: f.r#type.clone(),
                        description: f.description.clone(),
                    })
                    .collect(),
            ),
            online_store_enabled: Some(spec.online),
            offline_store_s3_uri: Some(fv.source.path.clone()).filter(|p| p.starts_with("s3://")),
            offline_store_table: None,
            status: Some(stage(v.meta.as_ref().map_or(0, |m| m.state)).to_string()),
            name: cfg.name,
            feast: Some(FeastLookup {
                project: own,
                source_path: Some(fv.source.path),
                push_source_name: fv.source.push_source_name,
                ttl_seconds: Some(spec.ttl.map_or(0, |d| d.seconds)),
            }),
        })
    }
}
