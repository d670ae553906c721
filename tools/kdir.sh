#!/bin/sh
# Prints the kernel build directory to build against: the running kernel's,
# else the newest Debian 6.1 headers (the test kernel), else the default path.
running=/lib/modules/$(uname -r)/build
if [ -d "$running" ]; then
	echo "$running"
	exit 0
fi
for dir in $(ls -d /lib/modules/6.1.*-amd64/build 2>/dev/null | sort -V -r); do
	echo "$dir"
	exit 0
done
echo "$running"
