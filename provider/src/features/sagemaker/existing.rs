//! What a create meets under the feature group's name (see [`crate::ownership`]).
//! CreateFeatureGroup is sent first (it has no client token: a create retried after a lost
//! answer meets its own group, which the creating tag identifies); on `ResourceInUse` the
//! group found is: being deleted (wait until it is gone, then create), left half-made by an
//! interrupted apply (adopted: the create waits for it and converges it, see
//! [`differences`] for what cannot be converged), or anyone else's (the create fails,
//! naming it and its import block).

use aws_sdk_sagemaker::operation::create_feature_group::builders::CreateFeatureGroupFluentBuilder;
use aws_sdk_sagemaker::types::FeatureGroupStatus;
use mlops_framework::{AttrPath, Ctx, Diagnostic, Diagnostics};
use serde_json::Value as Json;

use crate::aws::{api_error, is_already_exists, sagemaker_existing};
use crate::clients::Clients;
use crate::features::view::{feature_path, FeatureViewState};
use crate::ownership::{log_adopting, Existing, Taken, MARKER_TAG};
use crate::sagemaker::feature_group::{find_feature_group, wait_for_feature_group, Awaited};

/// What SageMaker cannot change in a feature group: attribute, and in words. (Features
/// cannot be removed or retyped either.)
pub(super) const FIXED: [(&str, &str); 5] = [
    ("entity_key", "the entity key"),
    ("event_time", "the event time feature"),
    ("offline_store", "the offline store"),
    ("role_arn", "the role"),
    ("description", "the description"),
];
/// What SageMaker cannot change in a feature group's online store.
pub(super) const FIXED_ONLINE: [&str; 2] = ["enabled", "storage_type"];

/// The group a create ends up with (its ARN).
pub(super) enum Made {
    /// Created by this call.
    Created(String),
    /// Left half-made by an interrupted apply: to adopt.
    Ours(String),
}

impl Made {
    pub(super) fn arn(&self) -> &str {
        match self {
            Made::Created(a) | Made::Ours(a) => a,
        }
    }
}

/// Send `create` (which carries the creating tag); on `ResourceInUse`, look at the group of
/// that name and wait out its deletion, adopt it, or refuse it.
pub(super) async fn create_or_adopt(
    ctx: &Ctx<Clients>,
    name: &str,
    create: CreateFeatureGroupFluentBuilder,
) -> Result<Made, Diagnostics> {
    let c = &ctx.client;
    // Three sends at most: after a group being deleted is gone (or one vanished between the
    // two calls), the create is sent again.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match create.clone().send().await {
            Ok(r) => {
                tracing::info!(name = %name, "feature group creating");
                return Ok(Made::Created(
                    r.feature_group_arn().unwrap_or_default().to_string(),
                ));
            }
            Err(e) if is_already_exists(&e) && attempts < 3 => {}
            Err(e) => return Err(api_error("CreateFeatureGroup", name, &e).into()),
        }
        let Some(d) = find_feature_group(c, name).await? else {
            // Gone between the two calls: create again.
            continue;
        };
        if d.feature_group_status() == Some(&FeatureGroupStatus::Deleting) {
            tracing::info!(name = %name, "feature group still being deleted: waiting until it is gone before creating it");
            wait_for_feature_group(ctx, name, Awaited::Deletion).await?;
            continue;
        }
        let arn = d.feature_group_arn().unwrap_or_default().to_string();
        return match sagemaker_existing(&c.sagemaker, &arn).await? {
            Existing::Ours => {
                log_adopting("Feature group", name);
                Ok(Made::Ours(arn))
            }
            Existing::Foreign => Err(Taken {
                kind: "Feature group",
                name,
                resource_type: "mlops_feature_view",
                import_id: name,
                marker: MARKER_TAG,
                at: AttrPath::attr("name"),
            }
            .diagnostic()
            .into()),
        };
    }
}

fn json(s: &FeatureViewState) -> Json {
    serde_json::to_value(s).unwrap_or(Json::Null)
}

fn at(j: &Json, pointer: &str) -> Json {
    j.pointer(pointer).cloned().unwrap_or(Json::Null)
}

/// What a half-made group (`found`) has that the plan does not and SageMaker cannot change:
/// possible only when the configuration changed since the interrupted apply. One error per
/// attribute, naming it, the group and the ways out; empty when it can be converged.
pub(super) fn differences(found: &FeatureViewState, planned: &FeatureViewState) -> Diagnostics {
    let name = &planned.name;
    let (f, p) = (json(found), json(planned));
    let mut out: Vec<(AttrPath, String)> = vec![];
    for (attr, what) in FIXED {
        let (was, want) = (at(&f, &format!("/{attr}")), at(&p, &format!("/{attr}")));
        if was != want {
            out.push((
                AttrPath::attr(attr),
                format!("{what} {was} (the configuration has {want})"),
            ));
        }
    }
    for attr in FIXED_ONLINE {
        let pointer = format!("/online_store/{attr}");
        let (was, want) = (at(&f, &pointer), at(&p, &pointer));
        if was != want {
            out.push((
                AttrPath::attrs(["online_store", attr]),
                format!("the online store's {attr} {was} (the configuration has {want})"),
            ));
        }
    }
    for g in &found.feature {
        match planned.feature.iter().position(|x| x.name == g.name) {
            None => out.push((
                AttrPath::attr("feature"),
                format!("feature {:?}, which the configuration does not have (a feature cannot be removed)", g.name),
            )),
            Some(i) if planned.feature[i].r#type != g.r#type => out.push((
                feature_path(i, Some("type")),
                format!("feature {:?} of type {} (the configuration has {})", g.name, g.r#type, planned.feature[i].r#type),
            )),
            Some(_) => {}
        }
    }
    let mut diags = Diagnostics::default();
    for (path, what) in out {
        diags.push(
            Diagnostic::error(
                "Half-made feature group differs from the configuration",
                format!(
                    "Feature group {name} was left half-made by an interrupted apply with {what}; SageMaker cannot change that in place. Change the configuration back to what the group has and apply again (the group is adopted), or delete the group (aws sagemaker delete-feature-group --feature-group-name {name}) and apply again."
                ),
            )
            .at(path),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::super::view::stub;
    use super::*;
    use crate::features::view::{Feature, OnlineStore};

    fn view() -> FeatureViewState {
        let feature = |n: &str, t: &str| Feature {
            name: n.into(),
            r#type: t.into(),
            description: None,
        };
        FeatureViewState {
            description: Some("Customer features".into()),
            entity_key: "customer_id".into(),
            event_time: "event_time".into(),
            feature: vec![
                feature("customer_id", "String"),
                feature("event_time", "Fractional"),
            ],
            online_store: Some(OnlineStore {
                enabled: Some(true),
                ttl_value: Some(30),
                ttl_unit: Some("Days".into()),
                storage_type: Some("Standard".into()),
            }),
            ..stub("customers")
        }
    }

    #[test]
    fn only_what_cannot_change_in_place_stops_an_adoption() {
        let found = view();
        let mut planned = view();
        // convergeable: a feature added, the TTL, tags
        planned.feature.push(Feature {
            name: "age".into(),
            r#type: "Integral".into(),
            description: Some("Age".into()),
        });
        planned.online_store.as_mut().expect("online").ttl_value = Some(7);
        planned.tags = Some([("team".to_string(), "ds".to_string())].into());
        assert!(differences(&found, &planned).is_empty());
        // not: the description, the storage type, a retyped or a removed feature
        planned.description = Some("Customers".into());
        planned.online_store.as_mut().expect("online").storage_type = Some("InMemory".into());
        planned.feature[1].r#type = "String".into();
        planned.feature.remove(0);
        let d = differences(&found, &planned);
        let at: Vec<String> = d.0.iter().map(|d| format!("{:?}", d.path)).collect();
        assert_eq!(d.0.len(), 4, "{d}");
        assert!(
            d.0[0].detail.contains(
                "with the description \"Customer features\" (the configuration has \"Customers\")"
            ),
            "{}",
            d.0[0].detail
        );
        assert!(
            d.0[1].detail.contains("storage_type \"Standard\""),
            "{}",
            d.0[1].detail
        );
        assert!(
            d.0[2]
                .detail
                .contains("feature \"customer_id\", which the configuration does not have"),
            "{}",
            d.0[2].detail
        );
        assert!(
            d.0[3].detail.contains(
                "feature \"event_time\" of type Fractional (the configuration has String)"
            ),
            "{}",
            d.0[3].detail
        );
        assert!(at[3].contains("type"), "{at:?}");
    }
}
