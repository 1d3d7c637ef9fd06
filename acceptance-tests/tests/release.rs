//! Release packaging (`scripts/release.sh`) end to end: the artefacts are what the Terraform
//! registry expects (renamed binary in the zip, SHA256SUMS, a GPG signature that verifies
//! with the exported key), and the network mirror it lays out, served over HTTPS, installs
//! the provider with `terraform init`: the hashes it publishes are the ones Terraform
//! checks and locks, the installed binary is the packaged one and runs; a tampered hash or
//! zip makes init fail with a checksum error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use acceptance_tests::server::{free_port, ServerProcess};
use acceptance_tests::{normalize, provider_bin, repo_root, terraform_bin, PROVIDER_VERSION};
use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value as Json};

const NAME: &str = "terraform-provider-mlops";
const MIRROR_PATH: &str = "registry.terraform.io/mlops/mlops";

fn run(cmd: &mut Command) -> Result<Output> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    Ok(out)
}

fn run_ok(cmd: &mut Command) -> Result<String> {
    let out = run(cmd)?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn sha256_hex(path: &Path) -> Result<String> {
    let out = run_ok(Command::new("sha256sum").arg(path))?;
    Ok(out
        .split_whitespace()
        .next()
        .context("sha256sum output")?
        .to_string())
}

/// Byte-for-byte equality of two (large) files.
fn same_bytes(a: &Path, b: &Path) -> Result<bool> {
    Ok(std::fs::read(a).with_context(|| a.display().to_string())?
        == std::fs::read(b).with_context(|| b.display().to_string())?)
}

/// A static HTTPS file server (python3 http.server in TLS) for `root`; every request is
/// logged to its `server.log` as `"GET /path HTTP/1.1" 200 -`.
const HTTPS_SERVER: &str = r#"
import http.server, ssl, sys, functools
root, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
print("serving", root, "on", port, flush=True)
httpd.serve_forever()
"#;

fn start_mirror(root: &Path, certs: &Path) -> Result<ServerProcess> {
    let port = free_port()?;
    let dir = tempfile::Builder::new().prefix("mlops-mirror-").tempdir()?;
    let log = dir.path().join("server.log");
    let mut cmd = Command::new("python3");
    cmd.arg("-u")
        .arg("-c")
        .arg(HTTPS_SERVER)
        .arg(root)
        .arg(port.to_string())
        .arg(certs.join("server.crt"))
        .arg(certs.join("server.key"));
    ServerProcess::start(
        "https mirror",
        cmd,
        dir,
        port,
        Duration::from_secs(10),
        move |_| {
            std::fs::read_to_string(&log)
                .map(|l| l.contains("serving"))
                .unwrap_or(false)
        },
    )
}

/// `terraform init` (and more) in a fresh working directory against the mirror.
struct Tf {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Tf {
    fn new(cli_config: &Path, ca: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("mlops-release-tf-")
            .tempdir()?;
        std::fs::write(
            dir.path().join("main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    mlops = {{\n      source  = \"mlops/mlops\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n"
            ),
        )?;
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                cli_config.display().to_string(),
            ),
            ("SSL_CERT_FILE".into(), ca.display().to_string()),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
        ];
        Ok(Tf { dir, env })
    }

    fn tf(&self, args: &[&str]) -> Result<(i32, String, String)> {
        let start = Instant::now();
        let mut cmd = Command::new(terraform_bin());
        cmd.args(args).current_dir(self.dir.path());
        for var in [
            "TF_PLUGIN_CACHE_DIR",
            "TF_CLI_ARGS",
            "TF_CLI_ARGS_init",
            "SSL_CERT_DIR",
            "HTTPS_PROXY",
            "https_proxy",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd)?;
        let code = out.status.code().unwrap_or(-1);
        eprintln!(
            "$ terraform {} -> exit {code} in {:.1}s",
            args.join(" "),
            start.elapsed().as_secs_f64()
        );
        Ok((
            code,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    fn init(&self) -> Result<(i32, String)> {
        let (code, stdout, stderr) = self.tf(&["init", "-no-color", "-input=false"])?;
        Ok((code, normalize(&format!("{stdout}\n{stderr}"))))
    }

    fn lock_file(&self) -> Result<String> {
        std::fs::read_to_string(self.dir.path().join(".terraform.lock.hcl"))
            .context(".terraform.lock.hcl")
    }

    fn installed_binary(&self) -> PathBuf {
        self.dir.path().join(format!(
            ".terraform/providers/{MIRROR_PATH}/{PROVIDER_VERSION}/linux_amd64/{NAME}_v{PROVIDER_VERSION}"
        ))
    }
}

fn write_version_json(path: &Path, zip: &str, hashes: &[&str]) -> Result<()> {
    let doc = json!({"archives": {"linux_amd64": {"url": zip, "hashes": hashes}}});
    std::fs::write(path, serde_json::to_string_pretty(&doc)?)?;
    Ok(())
}

#[test]
fn release_packaging_and_network_mirror_install() -> Result<()> {
    let started = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("mlops-release-")
        .tempdir()?;
    let out = tmp.path().join("dist");
    let v = PROVIDER_VERSION;
    let prefix = format!("{NAME}_{v}");
    let zip_name = format!("{prefix}_linux_amd64.zip");
    let bin_name = format!("{NAME}_v{v}");
    let bin = provider_bin();

    // ---- the script ------------------------------------------------------------------
    let script = repo_root().join("scripts/release.sh");
    let mut cmd = Command::new(&script);
    cmd.arg("--out")
        .arg(&out)
        .env("MLOPS_RELEASE_BINARY", &bin)
        .env_remove("MLOPS_GPG_KEY");
    let output = run(&mut cmd)?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    ensure!(
        output.status.success(),
        "release.sh failed ({})",
        output.status
    );
    ensure!(
        stdout.contains("MLOPS_RELEASE_BINARY is set") && stdout.contains("for tests only"),
        "release.sh does not say it packaged an existing binary"
    );
    ensure!(
        stdout.contains("THROWAWAY"),
        "release.sh does not say its key is throwaway"
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_>>()?;
    files.sort();
    let want: Vec<String> = vec![
        format!("{prefix}_SHA256SUMS"),
        format!("{prefix}_SHA256SUMS.sig"),
        zip_name.clone(),
        format!("{prefix}_manifest.json"),
        format!("{prefix}_signing-key.asc"),
        "mirror".into(),
    ];
    let mut want_sorted = want.clone();
    want_sorted.sort();
    ensure!(
        files == want_sorted,
        "artefacts: {files:?}, expected {want_sorted:?}"
    );

    // the zip holds exactly the renamed binary, byte-identical to the input
    let listing = run_ok(Command::new("unzip").arg("-Z1").arg(out.join(&zip_name)))?;
    ensure!(
        listing.lines().collect::<Vec<_>>() == vec![bin_name.as_str()],
        "zip entries: {listing:?}, expected only {bin_name}"
    );
    let unpacked = tmp.path().join("unpacked");
    run_ok(
        Command::new("unzip")
            .arg("-q")
            .arg(out.join(&zip_name))
            .arg("-d")
            .arg(&unpacked),
    )?;
    ensure!(
        same_bytes(&unpacked.join(&bin_name), &bin)?,
        "the zipped binary differs from {}",
        bin.display()
    );

    // the manifest
    let manifest: Json = serde_json::from_str(&std::fs::read_to_string(
        out.join(format!("{prefix}_manifest.json")),
    )?)?;
    ensure!(
        manifest == json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}}),
        "manifest: {manifest}"
    );

    // SHA256SUMS lists the zip and the manifest, and they match
    let sums = std::fs::read_to_string(out.join(format!("{prefix}_SHA256SUMS")))?;
    let mut listed: Vec<(String, String)> = sums
        .lines()
        .map(|l| {
            let (h, f) = l.split_once("  ").context("sha256sum line")?;
            Ok((f.to_string(), h.to_string()))
        })
        .collect::<Result<_>>()?;
    listed.sort();
    let mut expected = vec![];
    for f in [zip_name.clone(), format!("{prefix}_manifest.json")] {
        expected.push((f.clone(), sha256_hex(&out.join(&f))?));
    }
    expected.sort();
    ensure!(
        listed == expected,
        "SHA256SUMS {listed:?}, recomputed {expected:?}"
    );

    // the signature verifies with the exported key, in a fresh keyring
    let gnupg = tmp.path().join("gnupg");
    std::fs::create_dir(&gnupg)?;
    std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    let gpg = || {
        let mut c = Command::new("gpg");
        c.arg("--batch").arg("--homedir").arg(&gnupg);
        c
    };
    let verified = (|| -> Result<String> {
        run_ok(
            gpg()
                .arg("--import")
                .arg(out.join(format!("{prefix}_signing-key.asc"))),
        )?;
        let o = run(gpg()
            .arg("--status-fd=1")
            .arg("--verify")
            .arg(out.join(format!("{prefix}_SHA256SUMS.sig")))
            .arg(out.join(format!("{prefix}_SHA256SUMS"))))?;
        let status = String::from_utf8_lossy(&o.stdout).into_owned();
        ensure!(
            o.status.success() && status.contains("[GNUPG:] GOODSIG"),
            "gpg --verify failed ({}):\n{status}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        Ok(status)
    })();
    let _ = Command::new("gpgconf")
        .args(["--kill", "all"])
        .env("GNUPGHOME", &gnupg)
        .status();
    verified?;

    // the mirror documents
    let mirror = out.join("mirror");
    let pdir = mirror.join(MIRROR_PATH);
    let index: Json = serde_json::from_str(&std::fs::read_to_string(pdir.join("index.json"))?)?;
    ensure!(index == json!({"versions": {v: {}}}), "index.json: {index}");
    let version_json = pdir.join(format!("{v}.json"));
    let vdoc: Json = serde_json::from_str(&std::fs::read_to_string(&version_json)?)?;
    let archive = &vdoc["archives"]["linux_amd64"];
    ensure!(archive["url"] == json!(zip_name), "{v}.json url: {vdoc}");
    let hashes: Vec<String> = archive["hashes"]
        .as_array()
        .context("hashes")?
        .iter()
        .filter_map(|h| h.as_str().map(String::from))
        .collect();
    let zh = format!("zh:{}", sha256_hex(&out.join(&zip_name))?);
    ensure!(hashes.contains(&zh), "{v}.json hashes {hashes:?} lack {zh}");
    let h1 = hashes
        .iter()
        .find(|h| h.starts_with("h1:"))
        .context("no h1: hash in the mirror")?
        .clone();
    ensure!(
        same_bytes(&pdir.join(&zip_name), &out.join(&zip_name))?,
        "the mirror's zip differs from the release's"
    );
    eprintln!(
        "artefacts checked in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // ---- install through the network mirror over HTTPS ----------------------------------
    let certs = tmp.path().join("certs");
    std::fs::create_dir(&certs)?;
    acceptance_tests::server::write_certificates("mlops-test-mirror", &certs)?;
    let ca = certs.join("ca.crt");
    let server = start_mirror(&mirror, &certs)?;
    let cli = tmp.path().join("cli.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"https://127.0.0.1:{}/\"\n    include = [\"{MIRROR_PATH}\"]\n  }}\n  direct {{\n    exclude = [\"{MIRROR_PATH}\"]\n  }}\n}}\n",
            server.port
        ),
    )?;

    let ws = Tf::new(&cli, &ca)?;
    let (code, text) = ws.init()?;
    ensure!(
        code == 0,
        "init through the mirror failed:\n{text}\n--- mirror log ---\n{}",
        server.log()
    );
    let log = server.log();
    for path in [
        format!("/{MIRROR_PATH}/index.json"),
        format!("/{MIRROR_PATH}/{v}.json"),
        format!("/{MIRROR_PATH}/{zip_name}"),
    ] {
        ensure!(
            log.contains(&format!("\"GET {path} HTTP/1.1\" 200")),
            "the mirror did not serve {path}:\n{log}"
        );
    }
    // Terraform locks the h1: hash it computed from the unpacked package (the release's h1
    // must equal it); hashes from an unsigned source such as a network mirror (zh:) are
    // checked but not recorded.
    let lock = ws.lock_file()?;
    ensure!(
        lock.contains(&format!("\"{h1}\"")),
        "lock file lacks {h1}:\n{lock}"
    );
    let locked: Vec<&str> = lock
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"'))
        .collect();
    for h in &locked {
        ensure!(
            hashes.iter().any(|x| x == h),
            "lock file hash {h} is not the release's {hashes:?}"
        );
    }
    eprintln!("lock file hashes: {locked:?} (release: {hashes:?})");
    ensure!(
        same_bytes(&ws.installed_binary(), &bin)?,
        "installed {} differs from the packaged binary",
        ws.installed_binary().display()
    );
    let (code, schema, stderr) = ws.tf(&["providers", "schema", "-json"])?;
    ensure!(code == 0, "providers schema failed:\n{schema}\n{stderr}");
    let schema: Json = serde_json::from_str(&schema).context("providers schema -json")?;
    let ours = &schema["provider_schemas"][MIRROR_PATH];
    ensure!(
        ours["resource_schemas"]
            .as_object()
            .is_some_and(|r| !r.is_empty()),
        "the installed provider reported no resource schemas: {ours}"
    );

    // zh: alone (no h1:) is enough: Terraform checks the zip's sha256 against it
    write_version_json(&version_json, &zip_name, &[&zh])?;
    let (code, text) = Tf::new(&cli, &ca)?.init()?;
    ensure!(code == 0, "init with only the zh: hash failed:\n{text}");

    // ---- tampering --------------------------------------------------------------------
    let checksum_error = regex::Regex::new(r"(?i)checksum")?;
    // a wrong zh: (and no h1:)
    let bad_zh = format!("zh:{}", "0".repeat(64));
    write_version_json(&version_json, &zip_name, &[&bad_zh])?;
    let (code, text) = Tf::new(&cli, &ca)?.init()?;
    eprintln!("tampered hash -> exit {code}: {text}");
    ensure!(
        code != 0 && checksum_error.is_match(&text),
        "init with a wrong zh: hash: exit {code}:\n{text}"
    );

    // a different zip under the published hashes
    write_version_json(
        &version_json,
        &zip_name,
        &hashes.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    let evil = tmp.path().join("evil");
    std::fs::create_dir(&evil)?;
    std::fs::write(evil.join(&bin_name), b"#!/bin/sh\necho tampered\n")?;
    std::fs::remove_file(pdir.join(&zip_name))?;
    run_ok(
        Command::new("zip")
            .arg("-q")
            .arg(pdir.join(&zip_name))
            .arg(&bin_name)
            .current_dir(&evil),
    )?;
    let tf = Tf::new(&cli, &ca)?;
    let (code, text) = tf.init()?;
    eprintln!("tampered zip -> exit {code}: {text}");
    ensure!(
        code != 0 && checksum_error.is_match(&text),
        "init with a tampered zip: exit {code}:\n{text}"
    );
    if tf.installed_binary().exists() {
        bail!(
            "the tampered package was installed at {}",
            tf.installed_binary().display()
        );
    }

    drop(server);
    eprintln!(
        "release test done in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
