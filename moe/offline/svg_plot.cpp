#include "moe/offline/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace moe::nn::svg {

namespace {

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string text(double x, double y, std::string_view s, std::string_view extra = {}) {
    return "<text x=\"" + number(x) + "\" y=\"" + number(y) + "\"" + (extra.empty() ? "" : " " + std::string(extra)) + ">" + escape(s) +
           "</text>\n";
}

std::string open(double width, double height) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) + "\" height=\"" + number(height) + "\" viewBox=\"0 0 " +
           number(width) + " " + number(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

}  // namespace

std::string heatmap(const Heatmap& h) {
    constexpr double kCell = 56, kLeft = 110, kTop = 70;
    const double width = kLeft + kCell * static_cast<double>(h.columns.size()) + 20;
    const double height = kTop + kCell * static_cast<double>(h.rows.size()) + 40;
    std::string out = open(width, height);
    out += text(10, 20, h.title, "font-size=\"14\" font-weight=\"bold\"");
    out += text(10, 40, "rows: " + h.row_axis + "; columns: " + h.column_axis, "fill=\"#555\"");
    for (std::size_t c = 0; c < h.columns.size(); ++c) {
        out += text(kLeft + kCell * (static_cast<double>(c) + 0.5), kTop - 8, h.columns[c], "text-anchor=\"middle\"");
    }
    for (std::size_t r = 0; r < h.rows.size(); ++r) {
        const double y = kTop + kCell * static_cast<double>(r);
        out += text(kLeft - 8, y + kCell / 2 + 4, h.rows[r], "text-anchor=\"end\"");
        for (std::size_t c = 0; c < h.columns.size(); ++c) {
            const double s = std::clamp(r < h.shade.size() && c < h.shade[r].size() ? h.shade[r][c] : 0.0, 0.0, 1.0);
            // White to a dark blue; the text turns white on the dark half.
            const auto channel = [&](int from, int to) { return static_cast<int>(std::lround(from + (to - from) * s)); };
            char fill[8];
            std::snprintf(fill, sizeof fill, "#%02x%02x%02x", channel(255, 8), channel(255, 48), channel(255, 107));
            const double x = kLeft + kCell * static_cast<double>(c);
            out += "<rect x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" + number(kCell - 2) + "\" height=\"" + number(kCell - 2) +
                   "\" fill=\"" + fill + "\"/>\n";
            const std::string& label = r < h.text.size() && c < h.text[r].size() ? h.text[r][c] : std::string();
            out += text(x + kCell / 2 - 1, y + kCell / 2 + 4, label, s > 0.5 ? "text-anchor=\"middle\" fill=\"white\"" : "text-anchor=\"middle\"");
        }
    }
    return out + "</svg>\n";
}

std::string line_chart(const LineChart& c) {
    constexpr double kWidth = 640, kHeight = 360, kLeft = 60, kRight = 150, kTop = 40, kBottom = 50;
    constexpr std::array<const char*, 6> kColours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    double x_min = c.x.empty() ? 0 : c.x.front(), x_max = c.x.empty() ? 1 : c.x.back();
    double y_min = 0, y_max = 0;
    bool any = false;
    for (const Series& s : c.series) {
        for (double v : s.y) {
            if (!std::isfinite(v)) continue;
            y_min = any ? std::min(y_min, v) : v;
            y_max = any ? std::max(y_max, v) : v;
            any = true;
        }
    }
    if (x_max <= x_min) x_max = x_min + 1;
    if (y_max <= y_min) y_max = y_min + 1;
    y_min = std::min(y_min, 0.0);
    const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
    auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
    auto py = [&](double y) { return kTop + plot_h - (y - y_min) / (y_max - y_min) * plot_h; };
    std::string out = open(kWidth, kHeight);
    out += text(10, 20, c.title, "font-size=\"14\" font-weight=\"bold\"");
    out += "<rect x=\"" + number(kLeft) + "\" y=\"" + number(kTop) + "\" width=\"" + number(plot_w) + "\" height=\"" + number(plot_h) +
           "\" fill=\"none\" stroke=\"#999\"/>\n";
    for (int i = 0; i <= 4; ++i) {
        const double y = y_min + (y_max - y_min) * i / 4;
        char label[32];
        std::snprintf(label, sizeof label, "%.3g", y);
        out += text(kLeft - 6, py(y) + 4, label, "text-anchor=\"end\" fill=\"#555\"");
        const double x = x_min + (x_max - x_min) * i / 4;
        std::snprintf(label, sizeof label, "%.0f", x);
        out += text(px(x), kTop + plot_h + 16, label, "text-anchor=\"middle\" fill=\"#555\"");
    }
    out += text(kLeft + plot_w / 2, kHeight - 10, c.x_axis, "text-anchor=\"middle\"");
    out += text(12, kTop - 10, c.y_axis, "fill=\"#555\"");
    for (std::size_t s = 0; s < c.series.size(); ++s) {
        const char* colour = kColours[s % kColours.size()];
        std::string points;
        for (std::size_t i = 0; i < c.series[s].y.size() && i < c.x.size(); ++i) {
            if (!std::isfinite(c.series[s].y[i])) continue;
            points += number(px(c.x[i])) + "," + number(py(c.series[s].y[i])) + " ";
        }
        out += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
        const double ly = kTop + 16 + 18 * static_cast<double>(s);
        out += "<line x1=\"" + number(kWidth - kRight + 12) + "\" y1=\"" + number(ly - 4) + "\" x2=\"" + number(kWidth - kRight + 32) +
               "\" y2=\"" + number(ly - 4) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
        out += text(kWidth - kRight + 38, ly, c.series[s].name);
    }
    return out + "</svg>\n";
}

}  // namespace moe::nn::svg
