#pragma once

#include <string>
#include <string_view>
#include <vector>

/// Pictures of training and evaluation as standalone SVG text (no dependency; any browser or
/// README shows them): `moed train --plot` and `moed moe eval --plots`.
namespace moe::nn::svg {

/// A grid of cells shaded by `shade` (0..1, white to dark blue), each showing `text`, with
/// row and column labels: a confusion matrix, or which expert takes what.
struct Heatmap {
    std::string title;
    std::string row_axis, column_axis;
    std::vector<std::string> rows, columns;
    std::vector<std::vector<double>> shade;
    std::vector<std::vector<std::string>> text;
};
[[nodiscard]] std::string heatmap(const Heatmap& h);

/// Lines over a shared x axis (epochs), each series scaled to the common y range.
struct Series {
    std::string name;
    std::vector<double> y;
};
struct LineChart {
    std::string title;
    std::string x_axis, y_axis;
    std::vector<double> x;
    std::vector<Series> series;
};
[[nodiscard]] std::string line_chart(const LineChart& c);

}  // namespace moe::nn::svg
