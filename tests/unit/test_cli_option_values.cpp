#include "cli/option_values.hpp"

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>
#include <memory>
#include <string>
#include <vector>

using lexsync::commands::HelpFormatter;
using lexsync::commands::named_values;
using lexsync::commands::value_set;
using lexsync::commands::wrapped_list;

TEST_CASE("wrapped_list breaks before the width and indents the further lines") {
    CHECK(wrapped_list("Kinds", {"a", "b"}) == "Kinds: a, b");
    const std::string text = wrapped_list("Settings", {"alpha", "beta", "gamma", "delta"}, 22);
    CHECK(text == "Settings: alpha, beta,\n  gamma, delta");
    CHECK(wrapped_list("None", {}) == "None:");
}

TEST_CASE("the help shows a long set of values by its first two, and completion still sees all") {
    CLI::App app{"test", "test"};
    app.formatter(std::make_shared<HelpFormatter>());
    std::vector<std::string> long_set;
    for (int i = 0; i < 20; ++i) {
        long_set.push_back("setting_number_" + std::to_string(i));
    }
    std::string key;
    std::string format;
    auto* sub = app.add_subcommand("get", "Get");
    auto* k = sub->add_option("key", key, "The setting")->check(named_values(long_set));
    sub->add_option("--format", format, "Format")->check(named_values({"csv", "json"}));
    const std::string help = sub->help();
    CHECK(help.find("TEXT:{setting_number_0,setting_number_1,…}") != std::string::npos);
    CHECK(help.find("setting_number_19") == std::string::npos);
    CHECK(help.find("TEXT:{csv,json}") != std::string::npos); // a short set stays whole
    CHECK(value_set(*k).size() == 20);
}
