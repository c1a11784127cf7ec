#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

/// Reading the training data (offline; never on a consensus path).
namespace moe::nn {

/// Reads a CSV file row by row, plain or gzip-compressed (zlib reads both), with RFC 4180
/// quoting (a quoted field may hold commas, doubled quotes and newlines).
class CsvReader {
  public:
    /// Opens a file and reads its header row.
    [[nodiscard]] static std::expected<CsvReader, std::string> open(const std::filesystem::path& file);

    CsvReader(CsvReader&&) noexcept;
    CsvReader& operator=(CsvReader&&) noexcept;
    ~CsvReader();

    /// Reads the next row into `fields`; false at the end of the file.
    [[nodiscard]] bool next(std::vector<std::string>& fields);

    /// The index of a header column, or an error naming the file and the column.
    [[nodiscard]] std::expected<std::size_t, std::string> column(std::string_view name) const;

    [[nodiscard]] const std::vector<std::string>& header() const noexcept { return header_; }
    /// The number of the last row read (the header is row 1).
    [[nodiscard]] std::size_t row_number() const noexcept { return rows_; }

  private:
    struct Source;
    explicit CsvReader(std::unique_ptr<Source> source, std::string name);
    [[nodiscard]] int get();

    std::unique_ptr<Source> source_;
    std::string name_;
    std::vector<std::string> header_;
    std::size_t rows_ = 0;
};

/// Parses an unsigned decimal integer, saturating at 2^64 - 1 (wei values exceed 64 bits);
/// `drop_digits` low digits are discarded first (wei to gwei: 9). Anything but digits is an error.
[[nodiscard]] std::expected<std::uint64_t, std::string> parse_decimal(std::string_view text, int drop_digits = 0);

}  // namespace moe::nn
