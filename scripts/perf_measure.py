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

  stats    Print median/min/max (JSON) of numbers given on the command line.

  report   Turn the JSON results file written by perf.sh into the markdown table (stdout),
           optionally rewriting docs/performance.md.

Only the standard library is used outside `startup`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
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
            channel = grpc.insecure_channel(target)
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
        runs = [one_startup(grpc, a.binary, tmp, a.idle, tls) for _ in range(a.runs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump({"tls": bool(a.tls), "idle_s": a.idle, "runs": runs}, sys.stdout, indent=1)
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


def cmd_stats(a) -> int:
    print(json.dumps(stats(a.values)))
    return 0


def fmt_ms(s, digits=1):
    if s is None:
        return "n/a"
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])} ({f.format(s['min'])} – {f.format(s['max'])})"


def fmt_mib(s):
    if s is None:
        return "n/a"
    return (f"{s['median'] / 1024:.1f} MiB ({s['min'] / 1024:.1f} – {s['max'] / 1024:.1f})")


def build_table(r: dict) -> str:
    rows = []
    size = r["binary"]["size_bytes"]
    rows.append(("Release binary size", f"{size:,} bytes = {size / 1048576:.2f} MiB", "stripped, opt-level \"s\""))
    for label, key in (("plain gRPC (TF_DISABLE_PLUGIN_TLS=1)", "startup_plain"),
                       ("AutoMTLS (PLUGIN_CLIENT_CERT, as Terraform launches it)", "startup_tls")):
        s = r.get(key)
        if not s:
            continue
        runs = s["runs"]
        n = len(runs)
        rows.append((f"Start → schema served, {label}",
                     fmt_ms(stats([x["schema_ms"] for x in runs])) + " ms",
                     f"median (min – max), N={n}"))
        rows.append((f"  of which spawn → handshake line",
                     fmt_ms(stats([x["handshake_ms"] for x in runs])) + " ms", ""))
        rows.append((f"  of which handshake → first GetProviderSchema response",
                     fmt_ms(stats([x["first_rpc_ms"] for x in runs])) + " ms",
                     "connect + HTTP/2 setup" + (" + TLS handshake" if s.get("tls") else "") + " + RPC"))
        rows.append((f"  a second GetProviderSchema on the open connection",
                     fmt_ms(stats([x["second_rpc_ms"] for x in runs]), 2) + " ms",
                     f"response {runs[0]['schema_bytes']:,} bytes"))
        rows.append((f"Idle RSS after schema + {s['idle_s']:g} s idle ({'mTLS' if s.get('tls') else 'plain'})",
                     fmt_mib(stats([x["rss_kb"] for x in runs])),
                     f"VmRSS; VmHWM {fmt_mib(stats([x['hwm_kb'] for x in runs]))}; "
                     f"{runs[0]['threads']} threads"))
    p = r.get("plan")
    if p:
        n = p["resources"]
        m = stats(p["mlops_s"])
        t = stats(p["tfdata_s"])
        rows.append((f"`terraform plan -refresh=false`, {n} × `terraform_data` (core floor)",
                     f"{t['median']:.2f} s ({t['min']:.2f} – {t['max']:.2f})",
                     f"median (min – max), {t['n']} runs"))
        rows.append((f"`terraform plan -refresh=false`, {n} × `mlops_model_package_group`",
                     f"{m['median']:.2f} s ({m['min']:.2f} – {m['max']:.2f})",
                     f"median (min – max), {m['n']} runs, alternating with the row above"))
        rows.append(("Ratio mlops / terraform_data (medians)",
                     f"{m['median'] / t['median']:.2f}×",
                     f"difference {m['median'] - t['median']:+.2f} s = "
                     f"{(m['median'] - t['median']) / n * 1e3:+.2f} ms per resource if all attributed to resources"))
        if p.get("mlops1_s") and p.get("tfdata1_s"):
            m1 = stats(p["mlops1_s"])
            t1 = stats(p["tfdata1_s"])
            rows.append(("Same plans with 1 resource: mlops vs terraform_data",
                         f"{m1['median']:.2f} s vs {t1['median']:.2f} s",
                         f"fixed cost of using the provider ≈ {m1['median'] - t1['median']:+.2f} s"))
        rows.append(("Provider processes started per mlops plan",
                     str(p.get("provider_launches", "n/a")),
                     "counted from TF_LOG=debug \"plugin started\" lines in one extra plan"))
        summ = p.get("emulator_summary")
        rows.append(("Emulator API requests during all mlops plans",
                     str(sum(summ.values())) if isinstance(summ, dict) else "n/a",
                     "`GET /_emulator/requests/summary` = `" + json.dumps(summ) + "`"))
    out = ["| what | result | notes |", "| --- | --- | --- |"]
    for a, b, c in rows:
        out.append(f"| {a} | {b} | {c} |")
    return "\n".join(out) + "\n"


def cmd_report(a) -> int:
    with open(a.results) as f:
        r = json.load(f)
    table = build_table(r)
    sys.stdout.write(table)
    if a.write_doc:
        with open(a.template) as f:
            tpl = f.read()
        m = r["machine"]
        doc = (tpl.replace("@@TABLE@@", table.rstrip("\n"))
               .replace("@@DATE@@", m["date"])
               .replace("@@NPROC@@", str(m["nproc"]))
               .replace("@@CPU@@", m["cpu"])
               .replace("@@MEM@@", m["mem"])
               .replace("@@KERNEL@@", m["kernel"])
               .replace("@@TFVERSION@@", m["terraform"])
               .replace("@@COMMIT@@", m["commit"])
               .replace("@@RUSTC@@", m["rustc"])
               .replace("@@WALL@@", str(r.get("wall_s", "n/a"))))
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
    s = sub.add_parser("stats")
    s.add_argument("values", nargs="*")
    s.set_defaults(fn=cmd_stats)
    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--write-doc", default=None)
    s.add_argument("--template", default=None)
    s.set_defaults(fn=cmd_report)
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
