#!/usr/bin/env python3
"""Builds fixtures/chips.csv (tollgate's chip catalog) from ../shared/reference/chips.csv.

Usage: python3 scripts/make_catalog.py [REFERENCE_CSV] > fixtures/chips.csv

Columns are the record field names of docs/records.md ("chip") plus `aliases` and `part_numbers` (names the chip is
sold under, NAMES below) and `source`. Derivations (each stated in the row's source):
  datacenter         yes/no -> true/false
  has_hbm            memory_type mentions HBM
  non_planar         process_nm <= 16 (every listed node at 16 nm and below is FinFET or GAA)
  first_marketed     a launch/announcement date quoted in the notes when there is one; otherwise the catalog
                     year as YYYY-01-01 (every rule that reads it has its threshold in 2026, so for chips of
                     2025 and earlier only the year matters)
  us_available_on    (encoding.md r2; the H200 rule, 91 FR 1684) the date by which the chip was commercially
                     available in the United States, for US-market products only (US_MARKET below): the launch
                     date quoted in the notes, else the end of the launch year ("available by"). China-only
                     variants, Chinese chips, unreleased and cloud-only parts stay empty: then no H200 relaxation.
  hbm_stack,         HBM stacks shipped as such (HBM_STACKS below, not in the reference list): 3A090.c.
  package_area_mm2
Empty cells stay empty: tollgate treats them as unknown and refuses to guess (fail closed).
"""
import csv, re, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/chips.csv"
cols = ["name", "vendor", "family", "datacenter", "tpp", "peak_dense_tops", "bit_length", "die_area_mm2",
        "interconnect_gbps", "memory_bw_gbps", "transistors_billion", "process_nm", "non_planar", "has_hbm",
        "first_marketed", "us_available_on", "hbm_stack", "package_area_mm2", "aliases", "part_numbers", "source"]

# US-market products (sold to US customers by the vendor or its OEMs), by catalog name. Not listed: the China
# variants (A800, H800, H20, L20, L2, RTX 4090D, RTX 5090D and V2, RTX Pro 6000D, B30A, MI308X), Chinese chips
# (Ascend, Kunlun, Cambricon, Moore Threads, T-Head), and parts not sold as merchant chips (Google TPUs).
US_MARKET = {"A100 SXM4 80GB", "A100 PCIe 80GB", "A30", "H100 SXM5 80GB", "H100 PCIe 80GB", "H200 SXM 141GB",
             "L40", "L40S", "L4", "GeForce RTX 4090", "GeForce RTX 5090", "B200 (HGX B200 per GPU)",
             "GB200 (per B200 GPU in GB200 NVL72)", "B300 (HGX B300 per GPU)", "B300 in GB300 NVL72 (per GPU)",
             "Instinct MI250X", "Instinct MI300X", "Instinct MI325X", "Instinct MI355X", "Gaudi 2",
             "Gaudi 3 (HL-325L OAM)"}

# TPP for the chips the rules name that lack it (encoding.md r2, issue 14 item 4): no public figure was found.
NO_PUBLIC_TPP = {"Instinct MI308X", "Kunlun P800", "T-Head PPU", "B30A"}

# Names the chips are sold under (issue 15), by catalog name: aliases, part numbers (each cell ';'-separated), and
# where they come from (added to the row's source). Only names that denote exactly this product: "A100 PCIe" is
# left out (a 40GB card of other memory bandwidth exists), as is "Gaudi 3 OAM" (HL-325L and the liquid-cooled
# HL-335 are both OAM). An alias ending in " series" names a family: it never resolves to one chip (names.cpp).
# Board part numbers were not added where no vendor document giving them was at hand (fail closed: none invented).
NAMES = {
    "H100 SXM5 80GB": ("H100 SXM", "", "NVIDIA H100 Tensor Core GPU datasheet (column 'H100 SXM')"),
    "H100 PCIe 80GB": ("H100 PCIe", "", "NVIDIA H100 PCIe product brief PB-11133-001 (the card is 80GB only)"),
    "H200 SXM 141GB": ("H200 SXM", "", "NVIDIA H200 Tensor Core GPU datasheet (column 'H200 SXM')"),
    "H20": ("HGX H20", "", "NVIDIA's China part sold as HGX H20 (press coverage quoted in the notes)"),
    "B300 in GB300 NVL72 (per GPU)": ("GB300 NVL72", "", "NVIDIA GB300 NVL72 product page (the rack the row describes)"),
    "RTX Pro 6000D (B40)": ("RTX Pro 6000D", "", "the row's own name (The Register; Reuters)"),
    "Instinct MI300X": ("MI300 series", "", "AMD Instinct MI300 Series page (MI300X, MI325X)"),
    "Instinct MI325X": ("MI300 series", "", "AMD Instinct MI300 Series page (MI300X, MI325X)"),
    "Instinct MI308X": ("MI300 series", "", "described as a cut-down MI300X (notes); named with the MI300 series"),
    "Gaudi 2": ("Gaudi2", "", "Intel Gaudi 2 product pages write both 'Gaudi 2' and 'Gaudi2'"),
    "Gaudi 3 (HL-325L OAM)": ("Gaudi3 HL-325L", "HL-325L", "Intel Gaudi 3 AI accelerator white paper (HL-325L: the OAM)"),
    "TPU7x Ironwood": ("Ironwood; TPU v7", "", "Google Cloud announcement 2025-04-09 ('Ironwood, our seventh-generation TPU')"),
}

# HBM stacks shipped as such (3A090.c, 89 FR 96790). Bandwidth = pin rate x 1024-bit interface / 8. Package area:
# the JEDEC HBM3 stack footprint of 11 mm x 11 mm (JESD238; approximate, vendors' package drawings not read).
HBM_STACKS = [
    ("HBM3E 12-High stack (9.6 Gb/s)", "SK hynix / Micron / Samsung", "HBM3E", "1228.8", "121",
     "HBM3E at 9.6 Gb/s per pin x 1024 bits = 1228.8 GB/s; 11 x 11 mm package (JEDEC HBM3 footprint, approximate); "
     "MBD ~10.2 GB/s/mm2 > 2 (BIS: all HBM stacks in production exceed the threshold)"),
    ("HBM3 8-High stack (6.4 Gb/s)", "SK hynix / Samsung", "HBM3", "819.2", "121",
     "HBM3 at 6.4 Gb/s per pin x 1024 bits = 819.2 GB/s; 11 x 11 mm package (JEDEC HBM3 footprint, approximate); "
     "MBD ~6.8 GB/s/mm2"),
]
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
        if r["name"] in US_MARKET:
            if m:
                r["us_available_on"] = m.group(1)
                derived.append("us_available_on: the launch or announcement date quoted in the notes (US-market product)")
            elif row.get("year", "").strip():
                r["us_available_on"] = row["year"].strip() + "-12-31"
                derived.append("us_available_on: by the end of the launch year (US-market product)")
        if r["name"] in NO_PUBLIC_TPP:
            derived.append("TPP: no public compute figure found (2026-11-30; left empty)")
        if r["name"] in NAMES:
            r["aliases"], r["part_numbers"], names_from = NAMES[r["name"]]
            derived.append("names as sold: " + names_from)
        r["source"] = "shared/reference/chips.csv" + ("; " + "; ".join(derived) if derived else "") + \
                      " | " + notes
        out.writerow([r[c] for c in cols])
for name, vendor, family, bw, area, why in HBM_STACKS:
    r = {c: "" for c in cols}
    r.update(name=name, vendor=vendor, family=family, memory_bw_gbps=bw, hbm_stack="true", package_area_mm2=area,
             has_hbm="true", source="scripts/make_catalog.py (HBM stack) | " + why)
    out.writerow([r[c] for c in cols])
