#!/usr/bin/env python3
"""Builds fixtures/chips.csv (tollgate's chip catalog) from ../shared/reference/chips.csv.

Usage: python3 scripts/make_catalog.py [REFERENCE_CSV] > fixtures/chips.csv

Columns are the record field names of DESIGN §4 plus `source`. Derivations (each stated in the row's source):
  datacenter         yes/no -> true/false
  has_hbm            memory_type mentions HBM
  non_planar         process_nm <= 16 (every listed node at 16 nm and below is FinFET or GAA)
  first_marketed     a launch/announcement date quoted in the notes when there is one; otherwise the catalog
                     year as YYYY-01-01 (every rule that reads it has its threshold in 2026, so for chips of
                     2025 and earlier only the year matters)
Empty cells stay empty: tollgate treats them as unknown and refuses to guess (fail closed).
"""
import csv, re, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/chips.csv"
cols = ["name", "vendor", "family", "datacenter", "tpp", "peak_dense_tops", "bit_length", "die_area_mm2",
        "interconnect_gbps", "memory_bw_gbps", "transistors_billion", "process_nm", "non_planar", "has_hbm",
        "first_marketed", "source"]
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(cols)
with open(src, newline="") as f:
    for row in csv.DictReader(f):
        notes = row.get("notes", "")
        derived = []
        r = {c: "" for c in cols}
        for c in ["name", "vendor", "family", "tpp", "peak_dense_tops", "bit_length", "die_area_mm2",
                  "interconnect_gbps", "memory_bw_gbps", "transistors_billion", "process_nm"]:
            r[c] = row.get(c, "").strip()
        r["datacenter"] = {"yes": "true", "no": "false"}.get(row.get("datacenter", "").strip(), "")
        mem = row.get("memory_type", "")
        if mem:
            r["has_hbm"] = "true" if "HBM" in mem.upper() else "false"
        if r["process_nm"]:
            try:
                if float(r["process_nm"]) <= 16:
                    r["non_planar"] = "true"
                    derived.append("non_planar from process_nm <= 16")
            except ValueError:
                pass
        m = re.search(r"(?:launched|announced|launch)[^0-9]{0,20}(\d{4}-\d{2}-\d{2})", notes)
        if m:
            r["first_marketed"] = m.group(1)
            derived.append("first_marketed from notes")
        elif row.get("year", "").strip():
            r["first_marketed"] = row["year"].strip() + "-01-01"
            derived.append("first_marketed: year only")
        r["source"] = "shared/reference/chips.csv" + ("; " + "; ".join(derived) if derived else "") + \
                      " | " + notes
        out.writerow([r[c] for c in cols])
