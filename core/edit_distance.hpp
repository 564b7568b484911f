#pragma once
// Levenshtein distance between two words: what "did you mean" suggestions (the CLI's commands
// and options, the config's keys) measure closeness with.
#include <cstddef>
#include <string_view>

namespace ddb {

// Insertions, deletions and substitutions that turn `a` into `b`. O(|a|·|b|) time.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ddb
