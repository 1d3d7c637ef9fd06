//! A real kube-apiserver (v1.20.2, `scripts/kube-apiserver.sh build`) with Debian's etcd on
//! free 127.0.0.1 ports, the real KServe CRDs (acceptance-tests/kubernetes/crds) installed,
//! a kubeconfig for the provider, and a stand-in for the KServe controller that writes the
//! InferenceService `status` subresource. Everything stops on drop.
//!
//! The binary comes from `MLOPS_KUBE_APISERVER` (scripts/test.sh sets it), else the build
//! cache. When it is missing the tests fail, unless `MLOPS_SKIP_KUBE_TESTS=1` is set (local
//! use only): then they skip with a loud message.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{json, Value as Json};

use crate::repo_root;

/// The namespace every test server has (besides `default`).
pub const NAMESPACE: &str = "ml";
const TOKEN: &str = "acceptance-test-token";

/// Where the kube-apiserver binary is, or why there is none.
pub fn apiserver_bin() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("MLOPS_KUBE_APISERVER") {
        let p = PathBuf::from(p);
        if !p.exists() {
            bail!("MLOPS_KUBE_APISERVER={} does not exist", p.display());
        }
        return Ok(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or_else(|| anyhow!("neither XDG_CACHE_HOME nor HOME is set"))?;
    let p = cache.join("kube-apiserver-build/kube-apiserver");
    if p.exists() {
        Ok(p)
    } else {
        bail!(
            "no kube-apiserver at {} and MLOPS_KUBE_APISERVER is not set: run scripts/kube-apiserver.sh build (scripts/test.sh does), or set MLOPS_SKIP_KUBE_TESTS=1 to skip the Kubernetes tests locally",
            p.display()
        )
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// What the stand-in KServe controller does with each new generation.
#[derive(Clone, Debug)]
pub enum Controller {
    /// Report Ready after this delay.
    Ready(Duration),
    /// Report Ready=False with this reason and message.
    Fail(String, String),
    /// Do nothing (the object never becomes Ready).
    Idle,
}

/// A running etcd + kube-apiserver.
pub struct KubeApiServer {
    etcd: Child,
    apiserver: Child,
    dir: tempfile::TempDir,
    pub port: u16,
    rt: tokio::runtime::Runtime,
    client: kube::Client,
    controller: Arc<Mutex<Controller>>,
    stop: Arc<AtomicBool>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// The kinds of custom object the tests read and change out of band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InferenceService,
    SeldonDeployment,
    PrometheusRule,
}

impl Kind {
    fn resource(self) -> ApiResource {
        let (group, version, kind, plural) = match self {
            Kind::InferenceService => (
                "serving.kserve.io",
                "v1beta1",
                "InferenceService",
                "inferenceservices",
            ),
            Kind::SeldonDeployment => (
                "machinelearning.seldon.io",
                "v1",
                "SeldonDeployment",
                "seldondeployments",
            ),
            Kind::PrometheusRule => (
                "monitoring.coreos.com",
                "v1",
                "PrometheusRule",
                "prometheusrules",
            ),
        };
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: format!("{group}/{version}"),
            kind: kind.into(),
            plural: plural.into(),
        }
    }
}

impl KubeApiServer {
    /// Start a server, or `None` (after a loud message) when the tests are opted out of.
    pub fn start_or_skip(test: &str) -> Result<Option<Self>> {
        if std::env::var("MLOPS_SKIP_KUBE_TESTS").as_deref() == Ok("1") {
            eprintln!(
                "\n!!!!!!!!!! SKIPPED {test}: MLOPS_SKIP_KUBE_TESTS=1 (the Kubernetes acceptance tests need a kube-apiserver; scripts/kube-apiserver.sh build) !!!!!!!!!!\n"
            );
            return Ok(None);
        }
        Self::start().map(Some)
    }

    /// Start etcd and kube-apiserver, install the KServe CRDs, create the `ml` namespace.
    pub fn start() -> Result<Self> {
        let bin = apiserver_bin()?;
        let etcd_bin = std::env::var("MLOPS_ETCD").unwrap_or_else(|_| "etcd".into());
        let dir = tempfile::Builder::new().prefix("mlops-kube-").tempdir()?;
        let d = dir.path();
        // Certificates: a CA, the server's (127.0.0.1 and localhost), a service-account key.
        let ca_key = rcgen::KeyPair::generate()?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mlops-test-ca");
        let ca = ca_params.self_signed(&ca_key)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let srv_key = rcgen::KeyPair::generate()?;
        let mut srv_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
        srv_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        let srv = srv_params.signed_by(&srv_key, &issuer)?;
        let sa_key = rcgen::KeyPair::generate()?;
        std::fs::write(d.join("ca.crt"), ca.pem())?;
        std::fs::write(d.join("apiserver.crt"), srv.pem())?;
        std::fs::write(d.join("apiserver.key"), srv_key.serialize_pem())?;
        std::fs::write(d.join("sa.key"), sa_key.serialize_pem())?;
        std::fs::write(d.join("sa.pub"), sa_key.public_key_pem())?;
        std::fs::write(
            d.join("tokens.csv"),
            format!("{TOKEN},admin,admin,system:masters\n"),
        )?;

        let (eport, pport, port) = (free_port()?, free_port()?, free_port()?);
        let log = |n: &str| -> Result<Stdio> { Ok(std::fs::File::create(d.join(n))?.into()) };
        let mut etcd = Command::new(&etcd_bin)
            .args(["--name", "t", "--unsafe-no-fsync", "--data-dir"])
            .arg(d.join("etcd"))
            .arg(format!("--listen-client-urls=http://127.0.0.1:{eport}"))
            .arg(format!("--advertise-client-urls=http://127.0.0.1:{eport}"))
            .arg(format!("--listen-peer-urls=http://127.0.0.1:{pport}"))
            .arg(format!(
                "--initial-advertise-peer-urls=http://127.0.0.1:{pport}"
            ))
            .arg(format!("--initial-cluster=t=http://127.0.0.1:{pport}"))
            .stdout(Stdio::null())
            .stderr(log("etcd.log")?)
            .spawn()
            .with_context(|| format!("starting {etcd_bin} (apt-get install etcd-server)"))?;
        let apiserver = Command::new(&bin)
            .arg(format!("--etcd-servers=http://127.0.0.1:{eport}"))
            .args(["--bind-address=127.0.0.1", "--advertise-address=127.0.0.1"])
            .arg(format!("--secure-port={port}"))
            .arg(format!("--cert-dir={}", d.join("certs").display()))
            .arg(format!(
                "--tls-cert-file={}",
                d.join("apiserver.crt").display()
            ))
            .arg(format!(
                "--tls-private-key-file={}",
                d.join("apiserver.key").display()
            ))
            .arg(format!("--client-ca-file={}", d.join("ca.crt").display()))
            .arg(format!(
                "--token-auth-file={}",
                d.join("tokens.csv").display()
            ))
            .arg("--authorization-mode=RBAC")
            .arg("--service-account-issuer=https://kubernetes.default.svc")
            .arg(format!(
                "--service-account-key-file={}",
                d.join("sa.pub").display()
            ))
            .arg(format!(
                "--service-account-signing-key-file={}",
                d.join("sa.key").display()
            ))
            .arg("--service-cluster-ip-range=10.0.0.0/24")
            .stdout(Stdio::null())
            .stderr(log("apiserver.log")?)
            .spawn();
        let apiserver = match apiserver {
            Ok(a) => a,
            Err(e) => {
                let _ = etcd.kill();
                let _ = etcd.wait();
                return Err(e).with_context(|| format!("starting {}", bin.display()));
            }
        };
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: local, cluster: {{server: \"https://127.0.0.1:{port}\", certificate-authority: \"{ca}\"}}}}]\nusers: [{{name: admin, user: {{token: {TOKEN}}}}}]\ncontexts: [{{name: local, context: {{cluster: local, user: admin, namespace: default}}}}]\ncurrent-context: local\n",
            ca = d.join("ca.crt").display()
        );
        std::fs::write(d.join("kubeconfig"), &kubeconfig)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let cfg_path = d.join("kubeconfig");
        let client = rt.block_on(async {
            let kc = kube::config::Kubeconfig::read_from(&cfg_path)?;
            let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await?;
            anyhow::Ok(kube::Client::try_from(cfg)?)
        });
        let mut server = KubeApiServer {
            etcd,
            apiserver,
            dir,
            port,
            rt,
            client: match client {
                Ok(c) => c,
                Err(e) => bail!("kube client: {e}"),
            },
            controller: Arc::new(Mutex::new(Controller::Idle)),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Mutex::new(vec![]),
        };
        server.wait_up().context("kube-apiserver start-up")?;
        server
            .install_crds()
            .context("installing the KServe CRDs")?;
        Ok(server)
    }

    fn log_tail(&self) -> String {
        let log =
            std::fs::read_to_string(self.dir.path().join("apiserver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn wait_up(&mut self) -> Result<()> {
        let start = Instant::now();
        let ns: Api<Namespace> = Api::all(self.client.clone());
        loop {
            if let Ok(Some(status)) = self.apiserver.try_wait() {
                bail!("kube-apiserver exited ({status}):\n{}", self.log_tail());
            }
            if self
                .rt
                .block_on(ns.get_opt("default"))
                .ok()
                .flatten()
                .is_some()
            {
                eprintln!(
                    "kube-apiserver up on 127.0.0.1:{} in {:.1}s",
                    self.port,
                    start.elapsed().as_secs_f64()
                );
                break;
            }
            if start.elapsed() > Duration::from_secs(90) {
                bail!("kube-apiserver not up after 90s:\n{}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let mut n = Namespace::default();
        n.metadata.name = Some(NAMESPACE.into());
        self.rt.block_on(ns.create(&PostParams::default(), &n))?;
        Ok(())
    }

    fn install_crds(&self) -> Result<()> {
        // Untyped: the typed CRD model turns the CRDs' `default: ""` into null.
        let crds: Api<DynamicObject> = Api::all_with(
            self.client.clone(),
            &ApiResource {
                group: "apiextensions.k8s.io".into(),
                version: "v1".into(),
                api_version: "apiextensions.k8s.io/v1".into(),
                kind: "CustomResourceDefinition".into(),
                plural: "customresourcedefinitions".into(),
            },
        );
        let dir = repo_root().join("acceptance-tests/kubernetes/crds");
        for f in [
            "serving.kserve.io_inferenceservices.yaml",
            "serving.kserve.io_servingruntimes.yaml",
            "machinelearning.seldon.io_seldondeployments.yaml",
            "monitoring.coreos.com_prometheusrules.yaml",
        ] {
            let text =
                std::fs::read_to_string(dir.join(f)).with_context(|| format!("reading {f}"))?;
            let mut crd: Json =
                serde_yaml::from_str(&text).with_context(|| format!("parsing {f}"))?;
            drop_empty_string_defaults(&mut crd);
            let crd: DynamicObject = serde_json::from_value(crd)?;
            self.rt
                .block_on(crds.create(&PostParams::default(), &crd))
                .with_context(|| format!("creating the CRD of {f}"))?;
        }
        // Served once established and discovered.
        let api = self.api(Kind::InferenceService, NAMESPACE);
        let start = Instant::now();
        let seldon = self.api(Kind::SeldonDeployment, NAMESPACE);
        while self.rt.block_on(api.list(&Default::default())).is_err()
            || self.rt.block_on(seldon.list(&Default::default())).is_err()
        {
            if start.elapsed() > Duration::from_secs(60) {
                bail!("InferenceServices or SeldonDeployments are not served 60s after installing the CRDs");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }

    fn api(&self, kind: Kind, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, &kind.resource())
    }

    /// An object of `kind` as JSON, or `None`.
    pub fn get_of(&self, kind: Kind, ns: &str, name: &str) -> Result<Option<Json>> {
        let o = self.rt.block_on(self.api(kind, ns).get_opt(name))?;
        Ok(o.map(|o| serde_json::to_value(o).unwrap_or(Json::Null)))
    }

    /// Create an object as someone else would (`obj` is the whole object).
    pub fn create_of(&self, kind: Kind, ns: &str, obj: Json) -> Result<()> {
        let o: DynamicObject = serde_json::from_value(obj)?;
        self.rt
            .block_on(self.api(kind, ns).create(&PostParams::default(), &o))?;
        Ok(())
    }

    /// A JSON merge patch by another field manager (e.g. `kubectl edit`).
    pub fn merge_of(
        &self,
        kind: Kind,
        manager: &str,
        ns: &str,
        name: &str,
        patch: Json,
    ) -> Result<()> {
        let pp = PatchParams {
            field_manager: Some(manager.into()),
            ..Default::default()
        };
        self.rt
            .block_on(self.api(kind, ns).patch(name, &pp, &Patch::Merge(&patch)))?;
        Ok(())
    }

    /// Delete an object out of band.
    pub fn delete_of(&self, kind: Kind, ns: &str, name: &str) -> Result<()> {
        self.rt
            .block_on(self.api(kind, ns).delete(name, &Default::default()))?;
        Ok(())
    }

    /// Write a SeldonDeployment's status as Seldon's operator does: `Available`, or `Failed`
    /// with `description`.
    pub fn set_seldon_status(
        &self,
        ns: &str,
        name: &str,
        available: bool,
        description: &str,
    ) -> Result<()> {
        set_seldon_status_rt(
            self.rt.handle(),
            &self.api(Kind::SeldonDeployment, ns),
            name,
            available,
            description,
        )
    }

    /// The kubeconfig for the provider.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// The CA certificate (PEM) and the bearer token, for a `host` provider configuration.
    pub fn ca_pem(&self) -> Result<String> {
        Ok(std::fs::read_to_string(self.dir.path().join("ca.crt"))?)
    }

    pub fn token(&self) -> &'static str {
        TOKEN
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The provider block's `kubernetes { ... }` for this server.
    pub fn provider_kubernetes(&self, extra: &str) -> String {
        format!(
            "  kubernetes {{\n    config_path = \"{}\"\n{extra}  }}\n",
            self.kubeconfig().display()
        )
    }

    /// An InferenceService as JSON, or `None`.
    pub fn get(&self, ns: &str, name: &str) -> Result<Option<Json>> {
        self.get_of(Kind::InferenceService, ns, name)
    }

    /// Server-side apply (forced) of `patch` to an object of `kind` by field manager
    /// `manager` (a teammate's kubectl, or the provider's own manager to stage what an
    /// interrupted apply left).
    pub fn apply_of(
        &self,
        kind: Kind,
        manager: &str,
        ns: &str,
        name: &str,
        patch: Json,
    ) -> Result<()> {
        let r = kind.resource();
        let mut p = patch;
        p["apiVersion"] = r.api_version.clone().into();
        p["kind"] = r.kind.clone().into();
        p["metadata"]["name"] = name.into();
        self.rt.block_on(self.api(kind, ns).patch(
            name,
            &PatchParams::apply(manager).force(),
            &Patch::Apply(&p),
        ))?;
        Ok(())
    }

    /// Server-side apply of `patch` to an InferenceService by another field manager.
    pub fn apply_as(&self, manager: &str, ns: &str, name: &str, patch: Json) -> Result<()> {
        self.apply_of(Kind::InferenceService, manager, ns, name, patch)
    }

    /// A JSON merge patch of an InferenceService by another field manager.
    pub fn merge_as(&self, manager: &str, ns: &str, name: &str, patch: Json) -> Result<()> {
        self.merge_of(Kind::InferenceService, manager, ns, name, patch)
    }

    /// Delete an InferenceService out of band.
    pub fn delete(&self, ns: &str, name: &str) -> Result<()> {
        self.delete_of(Kind::InferenceService, ns, name)
    }

    /// Play the KServe controller once: report the current generation Ready or not.
    pub fn set_status(
        &self,
        ns: &str,
        name: &str,
        ready: bool,
        reason: &str,
        message: &str,
    ) -> Result<()> {
        set_status_rt(
            self.rt.handle(),
            &self.api(Kind::InferenceService, ns),
            name,
            ready,
            reason,
            message,
        )
    }

    /// Set what the stand-in controller does from now on.
    pub fn controller(&self, c: Controller) {
        *self.controller.lock().unwrap_or_else(|e| e.into_inner()) = c;
    }

    /// Run the stand-in KServe controller for `ns` in the background (until drop): every new
    /// generation of an InferenceService gets the status the current [`Controller`] says.
    pub fn run_controller(&self, ns: &str) {
        self.run_controller_of(self.api(Kind::InferenceService, ns), false);
        self.run_controller_of(self.api(Kind::SeldonDeployment, ns), true);
    }

    /// The stand-in controller of one kind (`seldon`: SeldonDeployments, else
    /// InferenceServices).
    fn run_controller_of(&self, api: Api<DynamicObject>, seldon: bool) {
        let handle = self.rt.handle().clone();
        let mode = self.controller.clone();
        let stop = self.stop.clone();
        let t = std::thread::spawn(move || {
            let mut done: std::collections::BTreeMap<String, i64> = Default::default();
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let Ok(list) = handle.block_on(api.list(&Default::default())) else {
                    continue;
                };
                for o in list.items {
                    let name = o.metadata.name.clone().unwrap_or_default();
                    // by uid: an object re-created under the same name starts at generation 1
                    let uid = o.metadata.uid.clone().unwrap_or_default();
                    let generation = o.metadata.generation.unwrap_or(0);
                    if o.metadata.deletion_timestamp.is_some()
                        || done.get(&uid) == Some(&generation)
                    {
                        continue;
                    }
                    let m = mode.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let r = match (m, seldon) {
                        (Controller::Idle, _) => continue,
                        (Controller::Ready(delay), false) => {
                            std::thread::sleep(delay);
                            set_status_rt(&handle, &api, &name, true, "", "")
                        }
                        (Controller::Fail(reason, message), false) => {
                            set_status_rt(&handle, &api, &name, false, &reason, &message)
                        }
                        (Controller::Ready(delay), true) => {
                            std::thread::sleep(delay);
                            set_seldon_status_rt(&handle, &api, &name, true, "")
                        }
                        (Controller::Fail(reason, message), true) => set_seldon_status_rt(
                            &handle,
                            &api,
                            &name,
                            false,
                            &format!("{reason}: {message}"),
                        ),
                    };
                    if r.is_ok() {
                        done.insert(uid, generation);
                    }
                }
            }
        });
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(t);
    }
}

/// What Seldon's operator writes: the state for the observed generation, the address, and
/// a description when it failed (never an empty string: this kube-apiserver build rejects
/// `""` in custom objects).
fn set_seldon_status_rt(
    rt: &tokio::runtime::Handle,
    api: &Api<DynamicObject>,
    name: &str,
    available: bool,
    description: &str,
) -> Result<()> {
    let o = rt
        .block_on(api.get(name))
        .with_context(|| format!("reading {name}"))?;
    let generation = o.metadata.generation.unwrap_or(1);
    let ns = o.metadata.namespace.clone().unwrap_or_default();
    let mut status = json!({
        "observedGeneration": generation,
        "state": if available { "Available" } else { "Failed" },
        "address": { "url": format!("http://{name}-default.{ns}.svc.cluster.local:8000/api/v1.0/predictions") },
    });
    if !description.is_empty() {
        status["description"] = description.into();
    }
    rt.block_on(api.patch_status(
        name,
        &PatchParams {
            field_manager: Some("seldon-manager".into()),
            ..Default::default()
        },
        &Patch::Merge(&json!({ "status": status })),
    ))
    .with_context(|| format!("patching the status of {name}"))?;
    Ok(())
}

/// kube-apiserver 1.20 rejects a schema `default: ""` ("Invalid value: \"null\": must be of
/// type string"), which controller-gen writes for optional reference names (secretKeyRef.name
/// ...). Those defaults only fill in empty names; dropping them changes nothing the tests
/// use. Every other part of the CRDs is installed as published.
fn drop_empty_string_defaults(j: &mut Json) {
    match j {
        Json::Object(o) => {
            if o.get("default") == Some(&Json::String(String::new())) {
                o.remove("default");
            }
            o.values_mut().for_each(drop_empty_string_defaults);
        }
        Json::Array(a) => a.iter_mut().for_each(drop_empty_string_defaults),
        _ => {}
    }
}

fn set_status_rt(
    rt: &tokio::runtime::Handle,
    api: &Api<DynamicObject>,
    name: &str,
    ready: bool,
    reason: &str,
    message: &str,
) -> Result<()> {
    let o = rt
        .block_on(api.get(name))
        .with_context(|| format!("reading {name}"))?;
    let generation = o.metadata.generation.unwrap_or(1);
    let ns = o.metadata.namespace.clone().unwrap_or_default();
    let revision = format!("{name}-predictor-{generation:05}");
    let status = if ready { "True" } else { "False" };
    let cond = |t: &str| {
        let mut c =
            json!({ "type": t, "status": status, "lastTransitionTime": "2026-01-01T00:00:00Z" });
        if !ready {
            c["reason"] = reason.into();
            c["message"] = message.into();
        }
        c
    };
    let mut predictor = json!({ "latestCreatedRevision": revision });
    if ready {
        predictor["latestReadyRevision"] = revision.clone().into();
    }
    let patch = json!({
        "status": {
            "observedGeneration": generation,
            "url": format!("http://{name}.{ns}.example.com"),
            "conditions": [cond("IngressReady"), cond("PredictorReady"), cond("Ready")],
            "components": { "predictor": predictor },
        }
    });
    rt.block_on(api.patch_status(
        name,
        &PatchParams {
            field_manager: Some("kserve-controller".into()),
            ..Default::default()
        },
        &Patch::Merge(&patch),
    ))
    .with_context(|| format!("patching the status of {name}"))?;
    Ok(())
}

impl KubeApiServer {
    /// Freeze the API server (SIGSTOP): connections are accepted but never answered.
    pub fn pause(&self) -> Result<()> {
        signal(self.apiserver.id(), "STOP")
    }

    /// Thaw it (SIGCONT).
    pub fn resume(&self) -> Result<()> {
        signal(self.apiserver.id(), "CONT")
    }

    /// The directory with logs and certificates.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn signal(pid: u32, sig: &str) -> Result<()> {
    let s = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()?;
    if !s.success() {
        bail!("kill -{sig} {pid} failed");
    }
    Ok(())
}

impl Drop for KubeApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = signal(self.apiserver.id(), "CONT");
        // the controller stops before the runtime it uses goes away
        for t in self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = t.join();
        }
        let _ = self.apiserver.kill();
        let _ = self.apiserver.wait();
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
    }
}
