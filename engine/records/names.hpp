// tollgate — chip names as sold ("NVIDIA H100 80GB HBM3 SXM5", "HGX H20", a board part number) taken apart into
// the words that name the model and the attributes they state, so that Catalog::resolve can match them against
// the catalog's names, aliases and part numbers (docs/records.md, "Unknown chips").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/lang/program.hpp"

namespace tollgate {

// A chip name, normalized. Words are split at anything but a letter or digit and lower-cased ("H100-SXM5" and
// "h100 sxm5" are the same); then:
//  * vendor and brand words carry no model information and are dropped: NVIDIA, AMD, Intel, Habana, Huawei,
//    HiSilicon, Google, Baidu, Kunlunxin, Cambricon, Alibaba, Moore Threads, Tesla, Instinct, GeForce, and the
//    generic words GPU, accelerator, card, module, per, in, series, dual, chip, tensor, core;
//  * a memory size ("80GB", "80 GB") becomes `memory` ("80gb");
//  * a form factor becomes `form`: SXM, SXM4, SXM5 and HGX (an HGX board carries SXM modules) are "sxm"; PCIe
//    (PCIe4, PCIe5) is "pcie"; OAM is "oam"; NVL72, NVL36 (a rack-scale NVLink domain) are "nvl". A bare "NVL"
//    stays a model word (the H100 NVL is a product of its own);
//  * memory types (HBM2e, HBM3, HBM3e, GDDR6, GDDR7...) are dropped, unless nothing else names the model (an HBM
//    stack is named by its type);
//  * the rest are the model words, sorted and unique.
struct ChipTokens {
  std::vector<std::string> model;
  std::string form;    // "sxm", "pcie", "oam", "nvl" or ""
  std::string memory;  // "80gb" or ""
  std::string folded;  // the whole name, letters and digits only, lower case (part numbers are compared so)
};

ChipTokens chip_tokens(std::string_view name);

// What the catalog gives of a chip's names besides its name (the `aliases`, `part_numbers` and `source` columns).
struct ChipNames {
  std::vector<std::string> aliases, part_numbers;
  std::string source;
};

// One chip's names normalized, for Catalog::resolve: its name, aliases and part numbers, and the form factors and
// memory sizes they state (a name as sold that states another, or one the chip's names do not state, is not it).
struct ChipEntry {
  enum class Kind { name, alias, series, part_number };
  struct Key {
    ChipTokens tokens;
    std::string text;  // as the catalog writes it
    Kind kind;
  };
  const std::string* name = nullptr;  // the catalog's key (stable: a std::map node)
  const Facts* facts = nullptr;
  std::vector<Key> keys;
  std::vector<std::string> forms, memories;
};

// Every chip's entry (its name, and its aliases and part numbers from `names`), in the order of `chips`.
std::vector<ChipEntry> chip_entries(const std::map<std::string, Facts, std::less<>>& chips,
                                    const std::map<std::string, ChipNames, std::less<>>& names);

// True if every model word of `part` is among those of `whole` (both sorted).
bool model_subset(const std::vector<std::string>& part, const std::vector<std::string>& whole);

}  // namespace tollgate
