// tollgate — instantiation of the expression sub-grammar (one of the two heavy X3 translation units).
#include "grammar/expression_def.hpp"

namespace tollgate::grammar::parser {
BOOST_SPIRIT_INSTANTIATE(expression_type, iterator_type, context_type)
}
