// The expectation matcher (see expect.hpp): pure functions over JSON, tested in expect_test.cpp.
#include "tests/lab/harness/expect.hpp"

#include <cmath>
#include <regex>
#include <stdexcept>

namespace capprobe::lab {
namespace {

bool is_operator_object(const json& value) {
  if (!value.is_object() || value.empty()) return false;
  for (const auto& [key, _] : value.items())
    if (!key.empty() && key[0] == '$') return true;
  return false;
}

bool all_passed(const std::vector<Check>& checks) {
  for (const auto& check : checks)
    if (!check.passed) return false;
  return true;
}

bool equal_values(const json& expected, const json& actual) {
  if (expected.is_number() && actual.is_number())
    return expected.get<double>() == actual.get<double>();
  return expected == actual;
}

std::string type_name(const json& value) {
  if (value.is_number()) return "number";
  return value.type_name();  // "null", "boolean", "string", "array", "object"
}

void append(std::vector<Check>& into, std::vector<Check> more) {
  into.insert(into.end(), std::make_move_iterator(more.begin()),
              std::make_move_iterator(more.end()));
}

Check leaf(const std::string& path, bool passed, std::string wanted, const json* actual) {
  return {path, passed, std::move(wanted), shown(actual)};
}

// Whether `element` matches `pattern` entirely (used by the array operators).
bool element_matches(const json& pattern, const json& element) {
  return all_passed(match(pattern, &element, ""));
}

std::vector<Check> match_operators(const json& ops, const json* actual, const std::string& path) {
  std::vector<Check> checks;
  const auto number = [&](const char* what) {
    if (!actual || !actual->is_number()) {
      checks.push_back(leaf(path, false, std::string("a number ") + what, actual));
      return false;
    }
    return true;
  };
  for (const auto& [op, arg] : ops.items()) {
    if (op == "$tol") {
      if (!ops.contains("$near")) throw std::invalid_argument(path + ": $tol without $near");
      continue;
    }
    if (op == "$absent") {
      const bool want_absent = arg.get<bool>();
      checks.push_back(leaf(path, want_absent == (actual == nullptr),
                            want_absent ? "absent" : "present", actual));
      continue;
    }
    if (op == "$not") {
      const bool inner = all_passed(match(arg, actual, path));
      checks.push_back(leaf(path, !inner, "not " + shown(&arg), actual));
      continue;
    }
    if (op == "$one_of") {
      bool any = false;
      for (const auto& option : arg) any = any || all_passed(match(option, actual, path));
      checks.push_back(leaf(path, any, "one of " + shown(&arg), actual));
      continue;
    }
    if (op == "$all") {
      for (const auto& each : arg) append(checks, match(each, actual, path));
      continue;
    }
    if (op == "$near") {
      const double tol = ops.value("$tol", 0.0);
      const std::string wanted = shown(&arg) + " +- " + json(tol).dump();
      if (number(("near " + wanted).c_str()))
        checks.push_back(leaf(path, std::fabs(actual->get<double>() - arg.get<double>()) <= tol,
                              "near " + wanted, actual));
      continue;
    }
    if (op == "$range") {
      const std::string wanted = "in [" + arg.at(0).dump() + ", " + arg.at(1).dump() + "]";
      if (number(wanted.c_str())) {
        const double value = actual->get<double>();
        checks.push_back(leaf(path,
                              value >= arg.at(0).get<double>() && value <= arg.at(1).get<double>(),
                              wanted, actual));
      }
      continue;
    }
    if (op == "$type") {
      checks.push_back(leaf(path, actual && type_name(*actual) == arg.get<std::string>(),
                            "of type " + arg.get<std::string>(), actual));
      continue;
    }
    if (op == "$regex") {
      const std::regex pattern(arg.get<std::string>());
      const bool ok =
          actual && actual->is_string() && std::regex_search(actual->get<std::string>(), pattern);
      checks.push_back(leaf(path, ok, "matching /" + arg.get<std::string>() + "/", actual));
      continue;
    }
    if (op == "$len") {
      bool ok = false;
      if (actual && actual->is_string())
        ok = actual->get<std::string>().size() == arg.get<std::size_t>();
      else if (actual && (actual->is_array() || actual->is_object()))
        ok = actual->size() == arg.get<std::size_t>();
      checks.push_back(leaf(path, ok, "of length " + arg.dump(), actual));
      continue;
    }
    if (op == "$contains" || op == "$excludes" || op == "$contains_all" || op == "$set") {
      if (!actual || !actual->is_array()) {
        checks.push_back(leaf(path, false, "an array (" + op + " " + shown(&arg) + ")", actual));
        continue;
      }
      if (op == "$contains" || op == "$excludes") {
        bool found = false;
        for (const auto& element : *actual) found = found || element_matches(arg, element);
        const bool want = op == "$contains";
        checks.push_back(leaf(path, found == want,
                              std::string(want ? "containing " : "not containing ") + shown(&arg),
                              actual));
        continue;
      }
      // $contains_all and $set: every pattern matched by its own element; $set also wants no
      // element left over.
      std::vector<bool> used(actual->size(), false);
      bool ok = true;
      for (const auto& pattern : arg) {
        bool found = false;
        for (std::size_t i = 0; i < actual->size() && !found; ++i) {
          if (used[i] || !element_matches(pattern, (*actual)[i])) continue;
          used[i] = true;
          found = true;
        }
        ok = ok && found;
      }
      if (op == "$set") ok = ok && actual->size() == arg.size();
      checks.push_back(
          leaf(path, ok, (op == "$set" ? "exactly the set " : "containing all of ") + shown(&arg),
               actual));
      continue;
    }
    throw std::invalid_argument(path + ": unknown operator " + op);
  }
  return checks;
}

const json& lookup(const std::string& name, const std::string& text,
                   const std::map<std::string, json>& vars) {
  const auto found = vars.find(name);
  if (found == vars.end())
    throw std::invalid_argument("unknown placeholder {{" + name + "}} in \"" + text + "\"");
  return found->second;
}

json replace_vars(const std::string& text, const std::map<std::string, json>& vars) {
  if (text.size() > 4 && text.rfind("{{", 0) == 0 && text.find("{{", 2) == std::string::npos &&
      text.find("}}") == text.size() - 2)
    return lookup(text.substr(2, text.size() - 4), text, vars);
  std::string out;
  std::size_t at = 0;
  while (true) {
    const auto open = text.find("{{", at);
    if (open == std::string::npos) break;
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    const auto& value = lookup(text.substr(open + 2, close - open - 2), text, vars);
    out +=
        text.substr(at, open - at) + (value.is_string() ? value.get<std::string>() : value.dump());
    at = close + 2;
  }
  return out + text.substr(at);
}

}  // namespace

std::string shown(const json* value, std::size_t limit) {
  if (!value) return "(absent)";
  auto text = value->dump();
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  return text;
}

std::vector<Check> match(const json& expected, const json* actual, const std::string& path) {
  if (is_operator_object(expected)) {
    for (const auto& [key, _] : expected.items())
      if (key.empty() || key[0] != '$')
        throw std::invalid_argument(path + ": operator object mixes in the plain key " + key);
    return match_operators(expected, actual, path);
  }
  if (expected.is_object()) {
    if (!actual || !actual->is_object()) return {leaf(path, false, "an object", actual)};
    std::vector<Check> checks;
    for (const auto& [key, value] : expected.items()) {
      const auto found = actual->find(key);
      append(checks, match(value, found == actual->end() ? nullptr : &*found,
                           path.empty() ? key : path + "." + key));
    }
    return checks;
  }
  if (expected.is_array()) {
    if (!actual || !actual->is_array() || actual->size() != expected.size())
      return {leaf(path, false, shown(&expected), actual)};
    std::vector<Check> checks;
    for (std::size_t i = 0; i < expected.size(); ++i)
      append(checks, match(expected[i], &(*actual)[i], path + "[" + std::to_string(i) + "]"));
    return checks;
  }
  return {leaf(path, actual && equal_values(expected, *actual), shown(&expected), actual)};
}

json report_view(const json& report) {
  json view = report;
  json results = json::object();
  if (report.contains("results") && report["results"].is_array())
    for (const auto& result : report["results"])
      if (result.contains("id") && result["id"].is_string())
        results[result["id"].get<std::string>()] = result;
  view["results"] = results;
  return view;
}

json substitute(const json& value, const std::map<std::string, json>& vars) {
  if (value.is_string()) return replace_vars(value.get<std::string>(), vars);
  if (value.is_array()) {
    json out = json::array();
    for (const auto& element : value) out.push_back(substitute(element, vars));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, element] : value.items()) out[key] = substitute(element, vars);
    return out;
  }
  return value;
}

}  // namespace capprobe::lab
