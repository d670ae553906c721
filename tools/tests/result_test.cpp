// SPDX-License-Identifier: MIT
// mdl::Result: no kernel needed.
#include <gtest/gtest.h>

#include <memory>

#include "mdl/result.hpp"

namespace {

TEST(Result, HoldsAValue) {
  mdl::Result<int> r = 42;
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.errnum(), 0);
  EXPECT_FALSE(r.error());
}

TEST(Result, HoldsAnErrno) {
  mdl::Result<int> r = mdl::fail(ENOMEM);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.errnum(), ENOMEM);
  EXPECT_EQ(r.error(), std::errc::not_enough_memory);
  EXPECT_THROW((void)r.value(), mdl::BadResultAccess);
}

TEST(Result, MovesMoveOnlyValues) {
  mdl::Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidStatus) {
  mdl::Status ok;
  EXPECT_TRUE(ok);
  mdl::Status bad = mdl::fail(EPERM);
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.errnum(), EPERM);
  EXPECT_THROW(bad.value(), mdl::BadResultAccess);
}

TEST(Result, ErrnoNames) {
  EXPECT_EQ(mdl::errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(mdl::errno_name(EOPNOTSUPP), "EOPNOTSUPP");
  EXPECT_EQ(mdl::errno_name(4095), "errno 4095");
}

}  // namespace
