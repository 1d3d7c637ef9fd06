//! What a create does when it meets an object of its own name: one left half-made by an
//! interrupted apply (kill -9, Ctrl-C, a cancelled CI job, a dead runner) is adopted and
//! converged to the plan; anyone else's fails fast, naming the object and the `import`
//! block that brings it under management.
//!
//! The marker: every named object the provider creates for a resource carries
//! [`CREATING_TAG`] (a tag on AWS) or [`CREATING_ANNOTATION`] (an annotation on Kubernetes)
//! from its create call until the resource's create has finished, when the provider removes
//! it. An object with the marker is one an apply started and never recorded in state; an
//! object without it is finished and belongs to some state or person, so taking it over is
//! the user's decision (an import), never the provider's.
//!
//! Objects whose name is derived from their content or from the owning resource's name
//! (endpoint configs, models, job definitions, EventBridge rules, IAM roles, SNS topics)
//! need no marker: meeting one means meeting the same content, and they are adopted as they
//! are.

use std::collections::BTreeMap;

use mlops_framework::{AttrPath, Diagnostic};

/// Tag on an AWS object whose create has not finished.
pub const CREATING_TAG: &str = "mlops:creating";
/// Annotation on a Kubernetes object whose create has not finished.
pub const CREATING_ANNOTATION: &str = "mlops.terraform.io/creating";
/// The marker's value: who set it.
pub const CREATING_VALUE: &str = "terraform-provider-mlops";

/// `tags` plus the creating marker: the tags a create call sends.
pub fn creating_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut t = tags.clone();
    t.insert(CREATING_TAG.into(), CREATING_VALUE.into());
    t
}

/// Whose is an object a create found under its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Left by an interrupted create of this provider: adopt it and converge it.
    HalfMade,
    /// Finished, or not made by this provider: fail fast, naming it.
    Foreign,
}

/// Classify an object by its tags (or annotations, for [`CREATING_ANNOTATION`]).
pub fn existing_by(marker: &str, marks: &BTreeMap<String, String>) -> Existing {
    if marks.get(marker).map(String::as_str) == Some(CREATING_VALUE) {
        Existing::HalfMade
    } else {
        Existing::Foreign
    }
}

/// Classify an AWS object by its tags.
pub fn existing(tags: &BTreeMap<String, String>) -> Existing {
    existing_by(CREATING_TAG, tags)
}

/// An object of the name a create needs exists and is not ours to adopt.
pub struct Taken<'a> {
    /// What it is, in words: `Endpoint`, `Model package group`, `InferenceService`.
    pub kind: &'a str,
    /// Its name, as the user wrote it (namespace-qualified for Kubernetes).
    pub name: &'a str,
    /// The Terraform resource type that would manage it, e.g. `mlops_endpoint`.
    pub resource_type: &'a str,
    /// The import ID that resource takes for it.
    pub import_id: &'a str,
    /// The marker it lacks: [`CREATING_TAG`] or [`CREATING_ANNOTATION`].
    pub marker: &'a str,
    /// The attribute naming it.
    pub at: AttrPath,
}

impl Taken<'_> {
    /// The diagnostic: what exists, why it is not adopted, and the import block to use.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(
            format!("{} {} already exists", self.kind, self.name),
            format!(
                "{kind} {name} exists but was not left by an interrupted apply of this provider \
                 (it does not carry the {tag} marker), so creating it would take over an object \
                 that another Terraform state or a person manages. To manage it with this \
                 configuration, import it:\n\nimport {{\n  to = {ty}.<name>\n  id = \"{id}\"\n}}\n\n\
                 (on Terraform older than 1.5: terraform import {ty}.<name> {id}), or choose \
                 another name.",
                kind = self.kind,
                name = self.name,
                tag = self.marker,
                ty = self.resource_type,
                id = self.import_id,
            ),
        )
        .at(self.at.clone())
    }
}

/// Log the adoption of a half-made object.
pub fn log_adopting(kind: &str, name: &str) {
    tracing::info!(
        object = %name,
        "{kind} left half-made by an interrupted apply (it carries the creating marker): adopting it"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marker_makes_an_object_adoptable() {
        let none = BTreeMap::new();
        assert_eq!(existing(&none), Existing::Foreign);
        let marked = creating_tags(&none);
        assert_eq!(existing(&marked), Existing::HalfMade);
        let mut other = BTreeMap::new();
        other.insert(CREATING_TAG.to_string(), "someone-else".to_string());
        assert_eq!(existing(&other), Existing::Foreign);
    }

    #[test]
    fn taken_names_the_object_and_the_import_block() {
        let d = Taken {
            kind: "Endpoint",
            name: "churn",
            resource_type: "mlops_endpoint",
            import_id: "churn",
            marker: CREATING_TAG,
            at: AttrPath::attr("name"),
        }
        .diagnostic();
        assert!(
            d.summary.contains("Endpoint churn already exists"),
            "{}",
            d.summary
        );
        assert!(
            d.detail.contains("to = mlops_endpoint.<name>"),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("id = \"churn\""), "{}", d.detail);
        assert!(d.detail.contains(CREATING_TAG), "{}", d.detail);
    }
}
