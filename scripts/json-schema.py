#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON contract, written once: prints man/vfiomig.schema.json (make
# schema). Each command's document is an object of known keys, all
# required, none other; a key that can be unknown is nullable; any
# document may carry "error". Keys are only ever added.
import json
import sys
S = lambda **k: dict(type="string", **k)
I = lambda **k: dict({"type": "integer", "minimum": 0}, **k)
B = dict(type="boolean")
def N(t):  # nullable
    t = dict(t)
    ty = t.get("type")
    if ty: t["type"] = [ty, "null"] if isinstance(ty, str) else ty + ["null"]
    elif "$ref" in t: return {"anyOf": [t, {"type": "null"}]}
    if "enum" in t: t["enum"] = t["enum"] + [None]
    return t
R = lambda name: {"$ref": "#/$defs/" + name}
def obj(props, desc=None):
    o = {"type": "object", "properties": props, "required": sorted(props),
         "additionalProperties": False}
    if desc: o["description"] = desc
    return o
def arr(items): return {"type": "array", "items": items}

defs = {}
defs["state"] = {"enum": ["error", "stop", "running", "stop_copy", "resuming",
                          "running_p2p", "pre_copy", "pre_copy_p2p"],
                 "description": "a VFIO migration state"}
defs["flag"] = {"enum": ["stop_copy", "p2p", "pre_copy"]}
defs["bytes"] = I(description="a size in bytes")
defs["usecs"] = I(description="a duration in microseconds")
defs["hex_id"] = S(pattern="^[0-9a-f]{4}$", description="a PCI ID as lspci shows it")
defs["errno"] = S(pattern="^E[A-Z0-9]+$")
defs["error"] = {"type": "object", "required": ["message", "errno", "exit_code"],
                 "additionalProperties": False,
                 "properties": {"message": S(), "errno": N(R("errno")),
                                "exit_code": I(minimum=1),
                                "devices": arr(obj({"device": S(), "state": N(R("state"))}))},
                 "description": "why a run failed: present exactly when the exit code is not 0"}
identity = {"device": S(), "bus": {"enum": ["pci", "mdev", "unknown"]},
            "driver": N(S()), "iommu_group": N(I()), "cdev": N(S()),
            "mdev_type": N(S()), "vendor_id": N(R("hex_id")), "device_id": N(R("hex_id")),
            "subsystem_vendor_id": N(R("hex_id")), "subsystem_device_id": N(R("hex_id"))}
defs["arc"] = obj({"device": S(), "from": R("state"), "to": R("state"), "usecs": R("usecs")},
                  "one SET of the device state a command requested, in order")
mig = {"migration_flags": N(I()), "migration": N(arr(R("flag"))), "states": N(arr(R("state")))}
cmds = {}
cmds["info"] = obj({**identity, "open_path": {"enum": ["cdev", "group", "holder"]},
                    "reset": B, **mig, "state": N(R("state")),
                    "stop_copy_estimate_bytes": N(R("bytes")),
                    "dirty_tracking": N(B), "precopy_info_v2": N(B)})
step_ok = obj({"request": R("state"), "path": arr(R("state")), "data_session": B})
step_failed = obj({"request": R("state"), "path": arr(R("state")), "error": N(R("errno"))})
cmds["state"] = {"anyOf": [obj({"device": S(), "state": N(R("state"))}),
                           obj({"device": S(), "from": R("state"),
                                "steps": arr({"anyOf": [step_ok, step_failed]}),
                                "state": N(R("state"))})]}
cmds["reset"] = obj({"device": S(), "reset": B, "state": N(R("state"))})
listed = obj({**identity, "migration_flags": N(I()), "state": N(R("state")),
              "status": {"enum": ["free", "held", "busy", "error"]},
              "holder_pid": N(I()), "owner_pid": N(I()), "owner_command": N(S()),
              "error": N(S())})
cmds["list"] = obj({"devices": arr(listed)})
cmds["save"] = obj({"device": S(), "ok": B, "from": R("state"), "state": N(R("state")),
                    "raw": B, "bytes": R("bytes"), "records": N(I()),
                    "precopy_bytes": R("bytes"), "stop_copy_bytes": R("bytes"),
                    "stream_bytes": R("bytes"),
                    "precopy_end": N({"enum": ["eof", "ENOMSG", "EAGAIN", "limit"]}),
                    "usecs": R("usecs"), "bytes_per_sec": I(), "arcs": arr(R("arc"))})
cmds["restore"] = obj({"device": S(), "ok": B, "from": R("state"), "state": N(R("state")),
                       "reset": B, "raw": B, "bytes": R("bytes"), "records": N(I()),
                       "usecs": R("usecs"), "bytes_per_sec": I(), "arcs": arr(R("arc"))})
source = obj({"bus": {"enum": ["pci", "mdev", "unknown"]}, "driver": S(),
              "mdev_type": N(S()), "vendor_id": N(R("hex_id")), "device_id": N(R("hex_id")),
              "subsystem_vendor_id": N(R("hex_id")), "subsystem_device_id": N(R("hex_id")),
              "migration_flags": I(), "migration": arr(R("flag")), "states": arr(R("state"))})
record = obj({"phase": {"enum": ["pre_copy", "stop_copy", "none"]}, "bytes": R("bytes"),
              "stream_offset": R("bytes")})
cmds["inspect"] = obj({"format_version": N(I()), "written_by": N(S()), "created": N(S()),
                       "source": N(source), "stop_copy_estimate_bytes": N(R("bytes")),
                       "record_list": N(arr(record)), "records": I(),
                       "precopy_bytes": R("bytes"), "stop_copy_bytes": R("bytes"),
                       "bytes": R("bytes"), "valid": B, "defect": N(S())})
# The downtime promise: the estimate made before anything moved (what
# migrate --dry-run prints), in total and per device.
estimate = obj({"bytes": R("bytes"), "usecs": R("usecs"), "downtime_usecs": N(R("usecs")),
                "state_changes_usecs": N(R("usecs")),
                "state_changes_recorded_usecs": N(R("usecs")),
                "data_recorded_usecs": N(R("usecs")), "round_trip_usecs": R("usecs"),
                "link_bytes_per_sec": I(), "probe_bytes": R("bytes"),
                "probe_usecs": R("usecs")})
dev_estimate = obj({"stop_copy_bytes": N(R("bytes")), "bytes": R("bytes"),
                    "usecs": R("usecs"), "data_recorded_usecs": N(R("usecs")),
                    "downtime_usecs": N(R("usecs"))})
migdev = obj({"device": S(), "from": R("state"), "state": N(R("state")), "precopy": B,
              "bytes": R("bytes"), "precopy_bytes": R("bytes"), "stop_copy_bytes": R("bytes"),
              "records": I(), "precopy_rounds": I(), "precopy_reinits": I(),
              "estimate": N(dev_estimate)})
migration = {"peer": S(), "ok": B, "committed": B, "insecure": B,
             "bytes": R("bytes"), "precopy_bytes": R("bytes"), "stop_copy_bytes": R("bytes"),
             "records": I(), "precopy_rounds": I(),
             "precopy_converged": N(B), "precopy_remaining_bytes": N(R("bytes")),
             "usecs": R("usecs"), "wait_usecs": N(R("usecs")), "bytes_per_sec": I(),
             "downtime_usecs": N(R("usecs")), "destination_downtime_usecs": N(R("usecs")),
             "devices": arr(migdev), "arcs": arr(R("arc")),
             "dry_run": B, "downtime_limit_usecs": N(R("usecs")),
             "expected_downtime_usecs": N(R("usecs")), "downtime_exceeded": N(B),
             "estimate": N(estimate)}
cmds["migrate"] = obj(dict(migration))
cmds["receive"] = obj(dict(migration))
check_result = obj({"rule": S(), "result": {"enum": ["pass", "fail", "skip", "info"]},
                    "detail": S()})
latency = obj({"from": R("state"), "to": R("state"), "min_usecs": R("usecs"),
               "median_usecs": R("usecs"), "max_usecs": R("usecs"), "data_session": B})
choices = obj({"on_close": N({"enum": ["keeps_state"]}), "on_close_note": N(S()),
               "precopy_end": N({"enum": ["eof", "ENOMSG", "EAGAIN"]}),
               "saving_group_fd": N({"enum": ["new_fd", "no_fd"]}),
               "precopy_info_v2": B})
cmds["check"] = obj({"device": S(), "driver": S(), "checks": arr(check_result),
                     "not_checkable": arr(obj({"rule": S(), "reason": S()})),
                     "arc_latencies": arr(latency), "driver_choices": choices,
                     "passed": I(), "failed": I(), "skipped": I(), "informative": I()})
soak_latency = obj({"from": R("state"), "to": R("state"), "count": I(),
                    "p50_usecs": R("usecs"), "p99_usecs": R("usecs"), "max_usecs": R("usecs")})
cmds["check_soak"] = obj({"device": S(), "driver": S(), "seed": I(), "steps": I(),
                          "usecs": R("usecs"), "resets": I(), "reads": I(),
                          "bytes_read": R("bytes"), "restores": I(), "aborts": I(),
                          "bytes_written": R("bytes"),
                          "result": {"enum": ["pass", "fail", "interrupted"]},
                          "failed_step": N(I()), "failure": N(S()),
                          "arc_latencies": arr(soak_latency)})
cmds["hold"] = obj({"pid": I(), "devices": arr(obj({"device": S(),
                    "open_path": {"enum": ["cdev", "group"]}, "socket": S()}))})
cmds["release"] = obj({"devices": arr(obj({"device": S(), "released": B,
                                           "holder_pid": N(I()), "state": N(R("state"))}))})
port = obj({"port": S(), "bus": S(), "dev": S(), "index": I(), "flavour": S(),
            "pfnum": N(I()), "vfnum": N(I()), "external": B, "netdev": N(S()),
            "vf_device": N(S()), "hw_addr": N(S()), "state": N(S()), "opstate": N(S()),
            "migratable": N(B)})
cmds["devlink"] = obj({"ports": arr(port)})
cmds["prepare"] = {"anyOf": [cmds["info"], obj({"device": S(), "pf": S(), "vfnum": I(),
                   "port": N(S()), "migratable": N(B), "driver": N(S()),
                   "target_driver": S(), "dry_run": B,
                   "steps": arr(obj({"step": S(), "action": S()}))})]}
# Before anything moves: a device's migration identity (what decides
# whether its state can move), another host's compared with it, the
# inventory of what could migrate here, a devlink instance's dev info.
def devlink_info():
    version = obj({"kind": {"enum": ["fixed", "running", "stored"]}, "name": S(), "value": S()})
    return obj({"handle": S(), "driver": N(S()), "serial_number": N(S()),
                "board_serial_number": N(S()), "versions": arr(version)})
cmds["identity"] = obj({"device": S(), "bus": {"enum": ["pci", "mdev", "unknown"]},
                        "vendor_id": N(R("hex_id")), "device_id": N(R("hex_id")),
                        "subsystem_vendor_id": N(R("hex_id")),
                        "subsystem_device_id": N(R("hex_id")),
                        "revision": N(S(pattern="^[0-9a-f]{2}$")), "mdev_type": N(S()),
                        "driver": N(S()), "module": N(S()), "module_version": N(S()),
                        "module_srcversion": N(S()), "devlink": N(devlink_info()),
                        "migration": N(arr(R("flag"))), "precopy_info_v2": N(B),
                        "stop_copy_estimate_bytes": N(R("bytes")), "kernel_release": N(S()),
                        "unread": arr(obj({"field": S(), "why": S()}))})
verdict = {"enum": ["same", "blocks", "differs", "unknown"]}
cmds["compat"] = obj({"device": S(), "with_device": S(),
                      "fields": arr(obj({"field": S(), "here": N(S()), "there": N(S()),
                                         "verdict": verdict, "forceable": B})),
                      "blocking": arr(S()), "compatible": B})
inventoried = obj({**identity, "variant_driver": N(S()),
                   "variant_module": N({"enum": ["missing", "present", "loaded", "builtin"]}),
                   "migration": N(arr(R("flag"))), "migratable": N(B), "can_migrate": N(B),
                   "reason": N(S()), "fix": N(S())})
cmds["list_all"] = obj({"kernel_release": S(), "variant_drivers_known": B,
                        "devices": arr(inventoried)})
cmds["devlink_info"] = devlink_info()
cmds["help"] = {"anyOf": [obj({"commands": arr(obj({"command": S(), "args": S(), "summary": S()}))}),
                          obj({"command": S(), "args": S(), "summary": S()})]}
# A run's document: the command's report (with "error" when it failed
# after the report began), or the error alone.
def may_fail(o):
    for branch in o.get("anyOf", [o]):
        branch["properties"]["error"] = R("error")
    return o
for name, c in cmds.items():
    defs["report_" + name] = may_fail(c)
    defs["cmd_" + name] = {"anyOf": [obj({"error": R("error")}), R("report_" + name)]}
schema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://vfiomig.invalid/vfiomig.schema.json",
  "title": "vfiomig -j documents",
  "description": "The JSON contract of vfiomig(8) OUTPUT: one document per run; $defs/cmd_COMMAND describes the document of COMMAND (check --soak: cmd_check_soak; list --all: cmd_list_all; devlink info: cmd_devlink_info). Keys are only ever added.",
  "$defs": defs,
}
sys.stdout.write(json.dumps(schema, indent=1) + "\n")
