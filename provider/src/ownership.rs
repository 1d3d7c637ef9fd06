//! What a create does when it meets an object of its own name: one this provider made and no
//! state records (its apply was interrupted: kill -9, Ctrl-C, a cancelled CI job, a dead
//! runner, at any moment, even after the create call returned) is adopted and converged to
//! the plan; anyone else's fails fast, naming the object and the `import` block that brings
//! it under management.
//!
//! The marker: every named object the provider creates for a resource carries
//! [`MARKER_TAG`] (a tag on AWS) or [`MARKER_ANNOTATION`] (an annotation on Kubernetes, in
//! every server-side apply of the provider) from its create call on, and keeps it. It is
//! never removed: the provider cannot know when Terraform has written its answer to the
//! state, so any removal inside the create leaves a window (between the removal and the
//! state write) in which a kill makes the object look foreign to the next apply. Reads never
//! show the marker, so it is no drift, and the user cannot set it (validation reserves it).
//!
//! The trade-off: Terraform never tells a provider which state or resource address it
//! serves, so the marker cannot tell two configurations apart. Two states that declare the
//! same name in one account (or namespace) adopt each other's objects, as they already do
//! with content-named objects. Objects made by a person, another tool or another provider
//! (no marker) are never taken over.
//!
//! Objects whose name is derived from their content or from the owning resource's name
//! (endpoint configs, models, job definitions, EventBridge rules, IAM roles, SNS topics)
//! need no marker: meeting one means meeting the same content, and they are adopted as they
//! are.

use std::collections::BTreeMap;

use mlops_framework::{AttrPath, Diagnostic};

/// Tag on an AWS object this provider created.
pub const MARKER_TAG: &str = "mlops:created-by";
/// Annotation on a Kubernetes object this provider created (or applied).
pub const MARKER_ANNOTATION: &str = "mlops.terraform.io/created-by";
/// The marker's value: who set it.
pub const MARKER_VALUE: &str = "terraform-provider-mlops";

/// `tags` plus the marker: the tags a create call sends.
pub fn marked_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut t = tags.clone();
    t.insert(MARKER_TAG.into(), MARKER_VALUE.into());
    t
}

/// Whose is an object a create found under its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Made by this provider and in no state (an interrupted apply's): adopt and converge it.
    Ours,
    /// Not made by this provider: fail fast, naming it.
    Foreign,
}

/// Classify an object by its tags (or annotations, for [`MARKER_ANNOTATION`]).
pub fn existing_by(marker: &str, marks: &BTreeMap<String, String>) -> Existing {
    if marks.get(marker).map(String::as_str) == Some(MARKER_VALUE) {
        Existing::Ours
    } else {
        Existing::Foreign
    }
}

/// Classify an AWS object by its tags.
pub fn existing(tags: &BTreeMap<String, String>) -> Existing {
    existing_by(MARKER_TAG, tags)
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
    /// The marker it lacks: [`MARKER_TAG`] or [`MARKER_ANNOTATION`].
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
                "{kind} {name} exists but was not made by this provider (it does not carry \
                 the {tag} marker), so creating it would take over an object \
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

/// Log the adoption of an object an interrupted apply made.
pub fn log_adopting(kind: &str, name: &str) {
    tracing::info!(
        object = %name,
        "{kind} was made by this provider and is in no state (an interrupted apply): adopting it"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marker_makes_an_object_adoptable() {
        let none = BTreeMap::new();
        assert_eq!(existing(&none), Existing::Foreign);
        let marked = marked_tags(&none);
        assert_eq!(existing(&marked), Existing::Ours);
        let mut other = BTreeMap::new();
        other.insert(MARKER_TAG.to_string(), "someone-else".to_string());
        assert_eq!(existing(&other), Existing::Foreign);
    }

    #[test]
    fn taken_names_the_object_and_the_import_block() {
        let d = Taken {
            kind: "Endpoint",
            name: "churn",
            resource_type: "mlops_endpoint",
            import_id: "churn",
            marker: MARKER_TAG,
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
        assert!(d.detail.contains(MARKER_TAG), "{}", d.detail);
    }
}
