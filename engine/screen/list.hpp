// tollgate — screening lists read as data, in the Consolidated Screening List's published CSV and JSON layouts
// (docs/screening.md §1). Nothing is downloaded: a list is a file the user gives.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tollgate {

// One entry of a screening list, with the CSL's fields (column names as published).
struct ListEntry {
  std::string id;                        // CSL `_id` (CSV) or `id` (JSON); may be empty
  std::string source;                    // e.g. "Entity List (EL) - Bureau of Industry and Security"
  std::string source_short;              // the abbreviation in the source's parentheses: EL, DPL, UVL, MEU, SDN ...
  std::string entity_number, type, name, title;
  std::vector<std::string> programs, alt_names, addresses;
  std::vector<std::string> countries;    // ISO 3166-1 alpha-2 codes of the addresses (a CSV address's last part)
  std::string federal_register_notice;   // e.g. "88 FR 71991"
  std::string start_date, end_date;      // as published (YYYY-MM-DD)
  std::string license_requirement, license_policy;
  std::string source_list_url;
  int line = 0;                          // CSV line (JSON: the entry's index + 1)
  // A key for resolutions and reports: `id` if given, else "<source_short>:<name>".
  std::string key() const;
};

// A row that could not be read: it costs only itself, and is reported.
struct ListProblem {
  std::string file;
  int line = 0;
  std::string field, reason;
};

// A list file as read: its entries, its date, the SHA-256 of its bytes, and the rows it could not read.
struct ScreeningList {
  std::string path;
  std::string sha256;                    // hex, of the file's bytes
  std::string date;                      // YYYY-MM-DD, or "" if the file does not say (see read_screening_list)
  std::vector<ListEntry> entries;
  std::vector<ListProblem> problems;
  int rows = 0;                          // rows (CSV) or results (JSON) seen: entries.size() + problems rows
};

// Reads a list. The layout is JSON if the first non-blank byte is '{' or '[' (the CSL's bulk JSON: an object with
// "results" and optional "sources_used", or a bare array of results), else CSV with a header row naming the CSL's
// columns (any order; `name` and `source` required; others optional). CSV multi-valued cells (alt_names,
// addresses, programs) are split on ';'. The list's date: JSON's latest sources_used[].source_last_updated;
// CSV: a leading comment line "# list_date: YYYY-MM-DD" (tollgate's, before the header), else a YYYY-MM-DD in the
// file name; else "". A row without a name or source, or with a bad date, is a problem (file, line, field, reason)
// and not an entry. Throws std::runtime_error if the file cannot be read, is not a list at all (no header with
// `name`, malformed JSON), or holds no entry and no problem (a header only, an empty results array).
ScreeningList read_screening_list(const std::string& path);
// The same, from bytes already in memory (`path` names them in problems).
ScreeningList parse_screening_list(const std::string& bytes, const std::string& path);

// A synthetic list in the CSL's CSV layout for benchmarks: `entries` made-up entities (Entity List, Denied
// Persons, Unverified List), each with 0-3 aliases, deterministic from `seed` (raw std::mt19937_64 output only).
std::string synthetic_list_csv(int entries, uint64_t seed);

}  // namespace tollgate

namespace tollgate {
// The bundled sample list (fixtures/lists/csl_sample.csv): public Entity List entries that matter to AI chips plus
// made-up parties for tests. A demonstration, not the current CSL.
std::string bundled_screening_list();
}  // namespace tollgate
