#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tools/conformance/conformance.hpp"

namespace fs = std::filesystem;
using moe::conformance::read_expected_failures;

namespace {

fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("moe_xfail_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(p) << text;
    return p;
}

}  // namespace

TEST(ExpectedFailures, EachCaseTakesTheReasonAboveIt) {
    const fs::path p = write("ok", "# a comment\n\n# why: no blobs\n  A/x.json:x[Cancun][0]  \nA/y.json:y[Cancun][1]\n# why: no KZG\nB/z.json:z[Cancun][2]\r\n");
    auto list = read_expected_failures(p.string());
    fs::remove(p);
    ASSERT_TRUE(list) << list.error();
    ASSERT_EQ(list->size(), 3u);
    EXPECT_EQ(list->at("A/x.json:x[Cancun][0]"), "no blobs");
    EXPECT_EQ(list->at("A/y.json:y[Cancun][1]"), "no blobs");
    EXPECT_EQ(list->at("B/z.json:z[Cancun][2]"), "no KZG");
}

TEST(ExpectedFailures, ACaseWithoutAReasonOrListedTwiceIsRefusedWithItsLine) {
    const fs::path bare = write("bare", "# header\nA/x.json:x[Cancun][0]\n");
    auto list = read_expected_failures(bare.string());
    fs::remove(bare);
    ASSERT_FALSE(list);
    EXPECT_NE(list.error().find(":2: a case before any '# why:' line"), std::string::npos) << list.error();

    const fs::path twice = write("twice", "# why: r\nA/x.json:x[Cancun][0]\nA/x.json:x[Cancun][0]\n");
    list = read_expected_failures(twice.string());
    fs::remove(twice);
    ASSERT_FALSE(list);
    EXPECT_NE(list.error().find(":3: A/x.json:x[Cancun][0] is listed twice"), std::string::npos) << list.error();

    EXPECT_FALSE(read_expected_failures("/nonexistent/expected_failures.txt"));
}
