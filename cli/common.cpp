#include "common.hpp"

#include "tapeop/error.hpp"
#include "tapeop/numbers.hpp"
#include "tapeop/version.hpp"

#include <algorithm>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace tapeop::cli {

Json json_number(double v, int decimals) {
    const std::optional<double> r = rounded(v, decimals);
    return r ? Json(*r) : Json(nullptr);
}

Json json_level(double db) {
    return json_number(db, 4);
}

std::string text_level(double db, int decimals) {
    return fixed(db, decimals);
}

std::string text_gain(double db) {
    return fixed(db, 2, true);
}

Json json_envelope() {
    return {{"tool", "tapeop"}, {"version", tapeop::version}, {"schema", json_schema}};
}

void print_json(const Json& j) {
    std::cout << j.dump(1) << "\n";
}

bool show_progress(const GlobalOptions& g) {
    if (g.quiet || g.json || g.no_progress)
        return false;
    return g.progress || ::isatty(STDERR_FILENO);
}

passes::OutputSettings OutputOptions::settings() const {
    passes::OutputSettings s;
    if (rate) {
        double hz = 0;
        try {
            hz = parse_value(*rate, {Unit::Hz, Unit::kHz}, "--rate");
        } catch (const UsageError& e) {
            if (e.message().find("--rate") != std::string::npos)
                throw;
            throw UsageError("--rate: " + e.message());
        }
        if (hz != std::floor(hz) || hz < 1000 || hz > 768000)
            throw UsageError("--rate " + *rate +
                             ": expected a whole number of Hz from 1000 to 768000");
        s.sample_rate = static_cast<int>(hz);
    }
    if (bits)
        s.bits = io::parse_bits(*bits);
    if (dither)
        s.dither = passes::parse_dither(*dither);
    return s;
}

std::string OutputOptions::extension() const {
    if (!ext || ext->empty())
        return {};
    return (*ext)[0] == '.' ? *ext : "." + *ext;
}

void add_output_options(CLI::App* sub, OutputOptions& o, unsigned which, const OutputHelp& help) {
    if (which & out_rate)
        sub->add_option("--rate", o.rate, help.rate);
    if (which & out_bits)
        sub->add_option("--bits", o.bits, help.bits);
    if (which & out_dither)
        sub->add_option("--dither", o.dither, help.dither);
    if (which & out_ext)
        sub->add_option("--ext", o.ext, help.ext);
    if (which & out_in_place)
        sub->add_flag("--in-place", o.in_place, help.in_place);
}

void Stdio::add_options(CLI::App& app) {
    app.add_option("--raw", raw_,
                   "Standard input ('-') is headerless PCM: RATE,CHANNELS,FORMAT with FORMAT "
                   "u8, s16le, s24le, s32le or f32le (e.g. --raw 48000,2,s16le)");
    app.add_option("--format", format_,
                   "Container written to standard output by -o -: wav (default), flac, aiff, au "
                   "or raw (the samples only)");
}

std::vector<std::string> Stdio::prepare(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    // The values of --raw and --format are needed before parsing (to spool, to name the
    // output); CLI11 parses them again for --help and checks.
    std::string raw, format;
    for (std::size_t i = 1; i < args.size(); ++i) {
        for (auto [name, value] : {std::pair{"--raw", &raw}, std::pair{"--format", &format}}) {
            const std::string n = name;
            if (args[i] == n && i + 1 < args.size())
                *value = args[i + 1];
            else if (args[i].rfind(n + "=", 0) == 0)
                *value = args[i].substr(n.size() + 1);
        }
    }
    bool stdin_used = false, stdout_used = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "--raw" || a == "--format") && i + 1 < args.size()) {
            ++i;
            continue;
        }
        const bool o_dash =
            (a == "-o" || a == "--output") && i + 1 < args.size() && args[i + 1] == "-";
        if (o_dash || a == "--output=-" || a == "-o-") {
            if (stdout_used)
                throw UsageError("-o - is given twice");
            stdout_used = true;
            out_ = std::make_unique<io::StdoutFile>(format.empty() ? "wav" : format);
            if (o_dash)
                args[++i] = out_->path();
            else
                args[i] = "--output=" + out_->path();
        } else if (a == "-") {
            if (stdin_used)
                throw UsageError("standard input ('-') can be read only once");
            stdin_used = true;
            std::optional<io::RawFormat> rf;
            if (!raw.empty())
                rf = io::parse_raw_format(raw);
            in_ = std::make_unique<io::StdinSpool>(rf);
            args[i] = in_->path();
        }
    }
    if (!raw.empty() && !stdin_used)
        throw UsageError("--raw describes standard input: give '-' as the input");
    if (!format.empty() && !stdout_used)
        throw UsageError("--format applies to -o - (a file's format follows its extension)");
    if (out_) {
        // Only audio on standard output: what the command prints goes to stderr, and a reader
        // that goes away early is an error (EPIPE), not a silent kill that leaves temporaries.
        std::fflush(stdout);
        audio_fd_ = ::dup(STDOUT_FILENO);
        if (audio_fd_ < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            throw Error("cannot redirect standard output");
        std::signal(SIGPIPE, SIG_IGN);
    }
    return args;
}

int Stdio::finish(int code) {
    if (!out_)
        return code;
    std::cout.flush();
    std::fflush(stdout);
    if (code == 0 || code == 1) {
        try {
            out_->send(audio_fd_);
        } catch (const Error& e) {
            std::cerr << "tapeop: " << e.what() << "\n";
            code = 2;
        }
    }
    ::close(audio_fd_);
    audio_fd_ = -1;
    out_.reset();
    in_.reset();
    return code;
}

steps::ParamValues step_params(const std::string& step, const StepOptions& options) {
    const steps::Registry& registry = steps::builtin_registry();
    const steps::StepSpec& spec = registry.get(step);
    std::vector<std::string> words;
    for (const auto& [key, value] : options)
        if (value)
            words.push_back(key + "=" + *value);
    std::size_t at = 0;
    try {
        return steps::parse_params(spec, words, &at);
    } catch (const UsageError& e) {
        std::string key = at < words.size() ? words[at].substr(0, words[at].find('=')) : "";
        std::replace(key.begin(), key.end(), '_', '-');
        throw UsageError(key.empty() ? e.message() : "--" + key + ": " + e.message());
    }
}

} // namespace tapeop::cli
