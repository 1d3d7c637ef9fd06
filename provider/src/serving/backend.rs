//! The seam between `mlops_endpoint` and the platforms that serve it.
//!
//! [`ServingBackend`] is what a backend is: an [`mlops_framework::Backend`] over the shared
//! state with the serving contract documented there. Two today: SageMaker
//! ([`super::sagemaker::SageMaker`]) and KServe on Kubernetes ([`super::kserve::KServe`]). The
//! resource ([`super::Endpoint`]) picks one per configuration and per state and forwards every
//! operation to it; backends never call each other.
//!
//! # Adding a backend
//!
//! 1. Its configuration block goes into [`super::model`] (an `Option<...>` field of
//!    [`EndpointState`] marked `block`, documented: the doc comment is the schema text). Its
//!    presence selects the backend, like `kubernetes` selects KServe.
//! 2. A module `serving/<backend>/` with a unit struct implementing
//!    `Backend<Clients, EndpointState>` (so it is a [`ServingBackend`]). It may use
//!    [`super::model`], `crate::sagemaker` (e.g. the registry), `crate::aws`,
//!    `crate::kubernetes`, never another backend.
//! 3. A variant of `BackendKind` in `serving/mod.rs` (which block selects it, which import IDs
//!    are its own). Switching backends forces replacement of the endpoint.
//! 4. `validate` rejects the settings of the shared schema that do not apply to it (as KServe
//!    rejects `role_arn`, `variant`, `rollout`...).

use mlops_framework::Backend;

use super::model::EndpointState;
use crate::clients::Clients;

/// One platform an `mlops_endpoint` can run on: the framework's [`Backend`] over the shared
/// [`EndpointState`] (as the registry and feature-store backends are over theirs), under the
/// contract below. Every `Backend<Clients, EndpointState>` is one.
///
/// The resource calls exactly one backend per operation: the one selected by the
/// configuration (`validate`, `modify_plan`), by the state (`create`, `read`, `update`,
/// `delete`; prior and planned state always select the same backend, as a switch is a
/// replacement), or by the import ID (`import`).
///
/// - `validate(config, diags)`: plan-time checks of a configuration that selects this
///   backend; the framework already checked each attribute against the schema. Unknown
///   values must be skipped (or count as "maybe set", as [`mlops_framework::Rule`] does). No
///   API calls.
/// - `modify_plan(plan)`: adjust the planned state of a configuration that selects this
///   backend (never called on destroy). Before it, the resource has resolved each variant's
///   `model_package_group` to its latest approved `model_package_arn` (unknown when none is
///   approved yet, [`super::registry`]) and forced replacement on a backend switch. Plan the
///   computed attributes this backend knows in advance; null those it never sets.
/// - `create(ctx, planned)`: create everything `planned` describes and wait until it
///   serves; return the state as read back. Whatever exists remotely when it fails goes into
///   `Failure::partial` (recorded tainted), so nothing is orphaned. An object of the
///   endpoint's name found first is handled as [`crate::ownership`] says: half-made by an
///   interrupted apply (it carries the marker) is adopted and converged; anyone
///   else's fails the create before anything is made. The marker stays (see [`crate::ownership`]).
///   Waits stop on `ctx.cancel` (StopProvider, Ctrl-C) with the partial state.
/// - `read(ctx, current)`: refresh from the platform; `Ok(None)` when the endpoint is gone
///   (or going), so Terraform plans to create it again. Attributes the platform does not
///   store are kept from `current`.
/// - `update(ctx, prior, planned)`: move the endpoint from `prior` to `planned` in place.
///   On failure, `Failure::partial` is what serves now (`prior` when nothing changed), never
///   a state the platform does not have.
/// - `delete(ctx, current)`: delete everything the endpoint owns and wait until it is gone;
///   an endpoint already gone is no error, one still being created or updated (an apply
///   interrupted mid-create) is waited out first.
/// - `import(ctx, id)`: an import ID of this backend's form to a stub state that `read`
///   completes (the stub must select this backend).
pub trait ServingBackend: Backend<Clients, EndpointState> {}

impl<B: Backend<Clients, EndpointState>> ServingBackend for B {}
