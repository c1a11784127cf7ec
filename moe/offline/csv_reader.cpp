#include "moe/offline/csv_reader.hpp"

#include <zlib.h>

#include <array>

namespace moe::nn {

struct CsvReader::Source {
    gzFile file = nullptr;
    std::array<char, 1 << 16> buffer{};
    int size = 0;
    int pos = 0;
    ~Source() {
        if (file != nullptr) gzclose(file);
    }
};

CsvReader::CsvReader(std::unique_ptr<Source> source, std::string name) : source_(std::move(source)), name_(std::move(name)) {}
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

std::expected<CsvReader, std::string> CsvReader::open(const std::filesystem::path& file) {
    auto source = std::make_unique<Source>();
    source->file = gzopen(file.c_str(), "rb");
    if (source->file == nullptr) return std::unexpected("cannot open " + file.string());
    gzbuffer(source->file, 1 << 17);
    CsvReader reader(std::move(source), file.string());
    if (!reader.next(reader.header_)) return std::unexpected(file.string() + ": empty file, no header");
    return reader;
}

int CsvReader::get() {
    Source& s = *source_;
    if (s.pos == s.size) {
        s.size = gzread(s.file, s.buffer.data(), static_cast<unsigned>(s.buffer.size()));
        s.pos = 0;
        if (s.size <= 0) {
            s.size = 0;
            return -1;
        }
    }
    return static_cast<unsigned char>(s.buffer[static_cast<std::size_t>(s.pos++)]);
}

bool CsvReader::next(std::vector<std::string>& fields) {
    fields.clear();
    int c = get();
    if (c < 0) return false;
    std::string field;
    bool quoted = false;
    for (;; c = get()) {
        if (c < 0) break;
        if (quoted) {
            if (c == '"') {
                const int d = get();
                if (d == '"') {
                    field.push_back('"');
                    continue;
                }
                quoted = false;
                c = d;
                if (c < 0) break;
            } else {
                field.push_back(static_cast<char>(c));
                continue;
            }
        }
        if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            field.push_back(static_cast<char>(c));
        }
    }
    fields.push_back(std::move(field));
    ++rows_;
    return true;
}

std::expected<std::size_t, std::string> CsvReader::column(std::string_view name) const {
    for (std::size_t i = 0; i < header_.size(); ++i) {
        if (header_[i] == name) return i;
    }
    return std::unexpected(name_ + ": no column '" + std::string(name) + "'");
}

std::expected<std::uint64_t, std::string> parse_decimal(std::string_view text, int drop_digits) {
    if (text.empty()) return std::unexpected(std::string("empty number"));
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::unexpected("not a decimal integer: '" + std::string(text) + "'");
    }
    const std::size_t keep = text.size() > static_cast<std::size_t>(drop_digits) ? text.size() - static_cast<std::size_t>(drop_digits) : 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < keep; ++i) {
        const auto d = static_cast<std::uint64_t>(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
        v = v * 10 + d;
    }
    return v;
}

}  // namespace moe::nn
