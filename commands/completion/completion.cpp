#include "commands/completion/completion.hpp"

#include "cli/option_values.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/strings.hpp>
#include <map>
#include <sstream>

namespace lexsync::commands::completion {

namespace {

std::string single_quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

// Every node of the tree, depth first.
void flatten(const Node& n, std::vector<const Node*>& out) {
    out.push_back(&n);
    for (const auto& c : n.children) {
        flatten(c, out);
    }
}

std::vector<std::string> words(const Node& n) {
    std::vector<std::string> w;
    for (const auto& c : n.children) {
        w.push_back(c.path.back());
    }
    for (const auto& f : n.flags) {
        for (const auto& name : f.names) {
            w.push_back(name);
        }
    }
    return w;
}

// One arm of a shell `case`: the patterns (quoted), one a line, then the body and `;;`.
void case_arm(std::ostream& s, const std::vector<std::string>& patterns, const std::string& body) {
    std::vector<std::string> quoted;
    for (const auto& p : patterns) {
        quoted.push_back(single_quoted(p));
    }
    s << "            " << join(quoted, "|\\\n            ") << ")\n"
      << "                " << body << " ;;\n";
}

// The shell's lines that follow the words typed before the cursor down the command tree into
// $cmdpath ("lexsync invoices export"), noting the --config given on the way. `words` and `cword`
// are the shell's array of the words and index of the cursor's word, `first` its first argument.
void path_walk(std::ostream& s, const std::vector<const Node*>& nodes, const std::string& words,
               int first, const std::string& cword) {
    std::vector<std::string> paths;
    for (const Node* n : nodes) {
        if (n->path.size() > 1) {
            paths.push_back(join(n->path, " "));
        }
    }
    s << "    last=" << first - 1 << "\n"
      << "    for ((i = " << first << "; i < " << cword << "; i++)); do\n"
      << "        word=\"${" << words << "[i]}\"\n"
      << "        if [[ $word == --config ]] && ((i + 1 < " << cword << ")); then\n"
      << "            config=\"${" << words << "[i+1]/#\\~/$HOME}\"\n"
      << "        fi\n"
      << "        case \"$cmdpath $word\" in\n";
    case_arm(s, paths, "cmdpath=\"$cmdpath $word\"; last=$i");
    s << "        esac\n"
      << "    done\n";
}

// How one shell completes an option's value: a fixed set by the values (as one quoted word, or
// each quoted) between `choices` and `choices_end`, and each other kind of value (file, dir,
// profile, text) by its own code. A file option with a set gets both.
struct ValueCode {
    std::string choices;
    std::string choices_end;
    bool choices_as_one_word = false;
    std::map<std::string, std::string> kinds;
};

std::string value_code(const std::string& value, const std::vector<std::string>& choices,
                       const ValueCode& code) {
    std::vector<std::string> parts;
    if (!choices.empty()) {
        std::vector<std::string> quoted;
        for (const auto& c : choices) {
            quoted.push_back(single_quoted(c));
        }
        parts.push_back(
            code.choices +
            (code.choices_as_one_word ? single_quoted(join(choices, " ")) : join(quoted, " ")) +
            code.choices_end);
    }
    if (const auto kind = code.kinds.find(value); kind != code.kinds.end()) {
        parts.push_back(kind->second);
    }
    parts.push_back("return");
    return join(parts, "; ");
}

// The shell's lines that look up the option before the cursor ($prev) in the command ($cmdpath)
// and then in the commands above it, since those options are accepted further down too.
void value_lookup(std::ostream& s, const std::vector<const Node*>& nodes, const ValueCode& code) {
    s << "    p=\"$cmdpath\"\n"
      << "    while :; do\n"
      << "        case \"$p $prev\" in\n";
    // "PATH FLAG" of every value-taking flag, e.g. "lexsync -o", grouped by what they complete.
    std::map<std::string, std::vector<std::string>> arms;
    for (const Node* n : nodes) {
        for (const auto& f : n->flags) {
            for (const auto& name : f.takes_value ? f.names : std::vector<std::string>{}) {
                arms[value_code(f.value, f.choices, code)].push_back(join(n->path, " ") + " " +
                                                                     name);
            }
        }
    }
    for (const auto& [completes, patterns] : arms) {
        case_arm(s, patterns, completes);
    }
    s << "        esac\n"
      << "        [[ $p == lexsync ]] && break\n"
      << "        p=\"${p% *}\"\n"
      << "    done\n";
}

// The shell's lines that complete a positional argument: they count the words after the command
// ($last is the index of its name) that are neither options nor the values of the options it
// takes, and when $cur is not an option, complete the value of that positional argument (the
// last one for every word past it when it repeats). Free text (a value, an id) completes to
// nothing rather than to file names.
void positional_lookup(std::ostream& s, const std::vector<const Node*>& nodes,
                       const std::string& words, const std::string& cword, const ValueCode& code) {
    s << "    takes=\"\"\n"
      << "    rep=\"\"\n"
      << "    case \"$cmdpath\" in\n";
    std::map<std::string, std::vector<std::string>> arms;
    for (const Node* n : nodes) {
        // The options of the commands above it are accepted too.
        std::vector<std::string> names;
        for (const Node* up : nodes) {
            if (up->path.size() <= n->path.size() &&
                std::equal(up->path.begin(), up->path.end(), n->path.begin())) {
                for (const auto& f : up->flags) {
                    if (f.takes_value) {
                        names.insert(names.end(), f.names.begin(), f.names.end());
                    }
                }
            }
        }
        if (n->positionals.empty()) {
            continue;
        }
        s << "        " << single_quoted(join(n->path, " "))
          << ") takes=" << single_quoted(join(names, " "));
        if (n->positionals.back().repeats) {
            s << "; rep=" << n->positionals.size() - 1;
        }
        s << " ;;\n";
        for (std::size_t i = 0; i < n->positionals.size(); ++i) {
            const auto& p = n->positionals[i];
            arms[value_code(p.value, p.choices, code)].push_back(join(n->path, " ") + " " +
                                                                 std::to_string(i));
        }
    }
    s << "    esac\n"
      << "    n=0\n"
      << "    for ((i = last + 1; i < " << cword << "; i++)); do\n"
      << "        word=\"${" << words << "[i]}\"\n"
      << "        case \"$word\" in\n"
      << "            --*=*) ;;\n"
      << "            =) ((i++)) ;;\n"
      << "            -*) [[ \" $takes \" == *\" $word \"* && ${" << words
      << "[i+1]} != = ]] && ((i++)) ;;\n"
      << "            *) ((n++)) ;;\n"
      << "        esac\n"
      << "    done\n"
      << "    [[ -n $rep ]] && ((n > rep)) && n=$rep\n"
      << "    if [[ $cur != -* ]]; then\n"
      << "        case \"$cmdpath $n\" in\n";
    for (const auto& [completes, patterns] : arms) {
        case_arm(s, patterns, completes);
    }
    s << "        esac\n"
      << "    fi\n";
}

std::string render_bash(const Node& root) {
    std::vector<const Node*> nodes;
    flatten(root, nodes);
    std::ostringstream s;
    s << "# bash completion for lexsync; generated by `lexsync completion bash`\n"
      << "_lexsync() {\n"
      << "    local cur prev cmdpath word config p i last n takes rep\n"
      << "    COMPREPLY=()\n"
      << "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      << "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      << "    # --name=value: bash splits the word at the =\n"
      << "    if [[ $cur == = ]]; then\n"
      << "        cur=\"\"\n"
      << "    elif [[ $prev == = && COMP_CWORD -ge 2 ]]; then\n"
      << "        prev=\"${COMP_WORDS[COMP_CWORD-2]}\"\n"
      << "    fi\n"
      << "    cmdpath=\"lexsync\"\n"
      << "    config=\"\"\n";
    path_walk(s, nodes, "COMP_WORDS", 1, "COMP_CWORD");
    const ValueCode code{
        "COMPREPLY=($(compgen -W ",
        " -- \"$cur\"))",
        true,
        {{"file", "compopt -o filenames 2>/dev/null; mapfile -t -O \"${#COMPREPLY[@]}\" "
                  "COMPREPLY < <(compgen -f -- \"$cur\")"},
         {"dir", "compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "
                 "\"$cur\")"},
         {"profile", "mapfile -t COMPREPLY < <(compgen -W \"$(\"${COMP_WORDS[0]}\" "
                     "${config:+--config \"$config\"} completion profiles 2>/dev/null)\" -- "
                     "\"$cur\")"},
         {"text", "COMPREPLY=()"}}};
    value_lookup(s, nodes, code);
    positional_lookup(s, nodes, "COMP_WORDS", "COMP_CWORD", code);
    s << "    case \"$cmdpath\" in\n";
    for (const Node* n : nodes) {
        s << "        " << single_quoted(join(n->path, " ")) << ") COMPREPLY=($(compgen -W "
          << single_quoted(join(words(*n), " ")) << " -- \"$cur\")) ;;\n";
    }
    s << "    esac\n"
      << "    if [[ ${#COMPREPLY[@]} -eq 0 ]]; then\n"
      << "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      << "    fi\n"
      << "}\n"
      << "complete -F _lexsync lexsync\n";
    return s.str();
}

std::string render_zsh(const Node& root) {
    std::vector<const Node*> nodes;
    flatten(root, nodes);
    std::ostringstream s;
    s << "#compdef lexsync\n"
      << "# zsh completion for lexsync; generated by `lexsync completion zsh`\n"
      << "_lexsync() {\n"
      << "    local cmdpath=lexsync word i p config last n takes rep prev=${words[CURRENT-1]}\n"
      << "    local cur=${words[CURRENT]}\n"
      << "    local -a candidates\n";
    path_walk(s, nodes, "words", 2, "CURRENT");
    const ValueCode code{"compadd -- ",
                         "",
                         false,
                         {{"file", "_files"},
                          {"dir", "_files -/"},
                          {"profile", "compadd -- ${(f)\"$(${words[1]} ${config:+--config "
                                      "\"$config\"} completion profiles 2>/dev/null)\"}"},
                          {"text", "_message value"}}};
    value_lookup(s, nodes, code);
    positional_lookup(s, nodes, "words", "CURRENT", code);
    s << "    case \"$cmdpath\" in\n";
    for (const Node* n : nodes) {
        s << "        " << single_quoted(join(n->path, " ")) << ")\n            candidates=(";
        for (const auto& c : n->children) {
            s << single_quoted(c.path.back() + ":" + c.description) << " ";
        }
        for (const auto& f : n->flags) {
            for (const auto& name : f.names) {
                s << single_quoted(name + ":" + f.description) << " ";
            }
        }
        s << ") ;;\n";
    }
    s << "    esac\n"
      << "    _describe -t commands 'lexsync' candidates\n"
      << "    _files\n"
      << "}\n"
      << "compdef _lexsync lexsync\n";
    return s.str();
}

std::string render_fish(const Node& root) {
    std::vector<const Node*> nodes;
    flatten(root, nodes);
    std::ostringstream s;
    s << "# fish completion for lexsync; generated by `lexsync completion fish`\n"
      << "complete -c lexsync -f\n";
    auto condition = [](const Node& n) {
        // The words of the path must all have been typed, and none of its children yet.
        std::vector<std::string> parts;
        if (n.path.size() == 1) {
            parts.push_back("__fish_use_subcommand");
        } else {
            for (std::size_t i = 1; i < n.path.size(); ++i) {
                parts.push_back("__fish_seen_subcommand_from " + n.path[i]);
            }
        }
        std::vector<std::string> kids;
        for (const auto& c : n.children) {
            kids.push_back(c.path.back());
        }
        if (!kids.empty() && n.path.size() > 1) {
            parts.push_back("not __fish_seen_subcommand_from " + join(kids, " "));
        }
        return join(parts, "; and ");
    };
    for (const Node* n : nodes) {
        const std::string cond = condition(*n);
        for (const auto& c : n->children) {
            s << "complete -c lexsync -n " << single_quoted(cond) << " -a " << c.path.back()
              << " -d " << single_quoted(c.description) << "\n";
        }
        for (const auto& f : n->flags) {
            // The global options are accepted after a command too.
            s << "complete -c lexsync";
            if (n->path.size() > 1) {
                s << " -n " << single_quoted(cond);
            }
            for (const auto& name : f.names) {
                if (name.rfind("--", 0) == 0) {
                    s << " -l " << name.substr(2);
                } else {
                    s << " -s " << name.substr(1);
                }
            }
            if (f.value == "file") {
                s << " -r -F";
            } else if (f.takes_value) {
                s << " -x";
            }
            if (!f.choices.empty()) {
                s << " -a " << single_quoted(join(f.choices, " "));
            } else if (f.value == "dir") {
                s << " -a '(__fish_complete_directories (commandline -ct))'";
            } else if (f.value == "profile") {
                s << " -a '(lexsync completion profiles 2>/dev/null)'";
            }
            s << " -d " << single_quoted(f.description) << "\n";
        }
        // A positional argument by the number of words before the cursor that are no options
        // (an option's value counts too: fish cannot tell them apart here).
        for (std::size_t i = 0; i < n->positionals.size(); ++i) {
            const auto& p = n->positionals[i];
            if (p.value == "text") {
                continue;
            }
            s << "complete -c lexsync -n "
              << single_quoted(cond +
                               "; and test (count (string match -v -- \"-*\" "
                               "(commandline -opc))) " +
                               (p.repeats ? "-ge " : "-eq ") + std::to_string(n->path.size() + i));
            if (!p.choices.empty()) {
                s << " -a " << single_quoted(join(p.choices, " "));
            }
            if (p.value == "file") {
                s << " -F";
            } else if (p.value == "dir") {
                s << " -a '(__fish_complete_directories (commandline -ct))'";
            } else if (p.value == "profile") {
                s << " -a '(lexsync completion profiles 2>/dev/null)'";
            }
            s << " -d " << single_quoted(p.description) << "\n";
        }
    }
    return s.str();
}

json::Value string_array(const std::vector<std::string>& v, json::Allocator& a) {
    json::Value array(rapidjson::kArrayType);
    for (const auto& s : v) {
        array.PushBack(json::str(s, a), a);
    }
    return array;
}

void to_json(const Node& n, json::Value& out, json::Allocator& a) {
    out.SetObject();
    out.AddMember("path", string_array(n.path, a), a);
    out.AddMember("description", json::str(n.description, a), a);
    json::Value flags(rapidjson::kArrayType);
    for (const auto& f : n.flags) {
        json::Value fv(rapidjson::kObjectType);
        fv.AddMember("names", string_array(f.names, a), a);
        fv.AddMember("description", json::str(f.description, a), a);
        fv.AddMember("takesValue", f.takes_value, a);
        if (f.takes_value) {
            fv.AddMember("value", json::str(f.value, a), a);
        }
        if (!f.choices.empty()) {
            fv.AddMember("choices", string_array(f.choices, a), a);
        }
        flags.PushBack(fv, a);
    }
    out.AddMember("flags", flags, a);
    json::Value positionals(rapidjson::kArrayType);
    for (const auto& p : n.positionals) {
        json::Value pv(rapidjson::kObjectType);
        pv.AddMember("name", json::str(p.name, a), a);
        pv.AddMember("description", json::str(p.description, a), a);
        pv.AddMember("value", json::str(p.value, a), a);
        if (!p.choices.empty()) {
            pv.AddMember("choices", string_array(p.choices, a), a);
        }
        pv.AddMember("repeats", p.repeats, a);
        positionals.PushBack(pv, a);
    }
    out.AddMember("positionals", positionals, a);
    json::Value children(rapidjson::kArrayType);
    for (const auto& c : n.children) {
        json::Value cv;
        to_json(c, cv, a);
        children.PushBack(cv, a);
    }
    out.AddMember("children", children, a);
}

// What the value of `opt` completes to (see Node::Flag::value), given its set `choices`.
std::string value_kind(const CLI::Option& opt, const std::vector<std::string>& choices) {
    const std::string type = opt.get_type_name();
    const std::string kind = type.substr(0, type.find(':'));
    return kind == k_file_value      ? "file"
           : kind == k_dir_value     ? "dir"
           : kind == k_profile_value ? "profile"
           : choices.empty()         ? "text"
                                     : "choice";
}

Node walk(const CLI::App& app, std::vector<std::string> path) {
    Node n;
    n.path = path;
    n.description = app.get_description();
    for (const CLI::Option* opt : app.get_options()) {
        if (opt->get_group().empty()) {
            continue; // hidden options
        }
        if (!opt->nonpositional()) {
            Node::Positional p;
            p.name = opt->get_name();
            p.description = opt->get_description();
            p.choices = value_set(*opt);
            p.value = value_kind(*opt, p.choices);
            p.repeats = opt->get_items_expected_max() > 1;
            n.positionals.push_back(std::move(p));
            continue;
        }
        if (opt->get_lnames().empty()) {
            continue;
        }
        const std::string lname = opt->get_lnames().front();
        if (lname == "help" || lname == "help-all") {
            continue;
        }
        Node::Flag f;
        for (const auto& s : opt->get_snames()) {
            f.names.push_back("-" + s);
        }
        for (const auto& l : opt->get_lnames()) {
            f.names.push_back("--" + l);
        }
        f.description = opt->get_description();
        f.takes_value = opt->get_type_size_max() > 0 && opt->get_expected_min() > 0;
        if (f.takes_value) {
            f.choices = value_set(*opt);
            f.value = value_kind(*opt, f.choices);
        }
        n.flags.push_back(std::move(f));
    }
    for (const CLI::App* sub :
         app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
        auto child_path = path;
        child_path.push_back(sub->get_name());
        n.children.push_back(walk(*sub, child_path));
    }
    return n;
}

} // namespace

Node command_tree(const CLI::App& app) {
    const CLI::App* root = &app;
    while (root->get_parent() != nullptr) {
        root = root->get_parent();
    }
    return walk(*root, {"lexsync"});
}

std::string render(const Node& root, const std::string& shell) {
    if (shell == "bash") {
        return render_bash(root);
    }
    if (shell == "zsh") {
        return render_zsh(root);
    }
    if (shell == "fish") {
        return render_fish(root);
    }
    json::Document d;
    to_json(root, d, d.GetAllocator());
    return json::to_pretty_string(d) + "\n";
}

void register_completion(CLI::App& app, Context& ctx) {
    auto shell = std::make_shared<std::string>();
    auto* cmd =
        app.add_subcommand("completion", "Print a shell completion script (bash, zsh, fish)");
    cmd->add_option("SHELL", *shell, "bash, zsh, fish, or json for the command tree")
        ->check(CLI::IsMember({"bash", "zsh", "fish", "json"}));
    // The profile names of the config file, one a line, for the scripts to offer after
    // --profile: read from the file alone, no key and no request.
    auto* profiles = cmd->add_subcommand("profiles", "The profile names of the config file");
    profiles->group("");
    profiles->callback([&ctx] {
        for (const auto& [name, p] : ctx.config().profiles) {
            ctx.io.out << name << "\n";
        }
    });
    cmd->footer(R"(Examples:
  lexsync completion bash > /etc/bash_completion.d/lexsync
  lexsync completion zsh > "${fpath[1]}/_lexsync"
  lexsync completion fish > ~/.config/fish/completions/lexsync.fish)");
    cmd->callback([shell, cmd, profiles, &ctx] {
        if (profiles->parsed()) {
            return;
        }
        if (shell->empty()) {
            throw Error(ExitCode::usage, "completion: name the shell: bash, zsh, fish or json");
        }
        ctx.io.out << render(command_tree(*cmd), *shell);
    });
}

} // namespace lexsync::commands::completion
