// SPDX-License-Identifier: MIT
//
// mdl_tests: the drm-mdl user-space suite. Runs anywhere; the tests that need
// the driver skip without it, except where util.hpp says they must fail.
#include <gtest/gtest.h>

#include <cstdio>

#include "util.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  auto iommu = mdltest::expect_iommu();
  std::printf("mdl_tests: MDL_EXPECT_IOMMU=%s, devices %s, running as %s\n",
              iommu ? (*iommu ? "1" : "0") : "(unset)",
              mdltest::devices_required() ? "required" : "optional",
              mdltest::is_root() ? "root" : "non-root");
  if (auto nodes = mdl::find_nodes("mdl")) {
    for (const auto& n : *nodes)
      std::printf("mdl_tests: found %s on %s %s%s\n", n.path().c_str(),
                  std::string(mdl::bus_name(n.bus)).c_str(), n.bus_id.c_str(),
                  n.is_edu() ? " (edu)" : "");
  }
  std::fflush(stdout);
  return RUN_ALL_TESTS();
}
