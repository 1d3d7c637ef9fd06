"""The GitLab CI/CD component (templates/terraform-mlops.yml) and the example pipeline:

- both validate against GitLab's CI schema (check-jsonschema's built-in vendor.gitlab-ci);
- the jobs' scripts, with the component's inputs expanded, run as a runner would run them
  (before_script + script in one shell, `set -e`) against the local emulator: validate,
  plan (plan artifact and Terraform report), apply of the saved plan, an empty plan after,
  destroy. AWS credentials come from the GitLab OIDC branch: a web identity token exchanged
  through STS AssumeRoleWithWebIdentity (the emulator's STS), no static keys.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "terraform-mlops.yml"
EXAMPLE_CI = REPO / "examples" / "gitlab-ci" / ".gitlab-ci.yml"
PROVIDER = REPO / "target" / "debug" / "terraform-provider-mlops"
VERSION = "0.1.0"


def documents(path: Path):
    return list(YAML(typ="safe").load_all(path.read_text()))


def check_schema(path: Path):
    r = subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, f"{path}:\n{r.stdout}{r.stderr}"


def test_template_and_example_match_gitlab_ci_schema(tmp_path):
    header, body = TEMPLATE.read_text().split("\n---\n", 1)
    (tmp_path / "header.yml").write_text(header)
    (tmp_path / "body.yml").write_text(body)
    check_schema(tmp_path / "header.yml")
    check_schema(tmp_path / "body.yml")
    check_schema(EXAMPLE_CI)
    # the schema accepts unknown job keys; check what it cannot: every input used is declared
    spec = documents(TEMPLATE)[0]["spec"]["inputs"]
    used = set(re.findall(r"\$\[\[ inputs\.([a-z_]+) \]\]", body))
    assert used <= set(spec), f"undeclared inputs: {used - set(spec)}"
    assert set(spec) <= used, f"unused inputs: {set(spec) - used}"
    example = documents(EXAMPLE_CI)[0]
    for inc in example["include"]:
        assert inc["component"].endswith("/terraform-mlops@0.1.0")
        assert set(inc.get("inputs", {})) <= set(spec)


def expanded_jobs(inputs: dict) -> dict:
    header, body = TEMPLATE.read_text().split("\n---\n", 1)
    spec = documents(TEMPLATE)[0]["spec"]["inputs"]
    values = {k: str(v.get("default", "")) for k, v in spec.items()} | inputs
    body = re.sub(r"\$\[\[ inputs\.([a-z_]+) \]\]", lambda m: values[m.group(1)], body)
    return YAML(typ="safe").load(body)


def job_script(doc: dict, job: str) -> tuple[str, dict]:
    j = doc[job]
    base = doc[j["extends"]] if "extends" in j else {}
    lines = base.get("before_script", []) + j["script"]
    return "set -e\n" + "\n".join(lines), doc["variables"]


@pytest.fixture
def emulator(tmp_path):
    port_file = tmp_path / "emulator.port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_emulator", "--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "emulator.log", "w"),
    )
    for _ in range(200):
        if port_file.exists() and port_file.read_text().strip():
            break
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text().strip()}"
    yield url
    proc.terminate()
    proc.wait(10)


def inventory(url):
    return json.load(urllib.request.urlopen(f"{url}/_emulator/inventory"))


def calls(url):
    return json.load(urllib.request.urlopen(f"{url}/_emulator/requests/summary"))


def test_component_jobs_plan_apply_destroy_with_oidc(tmp_path, emulator):
    assert PROVIDER.exists(), "build the provider first (cargo build -p terraform-provider-mlops)"
    project = tmp_path / "project"
    infra = project / "infra"
    infra.mkdir(parents=True)
    for f in (REPO / "examples" / "batch-inference-retraining").glob("*.tf"):
        (infra / f.name).write_text(f.read_text().replace('"../../modules/', f'"{REPO}/modules/'))
    # the provider from a filesystem mirror, terraform on PATH, as in the job image
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "mlops" / "mlops" / VERSION / "linux_amd64"
    mirror.mkdir(parents=True)
    shutil.copy(PROVIDER, mirror / f"terraform-provider-mlops_v{VERSION}")
    (tmp_path / "cli.tfrc").write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n    include = ["registry.terraform.io/mlops/mlops"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/mlops/mlops"]\n  }\n}\n' % (tmp_path / "mirror"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").symlink_to(REPO / "scripts" / "terraform")

    role = "arn:aws:iam::123456789012:role/gitlab-mlops-terraform"
    doc = expanded_jobs({"root": "infra", "aws_role_arn": role})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env |= {
        "PATH": f"{bin_dir}:{env['PATH']}",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"),
        "CHECKPOINT_DISABLE": "1",
        "AWS_ENDPOINT_URL": emulator,
        "AWS_EC2_METADATA_DISABLED": "true",
        "MLOPS_POLL_INTERVAL_MS": "100",
        "TF_VAR_gitlab_trigger_token": "glptt-ci-secret",
        # what the runner provides
        "CI_PROJECT_DIR": str(project),
        "CI_PROJECT_ID": "4711",
        "CI_JOB_ID": "1",
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
        # the job's GitLab ID token (id_tokens): a JWT the emulator's STS accepts
        "MLOPS_ID_TOKEN": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6bWwtcGxhdGZvcm0vY2h1cm46cmVmX3R5cGU6YnJhbmNoOnJlZjptYWluIn0.c2ln",
    }

    def run(job, expect=0, script=None):
        s, variables = job_script(doc, job)
        r = subprocess.run(["bash", "-c", script or s], cwd=project, env=env | variables,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == expect, f"{job} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
        return re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)

    # rules: apply and destroy are manual and only on the default branch
    for job in ("mlops-apply", "mlops-destroy"):
        rules = doc[job]["rules"]
        assert rules == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "when": "manual"}], rules
    assert doc["mlops-apply"]["needs"] == ["mlops-plan"]
    assert doc[".mlops-terraform"]["id_tokens"]["MLOPS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"

    run("mlops-validate")
    out = run("mlops-plan")
    report = json.loads((infra / "plan.json").read_text())
    assert report["create"] == 4 and report["update"] == 0 and report["delete"] == 0, report
    assert f"Plan: {report['create']} to add, 0 to change, 0 to destroy" in out, out
    assert doc["mlops-plan"]["artifacts"]["paths"] == ["infra/plan.cache"]
    assert doc["mlops-plan"]["artifacts"]["reports"]["terraform"] == "infra/plan.json"
    assert (infra / "plan.cache").exists()
    # only the GitLab OIDC token authenticated: the provider assumed the role through STS
    assert calls(emulator).get("sts.AssumeRoleWithWebIdentity", 0) >= 1, calls(emulator)
    assert "glptt-ci-secret" not in out

    out = run("mlops-apply")
    assert "Apply complete!" in out, out
    assert "abalone-batch" in inventory(emulator)["sagemaker"]["pipelines"]
    # the saved plan is spent; a fresh plan is empty
    s, _ = job_script(doc, "mlops-plan")
    run("mlops-plan", script=s.replace("terraform plan -input=false -out=plan.cache",
                                       "terraform plan -input=false -detailed-exitcode -out=plan.cache"))
    assert json.loads((infra / "plan.json").read_text()) == {"create": 0, "update": 0, "delete": 0}

    out = run("mlops-destroy")
    assert "Destroy complete!" in out, out
    inv = inventory(emulator)
    assert inv["sagemaker"]["pipelines"] == [] and inv["sagemaker"]["model_package_groups"] == [], inv
    assert inv["events"]["rules"] == {} and inv["iam"]["roles"] == {} and inv["sns"]["topics"] == {}, inv
