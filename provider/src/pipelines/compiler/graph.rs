//! The step graph: `depends_on`, references and condition branches order the steps; each
//! step sits in at most one branch; cycles are rejected; branch steps are nested into their
//! condition in the definition.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value as Json};

use super::model::Step;
use super::{step_path, Compiler};

impl<'a> Compiler<'a> {
    /// Check step `i`'s `depends_on` and add its names to `deps`.
    pub(super) fn depends_on(&mut self, i: usize, s: &Step, deps: &mut BTreeSet<String>) {
        for (j, d) in s.depends_on.iter().flatten().enumerate() {
            let itself = (
                "Step depends on itself",
                format!("Step {:?} lists itself in depends_on.", s.name),
            );
            let path = step_path(i).field("depends_on").index(j);
            if self.names_other_step(path, d, &s.name, itself) {
                deps.insert(d.clone());
            }
        }
    }

    /// step name -> the condition whose branch holds it; each step in at most one branch.
    pub(super) fn branches(&mut self) -> HashMap<&'a str, &'a str> {
        let spec = self.spec;
        let mut of: HashMap<&'a str, &'a str> = HashMap::new();
        for (i, s) in spec.steps.iter().enumerate() {
            let Some(c) = &s.condition else { continue };
            for (attr, list) in [("if_steps", &c.if_steps), ("else_steps", &c.else_steps)] {
                for (k, n) in list.iter().flatten().enumerate() {
                    if !self.steps.contains_key(n.as_str()) || n == &s.name {
                        continue;
                    }
                    if let Some(prev) = of.insert(n.as_str(), s.name.as_str()) {
                        self.err(
                            step_path(i).field("condition").field(attr).index(k),
                            "Step in more than one branch",
                            format!("Step {n:?} is already a branch of condition {prev:?}; a step belongs to at most one branch."),
                        );
                    }
                }
            }
        }
        of
    }

    /// Report a dependency cycle (references, depends_on and condition branches).
    pub(super) fn cycles(&mut self, edges: &[BTreeSet<String>], branch_of: &HashMap<&str, &str>) {
        let spec = self.spec;
        let n = spec.steps.len();
        let pos: HashMap<&str, usize> = self.steps.iter().map(|(k, v)| (*k, v.index)).collect();
        // after[i]: steps that must finish before step i.
        let mut after: Vec<Vec<usize>> = edges
            .iter()
            .map(|e| {
                e.iter()
                    .filter_map(|d| pos.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        for (b, c) in branch_of {
            if let (Some(&bi), Some(&ci)) = (pos.get(b), pos.get(c)) {
                after[bi].push(ci);
            }
        }
        // Iterative DFS with colours.
        let mut colour = vec![0u8; n];
        let mut stack_path: Vec<usize> = vec![];
        for start in 0..n {
            if colour[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = 1;
            stack_path.push(start);
            while let Some(&mut (v, ref mut k)) = stack.last_mut() {
                if *k < after[v].len() {
                    let w = after[v][*k];
                    *k += 1;
                    if colour[w] == 1 {
                        let from = stack_path.iter().position(|&x| x == w).unwrap_or(0);
                        let mut cyc: Vec<&str> = stack_path[from..]
                            .iter()
                            .map(|&x| spec.steps[x].name.as_str())
                            .collect();
                        cyc.push(spec.steps[w].name.as_str());
                        cyc.reverse();
                        self.err(
                            step_path(w),
                            "Dependency cycle",
                            format!("These steps wait for each other: {} (through references, depends_on or condition branches).", cyc.join(" -> ")),
                        );
                        return;
                    }
                    if colour[w] == 0 {
                        colour[w] = 1;
                        stack_path.push(w);
                        stack.push((w, 0));
                    }
                } else {
                    colour[v] = 2;
                    stack_path.pop();
                    stack.pop();
                }
            }
        }
    }
}

/// The top-level steps of the definition: steps inside condition branches are nested in
/// their condition (`IfSteps`/`ElseSteps`), not listed on top. `compiled` holds each step's
/// body, in the order of `steps` (`None` for a step that did not compile).
pub(super) fn nest_branches(
    steps: &[Step],
    compiled: Vec<Option<Map<String, Json>>>,
    branch_of: &HashMap<&str, &str>,
) -> Vec<Json> {
    let mut by_name: HashMap<String, Map<String, Json>> = steps
        .iter()
        .zip(compiled)
        .map(|(s, j)| (s.name.clone(), j.unwrap_or_default()))
        .collect();
    let order: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    for name in order.iter().rev() {
        let Some(st) = steps.iter().find(|s| &s.name == name) else {
            continue;
        };
        let Some(cond) = &st.condition else { continue };
        let mut take = |names: &Option<Vec<String>>| -> Vec<Json> {
            names
                .iter()
                .flatten()
                .filter_map(|n| by_name.remove(n).map(Json::Object))
                .collect()
        };
        let ifs = take(&cond.if_steps);
        let elses = take(&cond.else_steps);
        if let Some(Json::Object(args)) = by_name.get_mut(name).and_then(|m| m.get_mut("Arguments"))
        {
            args.insert("IfSteps".into(), Json::Array(ifs));
            args.insert("ElseSteps".into(), Json::Array(elses));
        }
    }
    order
        .iter()
        .filter(|n| !branch_of.contains_key(n.as_str()))
        .filter_map(|n| by_name.remove(n).map(Json::Object))
        .collect()
}
