// tollgate — re-screening a trace store against newer screening lists (`tollgate trace rescreen`; what SAP GTS
// calls periodic screening): the stored decisions whose parties match differently now, and the list delta.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/parties/parties.hpp"
#include "engine/trace/store.hpp"

namespace tollgate {

// How two versions of the lists differ, by entry key (ListEntry::key()): entries only in the newer, only in the
// older, and in both with another name, aliases, addresses, source, FR notice, licence policy or dates.
struct ListDelta {
  std::vector<std::string> added, removed, changed;   // entry keys, sorted
  std::vector<std::string> changed_fields;            // per changed entry: "name, alt_names" (the same order)
};
ListDelta list_delta(const std::vector<ScreeningList>& older, const std::vector<ScreeningList>& newer);

// One party of a stored decision whose matches differ under the newer lists.
struct PartyChange {
  std::string role;      // end_user, consignee, intermediate_consignee, purchaser, owner
  std::string name;
  std::string before, after;  // "certain match pub-huawei; possible match x" or "no match"
};
struct RescreenHit {
  int64_t seq = 0, run = 0;
  uint64_t line = 0;
  std::string id, verdict, input_path;
  std::vector<PartyChange> changes;
};
struct RescreenReport {
  uint64_t decisions = 0, screened = 0, not_screened = 0;  // stored decisions; with a screening member; without
  std::vector<std::string> stored_lists;                    // "name sha256" of the lists the decisions were screened with
  std::vector<RescreenHit> hits;                            // in seq order
};

// Re-screens every stored decision that carries a screening member (decisions stored without --lists have no
// parties to re-screen: counted as not_screened) with `newer`: each party (and each owner of the end user) is
// screened again with the name and country it was screened with, and a decision is a hit when the entries it
// matches, or how (certain, possible, resolved), differ from what was stored. Throws std::runtime_error if the
// store cannot be read.
RescreenReport rescreen(TraceStore& store, const PartyLists& newer);

std::string rescreen_text(const RescreenReport& r, const ListDelta* delta);
std::string rescreen_json(const RescreenReport& r, const ListDelta* delta, const PartyLists& newer);

}  // namespace tollgate
