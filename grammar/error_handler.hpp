// tollgate — the X3 on_error policy: record an expectation failure as data and fail the declaration, so that
// parse.cpp can recover at the next top-level keyword. Nothing is printed here. Private to grammar/.
#pragma once

#include "grammar/config.hpp"

namespace tollgate::grammar {

struct error_handler_base {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator& /*first*/, Iterator const& /*last*/, Exception const& x,
                                    Context const& context) {
    parse_state& state = x3::get<parse_state_tag>(context).get();
    state.errors.push_back(raw_error{x.where(), x.which()});
    return x3::error_handler_result::fail;
  }
};

}  // namespace tollgate::grammar
