#!/usr/bin/env python3
"""Writes fixtures/imports/: the same five made-up shipments as tollgate's own CSV and as the inputs compliance teams
have (issue 15): a semicolon CSV with Excel's sep= line, a UTF-8 byte order mark and decimal commas; Excel's "Unicode
Text" (UTF-16LE with a byte order mark, tab-delimited, CRLF); an .xlsx workbook (shared and inline strings, numbers,
a boolean, dates as Excel serial numbers with a date style; a second sheet); an SAP-like export read through a JSON
column map; an Oracle-like export read through a TOML column map. tests/cli/cli_imports.sh checks that tollgate
check --json gives byte-identical output for all of them.

Standard library only (zipfile). Run from the repository root:  python3 scripts/make_import_fixtures.py
The output is deterministic (fixed zip timestamps), so re-running it leaves git clean.
"""
import datetime
import os
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "imports")

# id, date, chip (catalog name; "" for an inline spec), inline chip name, tpp, die area, datacenter, destination, end user, its HQ,
# its parent's HQ, quantity, unit price (USD, exact text with two decimals, the cents never 0 so that Excel's
# shortest number text is the same text).
ROWS = [
    ("S-1001", "2025-09-15", "H20", "", "", "", "", "", "CN", "Example AI Lab", "CN", "CN", "1000", "12345.67"),
    ("S-1002", "2024-02-01", "L4", "", "", "", "", "", "VN", "Hosting Co, Ltd", "SG", "SG", "40", "2499.99"),
    ("S-1003", "2026-02-01", "H200 SXM 141GB", "", "", "", "", "", "CN", "Example AI Lab", "CN", "CN", "8", "31000.55"),
    ("S-1004", "2026-02-01", "", "Custom accelerator", "15000", "900", "true", "4800", "CN", "Example AI Lab", "CN", "CN", "16", "28000.25"),
    ("S-1005", "2025-03-03", "A100 SXM4 80GB", "", "", "", "", "", "DE", "Müller Rechenzentrum GmbH", "DE", "DE", "2",
     "9999.99"),
]
HEADER = ["id", "date", "chip", "chip_name", "chip_tpp", "chip_die_area_mm2", "chip_datacenter", "chip_memory_bw_gbps",
          "destination", "end_user",
          "end_user_hq", "end_user_parent_hq", "quantity", "unit_price_usd", "export_from"]
NAMES = {"CN": "China", "VN": "Viet Nam", "SG": "Singapore", "DE": "Germany"}


def csv_cell(v, delim=","):
    return '"' + v.replace('"', '""') + '"' if (delim in v or '"' in v or "\n" in v) else v


def rows_full():
    return [list(r) + ["US"] for r in ROWS]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def plain_csv():
    lines = [",".join(HEADER)] + [",".join(csv_cell(v) for v in r) for r in rows_full()]
    write("orders.csv", ("\n".join(lines) + "\n").encode())


def comma_decimal(v):
    """12345.67 -> 12.345,67 (German Excel)."""
    whole, _, frac = v.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ".".join(groups) + ("," + frac if frac else "")


def semicolon_csv():
    lines = ["sep=;", ";".join(HEADER)]
    for r in rows_full():
        r = list(r)
        r[4] = comma_decimal(r[4]) if r[4] else ""
        r[13] = comma_decimal(r[13])
        lines.append(";".join(csv_cell(v, ";") for v in r))
    write("orders_semicolon.csv", b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode())


def unicode_text():
    lines = ["\t".join(HEADER)] + ["\t".join(r) for r in rows_full()]
    write("orders_unicode.txt", "\ufeff".encode("utf-16-le") + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))


def serial(iso):
    return str((datetime.date.fromisoformat(iso) - datetime.date(1899, 12, 30)).days)


def xlsx():
    shared = []

    def s(v):
        if v not in shared:
            shared.append(v)
        return shared.index(v)

    def esc(v):
        return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    def col(i):
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]

    sheet_rows = []
    cells = "".join(f'<c r="{col(i)}1" t="s"><v>{s(h)}</v></c>' for i, h in enumerate(HEADER))
    sheet_rows.append(f'<row r="1">{cells}</row>')
    for n, r in enumerate(rows_full(), start=2):
        out = []
        for i, v in enumerate(r):
            ref = f"{col(i)}{n}"
            name = HEADER[i]
            if v == "":
                continue
            if name == "date":
                out.append(f'<c r="{ref}" s="1"><v>{serial(v)}</v></c>')  # a date cell: style 1 = numFmt 14
            elif name in ("quantity", "unit_price_usd", "chip_tpp", "chip_die_area_mm2", "chip_memory_bw_gbps"):
                out.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif name == "chip_datacenter":
                out.append(f'<c r="{ref}" t="b"><v>{1 if v == "true" else 0}</v></c>')
            elif name == "end_user" and n == 3:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{esc(v)}</t></is></c>')
            else:
                out.append(f'<c r="{ref}" t="s"><v>{s(v)}</v></c>')
        sheet_rows.append(f'<row r="{n}">{"".join(out)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet1 = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns} {rns}><sheetData>'
              + "".join(sheet_rows) + "</sheetData></worksheet>")
    sheet2 = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns}><sheetData>'
              f'<row r="1"><c r="A1" t="inlineStr"><is><t>Exported from the order system</t></is></c></row>'
              "</sheetData></worksheet>")
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {ns} count="{len(shared)}" '
           f'uniqueCount="{len(shared)}">' + "".join(f"<si><t>{esc(v)}</t></si>" for v in shared) + "</sst>")
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {ns} {rns}><workbookPr/>'
                '<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/><sheet name="Notes" sheetId="2" r:id="rId2"/>'
                "</sheets></workbook>")
    pr = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{pr}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{pr}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{pr}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{pr}/styles" Target="styles.xml"/></Relationships>')
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {ns}>'
              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    top_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{pr}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sharedStrings+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.styles+xml"/></Types>')
    parts = [("[Content_Types].xml", ct), ("_rels/.rels", top_rels), ("xl/workbook.xml", workbook),
             ("xl/_rels/workbook.xml.rels", rels), ("xl/styles.xml", styles), ("xl/sharedStrings.xml", sst),
             ("xl/worksheets/sheet1.xml", sheet1), ("xl/worksheets/sheet2.xml", sheet2)]
    path = os.path.join(OUT, "orders.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode())


SAP_PARTS = {"H20": "NV-900-2G530-0000", "L4": "NV-900-2G193-0000", "H200 SXM 141GB": "NV-935-24287-0000",
             "A100 SXM4 80GB": "NV-699-2G506-0210", "": "ZX-CUST-0001"}


def sap():
    """An SAP SD line-item export (VA05-like, German locale): ';', decimal commas, DD.MM.YYYY, SAP's X for yes,
    material numbers, and columns tollgate has no use for (plant, HS code, Incoterms, currency)."""
    head = ["VBELN", "POSNR", "ERDAT", "MATNR", "WERKS", "KWMENG", "NETPR", "WAERK", "LAND1", "NAME1", "KUNNR_LAND",
            "KONZS_LAND", "HS_CODE", "INCO1", "Z_TPP", "Z_DIE_AREA", "Z_DATACENTER", "Z_CHIP_NAME", "Z_MEM_BW"]
    lines = [";".join(head)]
    for r in ROWS:
        d = datetime.date.fromisoformat(r[1])
        lines.append(";".join([
            r[0], "000010", d.strftime("%d.%m.%Y"), SAP_PARTS[r[2]], "1000", r[12], comma_decimal(r[13]), "USD", r[8],
            r[9], r[10], r[11], "8473.30.1180", "FCA", comma_decimal(r[4]) if r[4] else "", r[5],
            "X" if r[6] == "true" else "", r[3], comma_decimal(r[7]) if r[7] else ""]))
    write("sap_export.csv", ("\r\n".join(lines) + "\r\n").encode())


ORACLE_ITEMS = {"H20": "H20-96GB-PCIE", "L4": "L4-24GB", "H200 SXM 141GB": "H200-SXM-141G",
                "A100 SXM4 80GB": "A100-SXM4-80G", "": "CUSTOM-ACCEL-01"}


def oracle():
    """An Oracle Order Management export (US locale): country names, MM/DD/YYYY, prices in cents, Yes/No."""
    head = ["ORDER_NUMBER", "LINE_ID", "ORDERED_DATE", "ORDERED_ITEM", "ORDERED_QUANTITY", "UNIT_PRICE_MINOR",
            "CURRENCY_CODE", "SHIP_TO_COUNTRY", "END_CUSTOMER", "END_CUSTOMER_COUNTRY", "ULTIMATE_PARENT_COUNTRY",
            "FLOW_STATUS_CODE", "ITEM_TPP", "ITEM_DIE_AREA_MM2", "ITEM_DATACENTER", "CUSTOM_ITEM_NAME",
            "ITEM_MEMORY_BW_GBPS"]
    lines = [",".join(head)]
    for n, r in enumerate(ROWS):
        d = datetime.date.fromisoformat(r[1])
        lines.append(",".join(csv_cell(v) for v in [
            r[0], str(7100 + n), d.strftime("%m/%d/%Y"), ORACLE_ITEMS[r[2]], r[12], r[13].replace(".", ""), "USD",
            NAMES[r[8]], r[9], NAMES[r[10]], NAMES[r[11]], "BOOKED", r[4], r[5],
            "Yes" if r[6] == "true" else ("No" if r[4] else ""), r[3], r[7]]))
    write("oracle_export.csv", ("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    plain_csv()
    semicolon_csv()
    unicode_text()
    xlsx()
    sap()
    oracle()
