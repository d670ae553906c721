#!/bin/sh
# Reads a `make C=2` log on stdin and fails on any sparse or compiler
# diagnostic, printing them.
out=$(grep -E '(warning|error):' || true)
if [ -n "$out" ]; then
	echo "$out"
	echo "sparse: not clean: fix the diagnostics above; 'make sparse' runs it again" >&2
	exit 1
fi
echo "sparse: clean"
