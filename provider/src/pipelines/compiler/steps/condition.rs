//! Condition steps: comparisons and the steps of each branch (nested into the condition
//! by [`crate::pipelines::compiler::graph`]).

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use crate::pipelines::compiler::model::Step;
use crate::pipelines::compiler::{is_unknown, step_path, Compiler};

impl Compiler<'_> {
    pub(super) fn condition(&mut self, i: usize, s: &Step, base: &AttrPath) -> Map<String, Json> {
        let Some(c) = &s.condition else {
            return Map::new();
        };
        let mut conds = vec![];
        for (k, cmp) in c.comparison.iter().enumerate() {
            let cp = base.clone().field("comparison").index(k);
            let l = self.operand(&cmp.left, &cp.clone().field("left"));
            let r = self.operand(&cmp.right, &cp.clone().field("right"));
            conds.push(json!({"Type": cmp.r#type, "LeftValue": l, "RightValue": r}));
        }
        for (attr, list) in [("if_steps", &c.if_steps), ("else_steps", &c.else_steps)] {
            for (k, n) in list.iter().flatten().enumerate() {
                let itself = (
                    "Condition branches to itself",
                    format!("Condition {:?} cannot run itself.", s.name),
                );
                self.names_other_step(base.clone().field(attr).index(k), n, &s.name, itself);
            }
        }
        if c.if_steps.as_ref().is_none_or(Vec::is_empty)
            && c.else_steps.as_ref().is_none_or(Vec::is_empty)
        {
            self.err(
                step_path(i).fields(["condition", "if_steps"]),
                "Condition without branches",
                "Give if_steps, else_steps or both.",
            );
        }
        let mut a = Map::new();
        a.insert("Conditions".into(), Json::Array(conds));
        a.insert("IfSteps".into(), json!([]));
        a.insert("ElseSteps".into(), json!([]));
        a
    }

    /// A condition operand: a reference, or a literal typed as number/boolean/string.
    pub(super) fn operand(&mut self, s: &str, path: &AttrPath) -> Json {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path).unwrap_or(Json::Null);
        }
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return json!(n);
        }
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() {
                if let Ok(n) = serde_json::from_str::<Json>(t) {
                    return n;
                }
                return json!(f);
            }
        }
        match t {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(s),
        }
    }
}
