// tollgate — instantiation of the declaration sub-grammar (one of the two heavy X3 translation units).
#include "grammar/declaration_def.hpp"

namespace tollgate::grammar::parser {
BOOST_SPIRIT_INSTANTIATE(declaration_type, iterator_type, context_type)
}
