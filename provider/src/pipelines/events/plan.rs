//! Plan refinement of the blocks (value level, no API calls).

use std::collections::BTreeMap;

use mlops_framework::Value;

use super::notifications::topic_name;
use super::{elements, notification_names};

/// Optional refinement for `mlops_pipeline`'s `modify_plan`: the ARNs of blocks that keep
/// their name stay known in the plan (the framework correlates list blocks by position, so
/// it plans them unknown whenever the pipeline changes), rules of removed status lists are
/// planned null, and a notification whose `topic_arn` was removed from the configuration gets
/// a provider-created topic again. Only unknown planned values are filled in, except that.
pub fn refine_plan(prior: &Value, config: &Value, planned: &mut Value) {
    let pipeline = planned.attr("name").as_str().map(String::from);
    let prior_named = |block: &str| -> BTreeMap<String, Value> {
        elements(prior.attr(block))
            .map(|items| {
                items
                    .iter()
                    .filter_map(|it| Some((it.attr("name").as_str()?.to_string(), it.clone())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let prior_t = prior_named("trigger");
    let prior_n = prior_named("notification");
    let cfg_items = |block: &str| elements(config.attr(block)).map(|x| x.to_vec());
    let Some(obj) = planned.as_object_mut() else {
        return;
    };
    if let Some(Value::List(items)) = obj.get_mut("trigger") {
        for it in items.iter_mut() {
            let Some(name) = it.attr("name").as_str().map(String::from) else {
                continue;
            };
            let Some(prev) = prior_t.get(&name) else {
                continue;
            };
            if let Some(o) = it.as_object_mut() {
                for k in ["rule_arn", "role_arn"] {
                    let pv = prev.attr(k);
                    if o.get(k).is_some_and(Value::is_unknown) && pv.as_str().is_some() {
                        o.insert(k.into(), pv.clone());
                    }
                }
            }
        }
    }
    if let (Some(Value::List(items)), cfg) =
        (obj.get_mut("notification"), cfg_items("notification"))
    {
        for (i, it) in items.iter_mut().enumerate() {
            let Some(name) = it.attr("name").as_str().map(String::from) else {
                continue;
            };
            let c = cfg
                .as_ref()
                .and_then(|c| c.get(i))
                .cloned()
                .unwrap_or(Value::Null);
            if c.attr("name").as_str() != Some(name.as_str()) {
                continue;
            }
            let prev = prior_n.get(&name);
            let Some(o) = it.as_object_mut() else {
                continue;
            };
            for (k, statuses) in [
                ("execution_rule_arn", "execution_statuses"),
                ("step_rule_arn", "step_statuses"),
            ] {
                let s = c.attr(statuses);
                if s.is_unknown() || !o.get(k).is_some_and(Value::is_unknown) {
                    continue;
                }
                if s.is_null() || elements(s).is_some_and(|l| l.is_empty()) {
                    o.insert(k.into(), Value::Null);
                } else if let Some(pv) = prev.map(|p| p.attr(k)).filter(|v| v.as_str().is_some()) {
                    o.insert(k.into(), pv.clone());
                }
            }
            if c.attr("topic_arn").is_null() {
                let owned = pipeline
                    .as_deref()
                    .map(|pn| notification_names(pn, &name).topic);
                let prev_topic = prev.and_then(|p| p.attr("topic_arn").as_str());
                if let (Some(t), Some(owned)) = (prev_topic, owned) {
                    let planned_unknown = o.get("topic_arn").is_some_and(Value::is_unknown);
                    if topic_name(t) != owned {
                        // back from an existing topic to a provider-created one
                        o.insert("topic_arn".into(), Value::UNKNOWN);
                    } else if planned_unknown {
                        o.insert("topic_arn".into(), Value::string(t));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::events::test_support::{object, string, string_set};

    #[test]
    fn refine_plan_matches_by_name() {
        let tr = |name: &str, arn: Value| {
            object(vec![
                ("name", string(name)),
                ("rule_arn", arn.clone()),
                ("role_arn", arn),
            ])
        };
        let prior = object(vec![
            ("name", string("churn")),
            (
                "trigger",
                Value::List(vec![tr("a", string("arn:a")), tr("b", string("arn:b"))]),
            ),
            (
                "notification",
                Value::List(vec![object(vec![
                    ("name", string("n")),
                    (
                        "topic_arn",
                        string("arn:aws:sns:us-east-1:123456789012:external"),
                    ),
                    ("execution_rule_arn", string("arn:x")),
                    ("step_rule_arn", Value::Null),
                ])]),
            ),
        ]);
        let config = object(vec![
            ("name", string("churn")),
            ("trigger", Value::List(vec![tr("b", Value::Null)])),
            (
                "notification",
                Value::List(vec![object(vec![
                    ("name", string("n")),
                    ("topic_arn", Value::Null),
                    ("execution_statuses", string_set(&["Failed"])),
                    ("step_statuses", Value::Null),
                ])]),
            ),
        ]);
        let mut planned = object(vec![
            ("name", string("churn")),
            ("trigger", Value::List(vec![tr("b", Value::UNKNOWN)])),
            (
                "notification",
                Value::List(vec![object(vec![
                    ("name", string("n")),
                    (
                        "topic_arn",
                        string("arn:aws:sns:us-east-1:123456789012:external"),
                    ),
                    ("execution_rule_arn", Value::UNKNOWN),
                    ("step_rule_arn", Value::UNKNOWN),
                ])]),
            ),
        ]);
        refine_plan(&prior, &config, &mut planned);
        let t0 = &elements(planned.attr("trigger")).unwrap()[0];
        assert_eq!(t0.attr("rule_arn"), &string("arn:b"));
        let n0 = &elements(planned.attr("notification")).unwrap()[0];
        assert_eq!(n0.attr("execution_rule_arn"), &string("arn:x"));
        assert_eq!(n0.attr("step_rule_arn"), &Value::Null);
        assert!(
            n0.attr("topic_arn").is_unknown(),
            "external topic removed: owned one planned"
        );
    }
}
