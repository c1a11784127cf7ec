#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "moe/offline/svg_plot.hpp"

using namespace moe::nn;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST(SvgPlot, AHeatmapHasACellPerValueAndEscapesItsLabels) {
    svg::Heatmap h{"classes <held out> & more", "true", "predicted", {"a", "b"}, {"x", "y", "z"},
                   {{1.0, 0.0, 0.5}, {0.2, 2.0, -1.0}}, {{"10", "0", "5"}, {"2", "20", "0"}}};
    const std::string out = svg::heatmap(h);
    EXPECT_EQ(out.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(out.find("</svg>"), std::string::npos);
    EXPECT_EQ(count(out, "<rect "), 1u + 6u) << "the background and a cell per value";
    EXPECT_NE(out.find("classes &lt;held out&gt; &amp; more"), std::string::npos);
    EXPECT_EQ(out.find("<held out>"), std::string::npos);
    EXPECT_NE(out.find("fill=\"#08306b\""), std::string::npos) << "a share of 1 (and 2, clamped) is the darkest blue";
    EXPECT_NE(out.find("fill=\"#ffffff\""), std::string::npos) << "a share of 0 (and -1, clamped) is white";
    EXPECT_EQ(count(out, ">20</text>"), 1u);
}

TEST(SvgPlot, ALineChartDrawsEachSeriesAndSkipsWhatIsNotANumber) {
    svg::LineChart c{"curves", "epoch", "loss", {1, 2, 3}, {{"train", {0.5, 0.3, 0.2}}, {"validation", {0.6, NAN, 0.4}}}};
    const std::string out = svg::line_chart(c);
    EXPECT_EQ(count(out, "<polyline "), 2u);
    EXPECT_EQ(out.find("nan"), std::string::npos);
    EXPECT_NE(out.find(">validation</text>"), std::string::npos);
    // Nothing to draw still gives a well-formed picture.
    const std::string empty = svg::line_chart(svg::LineChart{"none", "epoch", "loss", {}, {}});
    EXPECT_NE(empty.find("</svg>"), std::string::npos);
}
