//! `mlops_feature_view` (and its data source) on Feast: driven by the real Terraform CLI
//! against a real `feast serve_registry` (one per test) over a SQLite registry, and checked
//! with the real Feast Python SDK as Feast users work: it lists what was applied,
//! materialises a Parquet file into the SQLite online store and reads online features
//! back; it also changes the registry out of band (drift, foreign and half-made objects).

use std::rc::Rc;

use acceptance_tests::feast::{FeastServer, PROJECT};
use acceptance_tests::{
    ensure_rejected, provider_block, re, Emulator, Install, Step, TestCase, Workspace,
};
use anyhow::{ensure, Result};
use serde_json::{json, Value as Json};

fn feast_provider(s: &FeastServer) -> String {
    provider_block(&format!(
        "  feast {{\n    registry_address = \"{}\"\n    project          = \"{PROJECT}\"\n    request_timeout  = \"10s\"\n  }}\n",
        s.address()
    ))
}

/// The view `customer_stats` with `extra_features` after the three of step 1.
fn view(s: &FeastServer, extra_features: &str, ttl_days: u32) -> String {
    let path = s.client_dir().join("customer_stats.parquet");
    format!(
        r#"
resource "mlops_feature_view" "stats" {{
  name        = "customer_stats"
  description = "Spend per customer"
  entity_key  = "customer_id"
  event_time  = "event_timestamp"

  feature {{
    name = "customer_id"
    type = "Int64"
  }}
  feature {{
    name        = "total_spend"
    type        = "Float64"
    description = "Spend in the last 30 days"
  }}
  feature {{
    name = "segment"
    type = "String"
  }}
{extra_features}
  online_store {{
    ttl_value = {ttl_days}
    ttl_unit  = "Days"
  }}

  feast {{
    entity = "customer"
    owner  = "ml-platform@example.com"
    source {{
      path             = "{}"
      push_source_name = "customer_stats_push"
    }}
  }}

  tags = {{ team = "churn" }}
}}

data "mlops_feature_view" "stats" {{
  name       = mlops_feature_view.stats.name
  feast {{}}
  depends_on = [mlops_feature_view.stats]
}}

output "features" {{
  value = [for f in data.mlops_feature_view.stats.features : "${{f.name}}:${{f.type}}"]
}}
output "source_path" {{
  value = data.mlops_feature_view.stats.feast.source_path
}}
"#,
        path.display()
    )
}

const ORDERS: &str = "  feature {\n    name = \"orders\"\n    type = \"Int64\"\n  }\n";

/// What the SDK sees of the registry, as JSON: entities, data sources, feature views.
const LIST: &str = r#"
import json
from feast import FeatureStore
s = FeatureStore(".")
out = {
    "entities": {e.name: {"join_key": e.join_key, "type": e.value_type.name, "tags": e.tags} for e in s.list_entities()},
    "sources": sorted(d.name for d in s.list_data_sources()),
    "views": {v.name: {
        "features": {f.name: str(f.dtype) for f in v.features},
        "entities": v.entities,
        "ttl": v.ttl.total_seconds() if v.ttl else 0,
        "online": v.online,
        "tags": v.tags,
        "owner": v.owner,
        "description": v.description,
        "push": v.stream_source.name if v.stream_source else None,
        "batch": v.batch_source.path,
        "created": v.created_timestamp.isoformat() if v.created_timestamp else None,
    } for v in s.list_feature_views()},
}
print(json.dumps(out))
"#;

fn list(s: &FeastServer) -> Result<Json> {
    Ok(serde_json::from_str(s.client(LIST)?.trim())?)
}

/// Write a Parquet file of three customers, create the online table (Feast's own infra
/// update, as `feast apply` would), materialise, and read online features back.
const MATERIALISE: &str = r#"
import json
from datetime import datetime, timedelta, timezone
import pandas as pd
from feast import FeatureStore
s = FeatureStore(".")
now = datetime.now(timezone.utc).replace(microsecond=0)
cols = {
    "customer_id": [1, 2, 3],
    "total_spend": [10.5, 20.0, 7.25],
    "segment": ["gold", "silver", "bronze"],
    "event_timestamp": [now - timedelta(hours=1)] * 3,
}
fv = s.get_feature_view("customer_stats")
if "orders" in [f.name for f in fv.features]:
    cols["orders"] = [3, 5, 1]
pd.DataFrame(cols).to_parquet(fv.batch_source.path)
s._get_provider().update_infra(
    project=s.project, tables_to_delete=[], tables_to_keep=[fv],
    entities_to_delete=[], entities_to_keep=[s.get_entity("customer")], partial=True)
s.materialize(start_date=now - timedelta(days=1), end_date=now)
# The online read resolves features from the SDK's registry cache: load it now, after
# the view evolved (under load it was seen stale, without the new feature).
s.refresh_registry()
names = [f"customer_stats:{f.name}" for f in fv.features]
r = s.get_online_features(features=names, entity_rows=[{"customer_id": 2}]).to_dict()
print(json.dumps(r, default=str))
"#;

/// Run [`MATERIALISE`]: the online features it read (its last line; Feast prints progress).
fn materialise(s: &FeastServer) -> Result<Json> {
    let out = s.client(MATERIALISE)?;
    Ok(serde_json::from_str(
        out.lines().last().unwrap_or_default(),
    )?)
}

fn no_object_left(s: Rc<FeastServer>) -> acceptance_tests::Check {
    Box::new(move |_| {
        let l = list(&s)?;
        ensure!(
            l["views"] == json!({}) && l["sources"] == json!([]) && l["entities"] == json!({}),
            "Feast objects left after destroy: {l}"
        );
        Ok(())
    })
}

fn case(s: &Rc<FeastServer>, name: &str) -> TestCase {
    let mut tc = TestCase::new(name);
    tc.provider_block = feast_provider(s);
    tc.check_destroyed = Some(no_object_left(s.clone()));
    tc
}

#[test]
fn feast_view_lifecycle_materialised_evolved_drift_import() -> Result<()> {
    let s = Rc::new(FeastServer::start()?);
    let (s1, s2, s3, s4, s5) = (s.clone(), s.clone(), s.clone(), s.clone(), s.clone());
    case(&s, "feast view")
        // create: entity, file + push source, view; the SDK materialises and reads it
        .step(Step {
            config: view(&s, "", 1),
            check: Some(Box::new(move |ctx| {
                let l = list(&s1)?;
                let v = &l["views"]["customer_stats"];
                ensure!(
                    v["features"] == json!({"total_spend": "Float64", "segment": "String"}),
                    "{l}"
                );
                ensure!(v["entities"] == json!(["customer"]) && v["ttl"] == 86400.0, "{l}");
                ensure!(v["online"] == true && v["push"] == "customer_stats_push", "{l}");
                ensure!(v["owner"] == "ml-platform@example.com", "{l}");
                ensure!(v["tags"]["team"] == "churn", "{l}");
                ensure!(
                    v["tags"]["mlops:created-by"] == "terraform-provider-mlops",
                    "the marker: {l}"
                );
                ensure!(
                    l["entities"]["customer"]["join_key"] == "customer_id"
                        && l["entities"]["customer"]["type"] == "INT64",
                    "{l}"
                );
                ensure!(
                    l["sources"] == json!(["customer_stats_push", "customer_stats_source"]),
                    "{l}"
                );
                let r = materialise(&s1)?;
                ensure!(
                    r["total_spend"] == json!([20.0]) && r["segment"] == json!(["silver"]),
                    "online features read back: {r}"
                );
                let st = &ctx.state;
                ensure!(st.attr("mlops_feature_view.stats", "arn")?.is_null());
                ensure!(
                    st.attr("mlops_feature_view.stats", "tags_all")? == json!({"team": "churn"}),
                    "the marker stays hidden"
                );
                let fv = st.attr("mlops_feature_view.stats", "feast")?;
                ensure!(
                    fv["project"] == PROJECT && fv["source"]["name"] == "customer_stats_source",
                    "{fv}"
                );
                let out: Json = serde_json::from_str(&ctx.ws.tf_ok(&["output", "-json"])?.stdout)?;
                ensure!(
                    out["features"]["value"]
                        == json!(["customer_id:Int64", "total_spend:Float64", "segment:String"]),
                    "{out}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        // a new feature: the view evolves in place, keeping its materialised data
        .step(Step {
            config: view(&s, ORDERS, 1),
            expect_plan: Some(re(r"mlops_feature_view\.stats will be updated in-place")),
            check: Some(Box::new(move |_| {
                let l = list(&s2)?;
                ensure!(
                    l["views"]["customer_stats"]["features"]["orders"] == "Int64",
                    "{l}"
                );
                let r = materialise(&s2)?;
                ensure!(r["orders"] == json!([5]), "online features read back: {r}");
                Ok(())
            })),
            ..Default::default()
        })
        // removing a feature, or retyping one, is refused at plan
        .step(Step {
            config: view(&s, "", 1),
            plan_only: true,
            expect_error: Some(re(
                r#"(?s)Change would lose the feature view's data.*Feature "orders" is removed"#,
            )),
            ..Default::default()
        })
        .step(Step {
            config: view(&s, ORDERS, 1).replace(
                "name = \"orders\"\n    type = \"Int64\"",
                "name = \"orders\"\n    type = \"String\"",
            ),
            plan_only: true,
            expect_error: Some(re(r#"(?s)Feature "orders" changes type from Int64 to String"#)),
            ..Default::default()
        })
        // drift: someone changes the TTL with the SDK; the plan puts it back
        .step(Step {
            config: view(&s, ORDERS, 1),
            before: Some(Box::new(move |_| {
                s3.client(
                    "from datetime import timedelta\nfrom feast import FeatureStore\ns = FeatureStore('.')\nfv = s.get_feature_view('customer_stats')\nfv.ttl = timedelta(days=7)\ns.registry.apply_feature_view(fv, s.project)\n",
                )?;
                Ok(())
            })),
            expect_plan: Some(re(r"ttl_value\s+= 1 -> 7|ttl_value\s+= 7 -> 1")),
            check: Some(Box::new(move |_| {
                let l = list(&s4)?;
                ensure!(l["views"]["customer_stats"]["ttl"] == 86400.0, "{l}");
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: view(&s, ORDERS, 1),
            import: Some((
                "mlops_feature_view.stats".into(),
                format!("feast:{PROJECT}/customer_stats"),
                vec![],
            )),
            ..Default::default()
        })
        // `Integral` is Feast's `Int64`: a change of spelling, not of type (no loss refused;
        // the state keeps the new spelling and the plan after it is empty)
        .step(Step {
            config: view(&s, &ORDERS.replace("Int64", "Integral"), 1),
            check: Some(Box::new(move |_| {
                let l = list(&s5)?;
                ensure!(l["views"]["customer_stats"]["features"]["orders"] == "Int64", "{l}");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn feast_foreign_view_refused_half_made_adopted_deleted_recreated() -> Result<()> {
    let s = Rc::new(FeastServer::start()?);
    // Someone else's view of the name (the SDK, no marker): refused, left alone.
    let foreign = r#"
from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource, FeatureStore, ValueType
from feast.types import Float64, Int64
s = FeatureStore(".")
e = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
src = FileSource(name="theirs", path="theirs.parquet", timestamp_field="event_timestamp")
fv = FeatureView(name="customer_stats", entities=[e], ttl=timedelta(days=1),
    schema=[Field(name="customer_id", dtype=Int64), Field(name="total_spend", dtype=Float64)],
    source=src, tags=TAGS)
s.apply([e, src, fv])
"#;
    let (s1, s2, s3, s4) = (s.clone(), s.clone(), s.clone(), s.clone());
    let mut tc = case(&s, "feast adoption");
    // The SDK's entity is not ours: destroy leaves it, and nothing else.
    let s5 = s.clone();
    tc.check_destroyed = Some(Box::new(move |_| {
        let l = list(&s5)?;
        ensure!(
            l["views"] == json!({}) && l["sources"] == json!([]),
            "Feast objects left after destroy: {l}"
        );
        ensure!(
            l["entities"]
                == json!({"customer": {"join_key": "customer_id", "type": "INT64", "tags": {}}}),
            "the SDK's entity is left as it was: {l}"
        );
        Ok(())
    }));
    tc
        .step(Step {
            config: view(&s, "", 1),
            before: Some(Box::new(move |_| {
                s1.client(&foreign.replace("TAGS", "{}"))?;
                Ok(())
            })),
            expect_error: Some(re(
                r#"(?s)Feast feature view churn/customer_stats already exists.*import.*feast:churn/customer_stats"#,
            )),
            check: Some(Box::new(move |_| {
                let l = list(&s2)?;
                ensure!(
                    l["views"]["customer_stats"]["batch"] == "theirs.parquet",
                    "the foreign view is left alone: {l}"
                );
                // It becomes a half-made view of ours (the marker, no state): a kill between
                // the apply and the state write.
                s2.client(&foreign.replace("TAGS", "{'mlops:created-by': 'terraform-provider-mlops'}"))?;
                Ok(())
            })),
            ..Default::default()
        })
        // adopted: converged to the configuration, the SDK's entity shared as it matches
        .step(Step {
            config: view(&s, "", 1),
            check: Some(Box::new(move |_| {
                let l = list(&s3)?;
                let v = &l["views"]["customer_stats"];
                ensure!(v["push"] == "customer_stats_push", "{l}");
                ensure!(v["features"]["segment"] == "String", "{l}");
                // deleted out of band: the next plan creates it again
                s3.client("from feast import FeatureStore\ns = FeatureStore('.')\ns.registry.delete_feature_view('customer_stats', s.project)\n")?;
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: view(&s, "", 1),
            expect_plan: Some(re(r"mlops_feature_view\.stats will be created")),
            check: Some(Box::new(move |_| {
                let l = list(&s4)?;
                ensure!(l["views"]["customer_stats"]["online"] == true, "{l}");
                // the SDK's source "theirs" is not ours: destroy leaves it
                s4.client("from feast import FeatureStore\ns = FeatureStore('.')\ns.registry.delete_data_source('theirs', s.project)\n")?;
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn feast_invalid_configs_fail_at_plan_with_no_call() -> Result<()> {
    let s = FeastServer::start()?;
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let good = view(&s, "", 1);
    let cases = [
        (
            "event time as a feature",
            good.replace(
                "  feature {\n    name = \"segment\"",
                "  feature {\n    name = \"event_timestamp\"\n    type = \"String\"\n  }\n  feature {\n    name = \"segment\"",
            ),
            r"Event time is not a Feast feature",
        ),
        (
            "unknown entity key",
            good.replace("entity_key  = \"customer_id\"", "entity_key  = \"cust\""),
            r"Unknown entity key",
        ),
        (
            "float entity key",
            good.replace("entity_key  = \"customer_id\"", "entity_key  = \"total_spend\""),
            r"Entity key of the wrong type",
        ),
        (
            "offline store",
            good.replace(
                "  feast {\n",
                "  offline_store {\n    s3_uri = \"s3://b/x\"\n  }\n  feast {\n",
            ),
            r"(?s)Not a Feast setting.*feast.source.path",
        ),
        (
            "role",
            good.replace(
                "  feast {\n",
                "  role_arn = \"arn:aws:iam::123456789012:role/x\"\n  feast {\n",
            ),
            r"Not a Feast setting",
        ),
        (
            "storage type",
            good.replace("ttl_unit  = \"Days\"", "ttl_unit  = \"Days\"\n    storage_type = \"InMemory\""),
            r"storage_type is a SageMaker Feature Store setting",
        ),
        (
            "push source named as the file source",
            good.replace(
                "push_source_name = \"customer_stats_push\"",
                "push_source_name = \"src\"\n      name = \"src\"",
            ),
            r"Source names collide",
        ),
        (
            "project name",
            good.replace("entity = \"customer\"", "entity = \"customer\"\n    project = \"my-project\""),
            r"not valid for feast.project: use 1-64 letters, digits and underscores",
        ),
        (
            "Feast type on SageMaker",
            "resource \"mlops_feature_view\" \"stats\" {\n  name = \"x\"\n  entity_key = \"id\"\n  event_time = \"t\"\n  feature {\n    name = \"id\"\n    type = \"Int64\"\n  }\n  feature {\n    name = \"t\"\n    type = \"String\"\n  }\n  online_store {}\n}\n".to_string(),
            r"Feature type not in SageMaker",
        ),
        (
            "marker tag",
            good.replace("tags = { team = \"churn\" }", "tags = { \"mlops:created-by\" = \"me\" }"),
            r"Reserved tag key",
        ),
    ];
    let before = s.rpcs();
    ensure_rejected(
        &ws,
        &emulator,
        &["mlops_feature_view.stats"],
        &cases,
        &|label, _| {
            let n = s.rpcs();
            (n != before).then(|| format!("{label}: {} Feast RPCs were made", n - before))
        },
    )
}

#[test]
fn feast_unreachable_registry_is_named() -> Result<()> {
    let s = Rc::new(FeastServer::start()?);
    let mut tc = TestCase::new("feast down");
    // a port nothing listens on
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port();
    tc.provider_block = provider_block(&format!(
        "  feast {{\n    registry_address = \"127.0.0.1:{closed}\"\n    project = \"{PROJECT}\"\n    request_timeout = \"3s\"\n  }}\n"
    ));
    tc.step(Step {
        config: view(&s, "", 1),
        expect_error: Some(re(&format!(
            r"(?s)127\.0\.0\.1:{closed}\s+cannot\s+be\s+reached.*serve_registry"
        ))),
        ..Default::default()
    })
    .run()
}

#[test]
fn feast_example_applies() -> Result<()> {
    let s = Rc::new(FeastServer::start()?);
    let hcl = std::fs::read_to_string(
        acceptance_tests::repo_root().join("examples/resources/mlops_feature_view/feast.tf"),
    )?;
    let s1 = s.clone();
    case(&s, "feast example")
        .step(Step {
            config: hcl,
            check: Some(Box::new(move |_| {
                let l = list(&s1)?;
                ensure!(l["views"]["customer_stats"]["online"] == true, "{l}");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

/// The registry server in TLS mode (`feast serve_registry --key --cert`): the provider trusts
/// its CA with `ca_cert_file`; without it the server's certificate is not trusted and the
/// apply says so, naming the server.
#[test]
fn feast_registry_over_tls() -> Result<()> {
    let s = Rc::new(FeastServer::start_tls()?);
    let block = |ca: &str| {
        provider_block(&format!(
            "  feast {{\n    registry_address = \"{}\"\n    project          = \"{PROJECT}\"\n    tls              = true\n{ca}    request_timeout  = \"5s\"\n  }}\n",
            s.address()
        ))
    };
    let mut untrusted = TestCase::new("feast tls untrusted");
    untrusted.provider_block = block("");
    untrusted
        .step(Step {
            config: view(&s, "", 1),
            expect_error: Some(re(&format!(
                r"(?s)127\.0\.0\.1:{}\s+cannot\s+be\s+reached",
                s.port
            ))),
            ..Default::default()
        })
        .run()?;
    let mut tc = case(&s, "feast tls");
    tc.provider_block = block(&format!(
        "    ca_cert_file     = \"{}\"\n",
        s.ca_file().display()
    ));
    let s1 = s.clone();
    tc.step(Step {
        config: view(&s, "", 1),
        check: Some(Box::new(move |_| {
            // the SDK reaches the same server over TLS (its remote registry's `cert`)
            let l = list(&s1)?;
            ensure!(l["views"]["customer_stats"]["online"] == true, "{l}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
