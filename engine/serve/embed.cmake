# Turns a text file into a C++ source defining `const char* const NAME` (namespace tollgate::serve), so that the
# web page and the OpenAPI document are part of the binary: the server needs no files at run time.
#   cmake -DIN=<file> -DOUT=<file.cpp> -DNAME=<identifier> -P embed.cmake
file(READ "${IN}" text)
# A raw string literal with a delimiter the text cannot contain; split into pieces well under compilers' limits.
string(LENGTH "${text}" len)
set(pieces "")
set(at 0)
while(at LESS len)
  string(SUBSTRING "${text}" ${at} 8000 piece)
  string(APPEND pieces "R\"tg_embed(${piece})tg_embed\"\n")
  math(EXPR at "${at} + 8000")
endwhile()
if(pieces STREQUAL "")
  set(pieces "\"\"")
endif()
file(WRITE "${OUT}.new" "// Generated from ${IN} by engine/serve/embed.cmake: do not edit.\nnamespace tollgate::serve {\nextern const char* const ${NAME};\nconst char* const ${NAME} =\n${pieces};\n}  // namespace tollgate::serve\n")
file(COPY_FILE "${OUT}.new" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.new")
