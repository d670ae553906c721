#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The report of `make bench`: results.json, the table, the targets, the plot.

Reads the benchmark's kernel lines (tools/bench/uml.sh, tools/bench/vm.sh)
and Google Benchmark's JSON (mdl_bench_user), and writes, into --out:

  results.json   one object per (where, scenario, size, contender)
  results.txt    the table and the targets, as printed
  plot.svg       time against size for every contender (gnuplot)
  plot-ratio.svg each contender's median over the zeroing bound's, per size
  plot.png, plot-ratio.png  the same, when gnuplot has its png terminal

Every number comes from the input files; nothing is filled in.

  report.py --uml uml.txt --vm vm.txt --user vm-user.json --out build/bench/7.3
  report.py --smoke --uml uml.txt --out build/bench/smoke-6.1
  report.py --summary build/bench/*/results.json --out build/bench
  report.py --pool-mb 4K,2M,1G      (pool size for the largest allocation)
"""
import argparse
import datetime
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

CONTENDERS = [
    "pool_cold", "pool_warm", "ttm_pool", "heap_ladder", "dma_noncontig",
    "naive_order0", "zero_bound", "timer",
]
DESCRIPTION = {
    "pool_cold": "drm-mdl, pool drained before each allocation",
    "pool_warm": "drm-mdl, pool refilled and its worker idle",
    "ttm_pool": "TTM pool on a ttm_device (cached, zeroed, dma_map_page)",
    "heap_ladder": "dma-buf system heap 8/4/0 ladder + dma_map_sgtable",
    "dma_noncontig": "dma_alloc_noncontiguous(__GFP_ZERO)",
    "naive_order0": "alloc_page(__GFP_ZERO) loop + dma_map_sgtable",
    "zero_bound": "clear_page over already-allocated pages",
    "timer": "nothing, timed as the others are: the measurement's own cost",
}
MAPPING = {c for c in CONTENDERS if c not in ("zero_bound", "timer")}
BIG = 2 << 20
INT_FIELDS = {
    "size", "reps", "median_ns", "min_ns", "max_ns", "alloc_median_ns",
    "free_median_ns", "batch", "chunks", "big_chunk_bytes", "dma_segments",
    "not_zeroed", "pool_hits", "pool_misses", "errno", "iommu",
    "max_segment", "ram_mib", "free_mib", "init_on_alloc", "pool_limit_mib",
    "large_page", "page_size", "need_mib", "held_mib", "touched_mib",
    "status_code", "allocs", "validate_ns", "gather_ns", "cache_ns", "describe_ns",
    "map_ns", "free_ns", "desc_bytes", "pages", "runs",
}
PHASES = ["validate", "gather", "cache", "describe", "map", "free"]


def parse_size(text):
    text = text.strip().upper()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


def fmt_size(n):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B"


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} us"
    if ns < 1e9:
        return f"{ns / 1e6:.4g} ms"
    return f"{ns / 1e9:.4g} s"


def parse_kernel_lines(path):
    """RESULT, PHASES, SKIP, INFO and DONE lines of the kernel side."""
    out = {"results": [], "phases": [], "skips": [], "infos": [], "done": []}
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("mdl_bench: "):
                continue
            words = line[len("mdl_bench: "):].split()
            if not words:
                continue
            kind, fields = words[0], {}
            for w in words[1:]:
                if "=" not in w:
                    continue
                k, v = w.split("=", 1)
                if k == "status" and kind == "DONE":
                    k = "status_code"
                fields[k] = int(v) if k in INT_FIELDS else v
            key = {"RESULT": "results", "PHASES": "phases", "SKIP": "skips",
                   "INFO": "infos", "DONE": "done"}.get(kind)
            if key:
                out[key].append(fields)
    return out


def user_results(path):
    """Median, min and max over Google Benchmark's repetitions, in ns."""
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return [], None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        return [], f"cannot parse {path}: {e}"
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
    runs = {}
    # Per-run counters: the faults vary by repetition (their median is
    # kept), the allocation's layout and the kernel's capability do not.
    counters = {"faults": {}, "pmd_runs": {}, "huge_mappings": {}, "pooled": {}}
    errors = []
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration":
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        if b.get("error_occurred"):
            errors.append(f"{name}: {b.get('error_message')}")
            continue
        runs.setdefault(name, []).append(
            b["real_time"] * scale[b.get("time_unit", "ns")])
        for key, values in counters.items():
            if key in b:
                values.setdefault(name, []).append(b[key])
    # /0: the edu PCI device (IOMMU); /1: mdl's platform device (DMA-direct).
    names = {
        "BM_IoctlVersion/0": ("ioctl", 0, "drm_ioctl_version"),
        "BM_IoctlVersion/1": ("ioctl", 0, "drm_ioctl_version_direct"),
        "BM_IoctlAllocFree/4096/0": ("ioctl", 4096, "mdl_ioctl_alloc_free"),
        "BM_IoctlAllocFree/4096/1": ("ioctl", 4096, "mdl_ioctl_alloc_free_direct"),
        "BM_VgemDumbCreateDestroy/4096": ("ioctl", 4096, "vgem_dumb_create_destroy"),
        # The pool before each repetition: /0 emptied, /1 refilled.
        "BM_MdlMmapTouch/67108864/0/0": ("mmap_touch", 64 << 20, "mdl_alloc_mmap_touch_cold"),
        "BM_MdlMmapTouch/67108864/1/0": ("mmap_touch", 64 << 20,
                                         "mdl_alloc_mmap_touch_cold_direct"),
        "BM_MdlMmapTouch/67108864/0/1": ("mmap_touch", 64 << 20, "mdl_alloc_mmap_touch_warm"),
        "BM_MdlMmapTouch/67108864/1/1": ("mmap_touch", 64 << 20,
                                         "mdl_alloc_mmap_touch_warm_direct"),
        "BM_VgemDumbMmapTouch/67108864": ("mmap_touch", 64 << 20, "vgem_dumb_mmap_touch"),
    }
    # mmap + touch of an existing object: BM_MdlTouchMapped/SIZE/D and
    # BM_VgemTouchMapped/SIZE, 2 MiB to 1 GiB.
    for name in runs:
        parts = name.split("/real_time")[0].split("/")
        if parts[0] == "BM_MdlTouchMapped" and len(parts) == 3:
            names["/".join(parts)] = ("touch_mapped", int(parts[1]),
                                      "mdl_touch_mapped" + ("_direct" if parts[2] == "1" else ""))
        elif parts[0] == "BM_MdlTouchMappedByPages" and len(parts) == 3:
            names["/".join(parts)] = ("touch_mapped", int(parts[1]),
                                      "mdl_touch_by_pages" + ("_direct" if parts[2] == "1" else ""))
        elif parts[0] == "BM_VgemTouchMapped" and len(parts) == 2:
            names["/".join(parts)] = ("touch_mapped", int(parts[1]), "vgem_touch_mapped")
    out = []
    for name, times in sorted(runs.items()):
        # Google Benchmark names a run's options too: ".../min_warmup_time:1.000".
        base = re.sub(r"/min_warmup_time:[0-9.]+", "", name.split("/real_time")[0])
        scenario, size, contender = names.get(base, ("user", 0, base))
        row = {
            "where": "vm", "scenario": scenario, "size": size,
            "contender": contender, "status": "ok", "reps": len(times),
            "median_ns": round(statistics.median(times)),
            "min_ns": round(min(times)), "max_ns": round(max(times)),
            "chunks": None, "dma_segments": None,
        }
        for key, values in counters.items():
            if name in values:
                row[key] = statistics.median(values[name])
        out.append(row)
    return out, "; ".join(errors) or None


def index(results):
    return {(r["where"], r["scenario"], r["size"], r["contender"]): r
            for r in results}


def info_for(infos, where, scenario):
    for i in infos:
        if i.get("where") == where and i.get("scenario") == scenario and "device" in i:
            return i
    return {}


# ------------------------------------------------------------- sanity --

def timer_ns(idx, where, scenario):
    """The timer row's median where the most operations make one repetition
    (the smallest sizes, 64 of them): where the clock is the kernel's, it
    ticks every 256 ns in UML, and only over many operations do the ticks
    average out. None when the run has no timer row."""
    rows = [r for (w, sc, _, c), r in idx.items()
            if (w, sc, c) == (where, scenario, "timer")
            and r.get("status") == "ok" and r.get("reps")]
    if not rows:
        return None
    return min(rows, key=lambda r: (-r.get("batch", 1), r["size"]))["median_ns"]


def expected_failure(r, info):
    """dma_alloc_noncontiguous without an IOMMU needs one contiguous block:
    beyond the buddy allocator's largest order, or in fragmented memory, it
    cannot succeed. That is the API's limit, not a broken measurement."""
    return (r["contender"] == "dma_noncontig" and r.get("status") == "failed"
            and r.get("errno") == -12 and not info.get("iommu", 0))


def sanity(kernel, user_rows, smoke):
    """(passed, problems): one check per result the run should have."""
    passed, problems = 0, []
    measured = {}
    for r in kernel["results"]:
        measured.setdefault((r["where"], r["scenario"], r["size"]), set()).add(r["contender"])
    for key, got in sorted(measured.items()):
        for c in CONTENDERS:
            if c not in got:
                problems.append(f"{key}: no result for {c}")
    for r in kernel["results"]:
        info = info_for(kernel["infos"], r["where"], r["scenario"])
        name = f"{r['where']}/{r['scenario']}/{fmt_size(r['size'])}/{r['contender']}"
        if expected_failure(r, info):
            continue
        bad = []
        if r.get("status") != "ok":
            bad.append(f"status {r.get('status')} errno {r.get('errno')}")
        else:
            # A repetition is the mean of up to 64 operations, each timed on
            # its own; where UML cannot use the TSC its clock ticks every
            # 256 ns, and a 4 KiB zeroing (about 150 ns) can read 0 in every
            # one of them, so only the median must be above zero.
            # The timer allocates nothing, and may read 0 in every one.
            timer = r["contender"] == "timer"
            if not (0 <= r["min_ns"] <= r["median_ns"] <= r["max_ns"]
                    and (r["median_ns"] > 0 or timer)):
                bad.append(f"min/median/max {r['min_ns']}/{r['median_ns']}/{r['max_ns']}")
            if not timer and (r["chunks"] < 1 or r["big_chunk_bytes"] > r["size"]):
                bad.append(f"chunks {r['chunks']} big bytes {r['big_chunk_bytes']}")
            if r["contender"] in MAPPING and r["dma_segments"] < 1:
                bad.append(f"dma_segments {r['dma_segments']}")
            if r["not_zeroed"]:
                bad.append(f"{r['not_zeroed']} pages not zeroed")
            if r["contender"] == "pool_warm" and r["pool_hits"] == 0:
                bad.append("warm pool handed out no page")
        if bad:
            problems.append(f"{name}: " + ", ".join(bad))
        else:
            passed += 1
    phases = index(kernel["phases"])
    for (where, scenario, size), got in sorted(measured.items()):
        for c in ("pool_cold", "pool_warm"):
            if c not in got:
                continue
            name = f"{where}/{scenario}/{fmt_size(size)}/{c}: phases"
            r = phases.get((where, scenario, size, c))
            if not r:
                problems.append(f"{name}: no PHASES line")
            elif (not r.get("allocs") or r.get("pages") != size // 4096
                  or not r.get("desc_bytes") or not 1 <= r.get("runs", 0) <= r["pages"]):
                problems.append(f"{name}: allocs {r.get('allocs')}, pages {r.get('pages')}, "
                                f"runs {r.get('runs')}, desc_bytes {r.get('desc_bytes')}")
            else:
                passed += 1
    for d in kernel["done"]:
        if d.get("status_code", 0):
            problems.append(f"mdl_bench.ko: DONE status {d['status_code']}")
    for r in user_rows:
        if 0 < r["min_ns"] <= r["median_ns"] <= r["max_ns"]:
            passed += 1
        else:
            problems.append(f"user {r['contender']}: bad times")
    if not kernel["results"]:
        problems.append("no kernel results at all")
    return passed, problems


# -------------------------------------------------------------- table --

def table(kernel, out):
    idx = index(kernel["results"])
    groups = []
    for r in kernel["results"]:
        g = (r["where"], r["scenario"])
        if g not in groups:
            groups.append(g)
    for where, scenario in groups:
        info = info_for(kernel["infos"], where, scenario)
        out.append("")
        out.append(f"== {where}, {scenario}: allocate + zero + DMA-map + unmap + free ==")
        if info:
            out.append(
                f"   device {info.get('device')}, iommu {info.get('iommu')}, "
                f"max_segment {info.get('max_segment')}, RAM {info.get('ram_mib')} MiB, "
                f"free {info.get('free_mib')} MiB, init_on_alloc {info.get('init_on_alloc')}, "
                f"pool limit {info.get('pool_limit_mib')} MiB, clock {info.get('clock', 'ktime')}")
        for i in kernel["infos"]:
            if i.get("where") == where and i.get("scenario") == scenario and "held_mib" in i:
                out.append(f"   fragmented: {i['held_mib']} MiB held as single pages (even pfns), "
                           f"{i['free_mib']} MiB free; no free block of order >= 1 was left that")
                out.append("   could be had without reclaim (compaction may still move movable pages)")
        if where == "vm":
            out.append("   (TCG: only ratios within this run count)")
        out.append(f"   {'size':>8} {'contender':<14} {'median':>10} {'min':>10} {'max':>10} "
                   f"{'reps':>4} {'chunks':>7} {'>=2M':>5} {'dma segs':>8} {'pool hit':>8} "
                   f"{'x cold':>7} {'x warm':>7}")
        sizes = sorted({r["size"] for r in kernel["results"]
                        if r["where"] == where and r["scenario"] == scenario})
        for size in sizes:
            cold = idx.get((where, scenario, size, "pool_cold"), {}).get("median_ns")
            warm = idx.get((where, scenario, size, "pool_warm"), {}).get("median_ns")
            for c in CONTENDERS:
                r = idx.get((where, scenario, size, c))
                if not r:
                    continue
                if r.get("status") != "ok" or not r.get("reps"):
                    why = "n/a: needs one contiguous block without an IOMMU" \
                        if expected_failure(r, info) else f"{r.get('status')} ({r.get('errno')})"
                    out.append(f"   {fmt_size(size):>8} {c:<14} {why}")
                    continue
                m = r["median_ns"]
                big = f"{100 * r['big_chunk_bytes'] / size:.0f}%"
                segs = "-" if r["dma_segments"] < 0 else str(r["dma_segments"])
                hits = r["pool_hits"] + r["pool_misses"]
                hit = f"{100 * r['pool_hits'] / hits:.0f}%" if c.startswith("pool") and hits else "-"
                xc = f"{m / cold:.2f}" if cold else "-"
                xw = f"{m / warm:.2f}" if warm else "-"
                out.append(f"   {fmt_size(size):>8} {c:<14} {fmt_ns(m):>10} {fmt_ns(r['min_ns']):>10} "
                           f"{fmt_ns(r['max_ns']):>10} {r['reps']:>4} {r['chunks']:>7} {big:>5} "
                           f"{segs:>8} {hit:>8} {xc:>7} {xw:>7}")
        for s in kernel["skips"]:
            if s.get("where") == where and s.get("scenario") == scenario:
                out.append(f"   {fmt_size(s['size']):>8} skipped: needs {s.get('need_mib')} MiB free "
                           f"(the size plus a reserve), {s.get('free_mib')} MiB are")
    out.append("")
    out.append("   x cold / x warm: the contender's median over drm-mdl's (cold / warm pool);")
    out.append("   above 1 means drm-mdl is faster. '>=2M': share of bytes in physically")
    out.append("   contiguous chunks of 2 MiB or more. Contenders:")
    for c in CONTENDERS:
        out.append(f"     {c:<14} {DESCRIPTION[c]}")


def phase_table(kernel, out):
    """Where drm-mdl's time goes, per size: the engine's phase counters,
    from a pass of their own after the timed repetitions."""
    if not kernel["phases"]:
        return
    groups = []
    for r in kernel["phases"]:
        g = (r["where"], r["scenario"])
        if g not in groups:
            groups.append(g)
    for where, scenario in groups:
        out.append("")
        out.append(f"== {where}, {scenario}: drm-mdl's phases, mean per allocation "
                   "(counters on: a pass of their own) ==")
        out.append(f"   {'size':>8} {'contender':<10} "
                   + " ".join(f"{p:>9}" for p in PHASES)
                   + f" {'sum':>9} {'desc B/page':>11}")
        rows = sorted((r for r in kernel["phases"]
                       if r["where"] == where and r["scenario"] == scenario),
                      key=lambda r: (r["size"], r["contender"]))
        for r in rows:
            total = sum(r.get(f"{p}_ns", 0) for p in PHASES)
            per_page = r["desc_bytes"] / r["pages"] if r.get("pages") else 0
            out.append(f"   {fmt_size(r['size']):>8} {r['contender']:<10} "
                       + " ".join(f"{fmt_ns(r.get(p + '_ns')):>9}" for p in PHASES)
                       + f" {fmt_ns(total):>9} {per_page:>11.1f}")
    out.append("")
    out.append("   desc B/page: bytes of struct drm_mdl, its runs and index and its mapping's")
    out.append("   table if it has one, as the slab and vmalloc gave them out, per page described.")


def user_table(rows, err, out):
    if not rows and not err:
        return
    out.append("")
    out.append("== vm, user space (Google Benchmark, real time; TCG: ratios only) ==")
    for r in rows:
        size = fmt_size(r["size"]) if r["size"] else "-"
        faults = f" faults {r['faults']:.0f}" if "faults" in r else ""
        pooled = f" pooled {r['pooled']:.2f}" if "pooled" in r else ""
        out.append(f"   {r['contender']:<32} {size:>8} median {fmt_ns(r['median_ns']):>10} "
                   f"min {fmt_ns(r['min_ns']):>10} max {fmt_ns(r['max_ns']):>10} "
                   f"reps {r['reps']}{faults}{pooled}")
    if err:
        out.append(f"   errors: {err}")


# ------------------------------------------------------------ targets --


def targets(kernel, user_rows, out):
    idx = index(kernel["results"])
    uidx = {r["contender"]: r for r in user_rows}
    verdicts = []

    def ok(r):
        return r is not None and r.get("status") == "ok" and r.get("reps")

    def med(where, scenario, size, c):
        r = idx.get((where, scenario, size, c))
        return r["median_ns"] if ok(r) else None

    def sizes_of(where, scenario, minimum=BIG, maximum=None):
        return sorted({r["size"] for r in kernel["results"]
                       if r["where"] == where and r["scenario"] == scenario
                       and r["size"] >= minimum and (maximum is None or r["size"] <= maximum)})

    def check(name, where, scenario, fn, limit_text, info=False, issue=4,
              minimum=BIG, maximum=None):
        """fn(size) -> (value, passed) or None when not measurable."""
        parts, fails, seen = [], 0, 0
        for size in sizes_of(where, scenario, minimum, maximum):
            res = fn(size)
            if res is None:
                parts.append(f"{fmt_size(size)} n/a")
                continue
            value, good = res
            seen += 1
            fails += not good
            parts.append(f"{fmt_size(size)} {value}{'' if good else ' (!)'}")
        verdict = "N/A" if not seen else ("PASS" if not fails else "FAIL")
        if info and seen:
            verdict = "INFO"
        verdicts.append({"target": name, "where": where, "verdict": verdict,
                         "detail": ", ".join(parts), "limit": limit_text, "issue": issue})

    phases = index(kernel["phases"])

    series = os.environ.get("MDL_KERNEL", "")

    def issue31_targets(where, u, vs, check):
        """Issue 31: every size on every kernel; "no slower" allows 3 %."""
        f = "fragmented"
        every = {"issue": 31, "minimum": 0}

        def vs_fastest(size):
            x = med(where, u, size, "pool_cold")
            peers = sorted((m, c) for c in ("ttm_pool", "heap_ladder")
                           if (m := med(where, u, size, c)) is not None)
            if x is None or not peers:
                return None
            m, c = peers[0]
            return f"{x / m:.3f}x ({c})", x / m <= 1.03
        check("pool cold no slower than the fastest of TTM's pool and the heap ladder "
              "(every size)", where, u, vs_fastest, "cold/fastest <= 1.03", **every)
        check("pool warm <= 0.5x TTM's pool (every size)", where, u,
              vs("pool_warm", "ttm_pool", 0.5), "warm/ttm <= 0.50", **every)

        # Every median includes the clock reads around the operation, which
        # the timer row measures alone; at 4 KiB in UML they are most of a
        # warm request and over a third of TTM's.
        def harness(size):
            t, w, m = (timer_ns(idx, where, u), med(where, u, size, "pool_warm"),
                       med(where, u, size, "ttm_pool"))
            if t is None or w is None or m is None:
                return None
            return f"{t} ns of warm {w} ns and of TTM's {m} ns", True
        check("  the measurement's own cost: the timer row", where, u, harness,
              "timer ns", info=True, issue=31, minimum=4096, maximum=4096)
        # In the VM on every kernel; in UML only on 7.3, as issue 31 asks
        # (it set the row when only 7.x mapped without a scatterlist entry
        # per run; UML's devices map directly, which 6.1 and 6.12 now do
        # run by run too, so their UML rows are shown beside it).
        frag_info = where == "uml" and series != "7.3"
        check("fragmented, 64 MiB to 1 GiB: pool cold no slower than the naive order-0 loop",
              where, f, vs("pool_cold", "naive_order0", 1.03, scenario=f),
              "cold/naive <= 1.03", info=frag_info, issue=31, minimum=64 << 20)
        check("fragmented, 64 MiB to 1 GiB: pool warm <= 0.3x the naive order-0 loop",
              where, f, vs("pool_warm", "naive_order0", 0.3, scenario=f), "warm/naive <= 0.30",
              info=frag_info, issue=31, minimum=64 << 20)

        # Everything a scattered request allocates, mapping state included,
        # per page: at most 16 bytes on 7.3; what the other kernels take
        # is shown beside it.
        def descriptor(size):
            ph = phases.get((where, f, size, "pool_cold"))
            if not ph or not ph.get("pages"):
                return None
            now = ph["desc_bytes"] / ph["pages"]
            return f"{now:.1f} B/page ({ph.get('runs', '?')} runs)", now <= 16
        check("fragmented (>= 2 MiB): descriptor <= 16 bytes per page (7.3)",
              where, f, descriptor, "B/page <= 16", info=series != "7.3", issue=31)

        check("pool warm >= 20x faster than TTM's pool (>= 2 MiB)", where, u,
              vs("pool_warm", "ttm_pool", 20.0, inverse=True), "ttm/warm >= 20.0", issue=31)
        if where == "vm":
            def one_segment(c):
                def fn(size):
                    r = idx.get((where, u, size, c))
                    if not ok(r) or r["dma_segments"] < 0:
                        return None
                    return str(r["dma_segments"]), r["dma_segments"] == 1
                return fn
            for c in ("pool_cold", "pool_warm"):
                check(f"{c}: one DMA segment behind the IOMMU (>= 2 MiB)", where, u,
                      one_segment(c), "segments == 1", issue=31)

    wheres = []
    for r in kernel["results"]:
        if r["where"] not in wheres:
            wheres.append(r["where"])

    for where in wheres:
        u = "unfragmented"

        def vs(a, b, limit, scenario=u, inverse=False):
            def fn(size):
                x, y = med(where, scenario, size, a), med(where, scenario, size, b)
                if x is None or y is None:
                    return None
                ratio = (y / x) if inverse else (x / y)
                good = ratio >= limit if inverse else ratio <= limit
                return f"{ratio:.3f}x", good
            return fn

        check("pool cold <= 1.05x the zeroing bound (>= 2 MiB)", where, u,
              vs("pool_cold", "zero_bound", 1.05), "cold/zero <= 1.05")
        check("pool cold no slower than TTM's pool (>= 2 MiB)", where, u,
              vs("pool_cold", "ttm_pool", 1.0), "cold/ttm <= 1.00")
        check("pool cold no slower than dma_alloc_noncontiguous (>= 2 MiB)", where, u,
              vs("pool_cold", "dma_noncontig", 1.0), "cold/noncontig <= 1.00")
        check("pool warm >= 3x faster than TTM's pool (>= 2 MiB)", where, u,
              vs("pool_warm", "ttm_pool", 3.0, inverse=True), "ttm/warm >= 3.00")
        issue31_targets(where, u, vs, check)
        # Read as drm-mdl with its pool: cold, both sit on the zeroing
        # bound, and naive/zero_bound is the most any cold allocator can
        # reach; that ceiling is shown with the cold ratio.
        check("pool warm >= 1.3x faster than the naive order-0 loop (>= 2 MiB)", where, u,
              vs("pool_warm", "naive_order0", 1.3, inverse=True), "naive/warm >= 1.30")
        check("pool cold >= 1.3x faster than the naive order-0 loop (>= 2 MiB)", where, u,
              vs("pool_cold", "naive_order0", 1.3, inverse=True), "naive/cold >= 1.30")
        check("  ceiling of any cold allocator against the naive loop: naive / zeroing bound",
              where, u, vs("zero_bound", "naive_order0", 1.3, inverse=True),
              "naive/zero", info=True)

        def big_chunks(size):
            r = idx.get((where, u, size, "pool_cold"))
            if not ok(r):
                return None
            share = r["big_chunk_bytes"] / size
            return f"{100 * share:.0f}%", share >= 0.9
        check(">= 90% of bytes in chunks >= 2 MiB, unfragmented (pool cold, >= 2 MiB)",
              where, u, big_chunks, "share >= 90%")

        check("fragmented: pool cold <= 1.2x the naive order-0 loop (>= 2 MiB)", where,
              "fragmented", vs("pool_cold", "naive_order0", 1.2, scenario="fragmented"),
              "cold/naive <= 1.20")

        for c in ("pool_cold", "pool_warm"):
            small, large = med(where, u, 64 << 20, c), med(where, u, 1 << 30, c)
            if small is None or large is None:
                verdicts.append({"target": f"{c}: cost per page at 1 GiB within 1.2x of 64 MiB",
                                 "where": where, "verdict": "N/A",
                                 "detail": "1 GiB or 64 MiB not measured", "limit": "<= 1.20"})
                continue
            ratio = (large / (1 << 30)) / (small / (64 << 20))
            verdicts.append({"target": f"{c}: cost per page at 1 GiB within 1.2x of 64 MiB",
                             "where": where, "verdict": "PASS" if ratio <= 1.2 else "FAIL",
                             "detail": f"{large / (1 << 18):.0f} ns/page vs "
                                       f"{small / (1 << 14):.0f} ns/page: {ratio:.2f}x",
                             "limit": "<= 1.20"})

    for suffix, dev in (("", "edu, IOMMU"), ("_direct", "platform, DMA-direct")):
        a = uidx.get("mdl_ioctl_alloc_free" + suffix)
        v = uidx.get("drm_ioctl_version" + suffix)
        if a and v:
            ratio = a["median_ns"] / v["median_ns"]
            verdicts.append({"target": f"ioctl alloc+free at 4 KiB <= 3x DRM_IOCTL_VERSION ({dev})",
                             "where": "vm", "verdict": "PASS" if ratio <= 3 else "FAIL",
                             "detail": f"{fmt_ns(a['median_ns'])} vs {fmt_ns(v['median_ns'])}: {ratio:.2f}x",
                             "limit": "<= 3.00"})
            g = uidx.get("vgem_dumb_create_destroy")
            if g:
                verdicts.append({
                    "target": f"  the DRM core's own floor: vgem CREATE_DUMB+DESTROY_DUMB at 4 KiB "
                              f"(a GEM object and handle, no pages) against DRM_IOCTL_VERSION; "
                              f"drm-mdl ({dev}) against vgem",
                    "where": "vm", "verdict": "INFO",
                    "detail": f"{fmt_ns(g['median_ns'])}: {g['median_ns'] / v['median_ns']:.2f}x; "
                              f"{a['median_ns'] / g['median_ns']:.2f}x",
                    "limit": None})
                ratio = a["median_ns"] / g["median_ns"]
                # "No slower" allows 3 % for noise, as issue 31 says.
                verdicts.append({"target": f"ioctl alloc+free at 4 KiB no slower than vgem's "
                                           f"CREATE_DUMB+DESTROY_DUMB ({dev})",
                                 "where": "vm", "verdict": "PASS" if ratio <= 1.03 else "FAIL",
                                 "detail": f"{fmt_ns(a['median_ns'])} vs {fmt_ns(g['median_ns'])}: "
                                           f"{ratio:.2f}x", "limit": "<= 1.03", "issue": 31})
        # alloc + mmap + touch + free of 64 MiB. From an emptied pool every
        # page is zeroed on the caller's path, as vgem's are on their first
        # touch: both pay for zeroing 64 MiB, which bounds the ratio near vgem
        # over the zeroing bound (the kernel bench's, a noisier measurement
        # of its own under TCG). From a refilled pool the pages come zeroed.
        g = uidx.get("vgem_dumb_mmap_touch")
        cold = uidx.get("mdl_alloc_mmap_touch_cold" + suffix)
        warm = uidx.get("mdl_alloc_mmap_touch_warm" + suffix)
        zero = med("vm", "unfragmented", 64 << 20, "zero_bound")

        def alloc_touch(r, pool, pooled, limit, issue):
            """The row @r against vgem, the pool @pool before each repetition;
            a row whose pool gave another share than @pooled measured
            something else and fails."""
            ratio = g["median_ns"] / r["median_ns"]
            good = ratio >= limit and abs(r.get("pooled", pooled) - pooled) < 0.01
            verdicts.append({"target": f"64 MiB alloc+mmap+touch >= {limit}x faster than vgem, "
                                       f"the pool {pool} ({dev})",
                             "where": "vm", "verdict": "PASS" if good else "FAIL",
                             "detail": f"{fmt_ns(r['median_ns'])} vs vgem "
                                       f"{fmt_ns(g['median_ns'])}: {ratio:.2f}x, pooled "
                                       f"{r.get('pooled', pooled):.2f}",
                             "limit": f">= {limit:.2f}", "issue": issue})
            return ratio

        if g and cold:
            ratio = alloc_touch(cold, "emptied", 0, 2, 4)
            if zero:
                verdicts.append({
                    "target": f"  for scale, with the pool emptied: vgem over the kernel "
                              f"bench's zeroing of 64 MiB (zero_bound) ({dev})",
                    "where": "vm", "verdict": "INFO",
                    "detail": f"{fmt_ns(g['median_ns'])} / {fmt_ns(zero)}: "
                              f"{g['median_ns'] / zero:.2f}x; drm-mdl {ratio:.2f}x",
                    "limit": None})
        if g and warm:
            alloc_touch(warm, "refilled", 1, 5, 31)

        # mmap + touch of an existing allocation: one fault per 2 MiB run
        # where the kernel maps PFN ranges by PMD, against the same object
        # mapped one page off a 2 MiB boundary, where every fault maps 16
        # pages as before, and against vgem's shmem.
        touched = {(r["contender"], r["size"]): r for r in user_rows
                   if r["scenario"] == "touch_mapped"}
        for size in sorted({s for (_, s) in touched}):
            m = touched.get(("mdl_touch_mapped" + suffix, size))
            b = touched.get(("mdl_touch_by_pages" + suffix, size))
            g = touched.get(("vgem_touch_mapped", size))
            if not m or "faults" not in m:
                continue
            # The allocation's 2 MiB runs, where the benchmark could read
            # its physical pages: one that took some of the pool's smaller
            # blocks has fewer than its size, and each of its other 2 MiB
            # blocks takes 32 faults of 16 pages.
            blocks = max(size // (2 << 20), 1)
            runs_2m = int(m.get("pmd_runs", blocks))
            others = blocks - runs_2m
            per_run = ((m["faults"] - 32 * others) / runs_2m if runs_2m
                       else float("inf"))
            layout = (f", {runs_2m} of {blocks} blocks a 2 MiB run"
                      if runs_2m != blocks else "")
            vs = f", vgem {fmt_ns(g['median_ns'])} ({g['faults']:.0f} faults)" if g else ""
            # Judged where the kernel maps PFNs by PMD; shown elsewhere.
            by_pmd = m.get("huge_mappings", 1) != 0

            def judged(good):
                return ("PASS" if good else "FAIL") if by_pmd else "INFO"
            if not by_pmd:
                vs += ", the kernel maps PFNs by PTE only"
            verdicts.append({
                "target": f"mmap+touch of {fmt_size(size)}: one fault per 2 MiB run ({dev})",
                "where": "vm", "verdict": judged(per_run <= 1.0),
                "detail": f"{fmt_ns(m['median_ns'])}, {m['faults']:.0f} faults, "
                          f"{per_run:.1f} per 2 MiB run{layout}{vs}",
                "limit": "faults/2 MiB run <= 1", "issue": 31})
            if b and size >= 64 << 20:
                ratio = b["median_ns"] / m["median_ns"]
                verdicts.append({
                    "target": f"mmap+touch of {fmt_size(size)} >= 4x faster than by pages ({dev})",
                    "where": "vm", "verdict": judged(ratio >= 4),
                    "detail": f"{fmt_ns(m['median_ns'])} vs {fmt_ns(b['median_ns'])} "
                              f"({b.get('faults', 0):.0f} faults): {ratio:.2f}x",
                    "limit": ">= 4.00", "issue": 31})

    for issue in (4, 31):
        rows = [v for v in verdicts if v.get("issue", 4) == issue]
        out.append("")
        out.append(f"== targets (issue {issue}; ratios from this run) ==")
        for v in rows:
            out.append(f"   {v['verdict']:<4} [{v['where']}] {v['target']}: {v['detail']}")
        judged = [v for v in rows if v["verdict"] in ("PASS", "FAIL")]
        out.append(f"   issue {issue}: {sum(v['verdict'] == 'PASS' for v in judged)} of "
                   f"{len(judged)} targets PASS")
    return verdicts


# --------------------------------------------------------------- plot --

def size_label(n):
    """4K, 64K, 2M, 1G: the sizes as the benchmark's command line spells them."""
    for unit, div in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def run_gnuplot(gnuplot, outdir, stem, rows, body, out):
    """Renders @body (gnuplot commands after the terminal setup) as
    @stem.svg and, when gnuplot has the png terminal, @stem.png."""
    made = []
    for term, name in (("svg size 1400,%d dynamic font 'sans,12'" % (520 * rows), f"{stem}.svg"),
                       ("png size 1400,%d" % (520 * rows), f"{stem}.png")):
        script = [f"set terminal {term}", "set termoption noenhanced",
                  f"set output '{os.path.join(outdir, name)}'"] + body
        res = subprocess.run([gnuplot], input="\n".join(script) + "\n", text=True,
                             capture_output=True, check=False)
        if res.returncode == 0:
            made.append(os.path.join(outdir, name))
        elif name.endswith(".svg"):
            out.append(f"plot: gnuplot failed on {name}: {res.stderr.strip()[:300]}")
        else:
            try:
                os.unlink(os.path.join(outdir, name))
            except OSError:
                pass
    return made


def plot(kernel, outdir, out):
    """plot.svg: median time against size, log-log, min-max bars.
    plot-ratio.svg: each contender's median over the zeroing bound's at the
    same size, so that a 2x gap at 4 KiB reads as 2x, not as a hair's
    breadth six decades below the 1 GiB points."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        out.append("plot: gnuplot not found (tools/install-deps.sh installs gnuplot-nox)")
        return []
    groups = []
    for r in kernel["results"]:
        g = (r["where"], r["scenario"])
        if g not in groups:
            groups.append(g)
    if not groups:
        return []
    datadir = os.path.join(outdir, "plot-data")
    os.makedirs(datadir, exist_ok=True)
    idx = index(kernel["results"])
    panels = []
    all_sizes = set()
    for where, scenario in groups:
        sizes = sorted({r["size"] for r in kernel["results"]
                        if r["where"] == where and r["scenario"] == scenario})
        all_sizes.update(sizes)
        lines, ratio_lines = [], []
        # The timer allocates nothing; its medians of a few ns would only
        # stretch the time axis.
        for c in (c for c in CONTENDERS if c != "timer"):
            rows, ratios = [], []
            for size in sizes:
                r = idx.get((where, scenario, size, c))
                if not (r and r.get("status") == "ok" and r.get("reps")):
                    continue
                # Seconds: the axis prints them with SI prefixes.
                rows.append(f"{size} {r['median_ns'] / 1e9:g} "
                            f"{r['min_ns'] / 1e9:g} {r['max_ns'] / 1e9:g}")
                bound = idx.get((where, scenario, size, "zero_bound"))
                if (c != "zero_bound" and bound and bound.get("status") == "ok"
                        and bound.get("median_ns")):
                    ratios.append(f"{size} {r['median_ns'] / bound['median_ns']:g}")
            if rows:
                path = os.path.join(datadir, f"{where}-{scenario}-{c}.dat")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(rows) + "\n")
                lines.append((c, path))
            if ratios:
                path = os.path.join(datadir, f"{where}-{scenario}-{c}-ratio.dat")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(ratios) + "\n")
                ratio_lines.append((c, path))
        panels.append((where, scenario, lines, ratio_lines))
    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    xtics = "set xtics (" + ", ".join(f"'{size_label(n)}' {n}" for n in sorted(all_sizes)) + ")"

    def title(where, scenario):
        return f"{where}, {scenario}" + (" (TCG: compare ratios only)" if where == "vm" else "")

    # One line type per contender, the same in both plots.
    types = {c: i for i, c in enumerate(CONTENDERS, 1)}

    def multiplot(ylabel, key, curves_of, extra=(), setup=()):
        # Sizes a factor of two apart (1M, 2M) overprint unless their
        # labels slant.
        body = [f"set multiplot layout {rows},{cols}", "set logscale xy", "set grid",
                f"set key {key} samplen 2", xtics, "set xtics rotate by -45",
                "set xlabel 'allocation size'", f"set ylabel '{ylabel}'", *setup]
        for panel in panels:
            body.append(f"set title '{title(panel[0], panel[1])}'")
            curves = curves_of(panel)
            body.append("plot " + ", ".join(list(curves) + list(extra)) if curves
                        else "plot 1/0 notitle")
        return body + ["unset multiplot"]

    # Each key where its plot has no points: the small sizes, where the
    # gaps are, must stay uncovered.
    absolute = multiplot(
        "median time, alloc..free", "left top",
        lambda p: [f"'{path}' using 1:2:3:4 with yerrorlines lt {types[c]} title '{c}'"
                   for c, path in p[2]],
        # 100 ns, 1 ms rather than 1e+06 (us).
        setup=["set format y '%.0s %cs'"])
    ratio = multiplot(
        "median / zeroing bound (1 = only the zeroing)", "right top",
        lambda p: [f"'{path}' using 1:2 with linespoints lt {types[c]} title '{c}'"
                   for c, path in p[3]],
        extra=["1 with lines lc rgb 'black' dt 2 notitle"])

    return (run_gnuplot(gnuplot, outdir, "plot", rows, absolute, out)
            + run_gnuplot(gnuplot, outdir, "plot-ratio", rows, ratio, out))


# --------------------------------------------------------------- main --

def git_describe():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        head = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def summary(paths, outdir):
    """The targets of several kernels' runs side by side: summary.txt."""
    docs = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            print(f"summary: cannot read {path}: {e}", file=sys.stderr)
            return 1
        docs.append((doc.get("kernel") or os.path.basename(os.path.dirname(path)), doc))
    kernels = [k for k, _ in docs]
    out = [f"== targets per kernel (each kernel's ratios from its own run): "
           f"{', '.join(kernels)} =="]
    rows = {}
    for k, doc in docs:
        for v in doc.get("targets", []):
            key = (v.get("issue", 4), v["where"], v["target"])
            rows.setdefault(key, {})[k] = v["verdict"]
    width = max((len(k) for k in kernels), default=4) + 1
    head = "".join(f"{k:>{max(width, 5)}}" for k in kernels)
    for issue in sorted({i for (i, _, _) in rows}):
        out.append("")
        out.append(f"   issue {issue}{' ' * 4}{head}")
        for (i, where, target), verdicts in rows.items():
            if i != issue:
                continue
            cells = "".join(f"{verdicts.get(k, '-'):>{max(width, 5)}}" for k in kernels)
            out.append(f"   [{where:<3}] {target[:90]:<90}{cells}")
        for k, doc in docs:
            judged = [v for v in doc.get("targets", [])
                      if v.get("issue", 4) == issue and v["verdict"] in ("PASS", "FAIL")]
            out.append(f"   issue {issue} on {k}: "
                       f"{sum(v['verdict'] == 'PASS' for v in judged)} of {len(judged)} PASS")

    # Issue 31 asks 7.3's scatterlist-free map + unmap of a scattered 1 GiB
    # to take at most half of 6.12's: the phase counters of two runs, so
    # only as steady as the VM's clock between two boots. The free phase
    # holds the unmap, and giving the pages back, which both kernels do alike.
    def map_unmap(doc):
        for ph in doc.get("phases", []):
            if (ph.get("where"), ph.get("scenario"), ph.get("size"), ph.get("contender")) == \
                    ("vm", "fragmented", 1 << 30, "pool_cold"):
                return ph.get("map_ns", 0) + ph.get("free_ns", 0) or None
        return None
    by_kernel = dict(docs)
    if "6.12" in by_kernel and "7.3" in by_kernel:
        old, new = map_unmap(by_kernel["6.12"]), map_unmap(by_kernel["7.3"])
        out.append("")
        if old and new:
            ratio = new / old
            out.append(f"   {'PASS' if ratio <= 0.5 else 'FAIL'} [vm ] fragmented 1 GiB map + free "
                       f"on 7.3 <= 0.5x 6.12's: {fmt_ns(new)} vs {fmt_ns(old)}: {ratio:.2f}x")
        else:
            out.append("   N/A  [vm ] fragmented 1 GiB map + free on 7.3 <= 0.5x 6.12's: "
                       "not measured in both runs")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "summary.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--summary", nargs="+", metavar="RESULTS_JSON",
                    help="write summary.txt: the targets of these runs side by side")
    ap.add_argument("--uml")
    ap.add_argument("--vm")
    ap.add_argument("--user")
    ap.add_argument("--out")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--timing", action="append", default=[],
                    help="NAME=SECONDS, recorded in results.json")
    ap.add_argument("--pool-mb", metavar="SIZES",
                    help="print the pool size (MiB) that holds the largest of SIZES")
    args = ap.parse_args()

    if args.pool_mb:
        top = max(parse_size(s) for s in args.pool_mb.split(","))
        print(max(256, (top >> 20) + 64))
        return 0
    if not args.out:
        ap.error("--out is required")
    if args.summary:
        return summary(args.summary, args.out)

    kernel = {"results": [], "phases": [], "skips": [], "infos": [], "done": []}
    for path in (args.uml, args.vm):
        part = parse_kernel_lines(path)
        for k in kernel:
            kernel[k] += part[k]
    user_rows, user_err = user_results(args.user)

    out = []
    table(kernel, out)
    phase_table(kernel, out)
    user_table(user_rows, user_err, out)
    passed, problems = sanity(kernel, user_rows, args.smoke)
    if user_err:
        problems.append(f"user space: {user_err}")

    os.makedirs(args.out, exist_ok=True)
    verdicts = [] if args.smoke else targets(kernel, user_rows, out)
    made = [] if args.smoke else plot(kernel, args.out, out)

    results = []
    for r in kernel["results"]:
        obj = {k: r.get(k) for k in (
            "where", "scenario", "size", "contender", "status", "median_ns", "min_ns",
            "max_ns", "reps", "chunks", "dma_segments", "alloc_median_ns",
            "free_median_ns", "big_chunk_bytes", "pool_hits", "pool_misses", "errno")}
        if obj["dma_segments"] is not None and obj["dma_segments"] < 0:
            obj["dma_segments"] = None
        results.append(obj)
    results += user_rows
    timings = {}
    for t in args.timing:
        name, _, sec = t.partition("=")
        timings[name] = float(sec)
    doc = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_describe(),
        "kernel": os.environ.get("MDL_KERNEL"),
        "units": "ns; time of allocate + zero + DMA-map + unmap + free",
        "environments": [i for i in kernel["infos"] if "device" in i],
        "fragmentation": [i for i in kernel["infos"] if "held_mib" in i],
        "skipped": kernel["skips"],
        "results": results,
        "phases": kernel["phases"],
        "targets": verdicts,
        "sanity": {"passed": passed, "problems": problems},
        "seconds": timings,
    }
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    out.append("")
    for p in problems:
        out.append(f"problem: {p}")
    out.append(f"wrote {os.path.join(args.out, 'results.json')}"
               + "".join(f", {m}" for m in made))
    with open(os.path.join(args.out, "results.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    if args.smoke:
        # The kernel the UML half ran on (run-bench.sh exports it), as the
        # other steps name theirs.
        print(f"SUMMARY bench {os.environ.get('MDL_KERNEL', '?')} {passed} {len(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
