#!/usr/bin/env python3
"""Measurement helper for scripts/perf.sh (not part of the provider).

Subcommands:

  startup  Launch the provider binary the way Terraform's go-plugin client does and time
           process spawn -> handshake line on stdout -> GetProviderSchema response received,
           over N runs; then let the process idle and read VmRSS/VmHWM from /proc.
           Needs `grpcio` (perf.sh installs it into a throwaway venv under /tmp).
           Only the raw gRPC method path is used (no generated stubs): the request
           (GetProviderSchema.Request) is empty, and the response is decoded with the small
           protobuf wire-format reader below, enough to check it is a real schema
           (resource / data source names, no error diagnostics).

  report   Read what perf.sh left in its work dir (startup_*.json, plan_*.txt, tf-debug.log,
           emulator_summary.json) and PERF_* environment variables, print the markdown table,
           and with --write-doc FILE replace the generated block of that file.

Only the standard library is used outside `startup`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


# --------------------------------------------------------------------------------------------
# protobuf wire format (just enough for GetProviderSchema.Response)
# --------------------------------------------------------------------------------------------

def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = 0
    out = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, i
        shift += 7


def pb_fields(buf: bytes):
    """Yield (field_number, wire_type, value) for one message; value is int or bytes."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = _varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            ln, i = _varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        yield field, wt, v


def decode_schema_response(buf: bytes) -> dict:
    """GetProviderSchema.Response: 2 = map resource_schemas, 3 = map data_source_schemas,
    4 = repeated Diagnostic (1 = severity enum, 2 = summary, 3 = detail); map entries are
    messages with key = 1, value = 2."""
    out = {"resources": [], "data_sources": [], "diagnostics": [], "bytes": len(buf)}
    for field, _wt, v in pb_fields(buf):
        if field in (2, 3):
            key = next((bytes(x).decode() for f, _w, x in pb_fields(v) if f == 1), "")
            out["resources" if field == 2 else "data_sources"].append(key)
        elif field == 4:
            d = {"severity": 0, "summary": ""}
            for f, _w, x in pb_fields(v):
                if f == 1:
                    d["severity"] = x
                elif f == 2:
                    d["summary"] = bytes(x).decode(errors="replace")
            out["diagnostics"].append(d)
    return out


# --------------------------------------------------------------------------------------------
# startup
# --------------------------------------------------------------------------------------------

def read_status(pid: int) -> dict:
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                parts = v.split()
                vals[k] = int(parts[0])  # kB for Vm*, count for Threads
    return vals


def cpu_ms(pid: int) -> float | None:
    """CPU time (user + system, all live threads) the process has used so far, from
    /proc/<pid>/task/*/schedstat (nanoseconds on the CPU), in ms."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError):
        return None
    return total / 1e6


def make_client_cert(tmp: str) -> tuple[str, str]:
    """A throwaway ECDSA client certificate like the one Terraform makes for AutoMTLS
    (Terraform uses P-521; P-256 here is enough to exercise the same server code path)."""
    key = os.path.join(tmp, "client.key")
    crt = os.path.join(tmp, "client.crt")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost/O=HashiCorp",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return key, crt


def one_startup(grpc, binary: str, sockdir: str, idle_s: float, tls: tuple[str, str] | None):
    env = dict(os.environ)
    for k in ("TF_LOG", "TF_LOG_PROVIDER", "PLUGIN_CLIENT_CERT", "TF_DISABLE_PLUGIN_TLS"):
        env.pop(k, None)
    env.update({
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "6",
        "PLUGIN_UNIX_SOCKET_DIR": sockdir,
    })
    if tls is None:
        env["TF_DISABLE_PLUGIN_TLS"] = "1"
    else:
        with open(tls[1]) as f:
            env["PLUGIN_CLIENT_CERT"] = f.read()

    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, close_fds=True)
    try:
        line = proc.stdout.readline()
        t1 = time.perf_counter()
        parts = line.decode().strip().split("|")
        if len(parts) < 5 or parts[0] != "1" or parts[1] != "6" or parts[2] != "unix":
            raise RuntimeError(f"unexpected handshake line {line!r}")
        target = "unix:" + parts[3]
        if tls is None:
            # grpc-python's default :authority for unix: targets is the percent-encoded
            # socket path, which the provider's HTTP/2 server (h2) answers with RST_STREAM
            # PROTOCOL_ERROR for some paths; Terraform's Go client never sends such an
            # authority, so send a plain one (as the TLS branch does via the override).
            channel = grpc.insecure_channel(target, options=[
                ("grpc.default_authority", "localhost"),
                ("grpc.max_receive_message_length", 256 << 20)])
        else:
            der = base64.b64decode(parts[5] + "=" * (-len(parts[5]) % 4))
            server_pem = (b"-----BEGIN CERTIFICATE-----\n"
                          + base64.encodebytes(der)
                          + b"-----END CERTIFICATE-----\n")
            with open(tls[0], "rb") as f:
                key = f.read()
            with open(tls[1], "rb") as f:
                crt = f.read()
            creds = grpc.ssl_channel_credentials(root_certificates=server_pem,
                                                 private_key=key, certificate_chain=crt)
            channel = grpc.secure_channel(
                target, creds, options=[("grpc.ssl_target_name_override", "localhost"),
                                        ("grpc.max_receive_message_length", 256 << 20)])
        get_schema = channel.unary_unary("/tfplugin6.Provider/GetProviderSchema")
        resp = get_schema(b"", timeout=30)
        t2 = time.perf_counter()
        cpu_at_schema = cpu_ms(proc.pid)
        # A second call on the warm connection: how much of t2-t1 is the RPC itself.
        get_schema(b"", timeout=30)
        t3 = time.perf_counter()
        decoded = decode_schema_response(resp)
        errors = [d for d in decoded["diagnostics"] if d["severity"] == 1]
        if errors or not decoded["resources"]:
            raise RuntimeError(f"bad schema response: {decoded}")
        time.sleep(idle_s)
        mem = read_status(proc.pid)
        # Stop it the way go-plugin does: GRPCController.Shutdown, then wait for the exit.
        t4 = time.perf_counter()
        try:
            channel.unary_unary("/plugin.GRPCController/Shutdown")(b"", timeout=5)
        except grpc.RpcError:
            pass  # the server may drop the connection while exiting
        channel.close()
        rc = proc.wait(timeout=10)
        t5 = time.perf_counter()
        return {
            "handshake_ms": (t1 - t0) * 1e3,
            "schema_ms": (t2 - t0) * 1e3,
            "first_rpc_ms": (t2 - t1) * 1e3,
            "cpu_ms": cpu_at_schema,
            "second_rpc_ms": (t3 - t2) * 1e3,
            "rss_kb": mem.get("VmRSS"),
            "hwm_kb": mem.get("VmHWM"),
            "threads": mem.get("Threads"),
            "shutdown_ms": (t5 - t4) * 1e3,
            "exit_code": rc,
            "schema_bytes": decoded["bytes"],
            "resources": sorted(decoded["resources"]),
            "data_sources": sorted(decoded["data_sources"]),
        }
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def cmd_startup(a) -> int:
    import grpc  # noqa: PLC0415 (only this subcommand needs it)

    tmp = tempfile.mkdtemp(prefix="perf-startup-", dir=a.tmp)
    try:
        tls = make_client_cert(tmp) if a.tls else None
        # One discarded warm-up run: initialises grpc's core in this process (its first
        # channel costs several ms that a Terraform process would not pay per provider).
        one_startup(grpc, a.binary, tmp, 0.0, tls)
        runs = []
        failures = []
        while len(runs) < a.runs:
            try:
                runs.append(one_startup(grpc, a.binary, tmp, a.idle, tls))
            except Exception as e:  # noqa: BLE001 -- recorded, retried, and fatal after 3
                failures.append(repr(e)[:500])
                print(f"perf: startup run failed: {failures[-1]}", file=sys.stderr)
                if len(failures) >= 3:
                    raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump({"tls": bool(a.tls), "idle_s": a.idle, "runs": runs, "failures": failures},
              sys.stdout, indent=1)
    print()
    return 0


# --------------------------------------------------------------------------------------------
# stats / report
# --------------------------------------------------------------------------------------------

def stats(xs):
    xs = [float(x) for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt_range(s, digits=1, unit=""):
    if s is None:
        return "n/a"
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])}{unit} ({f.format(s['min'])} – {f.format(s['max'])})"


def read_numbers(path: str) -> list[float]:
    try:
        with open(path) as f:
            return [float(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def parse_tf_log(path: str) -> dict | None:
    """Provider launches in a TF_LOG=debug Terraform log: for each `plugin started` of the
    mlops provider, the wait for its handshake (the next `using plugin` line) and its lifetime
    (until its `plugin process exited`), from the log's millisecond timestamps."""
    import datetime as dt  # noqa: PLC0415

    def ts(line):
        try:
            return dt.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
        except ValueError:
            return None

    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return None
    stamps = [t for t in (ts(x) for x in lines) if t is not None]
    launches = []
    cur = None
    for line in lines:
        t = ts(line)
        if t is None:
            continue
        if "plugin started" in line and "terraform-provider-mlops" in line:
            pid = line.rsplit("pid=", 1)[-1].strip()
            cur = {"pid": pid, "start": t, "handshake": None, "exit": None}
            launches.append(cur)
        elif "using plugin" in line and cur is not None and cur["handshake"] is None:
            cur["handshake"] = t
        elif "provider process summary" in line and "terraform-provider-mlops" in line:
            # framework/src/stats.rs, logged by each provider process as it exits: the RPCs
            # it served and its own CPU time. Processes run one after another in a plan, so
            # the summary belongs to the latest launch without one.
            kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line.split("provider process summary", 1)[1]))
            for la in launches:
                if "rpcs" not in la:
                    la["rpcs"] = kv.get("rpcs", "").strip('"')
                    la["cpu_ms"] = float(kv.get("cpu_ms", "nan"))
                    la["handler_ms"] = float(kv.get("handler_ms", "nan"))
                    break
        elif "plugin process exited" in line and "terraform-provider-mlops" in line:
            pid = line.rsplit("id=", 1)[-1].strip()
            for la in launches:
                if la["pid"] == pid and la["exit"] is None:
                    la["exit"] = t
    return {
        "span_ms": (stamps[-1] - stamps[0]) * 1e3 if stamps else None,
        "handshake_ms": [(la["handshake"] - la["start"]) * 1e3 for la in launches if la["handshake"]],
        "lifetime_ms": [(la["exit"] - la["start"]) * 1e3 for la in launches if la["exit"]],
        "rpcs": [la.get("rpcs") for la in launches],
        "cpu_ms": [la.get("cpu_ms") for la in launches],
        "handler_ms": [la.get("handler_ms") for la in launches],
    }


def load_results(d: str) -> dict:
    env = os.environ
    r = {
        "size": int(env["PERF_SIZE"]),
        "nres": int(env["PERF_NRES"]),
        "launches": env.get("PERF_LAUNCHES", "n/a"),
        "mlops_plans": env.get("PERF_MLOPS_PLANS", "n/a"),
        "machine": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "nproc": os.cpu_count(),
            "cpu": env.get("PERF_CPU", "unknown"),
            "kernel": os.uname().release,
            "mem": "unknown",
            "terraform": env.get("PERF_TF", "unknown"),
            "rustc": env.get("PERF_RUSTC", "unknown"),
            "commit": env.get("PERF_COMMIT", "unknown"),
            "load_before": env.get("PERF_LOAD_BEFORE", "?"),
            "load_after": env.get("PERF_LOAD_AFTER", "?"),
            "wall_s": env.get("PERF_WALL", "?"),
        },
    }
    try:
        r["machine"]["nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                r["machine"]["mem"] = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    for mode in ("plain", "tls"):
        try:
            with open(os.path.join(d, f"startup_{mode}.json")) as f:
                r[f"startup_{mode}"] = json.load(f)
        except FileNotFoundError:
            pass
    for k in ("mlops", "tfdata", "minimal", "mlops1", "tfdata1", "mlopstags"):
        r[f"plan_{k}"] = read_numbers(os.path.join(d, f"plan_{k}.txt"))
    r["tflog"] = parse_tf_log(os.path.join(d, "tf-debug.log"))
    try:
        with open(os.path.join(d, "emulator_summary.json")) as f:
            r["emulator_summary"] = json.load(f)
    except (FileNotFoundError, ValueError):
        r["emulator_summary"] = None
    return r


def build_table(r: dict) -> str:
    rows = []
    size = r["size"]
    rows.append(("Release binary size", f"{size:,} bytes = {size / 1048576:.2f} MiB",
                 "`target/release/terraform-provider-mlops` (release profile: opt-level \"s\", fat LTO, one codegen unit, stripped)"))
    for mode, label in (("plain", "plain gRPC (`TF_DISABLE_PLUGIN_TLS=1`)"),
                        ("tls", "AutoMTLS (`PLUGIN_CLIENT_CERT`, as Terraform starts it)")):
        s = r.get(f"startup_{mode}")
        if not s:
            continue
        runs = s["runs"]
        n = len(runs)
        rows.append((f"Start → schema served, {label}",
                     fmt_range(stats([x["schema_ms"] for x in runs]), unit=" ms"),
                     f"median (min – max) of {n} runs: spawn → handshake line → GetProviderSchema response"))
        rows.append(("  ↳ spawn → handshake line",
                     fmt_range(stats([x["handshake_ms"] for x in runs]), unit=" ms"), ""))
        rows.append(("  ↳ handshake → first GetProviderSchema response",
                     fmt_range(stats([x["first_rpc_ms"] for x in runs]), unit=" ms"),
                     "connect, HTTP/2 setup" + (", TLS handshake" if s.get("tls") else "") + ", RPC"))
        rows.append(("  ↳ provider CPU time until schema served",
                     fmt_range(stats([x["cpu_ms"] for x in runs]), unit=" ms"),
                     "user+sys of all its threads (`/proc/<pid>/task/*/schedstat`); insensitive to other load"))
        rows.append(("  ↳ a second GetProviderSchema on the open connection",
                     fmt_range(stats([x["second_rpc_ms"] for x in runs]), 2, " ms"),
                     f"response is {runs[0]['schema_bytes']:,} bytes"))
        rss = stats([x["rss_kb"] for x in runs])
        hwm = stats([x["hwm_kb"] for x in runs])
        rows.append((f"Idle memory after schema + {s['idle_s']:g} s idle ({'mTLS' if s.get('tls') else 'plain'})",
                     f"VmRSS {rss['median'] / 1024:.1f} MiB ({rss['min'] / 1024:.1f} – {rss['max'] / 1024:.1f})",
                     f"VmHWM (peak) {hwm['median'] / 1024:.1f} MiB ({hwm['min'] / 1024:.1f} – {hwm['max'] / 1024:.1f}); "
                     f"{runs[0]['threads']} threads"))
    n = r["nres"]
    m, t = stats(r["plan_mlops"]), stats(r["plan_tfdata"])
    if m and t:
        rows.append((f"`terraform plan -refresh=false`, {n} × `terraform_data` (core floor)",
                     fmt_range(t, 2, " s"), f"median (min – max) of {t['n']} runs"))
        rows.append((f"`terraform plan -refresh=false`, {n} × `mlops_model_package_group`",
                     fmt_range(m, 2, " s"), f"median (min – max) of {m['n']} runs, rotating (ABC CBA) with the rows around it"))
        rows.append(("  ↳ ratio mlops / terraform_data (medians)",
                     f"{m['median'] / t['median']:.2f}×",
                     f"difference {m['median'] - t['median']:+.2f} s"))
    mn = stats(r["plan_minimal"])
    if mn and t:
        rows.append((f"`terraform plan -refresh=false`, {n} × `minimal_thing` (a provider on our framework with one resource and no API)",
                     fmt_range(mn, 2, " s"),
                     f"median (min – max) of {mn['n']} runs, in the same rotation; "
                     f"{mn['median'] / t['median']:.2f}× terraform_data: what any gRPC plugin costs Terraform"))
        if m:
            rows.append(("  ↳ ratio mlops / minimal_thing (medians)",
                         f"{m['median'] / mn['median']:.2f}×",
                         f"difference {m['median'] - mn['median']:+.2f} s: what our resources, schema and SDK add"))
    mt = stats(r["plan_mlopstags"])
    if mt and t:
        rows.append((f"`terraform plan -refresh=false`, {n} × `mlops_model_package_group` "
                     "with `tags = { team = \"ml\" }`",
                     fmt_range(mt, 2, " s"),
                     f"median (min – max) of {mt['n']} runs (after the rows above); "
                     f"{mt['median'] / t['median']:.1f}× the terraform_data floor"))
    m1, t1 = stats(r["plan_mlops1"]), stats(r["plan_tfdata1"])
    if m1 and t1:
        rows.append(("`terraform plan -refresh=false`, 1 × `terraform_data`",
                     fmt_range(t1, 2, " s"), f"median (min – max) of {t1['n']} runs"))
        rows.append(("`terraform plan -refresh=false`, 1 × `mlops_model_package_group`",
                     fmt_range(m1, 2, " s"), f"median (min – max) of {m1['n']} runs; "
                     f"fixed cost of using the provider ≈ {m1['median'] - t1['median']:+.2f} s"))
        if m and t:
            per = ((m["median"] - m1["median"]) - (t["median"] - t1["median"])) / max(n - 1, 1) * 1e3
            rows.append(("  ↳ marginal cost per extra mlops resource over terraform_data",
                         f"{per:+.2f} ms",
                         f"((mlops{n} − mlops1) − (tfdata{n} − tfdata1)) / {n - 1}, medians"))
    tl = r.get("tflog")
    if tl and tl["handshake_ms"]:
        hs = ", ".join(f"{x:.0f}" for x in tl["handshake_ms"])
        life = ", ".join(f"{x:.0f}" for x in tl["lifetime_ms"])
        rows.append((f"Provider processes started by one mlops plan ({n} resources)",
                     str(len(tl["handshake_ms"])),
                     "from an extra, untimed `TF_LOG=debug` plan: `plugin started` lines for the provider"))
        rows.append(("  ↳ Terraform's wait for each handshake line (mTLS)", f"{hs} ms",
                     "`plugin started` → `using plugin` in that log (ms timestamps; debug logging on)"))
        rows.append(("  ↳ each provider process's lifetime", f"{life} ms",
                     f"`plugin started` → `plugin process exited`; the log spans {tl['span_ms']:.0f} ms"))
        for k, (rp, cpu, hd) in enumerate(zip(tl["rpcs"], tl["cpu_ms"], tl["handler_ms"]), 1):
            if rp is None:
                continue
            rpcs = ", ".join(x.replace(":", " × ") for x in rp.split(",") if x)
            rows.append((f"  ↳ process {k}: RPCs served", rpcs or "none",
                         f"provider CPU {cpu:.1f} ms (all threads), of which {hd:.1f} ms in RPC handlers "
                         "(the process's own summary at exit, `framework/src/stats.rs`; debug logging on)"))
        cpus = [c for c in tl["cpu_ms"] if c is not None]
        if cpus:
            rows.append(("  ↳ provider CPU time in the whole plan", f"{sum(cpus):.0f} ms",
                         "sum over its processes; the rest of the plan's extra time is Terraform's side "
                         "of the plugin protocol (gRPC, msgpack, schema handling) and process start-up"))
    else:
        rows.append(("Provider processes started by one mlops plan", str(r["launches"]),
                     "`plugin started` lines for the provider in a `TF_LOG=debug` plan (untimed extra run)"))
    summ = r["emulator_summary"]
    total = sum(summ.values()) if isinstance(summ, dict) else "n/a"
    rows.append((f"Emulator API requests during all {r['mlops_plans']} mlops plans", str(total),
                 "`GET /_emulator/requests/summary` → `" + json.dumps(summ) + "`"))
    out = ["| measurement | result | notes |", "| --- | --- | --- |"]
    for a, b, c in rows:
        out.append(f"| {a} | {b} | {c} |")
    return "\n".join(out) + "\n"


BEGIN = "<!-- perf.sh:begin (generated by scripts/perf.sh --write-doc; edits inside are overwritten) -->"
END = "<!-- perf.sh:end -->"


def generated_block(r: dict, table: str) -> str:
    m = r["machine"]
    return "\n".join([
        BEGIN,
        "",
        f"Run: {m['date']}, commit {m['commit']}, script wall time {m['wall_s']} s (build excluded).",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem']} RAM, Linux {m['kernel']}; "
        f"{m['terraform']}; {m['rustc']}. "
        f"Load average (1/5/15 min) {m['load_before']} at the start and {m['load_after']} at the end.",
        "",
        table.rstrip("\n"),
        "",
        END,
    ])


def cmd_report(a) -> int:
    r = load_results(a.dir)
    table = build_table(r)
    sys.stdout.write(table)
    m = r["machine"]
    sys.stdout.write(f"\n{m['nproc']} CPUs ({m['cpu']}), {m['date']}, load {m['load_before']} → {m['load_after']}\n")
    if a.write_doc:
        block = generated_block(r, table)
        try:
            with open(a.write_doc) as f:
                doc = f.read()
        except FileNotFoundError:
            doc = ""
        if BEGIN in doc and END in doc:
            head, rest = doc.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            doc = head + block + tail
        else:
            doc = ("# Performance\n\nGenerated by `scripts/perf.sh --write-doc`.\n\n" + block + "\n")
        with open(a.write_doc, "w") as f:
            f.write(doc)
        print(f"perf: wrote {a.write_doc}", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("startup")
    s.add_argument("--binary", required=True)
    s.add_argument("--runs", type=int, default=10)
    s.add_argument("--idle", type=float, default=1.0)
    s.add_argument("--tls", action="store_true")
    s.add_argument("--tmp", default=None)
    s.set_defaults(fn=cmd_startup)
    s = sub.add_parser("report")
    s.add_argument("--dir", required=True)
    s.add_argument("--write-doc", default=None)
    s.set_defaults(fn=cmd_report)
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # perf.sh's trap sends SIGTERM: exit through the finally-blocks that kill the provider.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
